package io.etch.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Checks the certificate the other side of a connection presents, as etcd's TLS configuration does:
 * the chain against the trusted CA file (the system's roots without one); on the server side the
 * revocation list, read again when the file changes (etcd reads it on every connection); on both
 * sides the allowed common names or host names of --peer-cert-allowed-cn,
 * --peer-cert-allowed-hostname and --client-cert-allowed-hostname. With self-signed (auto TLS)
 * certificates nothing is checked, as etcd's InsecureSkipVerify.
 */
final class CertificateVerifier extends X509ExtendedTrustManager {

    private final X509ExtendedTrustManager chains;
    private final boolean skipVerify;
    private final Path crlFile;
    private final List<String> allowedCns;
    private final List<String> allowedHostnames;
    private volatile CachedCrl crl;

    private record CachedCrl(long modified, long size, X509CRL crl) {
    }

    CertificateVerifier(Path trustedCaFile, Path crlFile, List<String> allowedCns, List<String> allowedHostnames,
                        boolean skipVerify) throws TlsException {
        this.chains = chainVerifier(trustedCaFile);
        this.crlFile = crlFile;
        this.allowedCns = List.copyOf(allowedCns);
        this.allowedHostnames = List.copyOf(allowedHostnames);
        this.skipVerify = skipVerify;
        if (crlFile != null) {
            this.crl = readCrl();
        }
    }

    private static X509ExtendedTrustManager chainVerifier(Path trustedCaFile) throws TlsException {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (trustedCaFile == null) {
                factory.init((KeyStore) null);
            } else {
                KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                store.load(null, null);
                int i = 0;
                for (X509Certificate ca : PemFiles.certificates(trustedCaFile)) {
                    store.setCertificateEntry("ca-" + i++, ca);
                }
                factory.init(store);
            }
            for (TrustManager tm : factory.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) {
                    return x;
                }
            }
            throw new TlsException("no X.509 trust manager in this JVM");
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsException(trustedCaFile + ": " + e.getMessage());
        }
    }

    private CachedCrl readCrl() throws TlsException {
        try {
            long modified = Files.getLastModifiedTime(crlFile).toMillis();
            long size = Files.size(crlFile);
            CachedCrl cached = crl;
            if (cached != null && cached.modified() == modified && cached.size() == size) {
                return cached;
            }
            CachedCrl fresh = new CachedCrl(modified, size, PemFiles.crl(crlFile));
            crl = fresh;
            return fresh;
        } catch (IOException e) {
            throw new TlsException(crlFile + ": " + e.getMessage());
        }
    }

    /** etcd's checkCRL: any certificate of the chain whose serial the list revokes is refused. */
    private void checkRevoked(X509Certificate[] chain) throws CertificateException {
        if (crlFile == null) {
            return;
        }
        X509CRL list;
        try {
            list = readCrl().crl();
        } catch (TlsException e) {
            throw new CertificateException(e.getMessage());
        }
        if (list.getRevokedCertificates() == null) {
            return;
        }
        for (X509Certificate c : chain) {
            for (X509CRLEntry entry : list.getRevokedCertificates()) {
                if (entry.getSerialNumber().equals(c.getSerialNumber())) {
                    throw new CertificateException("transport: certificate serial " + hex(c.getSerialNumber()) + " revoked");
                }
            }
        }
    }

    private static String hex(BigInteger serial) {
        return serial.toString(16);
    }

    /** etcd's VerifyPeerCertificate: the leaf must carry an allowed CN, or match an allowed host name. */
    private void checkAllowed(X509Certificate[] chain) throws CertificateException {
        if (allowedCns.isEmpty() && allowedHostnames.isEmpty()) {
            return;
        }
        X509Certificate leaf = chain[0];
        if (!allowedCns.isEmpty() && allowedCns.contains(commonName(leaf))) {
            return;
        }
        for (String host : allowedHostnames) {
            if (matchesHost(leaf, host)) {
                return;
            }
        }
        throw new CertificateException("client certificate authentication failed");
    }

    /** The subject's common name, or "" when it has none. */
    static String commonName(X509Certificate cert) {
        try {
            LdapName name = new LdapName(cert.getSubjectX500Principal().getName());
            for (Rdn rdn : name.getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return rdn.getValue().toString();
                }
            }
        } catch (InvalidNameException e) {
            return "";
        }
        return "";
    }

    /** Go's x509.Certificate.VerifyHostname: IP SANs for an address, DNS SANs (one-label wildcards) for a name. */
    static boolean matchesHost(X509Certificate cert, String host) {
        List<List<?>> sans;
        try {
            sans = cert.getSubjectAlternativeNames() == null ? List.of() : new ArrayList<>(cert.getSubjectAlternativeNames());
        } catch (CertificateParsingException e) {
            return false;
        }
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        boolean isIp = h.matches("[0-9.]+") || h.contains(":");
        for (List<?> san : sans) {
            int type = (Integer) san.get(0);
            String value = String.valueOf(san.get(1));
            if (isIp && type == 7) {
                try {
                    if (InetAddress.getByName(value).equals(InetAddress.getByName(h))) {
                        return true;
                    }
                } catch (IOException e) {
                    // not an address
                }
            } else if (!isIp && type == 2 && dnsMatches(value, h)) {
                return true;
            }
        }
        return false;
    }

    /**
     * etcd's checkCertSAN for peer connections: a client certificate with SANs must name the address
     * it connects from, by an IP SAN or by a DNS SAN that resolves to it.
     */
    static void checkRemoteAddress(X509Certificate cert, InetAddress remote) throws CertificateException {
        List<String> ips = new ArrayList<>();
        List<String> dns = new ArrayList<>();
        try {
            if (cert.getSubjectAlternativeNames() != null) {
                for (List<?> san : cert.getSubjectAlternativeNames()) {
                    int type = (Integer) san.get(0);
                    if (type == 7) {
                        ips.add(String.valueOf(san.get(1)));
                    } else if (type == 2) {
                        dns.add(String.valueOf(san.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            throw new CertificateException(e.getMessage());
        }
        if (ips.isEmpty() && dns.isEmpty()) {
            return;
        }
        String host = remote.getHostAddress();
        if (matchesHost(cert, host)) {
            return;
        }
        for (String name : dns) {
            if (name.startsWith("*.")) {
                continue;
            }
            try {
                for (InetAddress a : InetAddress.getAllByName(name)) {
                    if (a.equals(remote)) {
                        return;
                    }
                }
            } catch (IOException e) {
                // a name that does not resolve names no address
            }
        }
        if (dns.isEmpty()) {
            throw new CertificateException("x509: certificate is valid for " + String.join(", ", ips) + ", not " + host);
        }
        throw new CertificateException("tls: \"" + host + "\" does not match any of DNSNames " + dns);
    }

    private static boolean dnsMatches(String pattern, String host) {
        String p = pattern.toLowerCase(Locale.ROOT);
        String name = host.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (p.startsWith("*.")) {
            int dot = name.indexOf('.');
            return dot > 0 && name.substring(dot).equals(p.substring(1));
        }
        return p.equals(name);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        if (!skipVerify) {
            chains.checkClientTrusted(chain, authType, socket);
        }
        clientChecks(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        if (!skipVerify) {
            chains.checkClientTrusted(chain, authType, engine);
        }
        clientChecks(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (!skipVerify) {
            chains.checkClientTrusted(chain, authType);
        }
        clientChecks(chain);
    }

    private void clientChecks(X509Certificate[] chain) throws CertificateException {
        checkRevoked(chain);
        if (!skipVerify) {
            checkAllowed(chain);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        if (!skipVerify) {
            chains.checkServerTrusted(chain, authType, socket);
            checkAllowed(chain);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        if (!skipVerify) {
            chains.checkServerTrusted(chain, authType, engine);
            checkAllowed(chain);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (!skipVerify) {
            chains.checkServerTrusted(chain, authType);
            checkAllowed(chain);
        }
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return skipVerify ? new X509Certificate[0] : chains.getAcceptedIssuers();
    }
}
