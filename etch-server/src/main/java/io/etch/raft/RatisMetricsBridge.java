package io.etch.raft;

import io.etch.metrics.EtchMetrics;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.ratis.metrics.LongCounter;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.Timekeeper;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerStreamTracer;
import org.apache.ratis.util.TimeDuration;

/**
 * Ratis' metrics implementation (found by Ratis through {@code META-INF/services}): it keeps
 * nothing of Ratis' own metrics except the two timings etcd reports, which it hands to the
 * {@link EtchMetrics} of the member they belong to — the log's fsync ("syncTime" of the log worker,
 * etcd's {@code etcd_disk_wal_fsync_duration_seconds}) and the round trip of each AppendEntries
 * to a follower (etcd's {@code etcd_network_peer_round_trip_time_seconds}).
 *
 * <p>Ratis looks its metrics up in one process-wide registry set; the members of this process say
 * here which {@link EtchMetrics} is theirs, keyed by Ratis peer id (the member id in hex).
 */
public final class RatisMetricsBridge extends MetricRegistries {

    private static final Map<String, EtchMetrics> MEMBERS = new ConcurrentHashMap<>();

    private static final String LOG_WORKER = "log_worker";
    private static final String LOG_SYNC_TIME = "syncTime";
    private static final String APPENDER = "log_appender";
    private static final String APPEND_LATENCY = "_latency";
    private static final String HEARTBEAT_LATENCY = "_latency_heartbeat";

    private final Map<MetricRegistryInfo, Registry> registries = new ConcurrentHashMap<>();

    static void register(long memberId, EtchMetrics metrics) {
        MEMBERS.put(RaftMember.peerId(memberId).toString(), metrics);
    }

    static void unregister(long memberId, EtchMetrics metrics) {
        MEMBERS.remove(RaftMember.peerId(memberId).toString(), metrics);
    }

    /** Bytes of Raft messages a member sent to a follower. */
    static void peerSent(RaftPeerId from, RaftPeerId to, long bytes) {
        EtchMetrics m = MEMBERS.get(from.toString());
        if (m != null) {
            m.peerSentBytes.labelValues(to.toString()).inc(bytes);
        }
    }

    /**
     * Counts what arrives on a member's peer port (appends, votes, forwarded requests), in wire
     * bytes. gRPC does not tell which member a stream comes from, so there is no From label.
     */
    static ServerStreamTracer.Factory peerTraffic(long memberId) {
        String self = RaftMember.peerId(memberId).toString();
        return new ServerStreamTracer.Factory() {
            @Override
            public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
                return new ServerStreamTracer() {
                    @Override
                    public void inboundWireSize(long bytes) {
                        EtchMetrics m = MEMBERS.get(self);
                        if (m != null) {
                            m.peerReceivedBytes.labelValues("").inc(bytes);
                        }
                    }
                };
            }
        };
    }

    @Override
    public void clear() {
        registries.clear();
    }

    @Override
    public RatisMetricRegistry create(MetricRegistryInfo info) {
        return registries.computeIfAbsent(info, Registry::new);
    }

    @Override
    public boolean remove(MetricRegistryInfo key) {
        return registries.remove(key) != null;
    }

    @Override
    public Optional<RatisMetricRegistry> get(MetricRegistryInfo info) {
        return Optional.ofNullable(registries.get(info));
    }

    @Override
    public Set<MetricRegistryInfo> getMetricRegistryInfos() {
        return Set.copyOf(registries.keySet());
    }

    @Override
    public Collection<RatisMetricRegistry> getMetricRegistries() {
        return List.copyOf(registries.values());
    }

    @Override
    public void addReporterRegistration(Consumer<RatisMetricRegistry> reporterRegistration,
                                        Consumer<RatisMetricRegistry> stopReporter) {
        // No reporters: Etch exports through its own /metrics.
    }

    @Override
    public void enableJmxReporter() {
    }

    @Override
    public void enableConsoleReporter(TimeDuration consoleReportRate) {
    }

    /** The member a registry belongs to: its prefix is the Ratis member id, "peer@group". */
    private static EtchMetrics memberOf(MetricRegistryInfo info) {
        String prefix = info.getPrefix();
        int at = prefix.indexOf('@');
        return MEMBERS.get(at < 0 ? prefix : prefix.substring(0, at));
    }

    /** One Ratis registry: timers that matter report to the member's metrics, the rest count nothing. */
    private static final class Registry implements RatisMetricRegistry {
        private final MetricRegistryInfo info;

        Registry(MetricRegistryInfo info) {
            this.info = info;
        }

        @Override
        public Timekeeper timer(String name) {
            String component = info.getMetricsComponentName();
            if (LOG_WORKER.equals(component) && LOG_SYNC_TIME.equals(name)) {
                return timing(nanos -> {
                    EtchMetrics m = memberOf(info);
                    if (m != null) {
                        m.walFsync.observe(nanos / 1e9);
                    }
                });
            }
            if (APPENDER.equals(component) && (name.endsWith(APPEND_LATENCY) || name.endsWith(HEARTBEAT_LATENCY))) {
                String follower = name.substring(0, name.indexOf(APPEND_LATENCY));
                return timing(nanos -> {
                    EtchMetrics m = memberOf(info);
                    if (m != null) {
                        m.peerRoundTrip.labelValues(follower).observe(nanos / 1e9);
                    }
                });
            }
            return () -> () -> 0L;
        }

        private static Timekeeper timing(java.util.function.LongConsumer observe) {
            return () -> {
                long start = System.nanoTime();
                return () -> {
                    long elapsed = System.nanoTime() - start;
                    observe.accept(elapsed);
                    return elapsed;
                };
            };
        }

        @Override
        public LongCounter counter(String name) {
            return new Count();
        }

        @Override
        public boolean remove(String name) {
            return true;
        }

        @Override
        public <T> void gauge(String name, Supplier<Supplier<T>> gaugeSupplier) {
        }

        @Override
        public MetricRegistryInfo getMetricRegistryInfo() {
            return info;
        }
    }

    /** A counter Ratis may read back (some of its code does); nothing exports it. */
    private static final class Count implements LongCounter {
        private final AtomicLong n = new AtomicLong();

        @Override
        public void inc(long delta) {
            n.addAndGet(delta);
        }

        @Override
        public void dec(long delta) {
            n.addAndGet(-delta);
        }

        @Override
        public long getCount() {
            return n.get();
        }
    }
}
