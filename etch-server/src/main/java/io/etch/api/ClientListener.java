package io.etch.api;

import io.etch.tls.TlsConfig;
import java.net.InetSocketAddress;

/**
 * One address of --listen-client-urls, --listen-client-http-urls or --listen-metrics-urls:
 * plaintext ({@code http://}, {@code tls} null) or TLS ({@code https://}), and what it serves.
 */
public record ClientListener(InetSocketAddress address, TlsConfig tls, Serves serves) {

    /** What a client port serves: both (etcd's default), or one of them when etcd splits them. */
    public enum Serves {
        /** gRPC and HTTP on one port. */
        GRPC_AND_HTTP,
        /** --listen-client-urls while --listen-client-http-urls is given: gRPC only. */
        GRPC,
        /** --listen-client-http-urls: HTTP only (health, metrics, version, gateway, UI). */
        HTTP
    }

    public ClientListener(InetSocketAddress address, TlsConfig tls) {
        this(address, tls, Serves.GRPC_AND_HTTP);
    }

    public static ClientListener plaintext(InetSocketAddress address) {
        return new ClientListener(address, null);
    }

    public boolean secure() {
        return tls != null;
    }
}
