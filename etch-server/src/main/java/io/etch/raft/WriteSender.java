package io.etch.raft;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClientRpc;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.server.RaftServer;

/**
 * Sends a write to whichever member leads, and keeps sending it until it is answered or its time
 * is up: always as the same Ratis request (this member's client id, one call id per write).
 *
 * <p>The identity is what makes re-sending safe. A leader that already holds the request, pending
 * or applied, answers a re-send from its retry cache instead of appending it again; a member that
 * becomes leader has applied every entry of earlier terms before it takes requests, so an entry
 * the old leader had replicated is in its cache too. Re-sending under a new identity (as a Ratis
 * client does once it gives up) would let a write that was in flight at a paused leader be applied
 * a second time after the pause.
 */
final class WriteSender {

    /** Thrown when a write was not answered in time; it may still be applied, at most once. */
    static final class Indeterminate extends TimeoutException {
        Indeterminate() {
            super("write not answered in time");
        }
    }

    private final RaftServer server;
    private final RaftGroupId groupId;
    private final RaftPeerId self;
    private final RaftClientRpc rpc;
    private final Function<RaftPeerId, RaftPeer> peers;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    private final Supplier<RaftPeerId> leader;
    private final ScheduledExecutorService timer;
    private final Executor callbacks;
    private final long attemptMillis;
    private final long retryMillis;
    /** When this member last dropped its connection to each peer (see {@link #reconnect}). */
    private final Map<RaftPeerId, Long> lastReconnect = new ConcurrentHashMap<>();

    /** {@code peers}: the member of the current configuration with an id, with its address; or null. */
    WriteSender(RaftServer server, RaftGroupId groupId, RaftPeerId self, RaftClientRpc rpc,
                Function<RaftPeerId, RaftPeer> peers, Supplier<RaftPeerId> leader, ScheduledExecutorService timer,
                Executor callbacks, long attemptMillis, long retryMillis) {
        this.server = server;
        this.peers = peers;
        this.groupId = groupId;
        this.self = self;
        this.rpc = rpc;
        this.leader = leader;
        this.timer = timer;
        this.callbacks = callbacks;
        this.attemptMillis = attemptMillis;
        this.retryMillis = retryMillis;
    }

    /**
     * The transport knows the peers of the configuration it was built with; a member added at run
     * time that became leader was unknown to it ("Server ... not found"), and every write this
     * member forwarded failed until it restarted. Idempotent and cheap: a map lookup.
     */
    private void knowPeer(RaftPeerId target) {
        RaftPeer peer = peers.apply(target);
        if (peer != null) {
            rpc.addRaftPeers(List.of(peer));
        }
    }

    /**
     * Completes with the leader's successful reply (its log index is the entry's), or fails with
     * {@link Indeterminate} after {@code timeoutMillis}, with {@link StateMachineException} when
     * apply failed, or with {@link AlreadyClosedException} when this member shuts down. Completes
     * on the {@code callbacks} executor, never on a Ratis thread.
     */
    CompletableFuture<RaftClientReply> send(Message message, long timeoutMillis) {
        Attempts a = new Attempts(message, callIds.incrementAndGet(), System.nanoTime()
                + TimeUnit.MILLISECONDS.toNanos(timeoutMillis), timeoutMillis);
        a.next(null);
        return a.result;
    }

    /** A request sent to a remote member but left unanswered this long is taken as a stalled connection. */
    private long stallNanos() {
        return TimeUnit.MILLISECONDS.toNanos(3 * attemptMillis);
    }

    /**
     * Drops the connection (Ratis' client proxy) to {@code target} so that the next attempt dials
     * afresh. Ratis' own client does this after errors; without it, a stream to a member that was
     * paused, or whose connection was cut or reset, can stay stalled for good: every write this
     * member forwards over it then times out, while the member itself looks healthy. At most once
     * per stall period per peer, as many writes notice the same stall at once; the requests still
     * open there fail and are sent again under their own identity (the leader's retry cache
     * answers those it has).
     */
    private void reconnect(RaftPeerId target, Throwable cause) {
        long now = System.nanoTime();
        Long last = lastReconnect.get(target);
        if (last != null && now - last < stallNanos()) {
            return;
        }
        if (last == null ? lastReconnect.putIfAbsent(target, now) != null : !lastReconnect.replace(target, last, now)) {
            return; // another write just did it
        }
        org.slf4j.LoggerFactory.getLogger(WriteSender.class).info(
                "reconnecting to {} for forwarded writes: {}", target, cause.toString());
        rpc.handleException(target, cause, true);
    }

    /** An attempt open at one member, and when it was sent. */
    private record Open(CompletableFuture<RaftClientReply> reply, long sentNanos) {
    }

