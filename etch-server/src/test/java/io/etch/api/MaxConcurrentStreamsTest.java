package io.etch.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.WatchCreateRequest;
import io.etch.api.etcdserverpb.WatchGrpc;
import io.etch.api.etcdserverpb.WatchRequest;
import io.etch.api.etcdserverpb.WatchResponse;
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
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** --max-concurrent-streams bounds the streams of a gRPC connection, and the gateway's calls together, as in etcd. */
class MaxConcurrentStreamsTest {

    @Test
    void aConnectionAtTheLimitHoldsFurtherCalls() throws Exception {
        try (EtchCluster cluster = EtchCluster.startWithMaxConcurrentStreams(1, 3)) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(0)).usePlaintext().build();
            try {
                KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
                kv.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("warm")).build());
                List<StreamObserver<WatchRequest>> watches = new ArrayList<>();
                List<CompletableFuture<Void>> created = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    CompletableFuture<Void> c = new CompletableFuture<>();
                    created.add(c);
                    StreamObserver<WatchRequest> w = WatchGrpc.newStub(channel).watch(new StreamObserver<>() {
                        @Override
                        public void onNext(WatchResponse r) {
                            c.complete(null);
                        }

                        @Override
                        public void onError(Throwable t) {
                        }

                        @Override
                        public void onCompleted() {
                        }
                    });
                    w.onNext(WatchRequest.newBuilder().setCreateRequest(
                            WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8("w" + i))).build());
                    watches.add(w);
                }
                for (CompletableFuture<Void> c : created) {
                    c.get(30, TimeUnit.SECONDS);
                }
                assertThatThrownBy(() -> kv.withDeadlineAfter(1, TimeUnit.SECONDS)
                        .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
                // The limit is per connection: another one is served.
                ManagedChannel other = NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(0)).usePlaintext().build();
                try {
                    assertThat(KVGrpc.newBlockingStub(other).withDeadlineAfter(30, TimeUnit.SECONDS)
                            .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build()).getCount()).isZero();
                } finally {
                    other.shutdownNow();
                }
            } finally {
                channel.shutdownNow();
            }
        }
    }

    @Test
    void theGatewaysCallsShareTheLimit() throws Exception {
        try (EtchCluster cluster = EtchCluster.startWithMaxConcurrentStreams(1, 3)) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String url = cluster.endpoint(0);
            List<CompletableFuture<HttpResponse<java.util.stream.Stream<String>>>> watches = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                watches.add(http.sendAsync(HttpRequest.newBuilder(URI.create(url + "/v3/watch"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"create_request\":{\"key\":\"Zm9v\"}}")).build(),
                        HttpResponse.BodyHandlers.ofLines()));
            }
            for (var w : watches) {
                w.get(30, TimeUnit.SECONDS);
            }
            // Below the limit: answered.
            assertThat(range(http, url, Duration.ofSeconds(30)).statusCode()).isEqualTo(200);
            watches.add(http.sendAsync(HttpRequest.newBuilder(URI.create(url + "/v3/watch"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"create_request\":{\"key\":\"Zm9v\"}}")).build(),
                    HttpResponse.BodyHandlers.ofLines()));
            watches.get(2).get(30, TimeUnit.SECONDS);
            // At the limit: the range waits (a client with a timeout gives up, as curl -m does against etcd).
            assertThatThrownBy(() -> range(http, url, Duration.ofSeconds(2))).isInstanceOf(HttpTimeoutException.class);
        }
    }

    private static HttpResponse<String> range(HttpClient http, String url, Duration timeout) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url + "/v3/kv/range")).timeout(timeout)
                .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"Zm9v\"}")).build(), HttpResponse.BodyHandlers.ofString());
    }
}
