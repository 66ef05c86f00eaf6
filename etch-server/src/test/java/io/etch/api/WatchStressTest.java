package io.etch.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.WatchCreateRequest;
import io.etch.api.etcdserverpb.WatchGrpc;
import io.etch.api.etcdserverpb.WatchRequest;
import io.etch.api.etcdserverpb.WatchResponse;
import io.etch.api.mvccpb.Event;
import io.etch.testing.EtchCluster;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * 10,000 watchers on one member (100 streams of 100 watches: 9,900 on single keys, 100 on the whole
 * prefix) and 100 concurrent writers: every watcher gets exactly the events of its keys, in
 * revision order, each once.
 */
class WatchStressTest {

    private static final int STREAMS = 100;
    private static final int WATCHES_PER_STREAM = 100;
    private static final int KEYS = 1000;
    private static final int WRITERS = 100;
    private static final int PUTS_PER_WRITER = 20;

    private static String key(int i) {
        return String.format("/s/k%04d", i % KEYS);
    }

    /** One stream: what each of its watch ids received, as "key=value@revision". */
    private static final class Stream implements StreamObserver<WatchResponse> {
        final Map<Long, List<String>> received = new ConcurrentHashMap<>();
        final CountDownLatch created = new CountDownLatch(WATCHES_PER_STREAM);
        final AtomicLong total = new AtomicLong();
        volatile Throwable error;
        StreamObserver<WatchRequest> requests;

        @Override
        public void onNext(WatchResponse r) {
            if (r.getCreated()) {
                created.countDown();
                return;
            }
            List<String> list = received.computeIfAbsent(r.getWatchId(), id -> java.util.Collections.synchronizedList(new ArrayList<>()));
            for (Event e : r.getEventsList()) {
                list.add(e.getKv().getKey().toStringUtf8() + "=" + e.getKv().getValue().toStringUtf8() + "@" + e.getKv().getModRevision());
            }
            total.addAndGet(r.getEventsCount());
        }

        @Override
        public void onError(Throwable t) {
            error = t;
        }

        @Override
        public void onCompleted() {
        }
    }

    @Test
    void tenThousandWatchersGetExactlyTheirEventsInOrder() throws Exception {
        try (EtchCluster cluster = EtchCluster.start(1)) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(0)).usePlaintext().build();
            ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
            try {
                List<Stream> streams = new ArrayList<>();
                for (int s = 0; s < STREAMS; s++) {
                    Stream stream = new Stream();
                    stream.requests = WatchGrpc.newStub(channel).watch(stream);
                    for (int w = 0; w < WATCHES_PER_STREAM; w++) {
                        WatchCreateRequest.Builder c = WatchCreateRequest.newBuilder().setWatchId(w + 1);
                        if (w == 0) {
                            c.setKey(ByteString.copyFromUtf8("/s/")).setRangeEnd(ByteString.copyFromUtf8("/s0"));
                        } else {
                            c.setKey(ByteString.copyFromUtf8(key(s * WATCHES_PER_STREAM + w)));
                        }
                        stream.requests.onNext(WatchRequest.newBuilder().setCreateRequest(c).build());
                    }
                    streams.add(stream);
                }
                for (Stream s : streams) {
                    assertThat(s.created.await(60, TimeUnit.SECONDS)).isTrue();
                }

                KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
                List<Future<List<String>>> written = new ArrayList<>();
                for (int w = 0; w < WRITERS; w++) {
                    int writer = w;
                    written.add(writers.submit(() -> {
                        List<String> mine = new ArrayList<>();
                        for (int n = 0; n < PUTS_PER_WRITER; n++) {
                            String k = key(writer * 7919 + n * 104729);
                            String v = "w" + writer + "-" + n;
                            long rev = kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(k))
                                    .setValue(ByteString.copyFromUtf8(v)).build()).getHeader().getRevision();
                            mine.add(rev + " " + k + "=" + v + "@" + rev);
                        }
                        return mine;
                    }));
                }
                // Expected events per key and for the whole prefix, in revision order.
                java.util.TreeMap<Long, String> byRevision = new java.util.TreeMap<>();
                for (Future<List<String>> f : written) {
                    for (String line : f.get(120, TimeUnit.SECONDS)) {
                        int sp = line.indexOf(' ');
                        byRevision.put(Long.parseLong(line.substring(0, sp)), line.substring(sp + 1));
                    }
                }
                assertThat(byRevision).hasSize(WRITERS * PUTS_PER_WRITER);
                List<String> all = new ArrayList<>(byRevision.values());
                Map<String, List<String>> perKey = new HashMap<>();
                for (String e : all) {
                    perKey.computeIfAbsent(e.substring(0, e.indexOf('=')), k -> new ArrayList<>()).add(e);
                }
                long expectedTotal = 0;
                for (int s = 0; s < STREAMS; s++) {
                    expectedTotal += all.size();
                    for (int w = 1; w < WATCHES_PER_STREAM; w++) {
                        expectedTotal += perKey.getOrDefault(key(s * WATCHES_PER_STREAM + w), List.of()).size();
                    }
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (System.nanoTime() < deadline && streams.stream().mapToLong(s -> s.total.get()).sum() < expectedTotal) {
                    Thread.sleep(50);
                }
                for (int s = 0; s < STREAMS; s++) {
                    Stream stream = streams.get(s);
                    assertThat(stream.error).isNull();
                    assertThat(stream.received.getOrDefault(1L, List.of())).as("prefix watcher of stream %d", s).isEqualTo(all);
                    for (int w = 1; w < WATCHES_PER_STREAM; w++) {
                        String k = key(s * WATCHES_PER_STREAM + w);
                        assertThat(stream.received.getOrDefault((long) w + 1, List.of())).as("watcher on %s", k)
                                .isEqualTo(perKey.getOrDefault(k, List.of()));
                    }
                }
                assertThat(streams.stream().mapToLong(s -> s.total.get()).sum()).isEqualTo(expectedTotal);
                streams.forEach(s -> s.requests.onError(new RuntimeException("done")));
            } finally {
                writers.shutdownNow();
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
