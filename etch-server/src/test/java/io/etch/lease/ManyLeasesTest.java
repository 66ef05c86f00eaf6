package io.etch.lease;

import static org.assertj.core.api.Assertions.assertThat;

import io.etch.api.etcdserverpb.LeaseGrantRequest;
import io.etch.api.etcdserverpb.LeaseGrpc;
import io.etch.api.etcdserverpb.LeaseKeepAliveRequest;
import io.etch.api.etcdserverpb.LeaseKeepAliveResponse;
import io.etch.api.etcdserverpb.LeaseLeasesRequest;
import io.etch.testing.EtchCluster;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** 10,000 leases renewed over one keep-alive stream of one client. */
class ManyLeasesTest {

    private static final int LEASES = 10_000;

    @Test
    void tenThousandLeasesKeptAliveFromOneClient() throws Exception {
        try (EtchCluster cluster = EtchCluster.start(1)) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(0)).usePlaintext().build();
            try {
                var async = LeaseGrpc.newFutureStub(channel);
                // Granted with a bounded number in flight, as a client pool would.
                Set<Long> ids = new HashSet<>();
                Semaphore inFlight = new Semaphore(256);
                List<com.google.common.util.concurrent.ListenableFuture<io.etch.api.etcdserverpb.LeaseGrantResponse>> grants = new ArrayList<>();
                for (int i = 0; i < LEASES; i++) {
                    inFlight.acquire();
                    var g = async.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(30).build());
                    g.addListener(inFlight::release, Runnable::run);
                    grants.add(g);
                }
                for (var g : grants) {
                    ids.add(g.get(60, TimeUnit.SECONDS).getID());
                }
                assertThat(ids).hasSize(LEASES);

                Set<Long> renewed = ConcurrentHashMap.newKeySet();
                CountDownLatch all = new CountDownLatch(LEASES);
                CompletableFuture<Void> failed = new CompletableFuture<>();
                var requests = LeaseGrpc.newStub(channel).leaseKeepAlive(new StreamObserver<>() {
                    @Override
                    public void onNext(LeaseKeepAliveResponse r) {
                        if (r.getTTL() == 30 && renewed.add(r.getID())) {
                            all.countDown();
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        failed.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
                for (long id : ids) {
                    requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
                }
                assertThat(all.await(60, TimeUnit.SECONDS)).isTrue();
                assertThat(failed).isNotDone();
                requests.onCompleted();
                assertThat(renewed).isEqualTo(ids);
                int listed = LeaseGrpc.newBlockingStub(channel).leaseLeases(LeaseLeasesRequest.getDefaultInstance()).getLeasesCount();
                assertThat(listed).isEqualTo(LEASES);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
