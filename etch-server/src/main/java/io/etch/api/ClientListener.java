package io.etch.api;

import io.etch.tls.TlsConfig;
import java.net.InetSocketAddress;

/**
 * One address of --listen-client-urls (or --listen-metrics-urls): plaintext ({@code http://},
 * {@code tls} null) or TLS ({@code https://}).
 */
public record ClientListener(InetSocketAddress address, TlsConfig tls) {

    public static ClientListener plaintext(InetSocketAddress address) {
        return new ClientListener(address, null);
    }

    public boolean secure() {
        return tls != null;
    }
}
