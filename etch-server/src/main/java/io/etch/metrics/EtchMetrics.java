package io.etch.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;

/**
 * A member's metrics, under etcd's names and labels where they mean the same thing, so that
 * etcd's dashboards and alerts work unchanged. One instance per member, handed to the parts that
 * count; nothing is registered globally, so several members in one JVM keep their own numbers.
 */
public final class EtchMetrics {

    /** What {@code --metrics} asks for: extensive adds gRPC handling-time histograms. */
    public enum Level {
        BASIC, EXTENSIVE;

        public static Level of(String flag) {
            return "extensive".equals(flag) ? EXTENSIVE : BASIC;
        }
    }

    private static final double[] DISK_BUCKETS = exponential(0.001, 2, 14);
    private static final double[] PEER_RTT_BUCKETS = exponential(0.0001, 2, 16);
    private static final double[] UNARY_BUCKETS = exponential(0.0001, 2, 17);
    private static final double[] GRPC_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Level level;

    public final Counter leaderChanges = counter("etcd_server_leader_changes_seen_total",
            "The number of leader changes seen.");
    public final Gauge proposalsPending = Gauge.builder().name("etcd_server_proposals_pending")
            .help("The current number of pending proposals to commit.").register(registry);
    public final Counter proposalsFailed = counter("etcd_server_proposals_failed_total",
            "The total number of failed proposals seen.");
    public final Counter slowApplies = counter("etcd_server_slow_apply_total",
            "The total number of slow apply requests (likely overloaded from slow disk).");
    public final Counter slowReadIndex = counter("etcd_server_slow_read_indexes_total",
            "The total number of pending read indexes not in sync with leader's or timed out read index requests.");
    /**
     * etcd names these counters without the "_total" every counter gets in this client's
     * exposition; they are exported as gauges under etcd's exact names instead.
     */
    public final LongAdder healthSuccesses = new LongAdder();
    public final LongAdder healthFailures = new LongAdder();
    /** Snapshot transfers to and from members that fell behind the leader's purged log. */
    public final LongAdder snapshotsSent = new LongAdder();
    public final LongAdder snapshotSendFailures = new LongAdder();
    public final LongAdder snapshotsReceived = new LongAdder();
    public final LongAdder snapshotReceiveFailures = new LongAdder();

    public final Counter puts = counter("etcd_mvcc_put_total", "Total number of puts seen by this member.");
    public final Counter deletes = counter("etcd_mvcc_delete_total", "Total number of deletes seen by this member.");
    public final Counter txns = counter("etcd_mvcc_txn_total", "Total number of txns seen by this member.");
    public final Counter ranges = counter("etcd_mvcc_range_total", "Total number of ranges seen by this member.");
    public final Counter rangeStreamBytes = counter("etch_range_stream_sent_bytes_total",
            "Bytes of RangeStream responses handed to gRPC for sending.");
    public final Counter rangeStreamPauses = counter("etch_range_stream_paused_total",
            "Times a RangeStream stopped reading because its client could not take more yet.");

    public final Counter leasesGranted = counter("etcd_debugging_lease_granted_total",
            "The total number of granted leases.");
    public final Counter leasesRevoked = counter("etcd_debugging_lease_revoked_total",
            "The total number of revoked leases.");
    public final Counter leasesRenewed = counter("etcd_debugging_lease_renewed_total",
            "The number of renewed leases seen by the leader.");

    public final Histogram walFsync = Histogram.builder().name("etcd_disk_wal_fsync_duration_seconds")
            .help("The latency distributions of fsync called by WAL.")
            .classicOnly().classicUpperBounds(DISK_BUCKETS).register(registry);
    public final Histogram backendCommit = Histogram.builder().name("etcd_disk_backend_commit_duration_seconds")
            .help("The latency distributions of commit called by backend.")
            .classicOnly().classicUpperBounds(DISK_BUCKETS).register(registry);
    public final Histogram peerRoundTrip = Histogram.builder().name("etcd_network_peer_round_trip_time_seconds")
            .help("Round-Trip-Time histogram between peers").labelNames("To")
            .classicOnly().classicUpperBounds(PEER_RTT_BUCKETS).register(registry);

