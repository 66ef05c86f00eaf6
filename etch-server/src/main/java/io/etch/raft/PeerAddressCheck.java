package io.etch.raft;

import io.etch.tls.TlsConfig;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.apache.ratis.thirdparty.io.grpc.Grpc;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's SAN check on the peer port: a peer's client certificate that has SANs must name the
 * address the peer connects from (etcd does it right after the handshake; here every call on the
 * connection is refused, which keeps the peer out all the same). Off with
 * --experimental-peer-skip-client-san-verification.
 */
final class PeerAddressCheck implements ServerInterceptor {

    private static final Logger log = LoggerFactory.getLogger(PeerAddressCheck.class);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        if (session != null && remote instanceof InetSocketAddress address && address.getAddress() != null) {
            try {
                Certificate[] chain = session.getPeerCertificates();
                if (chain.length > 0 && chain[0] instanceof X509Certificate leaf) {
                    TlsConfig.checkClientAddress(leaf, address.getAddress());
                }
            } catch (SSLPeerUnverifiedException e) {
                // no client certificate: nothing to check
            } catch (CertificateException e) {
                log.warn("rejected peer connection remote-addr={} error={}", remote, e.getMessage());
                call.close(Status.UNAUTHENTICATED.withDescription(e.getMessage()), new Metadata());
                return new ServerCall.Listener<>() {
                };
            }
        }
        return next.startCall(call, headers);
    }
}
