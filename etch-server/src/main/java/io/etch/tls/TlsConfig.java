package io.etch.tls;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * One side's TLS (client-facing or peer-facing), resolved from etcd's flags and loaded: the
 * certificate this member presents (reloaded when its files change), the checks made on the
 * other side's certificate, and the versions and cipher suites allowed. Transports build their
 * engines from it: {@link #newServerEngine()} for Netty servers, the key and trust managers for
 * the peer transport's own SSL contexts.
 */
public final class TlsConfig {

    /**
     * What etcd's flags say, files as paths (null when not given).
     *
     * @param clientCertFile certificate presented when this member dials out (null: certFile)
     * @param clientCertAuth --client-cert-auth / --peer-client-cert-auth
     * @param selfSigned the certificate came from --auto-tls / --peer-auto-tls: the other side's
     *     certificate is not verified (etcd's InsecureSkipVerify)
     * @param cipherSuites --cipher-suites, Go names; empty for the JDK's defaults
     * @param minVersion --tls-min-version ("TLS1.2", "TLS1.3")
     * @param maxVersion --tls-max-version, "" for the newest
     */
    public record Spec(Path certFile, Path keyFile, Path clientCertFile, Path clientKeyFile, Path trustedCaFile,
                       Path crlFile, boolean clientCertAuth, boolean selfSigned, List<String> allowedCns,
                       List<String> allowedHostnames, List<String> cipherSuites, String minVersion, String maxVersion) {
        public Spec {
            allowedCns = List.copyOf(allowedCns);
            allowedHostnames = List.copyOf(allowedHostnames);
            cipherSuites = List.copyOf(cipherSuites);
        }
    }

    private final Spec spec;
    private final ReloadingKeyManager serverKeys;
    private final ReloadingKeyManager clientKeys;
    private final CertificateVerifier verifier;
    private final List<String> protocols;
    private final List<String> ciphers;
    private final SSLContext serverContext;
    private final SSLContext clientContext;
    private final boolean checkClientAddresses;

    private TlsConfig(Spec spec, ReloadingKeyManager serverKeys, ReloadingKeyManager clientKeys,
                      CertificateVerifier verifier, List<String> protocols, List<String> ciphers,
                      boolean checkClientAddresses) throws TlsException {
        this.spec = spec;
        this.checkClientAddresses = checkClientAddresses;
        this.serverKeys = serverKeys;
        this.clientKeys = clientKeys;
        this.verifier = verifier;
        this.protocols = protocols;
        this.ciphers = ciphers;
        this.serverContext = context(serverKeys, verifier);
        this.clientContext = context(clientKeys, verifier);
    }

    /** Reads every file the spec names; a missing or malformed one fails here, named in the message. */
    public static TlsConfig load(Spec spec) throws TlsException {
        return load(spec, false);
    }

    /**
     * As {@link #load(Spec)}; {@code checkClientAddresses}: a client certificate's SANs must name the
     * address it connects from (etcd's rule for peers, see {@link #checkClientAddress}).
     */
    public static TlsConfig load(Spec spec, boolean checkClientAddresses) throws TlsException {
        if (spec.certFile() == null || spec.keyFile() == null) {
            throw new TlsException("KeyFile and CertFile must both be present[key: " + orEmpty(spec.keyFile())
                    + ", cert: " + orEmpty(spec.certFile()) + "]");
        }
        if (!spec.allowedCns().isEmpty() && !spec.allowedHostnames().isEmpty()) {
            throw new TlsException("AllowedCN and AllowedHostname are mutually exclusive (cn=" + spec.allowedCns()
                    + ", hostname=" + spec.allowedHostnames() + ")");
        }
        ReloadingKeyManager serverKeys = new ReloadingKeyManager(spec.certFile(), spec.keyFile());
        ReloadingKeyManager clientKeys = spec.clientCertFile() != null && spec.clientKeyFile() != null
                ? new ReloadingKeyManager(spec.clientCertFile(), spec.clientKeyFile())
                : serverKeys;
        CertificateVerifier verifier = new CertificateVerifier(spec.trustedCaFile(), spec.crlFile(),
                spec.allowedCns(), spec.allowedHostnames(), spec.selfSigned());
        List<String> protocols = protocols(spec.minVersion(), spec.maxVersion());
        List<String> ciphers = null;
        if (!spec.cipherSuites().isEmpty()) {
            ciphers = new ArrayList<>(CipherSuites.tls12(spec.cipherSuites()));
            if (protocols.contains("TLSv1.3")) {
                ciphers.addAll(CipherSuites.TLS13);
            }
            ciphers = List.copyOf(ciphers);
        }
        return new TlsConfig(spec, serverKeys, clientKeys, verifier, protocols, ciphers, checkClientAddresses);
    }

    /** etcd checks --cipher-suites whether or not anything serves TLS: an unknown name fails at start. */
    public static void checkCipherSuites(List<String> goNames) throws TlsException {
        CipherSuites.tls12(goNames);
    }

    private static String orEmpty(Path p) {
        return p == null ? "" : p.toString();
    }

    private static List<String> protocols(String min, String max) throws TlsException {
        List<String> all = List.of("TLS1.2", "TLS1.3");
        int lo = min.isEmpty() ? 0 : all.indexOf(min);
        int hi = max.isEmpty() ? all.size() - 1 : all.indexOf(max);
        if (lo < 0 || hi < 0) {
            throw new TlsException("unexpected TLS version (must be one of: TLS1.2, TLS1.3)");
        }
        List<String> java = new ArrayList<>();
        for (int i = lo; i <= hi; i++) {
            java.add(all.get(i).equals("TLS1.2") ? "TLSv1.2" : "TLSv1.3");
        }
        if (java.isEmpty()) {
            throw new TlsException("min version (" + min + ") is greater than max version (" + max + ")");
        }
        return List.copyOf(java);
    }

    private static SSLContext context(X509ExtendedKeyManager keys, X509ExtendedTrustManager trust) throws TlsException {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {keys}, new TrustManager[] {trust}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new TlsException("cannot set up TLS: " + e.getMessage());
        }
    }

    public Spec spec() {
        return spec;
    }

    /** Whether servers check that a client certificate names the address the client connects from. */
    public boolean checksClientAddresses() {
        return checkClientAddresses;
    }

    /** etcd's rule: a trusted CA file or --client-cert-auth makes the other side present a verified certificate. */
    public boolean requireClientCertificate() {
        return !spec.selfSigned() && (spec.trustedCaFile() != null || spec.clientCertAuth());
    }

    /** An engine for one accepted connection, with this side's versions, suites and client-certificate rule. */
    public SSLEngine newServerEngine() {
        SSLEngine engine = serverContext.createSSLEngine();
        engine.setUseClientMode(false);
        SSLParameters p = engine.getSSLParameters();
        p.setProtocols(protocols.toArray(new String[0]));
        if (ciphers != null) {
            p.setCipherSuites(ciphers.toArray(new String[0]));
            p.setUseCipherSuitesOrder(true);
        }
        if (requireClientCertificate()) {
            p.setNeedClientAuth(true);
        }
        engine.setSSLParameters(p);
        return engine;
    }

    /** An engine for dialing {@code host:port}: the server's certificate is checked against the host. */
    public SSLEngine newClientEngine(String host, int port) {
        SSLEngine engine = clientContext.createSSLEngine(host, port);
        engine.setUseClientMode(true);
        SSLParameters p = engine.getSSLParameters();
        p.setProtocols(protocols.toArray(new String[0]));
        if (ciphers != null) {
            p.setCipherSuites(ciphers.toArray(new String[0]));
        }
        if (!spec.selfSigned()) {
            p.setEndpointIdentificationAlgorithm("HTTPS");
        }
        engine.setSSLParameters(p);
        return engine;
    }

    /** The certificate and key this member presents as a server. */
    public X509ExtendedKeyManager serverKeyManager() {
        return serverKeys;
    }

    /** The certificate and key this member presents when it dials (--peer-client-cert-file, else the server's). */
    public X509ExtendedKeyManager clientKeyManager() {
        return clientKeys;
    }

    /** Checks the other side's certificate (chain, revocation, allowed names). */
    public X509ExtendedTrustManager trustManager() {
        return verifier;
    }

    /** JDK protocol names allowed ("TLSv1.2", "TLSv1.3"). */
    public List<String> protocols() {
        return protocols;
    }

    /** JDK cipher suite names allowed, or null for the JDK's defaults. */
    public List<String> cipherSuites() {
        return ciphers;
    }

    /** The certificate presented right now (after any reload). */
    public X509Certificate serverCertificate() {
        return serverKeys.certificate();
    }

    /**
     * etcd's check of a peer's client certificate against the address it connects from (skipped
     * with --experimental-peer-skip-client-san-verification): its SANs, when it has any, must
     * name that address.
     */
    public static void checkClientAddress(X509Certificate cert, java.net.InetAddress remote)
            throws java.security.cert.CertificateException {
        CertificateVerifier.checkRemoteAddress(cert, remote);
    }

    /** The subject common name of a certificate, "" when it has none. */
    public static String commonName(X509Certificate cert) {
        return CertificateVerifier.commonName(cert);
    }
}
