package io.etch.storage;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongConsumer;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One RocksDB instance per member, with a column family per concern.
 *
 * <p>All changes are written as {@link WriteBatch}es built by the callers. RocksDB's own WAL is off:
 * the Raft log is the durability source, and the applied Raft index is stored in the same batch as
 * the data it produced. Because of that, {@code atomic_flush} is on: whatever survives a crash is a
 * prefix of the batches, in every column family alike. Call {@link #flush()} before the Raft log
 * is truncated.
 *
 * <p>Thread-safe. A member that fell too far behind gets another member's checkpoint in place of its
 * database ({@link #replaceWith}); callers keep their {@code Backend}.
 */
public final class Backend implements AutoCloseable {
    private volatile LongConsumer commitObserver = nanos -> { };
    private static final Logger LOG = LoggerFactory.getLogger(Backend.class);

    static {
        RocksDB.loadLibrary();
    }

    /** The column families, each owned by one part of the data model. */
    public enum Column {
        /** revision (16 bytes, 17 with the tombstone mark) → mvccpb.KeyValue. Owned by mvcc. */
        KV("kv"),
        /** applied index, compaction markers, cluster id… small named values. */
        META("meta"),
        LEASE("lease"),
        AUTH("auth"),
        MEMBERS("members");

        private final String cfName;

        Column(String cfName) {
            this.cfName = cfName;
        }

        public String cfName() {
            return cfName;
        }
    }

    /** The open database; replaced whole by {@link #replaceWith}. */
    private record Db(RocksDB db, DBOptions dbOptions, ColumnFamilyOptions cfOptions,
                      List<ColumnFamilyHandle> allHandles, Map<Column, ColumnFamilyHandle> handles) {
        void close(Path dir) {
            for (ColumnFamilyHandle h : allHandles) {
                h.close();
            }
            try {
                db.closeE();
            } catch (RocksDBException e) {
                LOG.warn("close failed dir={}", dir, e);
            }
            dbOptions.close();
            cfOptions.close();
        }
    }

    private final Path dir;
    private final WriteOptions writeOptions = new WriteOptions().setDisableWAL(true);
    /**
     * Every use of the database holds the read lock; replacing it holds the write lock, so no call
     * ever reaches a closed RocksDB (which would crash the process, not throw).
     */
    private final ReentrantReadWriteLock access = new ReentrantReadWriteLock();
    private volatile Db current;
    private volatile boolean closed;

    private Backend(Path dir, Db db) {
        this.dir = dir;
        this.current = db;
    }

    /**
     * Opens (creating if needed) the database in {@code dir}, first finishing a {@link #replaceWith}
     * that a crash interrupted.
     */
    public static Backend open(Path dir) {
        recoverReplacement(dir);
        return new Backend(dir, openDb(dir));
    }

    private static Db openDb(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new StorageException("cannot create " + dir, e);
        }
        DBOptions dbOptions = new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setAtomicFlush(true)
                .setMaxBackgroundJobs(2)
                .setKeepLogFileNum(3)
                .setInfoLogLevel(InfoLogLevel.WARN_LEVEL);
        ColumnFamilyOptions cfOptions = columnOptions();
        List<String> names = new ArrayList<>();
        names.add(new String(RocksDB.DEFAULT_COLUMN_FAMILY, StandardCharsets.UTF_8));
        // Open every column family that exists, also ones added by later versions.
        try (Options listOptions = new Options()) {
            for (byte[] existing : RocksDB.listColumnFamilies(listOptions, dir.toString())) {
                String name = new String(existing, StandardCharsets.UTF_8);
                if (!names.contains(name)) {
                    names.add(name);
                }
            }
        } catch (RocksDBException e) {
            // A new database has none yet.
        }
        for (Column c : Column.values()) {
            if (!names.contains(c.cfName())) {
                names.add(c.cfName());
            }
        }
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        for (String name : names) {
            descriptors.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8), cfOptions));
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try {
            RocksDB db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
            LOG.info("opened backend dir={} columnFamilies={}", dir, names);
            Map<Column, ColumnFamilyHandle> byColumn = new EnumMap<>(Column.class);
            for (Column c : Column.values()) {
                byColumn.put(c, handles.get(names.indexOf(c.cfName())));
            }
            return new Db(db, dbOptions, cfOptions, handles, byColumn);
        } catch (RocksDBException e) {
            dbOptions.close();
            cfOptions.close();
            throw new StorageException("cannot open RocksDB at " + dir, e);
        }
    }

    /**
     * Memory, sized deliberately: RocksDB's defaults (64 MB memtables, two per column family) let
     * the memtables alone grow to hundreds of MB across the column families before a flush; the
     * store's reads go through the key index to single revisions, so a modest block cache serves
     * them. Without a WAL nothing is lost by flushing small memtables often.
     */
    private static ColumnFamilyOptions columnOptions() {
        BlockBasedTableConfig table = new BlockBasedTableConfig()
                .setBlockCache(new LRUCache(BLOCK_CACHE_BYTES))
                .setCacheIndexAndFilterBlocks(true)
                .setPinL0FilterAndIndexBlocksInCache(true)
                .setFilterPolicy(new BloomFilter(10, false));
        return new ColumnFamilyOptions()
                .setWriteBufferSize(MEMTABLE_BYTES)
                .setMaxWriteBufferNumber(2)
                .setTableFormatConfig(table);
    }

    /** One memtable's size, per column family. */
    static final long MEMTABLE_BYTES = 16L << 20;
    /** The block cache, shared by all column families. */
    static final long BLOCK_CACHE_BYTES = 32L << 20;

    public Path dir() {
        return dir;
    }

    /** What runs against the open database under the read lock. */
    @FunctionalInterface
    private interface DbCall<T> {
        T call(Db db) throws RocksDBException;
    }

    private <T> T withDb(String what, DbCall<T> call) {
        access.readLock().lock();
        try {
            checkOpen();
            return call.call(current);
        } catch (RocksDBException e) {
            throw new StorageException(what + " failed", e);
        } finally {
            access.readLock().unlock();
        }
    }

    /** Adds a put to {@code batch}. Build and {@link #write} a batch on one thread, the one that may replace the database. */
    public void put(WriteBatch batch, Column column, byte[] key, byte[] value) {
        withDb("batch put", d -> {
            batch.put(d.handles().get(column), key, value);
            return null;
        });
    }

    /** Adds a delete to {@code batch}. */
    public void delete(WriteBatch batch, Column column, byte[] key) {
        withDb("batch delete", d -> {
            batch.delete(d.handles().get(column), key);
            return null;
        });
    }

    /** Writes {@code batch} atomically (without RocksDB's WAL). */
    public void write(WriteBatch batch) {
        long start = System.nanoTime();
        withDb("write", d -> {
            d.db().write(writeOptions, batch);
            return null;
        });
        commitObserver.accept(System.nanoTime() - start);
    }

    /** {@code observer} hears how long each {@link #write} took, in nanoseconds (etcd's backend commit time). */
    public void observeCommits(LongConsumer observer) {
        this.commitObserver = observer;
    }

    /** The value of {@code key}, or null. */
    public byte[] get(Column column, byte[] key) {
        return withDb("get", d -> d.db().get(d.handles().get(column), key));
    }

    /** What {@link #forEach} calls for each entry; return false to stop. */
    @FunctionalInterface
    public interface EntryVisitor {
        boolean visit(byte[] key, byte[] value);
    }

    /**
     * Visits the entries with {@code from <= key < to} in key order ({@code from}/{@code to} null =
     * unbounded), until the visitor returns false. The database is not replaced meanwhile.
     */
    public void forEach(Column column, byte[] from, byte[] to, EntryVisitor visitor) {
        withDb("iteration", d -> {
            try (Slice upper = to == null ? null : new Slice(to);
                 ReadOptions options = new ReadOptions()) {
                if (upper != null) {
                    options.setIterateUpperBound(upper);
                }
                try (RocksIterator it = d.db().newIterator(d.handles().get(column), options)) {
                    if (from == null) {
                        it.seekToFirst();
                    } else {
                        it.seek(from);
                    }
                    for (; it.isValid(); it.next()) {
                        if (!visitor.visit(it.key(), it.value())) {
                            break;
                        }
                    }
                    it.status();
                }
            }
            return null;
        });
    }

    /**
     * Flushes the memtables of all column families to disk, atomically, and waits for it. After it
     * returns, everything written so far survives a crash.
     */
    public void flush() {
        withDb("flush", Backend::flush);
    }

    private static Void flush(Db d) throws RocksDBException {
        try (FlushOptions options = new FlushOptions().setWaitForFlush(true)) {
            d.db().flush(options, d.allHandles());
        }
        return null;
    }

    /** Physical size: SST files plus memtables, like etcd's db file size. */
    public long dbSize() {
        return aggregated("rocksdb.total-sst-files-size") + aggregated("rocksdb.size-all-mem-tables");
    }

    /** Estimated size of live data (what a full compaction would keep), at most {@link #dbSize()}. */
    public long dbSizeInUse() {
        long inUse = aggregated("rocksdb.estimate-live-data-size") + aggregated("rocksdb.cur-size-all-mem-tables");
        return Math.min(inUse, dbSize());
    }

    /** RocksDB's estimate of the number of entries in a column family (deleted ones may count). */
    public long estimatedEntries(Column column) {
        return withDb("estimating the entries of " + column,
                d -> d.db().getLongProperty(d.handles().get(column), "rocksdb.estimate-num-keys"));
    }

    private long aggregated(String property) {
        return withDb("reading property " + property, d -> d.db().getAggregatedLongProperty(property));
    }

    /** Rewrites all column families to drop deleted data and reclaim space (etcd's defragment). */
    public void defragment() {
        withDb("compact range", d -> {
            for (ColumnFamilyHandle h : d.allHandles()) {
                d.db().compactRange(h);
            }
            return null;
        });
    }

    /**
     * Writes a consistent copy of the database to {@code target} (which must not exist), hard-linking
     * files where possible. The copy holds a prefix of the written batches: the memtables of every
     * column family are flushed together (atomic flush) as the checkpoint is made.
     */
    public void checkpoint(Path target) {
        withDb("checkpoint to " + target, d -> {
            flush(d);
            try (Checkpoint checkpoint = Checkpoint.create(d.db())) {
                checkpoint.createCheckpoint(target.toString());
            }
            return null;
        });
    }

    /**
     * Replaces the database with the complete one in {@code source} (a checkpoint of another member,
     * received whole), which is moved into place. Waits for calls in progress and holds new ones
     * until it is done. Crash-safe: {@code source} is first renamed to {@code <dir>.incoming}; from
     * there {@link #open} finishes the swap if the process dies before it is complete.
     */
    public void replaceWith(Path source) {
        Path incoming = sibling(dir, INCOMING);
        Path old = sibling(dir, OLD);
        access.writeLock().lock();
        try {
            checkOpen();
            deleteTree(incoming);
            move(source, incoming);
            fsyncDir(dir.getParent());
            Db before = current;
            current = null;
            before.close(dir);
            recoverReplacement(dir);
            current = openDb(dir);
            LOG.info("replaced backend dir={} with a received checkpoint", dir);
        } finally {
            access.writeLock().unlock();
        }
        deleteTree(old);
    }

    private static final String INCOMING = ".incoming";
    private static final String OLD = ".old";

    /**
     * Finishes an interrupted {@link #replaceWith}. A complete {@code .incoming} replaces the
     * database (the old one set aside as {@code .old}, then deleted).
     */
    private static void recoverReplacement(Path dir) {
        Path incoming = sibling(dir, INCOMING);
        Path old = sibling(dir, OLD);
        if (Files.isDirectory(incoming)) {
            if (Files.isDirectory(dir)) {
                deleteTree(old);
                move(dir, old);
            }
            move(incoming, dir);
            fsyncDir(dir.getParent());
            LOG.info("moved received checkpoint into place dir={}", dir);
        }
        deleteTree(old);
    }

    private static Path sibling(Path dir, String suffix) {
        return dir.resolveSibling(dir.getFileName() + suffix);
    }

    private static void move(Path from, Path to) {
        try {
            Files.move(from, to, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (java.io.IOException e) {
            throw new StorageException("cannot move " + from + " to " + to, e);
        }
    }

    /** Makes renames in {@code dir} durable. */
    public static void fsyncDir(Path dir) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(dir, java.nio.file.StandardOpenOption.READ)) {
            ch.force(true);
        } catch (java.io.IOException e) {
            throw new StorageException("cannot sync directory " + dir, e);
        }
    }

    /** Deletes {@code root} and everything under it, if it exists. */
    public static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (java.io.IOException e) {
            throw new StorageException("cannot delete " + root, e);
        }
    }

    private void checkOpen() {
        if (closed || current == null) {
            throw new IllegalStateException("backend is closed: " + dir);
        }
    }

    /** Flushes and closes. Idempotent. */
    @Override
    public void close() {
        access.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            try {
                flush(current);
            } catch (RocksDBException | RuntimeException e) {
                LOG.warn("flush before close failed dir={}", dir, e);
            }
            closed = true;
            current.close(dir);
            writeOptions.close();
            LOG.info("closed backend dir={}", dir);
        } finally {
            access.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "Backend[" + dir + "]";
    }
}
