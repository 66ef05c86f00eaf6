package io.etch.raft;

import io.etch.tls.TlsConfig;
import javax.net.ssl.SSLException;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.thirdparty.io.grpc.netty.GrpcSslContexts;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.ClientAuth;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.SslContext;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.SslContextBuilder;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.SslProvider;

/**
 * The peer port's TLS, in the form Ratis' gRPC transport (its own shaded gRPC and Netty) takes:
 * one SSL context for the member's server, one for every connection it opens to a peer (Raft
 * traffic between servers, and the Raft clients that forward writes and leader queries). Both use
 * the JDK's TLS with the member's reloading certificate, etcd's checks of the other side's
 * certificate, and the versions and cipher suites of --tls-min-version, --tls-max-version and
 * --cipher-suites. Ratis' own TLS settings cannot restrict versions or suites, so
 * {@link PromptCommitRpc} builds its transport with these contexts instead.
 */
final class PeerTls {

    private static final String PARAMETER = "etch.raft.peer.tls";

    final SslContext forServer;
    final SslContext forClient;

    private PeerTls(SslContext forServer, SslContext forClient) {
        this.forServer = forServer;
        this.forClient = forClient;
    }

    static PeerTls of(TlsConfig tls) {
        try {
            SslContextBuilder server = GrpcSslContexts.configure(
                    SslContextBuilder.forServer(tls.serverKeyManager()), SslProvider.JDK);
            server.trustManager(tls.trustManager())
                    .clientAuth(tls.requireClientCertificate() ? ClientAuth.REQUIRE : ClientAuth.NONE)
                    .protocols(tls.protocols());
            SslContextBuilder client = GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK);
            client.keyManager(tls.clientKeyManager())
                    .trustManager(tls.trustManager())
                    .protocols(tls.protocols());
            if (tls.cipherSuites() != null) {
                server.ciphers(tls.cipherSuites());
                client.ciphers(tls.cipherSuites());
            }
            return new PeerTls(server.build(), client.build());
        } catch (SSLException e) {
            throw new IllegalStateException("cannot set up peer TLS: " + e.getMessage(), e);
        }
    }

    void putInto(Parameters parameters) {
        parameters.put(PARAMETER, this, PeerTls.class);
    }

    /** The peer TLS of these parameters, or null for plaintext. */
    static PeerTls from(Parameters parameters) {
        return parameters == null ? null : parameters.get(PARAMETER, PeerTls.class);
    }
}
