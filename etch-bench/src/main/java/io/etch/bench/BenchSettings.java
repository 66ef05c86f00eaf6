package io.etch.bench;

import io.netty.handler.ssl.SslContext;
import java.util.List;

/**
 * The global flags every command shares, checked.
 *
 * @param endpoints         gRPC endpoints, {@code host:port}
 * @param conns             gRPC connections to open, spread round-robin over the endpoints
 * @param clients           logical clients, each with one request in flight
 * @param precise           print numbers with full precision (Go's {@code %g})
 * @param sample            print per-second samples after the report
 * @param progress          draw the progress bar on stderr
 * @param dialTimeoutMillis fail when a connection is not up in this time; 0 to wait a while and start anyway
 * @param targetLeader      connect only to the leader's endpoint
 * @param resultLine        also print one machine-readable line per report
 * @param warmup            untimed requests before the run (serializable reads of a key nobody writes)
 * @param tls               TLS for {@code https://} endpoints (--cacert, --cert, --key); null when none is given
 */
record BenchSettings(List<String> endpoints, int conns, int clients, boolean precise, boolean sample, boolean progress,
                     long dialTimeoutMillis, boolean targetLeader, boolean resultLine,
                     int warmup, SslContext tls) {
}
