package io.etch.tls;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * etcd's --cipher-suites names (Go's crypto/tls names) as the JDK's. Most are the same IANA names;
 * Go also takes two short ChaCha20 spellings. As in Go, the list restricts TLS 1.2 only: TLS 1.3
 * suites are not configurable, so naming one changes nothing and TLS 1.3 keeps the JDK's suites.
 */
final class CipherSuites {

    private CipherSuites() {
    }

    /** TLS 1.3 suites: Go lists them among its names but does not let them be chosen. */
    static final Set<String> TLS13 = Set.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256");

    /** Go's tls.CipherSuites() and tls.InsecureCipherSuites() names that are TLS 1.2 (and older) suites. */
    private static final Set<String> GO_TLS12 = Set.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA",
            "TLS_RSA_WITH_AES_256_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
            "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256");

    private static final Map<String, String> GO_ALIASES = Map.of(
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");

    /**
     * The JDK names of the TLS 1.2 suites named, in the order given (etcd prefers them in that
     * order); an unknown name fails with etcd's error.
     */
    static List<String> tls12(List<String> goNames) throws TlsException {
        List<String> java = new ArrayList<>();
        for (String name : goNames) {
            String n = GO_ALIASES.getOrDefault(name, name);
            if (TLS13.contains(n)) {
                continue;
            }
            if (!GO_TLS12.contains(n)) {
                throw new TlsException("unexpected TLS cipher suite \"" + name + "\"");
            }
            java.add(n);
        }
        return java;
    }
}
