package io.etch.raft;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * etcd's linearizable read loop: one Raft ReadIndex round at a time serves every read that was
 * waiting when it started. A read that arrives during a round waits for the next one (the round in
 * flight may have fixed its read index before a write the reader already saw was committed).
 */
final class ReadIndexRounds {
    private final Supplier<CompletableFuture<Void>> round;
    private CompletableFuture<Void> next;
    private boolean inFlight;

    /** {@code round} runs one ReadIndex round and completes once this member applied up to it. */
    ReadIndexRounds(Supplier<CompletableFuture<Void>> round) {
        this.round = round;
    }

    CompletableFuture<Void> barrier() {
        CompletableFuture<Void> mine;
        boolean start = false;
        synchronized (this) {
            if (next == null) {
                next = new CompletableFuture<>();
            }
            mine = next;
            if (!inFlight) {
                inFlight = true;
                next = null;
                start = true;
            }
        }
        if (start) {
            run(mine);
        }
        return mine;
    }

    private void run(CompletableFuture<Void> waiting) {
        CompletableFuture<Void> r;
        try {
            r = round.get();
        } catch (RuntimeException e) {
            r = CompletableFuture.failedFuture(e);
        }
        r.whenComplete((ok, error) -> {
            CompletableFuture<Void> following;
            synchronized (this) {
                following = next;
                next = null;
                inFlight = following != null;
            }
            if (following != null) {
                run(following);
            }
            if (error == null) {
                waiting.complete(null);
            } else {
                waiting.completeExceptionally(error);
            }
        });
    }
}
