package io.etch.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClientRpc;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.util.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * WriteSender against a stand-in for Ratis' client transport that behaves as Ratis' does: one
 * open reply slot per call id on the stream to a member, a second request with the same id while
 * the first is open refused with IllegalStateException.
 */
class WriteSenderTest {

    private static final RaftPeerId SELF = RaftPeerId.valueOf("a");
    private static final RaftPeerId LEADER = RaftPeerId.valueOf("b");
    private static final RaftGroupId GROUP = RaftGroupId.valueOf(UUID.randomUUID());

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService callbacks = Executors.newFixedThreadPool(2);

    @AfterEach
    void stop() {
        timer.shutdownNow();
        callbacks.shutdownNow();
    }

    /** Ratis' per-stream reply map, and every request sent. */
    private static final class Transport {
        final Map<Long, CompletableFuture<RaftClientReply>> open = new ConcurrentHashMap<>();
        final List<RaftClientRequest> sent = new CopyOnWriteArrayList<>();
        volatile boolean failNextSynchronously;
        final java.util.concurrent.atomic.AtomicInteger reconnects = new java.util.concurrent.atomic.AtomicInteger();
        /** Peers the transport can reach, as Ratis' proxy map holds them. */
        final Set<RaftPeerId> known = ConcurrentHashMap.newKeySet();

        RaftClientRpc rpc() {
            return (RaftClientRpc) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {RaftClientRpc.class},
                    (proxy, method, args) -> {
                        if (method.getName().equals("addRaftPeers")) {
                            for (Object peer : (java.util.Collection<?>) args[0]) {
                                known.add(((RaftPeer) peer).getId());
                            }
                            return null;
                        }
                        if (method.getName().equals("sendRequestAsyncUnordered")) {
                            RaftClientRequest r = (RaftClientRequest) args[0];
                            if (!known.contains(r.getServerId())) {
                                throw new NullPointerException("Server " + r.getServerId() + " not found");
                            }
                            sent.add(r);
                            if (failNextSynchronously) {
                                failNextSynchronously = false;
                                throw new IllegalStateException("stream broke");
                            }
                            CompletableFuture<RaftClientReply> f = new CompletableFuture<>();
                            if (open.putIfAbsent(r.getCallId(), f) != null) {
                                throw new IllegalStateException("Entry already exists for key " + r.getCallId());
                            }
                            f.whenComplete((v, e) -> open.remove(r.getCallId(), f));
                            return f;
                        }
                        if (method.getName().equals("handleException")) {
                            // Ratis drops the connection: what was open on its stream fails.
                            reconnects.incrementAndGet();
                            open.values().forEach(f -> f.completeExceptionally(new java.io.IOException("closed")));
                            return true;
                        }
                        return null;
                    });
        }

        void answer(RaftClientRequest r) {
            open.get(r.getCallId()).complete(RaftClientReply.newBuilder().setRequest(r).setSuccess().setLogIndex(7).build());
        }
    }

    private static RaftServer runningServer() {
        return (RaftServer) Proxy.newProxyInstance(WriteSenderTest.class.getClassLoader(), new Class<?>[] {RaftServer.class},
                (proxy, method, args) -> method.getName().equals("getLifeCycleState") ? LifeCycle.State.RUNNING : null);
    }

    private static void untilSent(Transport t, int n) throws InterruptedException {
        for (int i = 0; i < 500 && t.sent.size() < n; i++) {
            Thread.sleep(10);
        }
    }

    private WriteSender sender(Transport t) {
        return new WriteSender(runningServer(), GROUP, SELF, t.rpc(),
                id -> RaftPeer.newBuilder().setId(id).setAddress("127.0.0.1:1").build(), () -> LEADER, timer, callbacks, 100, 10);
    }

    /** The transport was built with the bootstrap members; a leader added later is made known to it first. */
    @Test
    void aLeaderAddedAfterTheTransportWasBuiltIsReached() throws Exception {
        Transport t = new Transport();
        CompletableFuture<RaftClientReply> reply = sender(t).send(Message.valueOf("w"), 10_000);
        untilSent(t, 1);
        assertThat(t.known).containsExactly(LEADER);
        t.answer(t.sent.get(0));
        assertThat(reply.get(10, TimeUnit.SECONDS).getLogIndex()).isEqualTo(7);
    }

    @Test
    void aLeaderSlowerThanOneAttemptIsWaitedOnNotAskedAgainOnTheSameStream() throws Exception {
        Transport t = new Transport();
        CompletableFuture<RaftClientReply> reply = sender(t).send(Message.valueOf("w"), 10_000);
        // Two attempt timeouts pass while the leader has not answered (fewer than a stall's three).
        Thread.sleep(250);
        assertThat(t.sent).hasSize(1);
        assertThat(t.reconnects).hasValue(0);
        t.answer(t.sent.get(0));
        assertThat(reply.get(10, TimeUnit.SECONDS).getLogIndex()).isEqualTo(7);
    }

    @Test
    void aStreamLeftUnansweredForAStallIsDialledAgainAndTheSameRequestSentAnew() throws Exception {
        Transport t = new Transport();
        CompletableFuture<RaftClientReply> reply = sender(t).send(Message.valueOf("w"), 10_000);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.sent.size() < 2) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(5);
        }
        assertThat(t.reconnects.get()).isPositive();
        assertThat(t.sent.get(1).getCallId()).isEqualTo(t.sent.get(0).getCallId());
        assertThat(t.sent.get(1).getClientId()).isEqualTo(t.sent.get(0).getClientId());
        t.answer(t.sent.get(1));
        assertThat(reply.get(10, TimeUnit.SECONDS).getLogIndex()).isEqualTo(7);
    }

    @Test
    void aSendThatFailsAtOnceIsRetriedWithTheSameIdentity() throws Exception {
        Transport t = new Transport();
        t.failNextSynchronously = true;
        CompletableFuture<RaftClientReply> reply = sender(t).send(Message.valueOf("w"), 10_000);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.sent.size() < 2) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(5);
        }
        t.answer(t.sent.get(1));
        assertThat(reply.get(10, TimeUnit.SECONDS).getLogIndex()).isEqualTo(7);
        assertThat(t.sent.get(1).getCallId()).isEqualTo(t.sent.get(0).getCallId());
        assertThat(t.sent.get(1).getClientId()).isEqualTo(t.sent.get(0).getClientId());
    }
}
