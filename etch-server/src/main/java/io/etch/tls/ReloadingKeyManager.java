package io.etch.tls;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A certificate and key from files, read again when either file changes: etcd reads them on
 * every handshake, so replacing the files takes effect for the next connection without a restart.
 * Here the files' modification times and sizes are compared on each handshake and the pair is
 * parsed only when they moved. A pair that cannot be read (a half-written file) is logged and the
 * previous one stays in use.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {

    private static final Logger log = LoggerFactory.getLogger(ReloadingKeyManager.class);

    private record Material(String alias, List<Long> stamp, X509Certificate[] chain, PrivateKey key) {
    }

    private final Path certFile;
    private final Path keyFile;
    private volatile Material current;
    /** The one before: a handshake that chose its alias just before a reload still finds its key. */
    private volatile Material previous;
    private int generation;

    /** Reads the pair once; a missing or malformed file fails here, naming it. */
    ReloadingKeyManager(Path certFile, Path keyFile) throws TlsException {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.current = load(stamp());
        this.previous = current;
    }

    private Material load(List<Long> stamp) throws TlsException {
        List<X509Certificate> chain = PemFiles.certificates(certFile);
        PrivateKey key = PemFiles.privateKey(keyFile);
        if (!chain.get(0).getPublicKey().getAlgorithm().equals(key.getAlgorithm())) {
            throw new TlsException(keyFile + ": private key type does not match public key type in " + certFile);
        }
        if (!matches(chain.get(0), key)) {
            throw new TlsException(keyFile + ": private key does not match public key in " + certFile);
        }
        synchronized (this) {
            generation++;
            return new Material("etch-" + generation, stamp, chain.toArray(new X509Certificate[0]), key);
        }
    }

    /** Go's tls.X509KeyPair check: the key signs what the certificate's public key verifies. */
    private static boolean matches(X509Certificate cert, PrivateKey key) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> null;
        };
        if (algorithm == null) {
            return true;
        }
        try {
            byte[] probe = "etch".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            java.security.Signature signer = java.security.Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            java.security.Signature verifier = java.security.Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }

    private List<Long> stamp() {
        try {
            return List.of(Files.getLastModifiedTime(certFile).toMillis(), Files.size(certFile),
                    Files.getLastModifiedTime(keyFile).toMillis(), Files.size(keyFile));
        } catch (IOException e) {
            return List.of();
        }
    }

    private Material fresh() {
        Material m = current;
        List<Long> now = stamp();
        if (now.isEmpty() || now.equals(m.stamp())) {
            return m;
        }
        synchronized (this) {
            if (current != m) {
                return current;
            }
            try {
                Material loaded = load(now);
                previous = m;
                current = loaded;
                log.info("reloaded TLS certificate cert-file={} key-file={}", certFile, keyFile);
                return loaded;
            } catch (TlsException e) {
                log.warn("failed to reload TLS certificate, keeping the previous one: {}", e.getMessage());
                current = new Material(m.alias(), now, m.chain(), m.key());
                return current;
            }
        }
    }

    /** The certificate that the next handshake presents. */
    X509Certificate certificate() {
        return fresh().chain()[0];
    }

    private Material byAlias(String alias) {
        Material m = current;
        if (m.alias().equals(alias)) {
            return m;
        }
        Material p = previous;
        return p.alias().equals(alias) ? p : null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return new String[] {fresh().alias()};
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return fresh().alias();
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return fresh().alias();
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return new String[] {fresh().alias()};
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return matching(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return matching(keyType);
    }

    /** The JDK asks once per key type it could use (RSA, EC, ...): only the one of the key answers. */
    private String matching(String keyType) {
        Material m = fresh();
        String algorithm = m.key().getAlgorithm();
        boolean ok = keyType == null || keyType.equals(algorithm)
                || keyType.startsWith("EC") && algorithm.startsWith("EC")
                || keyType.equals("RSASSA-PSS") && algorithm.equals("RSA");
        return ok ? m.alias() : null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Material m = byAlias(alias);
        return m == null ? null : m.chain().clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Material m = byAlias(alias);
        return m == null ? null : m.key();
    }
}
