package io.etch;

import io.etch.config.ConfigException;
import io.etch.config.EtchConfig;
import io.etch.config.TlsSettings;
import io.etch.tls.SelfSignedCertificates;
import io.etch.tls.TlsConfig;
import io.etch.tls.TlsException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The client and peer TLS of a member, from etcd's flags, as etcd's embed package sets them up:
 * generated certificates for --auto-tls / --peer-auto-tls, etcd's warnings for TLS settings on
 * {@code http://} URLs and its errors for {@code https://} URLs without a certificate, and every
 * file read (and checked) before anything listens.
 *
 * @param client TLS of the https client and metrics listeners, or null when none is https
 * @param peer TLS of the peer port and of connections to peers, or null for plaintext peers
 * @param warnings what etcd logs as warnings on the way
 */
record TlsSetup(TlsConfig client, TlsConfig peer, List<String> warnings) {

    static TlsSetup of(EtchConfig config) throws ConfigException {
        List<String> warnings = new ArrayList<>();
        List<String> ciphers = config.extra("cipher-suites").isEmpty()
                ? List.of() : List.of(config.extra("cipher-suites").split(","));
        String min = config.extra("tls-min-version");
        String max = config.extra("tls-max-version");
        long validity = Long.parseLong(config.extra("self-signed-cert-validity"));
        try {
            TlsConfig.checkCipherSuites(ciphers);
            List<String> clientUrls = EtchMain.clientUrls(config);
            for (String url : clientUrls) {
                if (url.startsWith("unix:") || url.startsWith("unixs:")) {
                    throw new ConfigException("unix socket listeners are not supported by Etch: " + url);
                }
            }
            for (String url : config.listenClientHttpUrls()) {
                if (config.listenClientUrls().contains(url)) {
                    throw new ConfigException(url + " is in both --listen-client-urls and --listen-client-http-urls");
                }
            }

            // Peers: etcd's configurePeerListeners.
            TlsSettings peerFlags = config.peerTls();
            Spec peer = spec(peerFlags, ciphers, min, max, false);
            if (peerFlags.autoTls()) {
                if (!peerFlags.isEmpty()) {
                    warnings.add("ignoring peer auto TLS since certs given");
                } else {
                    var files = SelfSignedCertificates.ensure(Path.of(config.dataDir(), "fixtures", "peer"),
                            hosts(config.listenPeerUrls()), validity);
                    peer = selfSigned(files, ciphers, min, max, peerFlags);
                }
            }
            boolean httpsPeers = false;
            for (String url : config.listenPeerUrls()) {
                if (url.startsWith("http:")) {
                    if (peer != null) {
                        warnings.add("scheme is HTTP while key and cert files are present; ignoring key and cert files peer-url=" + url);
                    }
                    if (peerFlags.clientCertAuth()) {
                        warnings.add("scheme is HTTP while --peer-client-cert-auth is enabled; ignoring client cert auth for this URL peer-url=" + url);
                    }
                } else if (url.startsWith("https:")) {
                    if (peer == null) {
                        throw new ConfigException("cannot listen on TLS for " + hostPort(url)
                                + ": KeyFile and CertFile are not presented");
                    }
                    httpsPeers = true;
                }
            }
            checkOneSchemeForPeers(config, httpsPeers);

            // Clients: etcd's configureClientListeners; the metrics listeners take the client TLS too.
            TlsSettings clientFlags = config.clientTls();
            Spec client = spec(clientFlags, ciphers, min, max, false);
            if (clientFlags.autoTls()) {
                if (!clientFlags.isEmpty()) {
                    warnings.add("ignoring client auto TLS since certs given");
                } else {
                    var files = SelfSignedCertificates.ensure(Path.of(config.dataDir(), "fixtures", "client"),
                            hosts(clientUrls), validity);
                    client = selfSigned(files, ciphers, min, max, clientFlags);
                }
            }
            boolean httpsClients = false;
            for (String url : clientUrls) {
                if (url.startsWith("http:")) {
                    if (client != null) {
                        warnings.add("scheme is HTTP while key and cert files are present; ignoring key and cert files client-url=" + url);
                    }
                    if (clientFlags.clientCertAuth()) {
                        warnings.add("scheme is HTTP while --client-cert-auth is enabled; ignoring client cert auth for this URL client-url=" + url);
                    }
                } else if (url.startsWith("https:")) {
                    if (client == null) {
                        throw new ConfigException("TLS key/cert (--cert-file, --key-file) must be provided for client url "
                                + url + " with HTTPS scheme");
                    }
                    httpsClients = true;
                }
            }
            for (String url : config.listenMetricsUrls()) {
                if (url.startsWith("https:")) {
                    if (client == null) {
                        throw new ConfigException("cannot listen on TLS for " + hostPort(url)
                                + ": KeyFile and CertFile are not presented");
                    }
                    httpsClients = true;
                }
            }
            return new TlsSetup(httpsClients ? TlsConfig.load(client.spec()) : null,
                    httpsPeers ? TlsConfig.load(peer.spec(),
                            !Boolean.parseBoolean(config.extra("experimental-peer-skip-client-san-verification"))) : null,
                    warnings);
        } catch (TlsException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** A TLS spec in the making; null stands for "no certificate given". */
    private record Spec(TlsConfig.Spec spec) {
    }

    private static Spec spec(TlsSettings s, List<String> ciphers, String min, String max, boolean selfSigned) {
        if (s.isEmpty()) {
            return null;
        }
        return new Spec(new TlsConfig.Spec(path(s.certFile()), path(s.keyFile()), path(s.clientCertFile()),
                path(s.clientKeyFile()), path(s.trustedCaFile()), path(s.crlFile()), s.clientCertAuth(), selfSigned,
                s.allowedCns(), s.allowedHostnames(), ciphers, min, max));
    }

    /**
     * etcd replaces the whole TLS info by the generated one: no trusted CA, no client certificate
     * checks. The revocation list is kept (etcd loses it with the rest); it only ever refuses
     * certificates that it names.
     */
    private static Spec selfSigned(SelfSignedCertificates.KeyPairFiles files, List<String> ciphers, String min,
                                   String max, TlsSettings flags) {
        return new Spec(new TlsConfig.Spec(files.certFile(), files.keyFile(), null, null, null, path(flags.crlFile()),
                false, true, List.of(), List.of(), ciphers, min, max));
    }

    private static Path path(String file) {
        return file.isEmpty() ? null : Path.of(file);
    }

    /** Ratis' transport is TLS for every peer or for none: the other members' URLs must agree with ours. */
    private static void checkOneSchemeForPeers(EtchConfig config, boolean https) throws ConfigException {
        for (String name : config.initialClusterMembers().names()) {
            for (String url : config.initialClusterMembers().peerUrls(name)) {
                if (url.startsWith("https:") != https) {
                    throw new ConfigException("--initial-cluster member " + name + " has peer URL " + url
                            + " but this member's peers are served over " + (https ? "https" : "http")
                            + "; Etch talks TLS to every peer or to none");
                }
            }
        }
    }

    private static List<String> hosts(List<String> urls) {
        return urls.stream().map(u -> URI.create(u).getHost()).toList();
    }

    private static String hostPort(String url) {
        URI uri = URI.create(url);
        return uri.getHost() + ":" + uri.getPort();
    }
}
