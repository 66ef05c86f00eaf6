package io.etch.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * This member's applied Raft index, and the requests waiting for it to reach an index: a member
 * answers a write only once it has applied it itself, so a client's next read on the same member
 * sees it. Waiters are completed on {@code completions}, never on the apply thread.
 */
final class AppliedIndex {
    private final Executor completions;
    private final TreeMap<Long, CompletableFuture<Void>> waiters = new TreeMap<>();
    private long applied;

    AppliedIndex(long applied, Executor completions) {
        this.applied = applied;
        this.completions = completions;
    }

    /** Completes once the applied index is at least {@code index}. */
    CompletableFuture<Void> await(long index) {
        synchronized (this) {
            if (index > applied) {
                return waiters.computeIfAbsent(index, i -> new CompletableFuture<>());
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    /** Called by apply after each entry. */
    void advance(long index) {
        List<CompletableFuture<Void>> done;
        synchronized (this) {
            if (index <= applied) {
                return;
            }
            applied = index;
            if (waiters.isEmpty() || waiters.firstKey() > index) {
                return;
            }
            Map<Long, CompletableFuture<Void>> head = waiters.headMap(index, true);
            done = new ArrayList<>(head.values());
            head.clear();
        }
        completions.execute(() -> done.forEach(f -> f.complete(null)));
    }
}