    /** The attempts of one write; each attempt is the same request sent to the leader of the moment. */
    private final class Attempts {
        final Message message;
        final long callId;
        final long deadline;
        final long timeoutMillis;
        final CompletableFuture<RaftClientReply> result = new CompletableFuture<>();
        /**
         * The attempt still open at each member. Ratis' client keeps one reply slot per call id on
         * its stream to a member and refuses a second request with the same id while the first is
         * open, so an attempt at a member that has not answered yet is waited on again, not re-sent.
         */
        private final Map<RaftPeerId, Open> open = new ConcurrentHashMap<>();

        Attempts(Message message, long callId, long deadline, long timeoutMillis) {
            this.message = message;
            this.callId = callId;
            this.deadline = deadline;
            this.timeoutMillis = timeoutMillis;
        }

        void next(RaftPeerId suggested) {
            if (result.isDone()) {
                return;
            }
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                result.completeExceptionally(new Indeterminate());
                return;
            }
            RaftPeerId target = suggested != null ? suggested : leader.get();
            if (target == null) {
                retryLater(null);
                return;
            }
            RaftClientRequest request = RaftClientRequest.newBuilder()
                    .setClientId(clientId)
                    .setServerId(target)
                    .setGroupId(groupId)
                    .setCallId(callId)
                    .setMessage(message)
                    .setType(RaftClientRequest.writeRequestType())
                    .setTimeoutMs(timeoutMillis)
                    .build();
            Open o = open.get(target);
            if (o == null || o.reply().isDone()) {
                CompletableFuture<RaftClientReply> reply;
                try {
                    if (target.equals(self)) {
                        reply = server.submitClientRequestAsync(request);
                    } else {
                        knowPeer(target);
                        reply = rpc.sendRequestAsyncUnordered(request);
                    }
                } catch (IOException | RuntimeException e) {
                    // A send that cannot even start counts as a failed attempt: ask again later.
                    reply = CompletableFuture.failedFuture(e);
                }
                o = new Open(reply, System.nanoTime());
                open.put(target, o);
            }
            CompletableFuture<RaftClientReply> sent = o.reply();
            // A paused or partitioned leader never answers: ask again (same request) once a
            // heartbeat round or two has passed; by then a new leader may be known.
            // Ratis completes replies on its own threads, the apply thread among them; what follows
            // (the next proposal, a re-send) calls into Ratis again, which must never happen there:
            // Ratis blocks the calling thread until a request is queued, and the apply thread then
            // waits on itself.
            // A copy: the attempt's timeout must not end the request still open at that member.
            sent.copy().orTimeout(Math.min(left, attemptMillis), TimeUnit.MILLISECONDS)
                    .whenCompleteAsync((reply, error) -> handle(target, reply, error), callbacks)
                    .exceptionally(e -> {
                        // The attempt's own failure passes through here too (handle dealt with
                        // it); only a callback the executor refused is left to end the write.
                        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                        if (cause instanceof RejectedExecutionException) {
                            stopped(cause);
                        }
                        return null;
                    });
        }

        private void handle(RaftPeerId target, RaftClientReply reply, Throwable error) {
            if (error == null && reply.isSuccess()) {
                result.complete(reply);
                return;
            }
            if (error == null && reply.getStateMachineException() != null) {
                result.completeExceptionally(reply.getStateMachineException());
                return;
            }
            if (server.getLifeCycleState().isClosingOrClosed()) {
                result.completeExceptionally(new AlreadyClosedException("member " + self + " is shutting down"));
                return;
            }
            if (error != null && !target.equals(self)) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                Open o = open.get(target);
                boolean stalled = cause instanceof TimeoutException && o != null && !o.reply().isDone()
                        && System.nanoTime() - o.sentNanos() > stallNanos();
                if (stalled || !(cause instanceof TimeoutException)) {
                    reconnect(target, cause);
                }
                if (stalled) {
                    open.remove(target, o); // it went down with the old connection: send it anew
                }
            }
            NotLeaderException notLeader = error == null ? reply.getNotLeaderException() : null;
            RaftPeerId suggested = notLeader != null && notLeader.getSuggestedLeader() != null
                    && !notLeader.getSuggestedLeader().getId().equals(target)
                    ? notLeader.getSuggestedLeader().getId() : null;
            if (suggested != null) {
                next(suggested);
            } else {
                retryLater(null);
            }
        }

        private void retryLater(RaftPeerId suggested) {
            try {
                timer.schedule(() -> next(suggested), retryMillis, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                stopped(e);
            }
        }

        /** The member is shutting down (its executors refuse work): the write ends, undecided. */
        private Void stopped(Throwable cause) {
            AlreadyClosedException closed = new AlreadyClosedException("member " + self + " is shutting down");
            closed.initCause(cause);
            result.completeExceptionally(closed);
            return null;
        }
    }
}
