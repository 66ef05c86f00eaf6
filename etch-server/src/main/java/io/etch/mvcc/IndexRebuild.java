package io.etch.mvcc;

import com.google.protobuf.ByteString;
import io.etch.storage.Backend;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Rebuilds the key index at open from every stored revision, in revision order. Reading RocksDB
 * (native iteration and copies out of it) and building the map (parsing, hashing) cost about the
 * same, so a reader thread hands batches of entries to the building thread: with a million keys
 * that takes a third off the scan.
 */
final class IndexRebuild {
    private static final int BATCH = 2048;
    private static final Batch END = new Batch(new byte[0][], 0);

    /** Stored entries as key, value, key, value, ...; {@code n} of them. */
    private record Batch(byte[][] entries, int n) {
    }

    /**
     * The keys' indexes, still to be built, the main revision of the newest stored entry (1 on an
     * empty store), and the bytes of all stored entries (keys and values).
     */
    record Result(TreeIndex.Builder keys, long lastRevision, long storedBytes) {
    }

    private final Backend backend;
    private final BlockingQueue<Batch> batches = new ArrayBlockingQueue<>(8);
    private final AtomicReference<Throwable> readFailure = new AtomicReference<>();
    private volatile boolean abandoned;

    private IndexRebuild(Backend backend) {
        this.backend = backend;
    }

    static Result scan(Backend backend) {
        return new IndexRebuild(backend).run();
    }

    private Result run() {
        Thread reader = new Thread(this::read, "etch-index-rebuild");
        reader.setDaemon(true);
        reader.start();
        TreeIndex.Builder keys = new TreeIndex.Builder(initialCapacity());
        long lastRevision = 1;
        long storedBytes = 0;
        try {
            for (Batch b = take(); b != END; b = take()) {
                for (int i = 0; i < b.n(); i += 2) {
                    lastRevision = add(keys, b.entries()[i], b.entries()[i + 1]);
                    storedBytes += b.entries()[i].length + b.entries()[i + 1].length;
                }
            }
        } finally {
            abandoned = true;
            batches.clear();
            join(reader);
        }
        Throwable failure = readFailure.get();
        if (failure instanceof RuntimeException e) {
            throw e;
        } else if (failure != null) {
            throw new IllegalStateException("reading the stored revisions failed", failure);
        }
        return new Result(keys, lastRevision, storedBytes);
    }

    private static long add(TreeIndex.Builder keys, byte[] k, byte[] v) {
        Revision rev = Revision.fromBytes(k);
        boolean tombstone = Revision.isTombstone(k);
        StoredKey kv = StoredKey.parse(v, rev);
        keys.update(kv.key(), ki -> {
            if (ki == null) {
                return tombstone ? null : KeyIndex.restored(kv.key(), kv.createRevision(), rev, kv.version());
            }
            if (!tombstone) {
                return ki.put(rev);
            }
            return ki.isDeleted() ? ki : ki.tombstone(rev);
        });
        return rev.main();
    }

    private void read() {
        try {
            byte[][][] batch = {new byte[BATCH * 2][]};
            int[] n = {0};
            backend.forEach(Backend.Column.KV, null, null, (k, v) -> {
                batch[0][n[0]++] = k;
                batch[0][n[0]++] = v;
                if (n[0] == batch[0].length) {
                    if (!hand(new Batch(batch[0], n[0]))) {
                        return false;
                    }
                    batch[0] = new byte[BATCH * 2][];
                    n[0] = 0;
                }
                return true;
            });
            if (n[0] > 0) {
                hand(new Batch(batch[0], n[0]));
            }
        } catch (Throwable t) {
            readFailure.set(t);
        } finally {
            hand(END);
        }
    }

    /** Queues a batch for the building thread; false once that thread gave up. */
    private boolean hand(Batch b) {
        try {
            while (!abandoned) {
                if (batches.offer(b, 50, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    private Batch take() {
        try {
            return batches.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while rebuilding the key index", e);
        }
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Room for the keys about to be read, so that the map is not rehashed over and over while a
     * large store opens: RocksDB's estimate of the stored revisions, an upper bound on the keys
     * (capped, so a long history of few keys does not allocate a huge table).
     */
    private int initialCapacity() {
        long revisions = backend.estimatedEntries(Backend.Column.KV);
        return (int) Math.max(16, Math.min(revisions, 1 << 22) * 4 / 3 + 1);
    }
}