    public final Counter peerSentBytes = Counter.builder().name("etcd_network_peer_sent_bytes_total")
            .help("The total number of bytes sent to peers.").labelNames("To").register(registry);
    public final Counter peerReceivedBytes = Counter.builder().name("etcd_network_peer_received_bytes_total")
            .help("The total number of bytes received from peers.").labelNames("From").register(registry);
    public final Counter clientReceivedBytes = counter("etcd_network_client_grpc_received_bytes_total",
            "The total number of bytes received from grpc clients.");
    public final Counter clientSentBytes = counter("etcd_network_client_grpc_sent_bytes_total",
            "The total number of bytes sent to grpc clients.");

    public final Counter grpcStarted = Counter.builder().name("grpc_server_started_total")
            .help("Total number of RPCs started on the server.")
            .labelNames("grpc_type", "grpc_service", "grpc_method").register(registry);
    public final Counter grpcHandled = Counter.builder().name("grpc_server_handled_total")
            .help("Total number of RPCs completed on the server, regardless of success or failure.")
            .labelNames("grpc_type", "grpc_service", "grpc_method", "grpc_code").register(registry);
    public final Counter grpcReceived = Counter.builder().name("grpc_server_msg_received_total")
            .help("Total number of RPC stream messages received on the server.")
            .labelNames("grpc_type", "grpc_service", "grpc_method").register(registry);
    public final Counter grpcSent = Counter.builder().name("grpc_server_msg_sent_total")
            .help("Total number of gRPC stream messages sent by the server.")
            .labelNames("grpc_type", "grpc_service", "grpc_method").register(registry);
    /** Every unary call's handling time, always on (the built-in UI charts it); not one of etcd's. */
    public final Histogram unaryDuration = Histogram.builder().name("etch_grpc_unary_duration_seconds")
            .help("Handling time of unary gRPC calls, all methods together.")
            .classicOnly().classicUpperBounds(UNARY_BUCKETS).register(registry);
    /** Only with {@code --metrics extensive}, as in etcd; null otherwise. */
    public final Histogram grpcHandling;

    public EtchMetrics(Level level) {
        this.level = level;
        this.grpcHandling = level == Level.EXTENSIVE
                ? Histogram.builder().name("grpc_server_handling_seconds")
                        .help("Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.")
                        .labelNames("grpc_type", "grpc_service", "grpc_method")
                        .classicOnly().classicUpperBounds(GRPC_BUCKETS).register(registry)
                : null;
        gauge("etcd_server_health_success", "The total number of successful health checks", healthSuccesses::sum);
        gauge("etcd_server_health_failures", "The total number of failed health checks", healthFailures::sum);
        gauge("etcd_network_snapshot_send_success", "Total number of successful snapshot sends", snapshotsSent::sum);
        gauge("etcd_network_snapshot_send_failures", "Total number of snapshot send failures", snapshotSendFailures::sum);
        gauge("etcd_network_snapshot_receive_success", "Total number of successful snapshot receives",
                snapshotsReceived::sum);
        gauge("etcd_network_snapshot_receive_failures", "Total number of snapshot receive failures",
                snapshotReceiveFailures::sum);
        // process_* (CPU, resident memory, open file descriptors, start time) and the JVM's own.
        JvmMetrics.builder().register(registry);
    }

    /** Metrics that nobody scrapes, for parts used on their own (tests, tools). */
    public static EtchMetrics unscraped() {
        return new EtchMetrics(Level.BASIC);
    }

    public Level level() {
        return level;
    }

    private Counter counter(String name, String help) {
        return Counter.builder().name(name).help(help).register(registry);
    }

    /**
     * A gauge read when scraped. A value that cannot be read at the moment (a member shutting
     * down) is left out of that scrape instead of failing the whole scrape.
     */
    public void gauge(String name, String help, DoubleSupplier value) {
        GaugeWithCallback.builder().name(name).help(help).callback(cb -> {
            double v;
            try {
                v = value.getAsDouble();
            } catch (RuntimeException e) {
                return;
            }
            cb.call(v);
        }).register(registry);
    }

    /** A gauge that is always 1 and says something in its label, as etcd's etcd_server_id. */
    public void info(String name, String help, String label, String value) {
        Gauge.builder().name(name).help(help).labelNames(label).register(registry).labelValues(value).set(1);
    }

    /** Everything, in Prometheus' text format (version 0.0.4). */
    public void writeText(OutputStream out) throws IOException {
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
    }

    public static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }

    private static double[] exponential(double start, double factor, int count) {
        double[] b = new double[count];
        double v = start;
        for (int i = 0; i < count; i++) {
            b[i] = v;
            v *= factor;
        }
        return b;
    }
}
