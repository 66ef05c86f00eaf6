package io.etch.lease;

import com.google.protobuf.ByteString;
import io.etch.mvcc.KeyOrder;
import java.util.List;
import java.util.TreeSet;

/** One lease as the {@link Lessor} keeps it. Guarded by the lessor's lock. */
final class Lease {
    /** Expiry not decided: this member is not the leader, or the leader has not looked at it yet. */
    static final long UNSET = Long.MAX_VALUE;
    private static final long NANOS = 1_000_000_000L;

    final long id;
    /** Granted TTL in seconds. */
    final long ttl;
    /** Remaining TTL in seconds as last checkpointed through Raft; 0 = none, the full TTL applies. */
    long remainingTtl;
    final TreeSet<ByteString> keys = new TreeSet<>(KeyOrder.UNSIGNED);

    // Leader-only, from the leader's clock (System.nanoTime()): never touched by apply.
    long expiryNanos = UNSET;
    long nextCheckpointNanos = UNSET;
    /** When the leader last proposed revoking it because it expired; 0 = never. */
    long revokeProposedNanos;

    Lease(long id, long ttl, long remainingTtl) {
        this.id = id;
        this.ttl = ttl;
        this.remainingTtl = remainingTtl;
    }

    /** The TTL the next expiry is counted from: the checkpointed remainder if any (etcd's RemainingTTL). */
    long effectiveRemaining() {
        return remainingTtl > 0 ? remainingTtl : ttl;
    }

    void refresh(long now, long extendNanos) {
        expiryNanos = now + extendNanos + effectiveRemaining() * NANOS;
        revokeProposedNanos = 0;
    }

    /** Whole seconds left (truncated, as etcd's int64(Remaining().Seconds())), never below 0. */
    long remainingSeconds(long now) {
        if (expiryNanos == UNSET) {
            return effectiveRemaining();
        }
        return Math.max(0, (expiryNanos - now) / NANOS);
    }

    List<ByteString> keyList() {
        return List.copyOf(keys);
    }
}
