package io.etch.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Duration;
import java.util.Date;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's "jwt" tokens: signed claims {@code username}, {@code revision} and {@code exp}, checked by
 * signature alone, so every member (and anyone with the public key) can verify them. A token carries
 * the auth revision it was made at and goes stale with the next auth change, as in etcd.
 */
public final class JwtTokens implements TokenProvider {

    private static final Logger log = LoggerFactory.getLogger(JwtTokens.class);

    private final JWSAlgorithm algorithm;
    /** Null when only a public key was given: such a member verifies tokens but cannot issue them. */
    private final JWSSigner signer;
    private final JWSVerifier verifier;
    private final Duration ttl;
    private final LongSupplier wallClockMillis;

    JwtTokens(JWSAlgorithm algorithm, JWSSigner signer, JWSVerifier verifier, Duration ttl, LongSupplier wallClockMillis) {
        this.algorithm = algorithm;
        this.signer = signer;
        this.verifier = verifier;
        this.ttl = ttl;
        this.wallClockMillis = wallClockMillis;
    }

    /** Builds the signer and verifier for {@code algorithm} from the keys read from --auth-token's files. */
    static JwtTokens of(JWSAlgorithm algorithm, PrivateKey privateKey, PublicKey publicKey, byte[] secret, Duration ttl)
            throws TokenSettings.Invalid {
        try {
            if (JWSAlgorithm.Family.HMAC_SHA.contains(algorithm)) {
                return new JwtTokens(algorithm, new MACSigner(secret), new MACVerifier(secret), ttl, System::currentTimeMillis);
            }
            if (JWSAlgorithm.Family.RSA.contains(algorithm)) {
                RSAPublicKey pub = (RSAPublicKey) publicKey;
                return new JwtTokens(algorithm, privateKey == null ? null : new RSASSASigner(privateKey),
                        new RSASSAVerifier(pub), ttl, System::currentTimeMillis);
            }
            if (JWSAlgorithm.Family.EC.contains(algorithm)) {
                return new JwtTokens(algorithm, privateKey == null ? null : new ECDSASigner((ECPrivateKey) privateKey),
                        new ECDSAVerifier((ECPublicKey) publicKey), ttl, System::currentTimeMillis);
            }
        } catch (JOSEException e) {
            throw new TokenSettings.Invalid("the key does not suit " + algorithm + ": " + e.getMessage());
        } catch (ClassCastException e) {
            throw new TokenSettings.Invalid("the keys are not " + algorithm + " keys");
        }
        throw new TokenSettings.Invalid("auth: invalid auth signature method");
    }

    static boolean isRsa(JWSAlgorithm a) {
        return JWSAlgorithm.Family.RSA.contains(a);
    }

    /** Whether the two keys are a pair: a probe signed with one verifies with the other. */
    static boolean matches(PrivateKey priv, PublicKey pub) {
        String algorithm = switch (pub.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC", "ECDSA" -> "SHA256withECDSA";
            default -> null;
        };
        if (algorithm == null) {
            return false;
        }
        try {
            byte[] probe = "etch key pair check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            java.security.Signature signer = java.security.Signature.getInstance(algorithm);
            signer.initSign(priv);
            signer.update(probe);
            byte[] signature = signer.sign();
            java.security.Signature verifier = java.security.Signature.getInstance(algorithm);
            verifier.initVerify(pub);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (java.security.GeneralSecurityException e) {
            log.warn("cannot check that the JWT keys are a pair: {}", e.toString());
            return false;
        }
    }

    @Override
    public String newPrefix() {
        return "";
    }

    @Override
    public String assign(String prefix, long index, String user, long revision) {
        if (signer == null) {
            // etcd: ErrVerifyOnly; this member was given a public key only
            log.warn("cannot issue a token for {}: --auth-token has no private key (verify only)", user);
            return "";
        }
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .claim("username", user)
                .claim("revision", revision)
                .expirationTime(new Date((wallClockMillis.getAsLong() + ttl.toMillis()) / 1000 * 1000))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(algorithm), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            log.warn("failed to sign a token for {}: {}", user, e.toString());
            return "";
        }
        return jwt.serialize();
    }

    @Override
    public AuthInfo info(String token, long currentRevision) {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            if (!jwt.getHeader().getAlgorithm().equals(algorithm) || !jwt.verify(verifier)) {
                log.warn("invalid JWT token (bad signature or method)");
                return null;
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            Date exp = claims.getExpirationTime();
            if (exp != null && exp.getTime() <= wallClockMillis.getAsLong()) {
                return null;
            }
            Object user = claims.getClaim("username");
            Object revision = claims.getClaim("revision");
            if (!(user instanceof String u) || !(revision instanceof Number r)) {
                log.warn("JWT token without username or revision claims");
                return null;
            }
            return new AuthInfo(u, r.longValue());
        } catch (ParseException | JOSEException | IllegalStateException e) {
            log.warn("failed to parse a JWT token: {}", e.getMessage());
            return null;
        }
    }

    @Override
    public void invalidateUser(String user) {
        // Signed tokens cannot be taken back; the revision they carry makes them stale instead.
    }

    @Override
    public void enable() {
    }

    @Override
    public void disable() {
    }
}
