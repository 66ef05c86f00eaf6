package io.etch.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.Compare;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.LeaseGrantRequest;
import io.etch.api.etcdserverpb.LeaseGrpc;
import io.etch.api.etcdserverpb.LeaseRevokeRequest;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.WatchCreateRequest;
import io.etch.api.etcdserverpb.WatchGrpc;
import io.etch.api.etcdserverpb.WatchRequest;
import io.etch.api.etcdserverpb.WatchResponse;
import io.etch.metrics.EtchMetrics;
import io.etch.testing.EtchCluster;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** /metrics under etcd's names, moving with real traffic; etcd's health probes, healthy and not. */
class MetricsAndHealthTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /**
     * Names every member exports (the peer round-trip histogram is the leader's alone: it times
     * the leader's AppendEntries, and is checked there).
     */
    private static final List<String> REQUIRED = List.of(
            "etcd_server_has_leader", "etcd_server_is_leader", "etcd_server_leader_changes_seen_total",
            "etcd_server_proposals_committed_total", "etcd_server_proposals_applied_total",
            "etcd_server_proposals_pending", "etcd_server_proposals_failed_total", "etcd_server_slow_apply_total",
            "etcd_mvcc_db_total_size_in_bytes", "etcd_mvcc_db_total_size_in_use_in_bytes",
            "etcd_mvcc_put_total", "etcd_mvcc_delete_total", "etcd_mvcc_txn_total", "etcd_mvcc_range_total",
            "etcd_debugging_mvcc_keys_total", "etcd_mvcc_watcher_total", "etcd_debugging_mvcc_watcher_total",
            "etcd_debugging_mvcc_watch_stream_total", "etcd_debugging_lease_granted_total",
            "etcd_disk_wal_fsync_duration_seconds_bucket", "etcd_disk_wal_fsync_duration_seconds_count",
            "etcd_disk_backend_commit_duration_seconds_bucket",
            "etcd_server_id", "etcd_cluster_version", "etcd_server_version", "grpc_server_started_total",
            "grpc_server_handled_total", "grpc_server_msg_received_total", "grpc_server_msg_sent_total",
            "etcd_server_health_success", "etcd_server_health_failures",
            "process_resident_memory_bytes", "process_cpu_seconds_total", "process_open_fds", "jvm_memory_used_bytes");

    @Test
    void metricsCountRealTrafficUnderEtcdNames() throws Exception {
        try (EtchCluster cluster = EtchCluster.startWithMetricsListeners(3, EtchMetrics.Level.EXTENSIVE)) {
            int leader = cluster.leaderIndex();
            int follower = (leader + 1) % 3;
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(follower))
                    .usePlaintext().build();
            try {
                KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
                Map<String, Double> before = scrape(cluster.endpoint(follower));
                for (int i = 0; i < 5; i++) {
                    kv.put(PutRequest.newBuilder().setKey(bs("k" + i)).setValue(bs("v")).build());
                }
                kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(bs("k0")).build());
                kv.txn(TxnRequest.newBuilder()
                        .addCompare(Compare.newBuilder().setKey(bs("k1")).setTarget(Compare.CompareTarget.VERSION)
                                .setResult(Compare.CompareResult.GREATER).setVersion(0))
                        .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(bs("t")).setValue(bs("1"))))
                        .build());
                kv.range(RangeRequest.newBuilder().setKey(bs("k1")).build());
                // Read-only: served without Raft; only the branch it takes counts (two ranges).
                RequestOp read = RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(bs("k2"))).build();
                kv.txn(TxnRequest.newBuilder()
                        .addCompare(Compare.newBuilder().setKey(bs("k2")).setTarget(Compare.CompareTarget.VERSION)
                                .setResult(Compare.CompareResult.GREATER).setVersion(0))
                        .addSuccess(read).addSuccess(read)
                        .addFailure(read).addFailure(read).addFailure(read)
                        .build());
                assertThatThrownBy(() -> kv.put(PutRequest.newBuilder().setValue(bs("no key")).build()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
                LeaseGrpc.LeaseBlockingStub lease = LeaseGrpc.newBlockingStub(channel);
                long id = lease.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build()).getID();
                lease.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build());

                LinkedBlockingQueue<WatchResponse> events = new LinkedBlockingQueue<>();
                StreamObserver<WatchRequest> watch = WatchGrpc.newStub(channel).watch(new StreamObserver<>() {
                    @Override
                    public void onNext(WatchResponse r) {
                        events.add(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
                watch.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder().setKey(bs("w"))).build());
                assertThat(events.poll(30, TimeUnit.SECONDS).getCreated()).isTrue();

                Map<String, Double> after = scrape(cluster.endpoint(follower));
                for (String name : REQUIRED) {
                    assertThat(after.keySet()).as(name).anyMatch(series -> series.equals(name) || series.startsWith(name + "{"));
                }
                // Applied on every member and counted there, whichever member took the request.
                assertThat(delta(before, after, "etcd_mvcc_put_total")).isEqualTo(6);
                assertThat(delta(before, after, "etcd_mvcc_delete_total")).isEqualTo(1);
                assertThat(delta(before, after, "etcd_mvcc_txn_total")).isEqualTo(2);
                assertThat(delta(before, after, "etcd_mvcc_range_total")).isEqualTo(3);
                assertThat(delta(before, after, "etcd_debugging_lease_granted_total")).isEqualTo(1);
                assertThat(delta(before, after, "etcd_debugging_lease_revoked_total")).isEqualTo(1);
                // k1..k4 and t: the deleted k0 no longer counts.
                assertThat(after.get("etcd_debugging_mvcc_keys_total")).isEqualTo(5);
                assertThat(after.get("etcd_mvcc_watcher_total")).isEqualTo(1);
                assertThat(after.get("etcd_debugging_mvcc_watch_stream_total")).isEqualTo(1);
                String put = "grpc_method=\"Put\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"";
                assertThat(delta(before, after, "grpc_server_started_total{" + put + "}")).isEqualTo(6);
                assertThat(delta(before, after, "grpc_server_handled_total{grpc_code=\"OK\"," + put + "}")).isEqualTo(5);
                assertThat(delta(before, after, "grpc_server_handled_total{grpc_code=\"InvalidArgument\"," + put + "}")).isEqualTo(1);
                assertThat(delta(before, after, "grpc_server_handling_seconds_count{" + put + "}")).isEqualTo(6);
                assertThat(after.get("grpc_server_started_total{grpc_method=\"Watch\",grpc_service=\"etcdserverpb.Watch\",grpc_type=\"bidi_stream\"}"))
                        .isEqualTo(1);
                assertThat(delta(before, after, "etcd_network_client_grpc_received_bytes_total")).isPositive();
                assertThat(delta(before, after, "etcd_disk_wal_fsync_duration_seconds_count")).isPositive();
                assertThat(delta(before, after, "etcd_disk_backend_commit_duration_seconds_count")).isPositive();
                assertThat(after.get("etcd_server_has_leader")).isEqualTo(1);
                assertThat(after.get("etcd_server_is_leader")).isEqualTo(0);
                assertThat(after.get("etcd_server_leader_changes_seen_total")).isGreaterThanOrEqualTo(1);
                assertThat(after.get("etcd_server_proposals_committed_total")).isPositive();
                assertThat(after.get("etcd_server_proposals_pending")).isEqualTo(0);
                assertThat(after.get("etcd_server_id{server_id=\"" + Long.toHexString(cluster.memberId(follower)) + "\"}"))
                        .isEqualTo(1);
                assertThat(after.get("etcd_cluster_version{cluster_version=\"3.5\"}")).isEqualTo(1);
                assertThat(after.get("process_resident_memory_bytes")).isPositive();

                // The leader times each AppendEntries round trip to each follower.
                Map<String, Double> atLeader = scrape("http://127.0.0.1:" + cluster.metricsPort(leader));
                assertThat(atLeader.get("etcd_server_is_leader")).isEqualTo(1);
                String to = "etcd_network_peer_round_trip_time_seconds_count{To=\"" + Long.toHexString(cluster.memberId(follower)) + "\"}";
                assertThat(atLeader.get(to)).as(to).isPositive();
                String sent = "etcd_network_peer_sent_bytes_total{To=\"" + Long.toHexString(cluster.memberId(follower)) + "\"}";
                assertThat(atLeader.get(sent)).as(sent).isPositive();
                assertThat(after.entrySet()).as("peer bytes received by a follower")
                        .anyMatch(e -> e.getKey().startsWith("etcd_network_peer_received_bytes_total") && e.getValue() > 0);
                watch.onCompleted();
            } finally {
                channel.shutdownNow();
            }
        }
    }

    @Test
    void basicMetricsLeaveOutHandlingTimesAndTheMetricsListenerServesHealth() throws Exception {
        try (EtchCluster cluster = EtchCluster.startWithMetricsListeners(1, EtchMetrics.Level.BASIC)) {
            String metricsUrl = "http://127.0.0.1:" + cluster.metricsPort(0);
            Map<String, Double> m = scrape(metricsUrl);
            assertThat(m.keySet()).anyMatch(s -> s.startsWith("grpc_server_started_total{"));
            assertThat(m.keySet()).noneMatch(s -> s.startsWith("grpc_server_handling_seconds"));
            HttpResponse<String> health = get(metricsUrl + "/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("{\"health\":\"true\",\"reason\":\"\"}");
            HttpResponse<String> metrics = get(cluster.endpoint(0) + "/metrics");
            assertThat(metrics.headers().firstValue("content-type").orElse("")).startsWith("text/plain; version=0.0.4");
        }
    }

    @Test
    void probesAnswerAsEtcdWithAndWithoutALeader() throws Exception {
        try (EtchCluster cluster = EtchCluster.start(3)) {
            String url = cluster.endpoint(0);
            assertThat(get(url + "/health").body()).isEqualTo("{\"health\":\"true\",\"reason\":\"\"}");
            assertThat(get(url + "/health?serializable=true").statusCode()).isEqualTo(200);
            assertThat(get(url + "/livez").body()).isEqualTo("ok");
            assertThat(get(url + "/readyz").body()).isEqualTo("ok");
            assertThat(get(url + "/readyz?verbose").body()).isEqualTo(
                    "[+]data_corruption ok\n[+]serializable_read ok\n[+]linearizable_read ok\nreadyz check passed\n");
            assertThat(get(url + "/livez?verbose").body()).isEqualTo("[+]serializable_read ok\nlivez check passed\n");
            assertThat(get(url + "/readyz?verbose&exclude=linearizable_read").body())
                    .contains("[+]linearizable_read excluded: ok\n");
            assertThat(get(url + "/readyz/linearizable_read").body()).isEqualTo("ok");
            assertThat(get(url + "/readyz/no_such_check").statusCode()).isEqualTo(404);
            HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/health"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(post.headers().firstValue("allow")).contains("GET");

            cluster.stop(1);
            cluster.stop(2);
            // Until this member gives up on its leader, the check's read times out instead.
            awaitTrue(() -> get(url + "/health").body().contains("RAFT NO LEADER"));
            HttpResponse<String> health = get(url + "/health");
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(health.body()).isEqualTo("{\"health\":\"false\",\"reason\":\"RAFT NO LEADER\"}");
            // This member still reads its own state: alive, not ready.
            assertThat(get(url + "/health?serializable=true").statusCode()).isEqualTo(200);
            assertThat(get(url + "/livez").statusCode()).isEqualTo(200);
            HttpResponse<String> ready = get(url + "/readyz");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("[-]linearizable_read failed: etcdserver: no leader\n")
                    .contains("[+]serializable_read ok\n").endsWith("readyz check failed\n");
            Map<String, Double> m = scrape(url);
            assertThat(m.get("etcd_server_has_leader")).isEqualTo(0);
            assertThat(m.get("etcd_server_health_failures")).isGreaterThanOrEqualTo(2);
            assertThat(m.get("etcd_server_health_success")).isGreaterThanOrEqualTo(2);
        }
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within a minute");
            }
            Thread.sleep(100);
        }
    }

    private static HttpResponse<String> get(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(url, e);
        }
    }

    /** Each series ("name{labels}") of a scrape and its value. */
    private static Map<String, Double> scrape(String baseUrl) {
        HttpResponse<String> r = get(baseUrl + "/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        Map<String, Double> series = new HashMap<>();
        for (String line : r.body().split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            series.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return series;
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String series) {
        assertThat(after).as(series).containsKey(series);
        return after.get(series) - before.getOrDefault(series, 0.0);
    }

    private static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }
}
