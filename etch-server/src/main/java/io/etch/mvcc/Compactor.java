package io.etch.mvcc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.etch.api.mvccpb.KeyValue;
import io.etch.storage.Backend;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Physical compaction: deletes from the {@code kv} column family, in batches on its own thread, the
 * revisions <= R that the key index no longer holds, then records R as finished. Runs after the
 * index was compacted at R and published, so "not in the index" is exactly "compacted away"
 * (revisions a later compaction drops are fair game too). Jobs run one at a time, in order.
 */
final class Compactor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Compactor.class);
    static final int BATCH_LIMIT = 1000;

    private final Backend backend;
    private final TreeIndex index;
    /** The store's count of stored bytes, lowered once each batch of deletions is written. */
    private final AtomicLong storedBytes;
    private final ExecutorService executor;
    private volatile boolean closed;

    Compactor(Backend backend, TreeIndex index, AtomicLong storedBytes) {
        this.backend = backend;
        this.index = index;
        this.storedBytes = storedBytes;
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "etch-mvcc-compactor");
            t.setDaemon(true);
            return t;
        });
    }

    /** Schedules the deletion for compaction at {@code rev}; completes {@code done} when finished. */
    void schedule(long rev, List<CompletableFuture<Void>> done) {
        try {
            executor.execute(() -> run(rev, done));
        } catch (RejectedExecutionException e) {
            done.forEach(f -> f.completeExceptionally(new CancellationException("mvcc store closed")));
        }
    }

    private void run(long rev, List<CompletableFuture<Void>> done) {
        long start = System.nanoTime();
        long deleted = 0;
        try {
            byte[] from = null;
            byte[] end = Revision.startOf(rev + 1);
            while (true) {
                if (closed) {
                    throw new CancellationException("mvcc store closed during compaction at " + rev);
                }
                Batch batch = nextBatch(from, end);
                try (WriteBatch wb = batch.deletes) {
                    deleted += batch.deleteCount;
                    boolean last = batch.scanned < BATCH_LIMIT;
                    if (last) {
                        backend.put(wb, Backend.Column.META, MetaKeys.FINISHED_COMPACT, MetaKeys.encodeLong(rev));
                    }
                    if (wb.count() > 0) {
                        backend.write(wb);
                        storedBytes.addAndGet(-batch.deletedBytes);
                    }
                    if (last) {
                        break;
                    }
                }
                Revision lastRev = Revision.fromBytes(batch.lastKey);
                from = new Revision(lastRev.main(), lastRev.sub() + 1).toBytes();
            }
            LOG.info("finished scheduled compaction compactRevision={} deletedRevisions={} tookMs={}",
                    rev, deleted, (System.nanoTime() - start) / 1_000_000);
            done.forEach(f -> f.complete(null));
        } catch (RuntimeException e) {
            if (!(e instanceof CancellationException)) {
                LOG.error("compaction at {} failed", rev, e);
            }
            done.forEach(f -> f.completeExceptionally(e));
        }
    }

    private record Batch(WriteBatch deletes, int scanned, long deleteCount, long deletedBytes, byte[] lastKey) {
    }

    private Batch nextBatch(byte[] from, byte[] end) {
        WriteBatch wb = new WriteBatch();
        int[] scanned = {0};
        long[] deletes = {0};
        long[] bytes = {0};
        byte[][] lastKey = {null};
        backend.forEach(Backend.Column.KV, from, end, (k, v) -> {
            scanned[0]++;
            lastKey[0] = k;
            if (!kept(k, v)) {
                backend.delete(wb, Backend.Column.KV, k);
                deletes[0]++;
                bytes[0] += k.length + v.length;
            }
            return scanned[0] < BATCH_LIMIT;
        });
        return new Batch(wb, scanned[0], deletes[0], bytes[0], lastKey[0]);
    }

    private boolean kept(byte[] revKey, byte[] value) {
        ByteString key;
        try {
            key = KeyValue.parseFrom(value).getKey();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("corrupt kv entry at " + Revision.fromBytes(revKey), e);
        }
        KeyIndex ki = index.get(key);
        return ki != null && ki.contains(Revision.fromBytes(revKey));
    }

    @Override
    public void close() {
        closed = true;
        executor.shutdown();
        try {
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("compactor did not stop in time");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
