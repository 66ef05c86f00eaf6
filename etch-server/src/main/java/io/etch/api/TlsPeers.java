package io.etch.api;

import io.etch.tls.TlsConfig;
import io.grpc.Grpc;
import io.grpc.ServerCall;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The verified client certificate of a connection, for etcd's rule that with --client-cert-auth
 * the certificate's common name is the user: from a gRPC call's transport attributes, or from an
 * HTTP/1.1 connection's TLS handler.
 */
public final class TlsPeers {

    private TlsPeers() {
    }

    /** The common name of the client certificate of a TLS session, or null (no TLS, no certificate, no CN). */
    public static String commonName(SSLSession session) {
        if (session == null) {
            return null;
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
                return null;
            }
            String cn = TlsConfig.commonName(leaf);
            return cn.isEmpty() ? null : cn;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    /** For a gRPC call: the client certificate's common name, or null. */
    public static String commonName(ServerCall<?, ?> call) {
        return commonName(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    }

    /** For an HTTP/1.1 request on a TLS port: the client certificate's common name, or null. */
    public static String commonName(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        return ssl == null ? null : commonName(ssl.engine().getSession());
    }
}
