package io.etch.raft;

import io.etch.api.raftpb.RaftBatch;
import io.etch.api.raftpb.RaftEntry;
import io.etch.api.raftpb.RaftReply;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Coalesces concurrent writes into Raft entries, as etcd batches proposals: with nothing in
 * flight a write is proposed at once, alone; writes that arrive while proposals are in flight
 * wait and go together in the next entry (a {@link RaftBatch}, bounded by count and bytes), each
 * keeping its own revision and reply. KV writes are batched; other requests (compaction, leases)
 * travel alone but keep their place in the order.
 */
final class ProposalQueue {
    static final int MAX_ENTRIES = 256;
    static final int MAX_BYTES = 1 << 20;

    private record Pending(RaftEntry entry, int size, CompletableFuture<RaftReply> reply) {
    }

    private final Function<RaftEntry, CompletableFuture<RaftReply>> propose;
    private final int maxInFlight;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private int inFlight;

    /** {@code propose} replicates and applies one entry and completes with its reply. */
    ProposalQueue(Function<RaftEntry, CompletableFuture<RaftReply>> propose, int maxInFlight) {
        this.propose = propose;
        this.maxInFlight = maxInFlight;
    }

    CompletableFuture<RaftReply> propose(RaftEntry entry) {
        Pending p = new Pending(entry, entry.getSerializedSize(), new CompletableFuture<>());
        List<Pending> batch;
        synchronized (this) {
            queue.add(p);
            batch = takeBatch();
        }
        if (batch != null) {
            send(batch);
        }
        return p.reply;
    }

    /** The next batch to send if a proposal slot is free; the caller holds the lock. */
    private List<Pending> takeBatch() {
        if (inFlight >= maxInFlight || queue.isEmpty()) {
            return null;
        }
        List<Pending> batch = new ArrayList<>();
        Pending first = queue.poll();
        batch.add(first);
        if (batchable(first.entry)) {
            int bytes = first.size;
            while (!queue.isEmpty() && batch.size() < MAX_ENTRIES && batchable(queue.peek().entry)
                    && bytes + queue.peek().size <= MAX_BYTES) {
                Pending p = queue.poll();
                bytes += p.size;
                batch.add(p);
            }
        }
        inFlight++;
        return batch;
    }

    private static boolean batchable(RaftEntry e) {
        return switch (e.getRequestCase()) {
            case PUT, DELETE_RANGE, TXN -> true;
            default -> false;
        };
    }

    private void send(List<Pending> batch) {
        RaftEntry entry = batch.size() == 1 ? batch.get(0).entry : RaftEntry.newBuilder()
                .setBatch(RaftBatch.newBuilder().addAllEntries(batch.stream().map(Pending::entry).toList()))
                .build();
        CompletableFuture<RaftReply> sent;
        try {
            sent = propose.apply(entry);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((reply, error) -> {
            List<Pending> following;
            synchronized (this) {
                inFlight--;
                following = takeBatch();
            }
            if (following != null) {
                send(following);
            }
            complete(batch, reply, error);
        });
    }

    private static void complete(List<Pending> batch, RaftReply reply, Throwable error) {
        if (error != null) {
            batch.forEach(p -> p.reply.completeExceptionally(error));
            return;
        }
        if (batch.size() == 1) {
            batch.get(0).reply.complete(reply);
            return;
        }
        if (reply.getReplyCase() != RaftReply.ReplyCase.BATCH || reply.getBatch().getRepliesCount() != batch.size()) {
            // Every member applies a batch entry by entry; anything else is the one error it can give.
            batch.forEach(p -> p.reply.complete(reply));
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).reply.complete(reply.getBatch().getReplies(i));
        }
    }
}
