package io.etch.server;

import io.etch.api.etcdserverpb.HashKVResponse;
import io.etch.mvcc.MvccStore;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's periodic corruption check (--experimental-corrupt-check-time, 3.6's --corrupt-check-time):
 * the leader hashes its history at its current revision and asks every other member for its hash at
 * the same revision. A member with the same compaction and another hash holds other data than the
 * leader for the same log: it gets a CORRUPT alarm, after which the cluster refuses every change
 * until an operator has looked (and disarmed it), as etcd does.
 */
final class CorruptionCheck {
    private static final Logger log = LoggerFactory.getLogger(CorruptionCheck.class);

    /** What the check needs of the member: kept narrow so a test can drive it. */
    record Member(long selfId, BooleanSupplier isLeader, Supplier<List<Long>> peers, LongSupplier appliedIndex,
                  MvccStore store, BiFunction<Long, long[], CompletableFuture<HashKVResponse>> askHash,
                  LongConsumer raiseCorrupt) {
    }

    private final Member member;

    CorruptionCheck(Member member) {
        this.member = member;
    }

    /** One round; returns when every peer answered or failed. */
    void run() {
        if (!member.isLeader().getAsBoolean()) {
            return;
        }
        long applied = member.appliedIndex().getAsLong();
        MvccStore.KvHash own;
        try {
            own = member.store().hashKv(0);
        } catch (RuntimeException e) {
            log.warn("corruption check: cannot hash the local store: {}", e.toString());
            return;
        }
        long revision = own.currentRevision();
        for (long peer : member.peers().get()) {
            if (peer == member.selfId()) {
                continue;
            }
            try {
                HashKVResponse theirs = member.askHash().apply(peer, new long[] {revision, applied}).join();
                if ((int) own.hash() == theirs.getHash()) {
                    continue;
                }
                if (theirs.getCompactRevision() == own.compactRevision()) {
                    log.warn("found different hash values from remote peer local-member-id={} remote-peer-id={}"
                                    + " revision={} compact-revision={} local-hash={} remote-hash={}",
                            Long.toHexString(member.selfId()), Long.toHexString(peer), revision, own.compactRevision(),
                            (int) own.hash(), theirs.getHash());
                    member.raiseCorrupt().accept(peer);
                } else {
                    log.warn("found different compact revision values from remote peer remote-peer-id={}"
                                    + " local-compact-revision={} remote-compact-revision={}", Long.toHexString(peer),
                            own.compactRevision(), theirs.getCompactRevision());
                }
            } catch (RuntimeException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                log.warn("corruption check: cannot fetch the hash of remote peer {} at revision {}: {}",
                        Long.toHexString(peer), revision, cause.toString());
            }
        }
    }
}
