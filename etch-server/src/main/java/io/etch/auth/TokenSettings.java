package io.etch.auth;

import com.nimbusds.jose.JWSAlgorithm;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's {@code --auth-token}: {@code simple} (the default) or
 * {@code jwt,pub-key=FILE,priv-key=FILE,sign-method=RS256,ttl=5m}. Read once at start; a bad value
 * stops the member with a message that says what is wrong, instead of etcd's bare
 * "auth: invalid auth options".
 */
public final class TokenSettings {

    private static final Logger log = LoggerFactory.getLogger(TokenSettings.class);
    private static final Set<String> JWT_OPTIONS = Set.of("pub-key", "priv-key", "sign-method", "ttl");
    private static final Duration DEFAULT_JWT_TTL = Duration.ofMinutes(5);
    /** The JDK's key factories refuse some OpenSSL encodings (SEC1 EC keys); BouncyCastle's read them all. */
    /**
     * Made on first use: building BouncyCastle's provider registers thousands of algorithms (about 8 MB of
     * heap and 900 classes), which a member with simple tokens never needs.
     */
    private static final class Bc {
        static final java.security.Provider PROVIDER = new org.bouncycastle.jce.provider.BouncyCastleProvider();
    }

    /** A --auth-token value that cannot be used. */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message);
        }
    }

    private TokenSettings() {
    }

    /** The provider {@code spec} asks for; {@code simpleTtlSeconds} is --auth-token-ttl. */
    public static TokenProvider provider(String spec, long simpleTtlSeconds, Function<String, Duration> goDurations)
            throws Invalid {
        String[] parts = spec.split(",", -1);
        String type = parts[0];
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", -1);
            if (kv.length != 2) {
                throw new Invalid("auth: invalid auth options: invalid token specific option: " + parts[i]);
            }
            if (options.containsKey(kv[0])) {
                throw new Invalid("auth: invalid auth options: token specific option duplicated(" + type + "): " + kv[0]);
            }
            options.put(kv[0], kv[1]);
        }
        return switch (type) {
            case "simple" -> {
                log.warn("simple token is not cryptographically signed");
                yield new SimpleTokens(simpleTtlSeconds, System::nanoTime);
            }
            case "jwt" -> jwt(options, goDurations);
            default -> throw new Invalid("auth: invalid auth options: unknown token type " + GoQuote.of(type)
                    + " (must be simple or jwt)");
        };
    }

    private static TokenProvider jwt(Map<String, String> options, Function<String, Duration> goDurations) throws Invalid {
        options.keySet().stream().filter(k -> !JWT_OPTIONS.contains(k))
                .forEach(k -> log.warn("unknown JWT option {}", k));
        Duration ttl = DEFAULT_JWT_TTL;
        if (options.containsKey("ttl") && !options.get("ttl").isEmpty()) {
            try {
                ttl = goDurations.apply(options.get("ttl"));
            } catch (IllegalArgumentException e) {
                throw new Invalid("auth: invalid auth options: ttl: " + e.getMessage());
            }
        }
        String method = options.getOrDefault("sign-method", "");
        JWSAlgorithm algorithm = switch (method) {
            case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
                 "HS256", "HS384", "HS512" -> JWSAlgorithm.parse(method);
            default -> throw new Invalid("auth: invalid auth signature method: " + GoQuote.of(method)
                    + " (RS256/384/512, PS256/384/512, ES256/384/512 or HS256/384/512)");
        };
        String pubFile = options.getOrDefault("pub-key", "");
        String privFile = options.getOrDefault("priv-key", "");
        if (JWSAlgorithm.Family.HMAC_SHA.contains(algorithm)) {
            if (privFile.isEmpty()) {
                throw new Invalid("auth: missing key data: " + method + " needs priv-key (the shared secret)");
            }
            byte[] secret = read(privFile);
            if (secret.length * 8 < Integer.parseInt(method.substring(2))) {
                throw new Invalid("priv-key " + privFile + " is too short for " + method + ": it needs at least "
                        + Integer.parseInt(method.substring(2)) / 8 + " bytes");
            }
            return JwtTokens.of(algorithm, null, null, secret, ttl);
        }
        if (pubFile.isEmpty() && privFile.isEmpty()) {
            throw new Invalid("auth: missing key data: " + method + " needs pub-key and/or priv-key");
        }
        PrivateKey priv = null;
        PublicKey pub = null;
        java.security.KeyPair pair = null;
        if (!privFile.isEmpty()) {
            pair = privateKey(privFile);
            priv = jdk(pair.getPrivate(), privFile);
        }
        if (!pubFile.isEmpty()) {
            pub = jdk(publicKey(pubFile), pubFile);
            if (priv != null && !JwtTokens.matches(priv, pub)) {
                throw new Invalid("auth: public and private keys don't match (" + pubFile + ", " + privFile + ")");
            }
        } else if (pair != null && pair.getPublic() != null) {
            pub = jdk(pair.getPublic(), privFile);
        }
        if (pub == null) {
            throw new Invalid("auth: missing key data: cannot derive a public key from " + privFile + "; give pub-key too");
        }
        return JwtTokens.of(algorithm, priv, pub, null, ttl);
    }

    /** The same key as the JDK's own class (the JWT library checks the algorithm names the JDK uses). */
    private static PrivateKey jdk(PrivateKey key, String file) throws Invalid {
        try {
            return java.security.KeyFactory.getInstance(jdkName(key.getAlgorithm()))
                    .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(key.getEncoded()));
        } catch (java.security.GeneralSecurityException e) {
            throw new Invalid("cannot use the private key in " + file + ": " + e.getMessage());
        }
    }

    private static PublicKey jdk(PublicKey key, String file) throws Invalid {
        try {
            return java.security.KeyFactory.getInstance(jdkName(key.getAlgorithm()))
                    .generatePublic(new java.security.spec.X509EncodedKeySpec(key.getEncoded()));
        } catch (java.security.GeneralSecurityException e) {
            throw new Invalid("cannot use the public key in " + file + ": " + e.getMessage());
        }
    }

    private static String jdkName(String algorithm) {
        return algorithm.equals("ECDSA") ? "EC" : algorithm;
    }

    private static byte[] read(String file) throws Invalid {
        try {
            return Files.readAllBytes(Path.of(file));
        } catch (IOException e) {
            throw new Invalid("cannot read " + file + ": " + e);
        }
    }

    private static Object pem(String file) throws Invalid {
        try (PEMParser parser = new PEMParser(new StringReader(new String(read(file), StandardCharsets.US_ASCII)))) {
            Object o = parser.readObject();
            if (o == null) {
                throw new Invalid(file + " holds no PEM data");
            }
            return o;
        } catch (IOException e) {
            throw new Invalid("cannot parse " + file + ": " + e.getMessage());
        }
    }

    private static java.security.KeyPair privateKey(String file) throws Invalid {
        Object o = pem(file);
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter().setProvider(Bc.PROVIDER);
        try {
            if (o instanceof PEMKeyPair kp && kp.getPublicKeyInfo() == null) {
                // an EC key written without its public point
                return new java.security.KeyPair(null, converter.getPrivateKey(kp.getPrivateKeyInfo()));
            }
            if (o instanceof PEMKeyPair kp) {
                return converter.getKeyPair(kp);
            }
            if (o instanceof PrivateKeyInfo info) {
                return new java.security.KeyPair(null, converter.getPrivateKey(info));
            }
        } catch (IOException e) {
            throw new Invalid("cannot read the private key in " + file + ": " + e.getMessage());
        }
        throw new Invalid(file + " does not hold a private key");
    }

    private static PublicKey publicKey(String file) throws Invalid {
        Object o = pem(file);
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter().setProvider(Bc.PROVIDER);
        try {
            if (o instanceof SubjectPublicKeyInfo info) {
                return converter.getPublicKey(info);
            }
            if (o instanceof X509CertificateHolder cert) {
                return converter.getPublicKey(cert.getSubjectPublicKeyInfo());
            }
            if (o instanceof PEMKeyPair kp) {
                return converter.getKeyPair(kp).getPublic();
            }
        } catch (IOException e) {
            throw new Invalid("cannot read the public key in " + file + ": " + e.getMessage());
        }
        throw new Invalid(file + " does not hold a public key or certificate");
    }

    /** Go's %q for the few strings these messages quote. */
    private static final class GoQuote {
        static String of(String s) {
            return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }
    }
}
