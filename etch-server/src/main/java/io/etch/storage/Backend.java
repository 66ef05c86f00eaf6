package io.etch.storage;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
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
 * <p>Thread-safe. Iterators handed out must be closed by the caller before {@link #close()}.
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

    private final Path dir;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions;
    private final WriteOptions writeOptions;
    private final RocksDB db;
    private final List<ColumnFamilyHandle> allHandles;
    private final Map<Column, ColumnFamilyHandle> handles = new EnumMap<>(Column.class);
    private volatile boolean closed;

    private Backend(Path dir, DBOptions dbOptions, ColumnFamilyOptions cfOptions, RocksDB db,
                    List<ColumnFamilyHandle> allHandles, List<String> names) {
        this.dir = dir;
        this.dbOptions = dbOptions;
        this.cfOptions = cfOptions;
        this.db = db;
        this.allHandles = allHandles;
        this.writeOptions = new WriteOptions().setDisableWAL(true);
        for (Column c : Column.values()) {
            handles.put(c, allHandles.get(names.indexOf(c.cfName())));
        }
    }

    /** Opens (creating if needed) the database in {@code dir}. */
    public static Backend open(Path dir) {
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
            return new Backend(dir, dbOptions, cfOptions, db, handles, names);
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

    /** The handle of a column family, for building {@link WriteBatch}es. */
    public ColumnFamilyHandle handle(Column column) {
        return handles.get(column);
    }

    /** Adds a put to {@code batch}. */
    public void put(WriteBatch batch, Column column, byte[] key, byte[] value) {
        try {
            batch.put(handle(column), key, value);
        } catch (RocksDBException e) {
            throw new StorageException("batch put failed", e);
        }
    }

    /** Adds a delete to {@code batch}. */
    public void delete(WriteBatch batch, Column column, byte[] key) {
        try {
            batch.delete(handle(column), key);
        } catch (RocksDBException e) {
            throw new StorageException("batch delete failed", e);
        }
    }

    /** Writes {@code batch} atomically (without RocksDB's WAL). */
    public void write(WriteBatch batch) {
        checkOpen();
        long start = System.nanoTime();
        try {
            db.write(writeOptions, batch);
        } catch (RocksDBException e) {
            throw new StorageException("write failed", e);
        }
        commitObserver.accept(System.nanoTime() - start);
    }

    /** {@code observer} hears how long each {@link #write} took, in nanoseconds (etcd's backend commit time). */
    public void observeCommits(LongConsumer observer) {
        this.commitObserver = observer;
    }

    /** The value of {@code key}, or null. */
    public byte[] get(Column column, byte[] key) {
        checkOpen();
        try {
            return db.get(handle(column), key);
        } catch (RocksDBException e) {
            throw new StorageException("get failed", e);
        }
    }

    /** An iterator over a column family; the caller closes it. */
    public RocksIterator iterator(Column column) {
        checkOpen();
        return db.newIterator(handle(column));
    }

    /** An iterator with the given options (e.g. bounds or a snapshot); the caller closes both. */
    public RocksIterator iterator(Column column, ReadOptions options) {
        checkOpen();
        return db.newIterator(handle(column), options);
    }

    /** What {@link #forEach} calls for each entry; return false to stop. */
    @FunctionalInterface
    public interface EntryVisitor {
        boolean visit(byte[] key, byte[] value);
    }

    /**
     * Visits the entries with {@code from <= key < to} in key order ({@code from}/{@code to} null =
     * unbounded), until the visitor returns false.
     */
    public void forEach(Column column, byte[] from, byte[] to, EntryVisitor visitor) {
        checkOpen();
        try (Slice upper = to == null ? null : new Slice(to);
             ReadOptions options = new ReadOptions()) {
            if (upper != null) {
                options.setIterateUpperBound(upper);
            }
            try (RocksIterator it = db.newIterator(handle(column), options)) {
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
                try {
                    it.status();
                } catch (RocksDBException e) {
                    throw new StorageException("iteration failed", e);
                }
            }
        }
    }

    /**
     * Flushes the memtables of all column families to disk, atomically, and waits for it. After it
     * returns, everything written so far survives a crash.
     */
    public void flush() {
        checkOpen();
        try (FlushOptions options = new FlushOptions().setWaitForFlush(true)) {
            db.flush(options, allHandles);
        } catch (RocksDBException e) {
            throw new StorageException("flush failed", e);
        }
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
        checkOpen();
        try {
            return db.getLongProperty(handle(column), "rocksdb.estimate-num-keys");
        } catch (RocksDBException e) {
            throw new StorageException("cannot estimate the entries of " + column, e);
        }
    }

    private long aggregated(String property) {
        checkOpen();
        try {
            return db.getAggregatedLongProperty(property);
        } catch (RocksDBException e) {
            throw new StorageException("cannot read property " + property, e);
        }
    }

    /** Rewrites all column families to drop deleted data and reclaim space (etcd's defragment). */
    public void defragment() {
        checkOpen();
        try {
            for (ColumnFamilyHandle h : allHandles) {
                db.compactRange(h);
            }
        } catch (RocksDBException e) {
            throw new StorageException("compact range failed", e);
        }
    }

    /**
     * Writes a consistent copy of the database to {@code target} (which must not exist), hard-linking
     * files where possible. Flushes first, as the WAL is off.
     */
    public void checkpoint(Path target) {
        flush();
        try (Checkpoint checkpoint = Checkpoint.create(db)) {
            checkpoint.createCheckpoint(target.toString());
        } catch (RocksDBException e) {
            throw new StorageException("checkpoint to " + target + " failed", e);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("backend is closed: " + dir);
        }
    }

    /** Flushes and closes. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            flush();
        } catch (RuntimeException e) {
            LOG.warn("flush before close failed dir={}", dir, e);
        }
        closed = true;
        for (ColumnFamilyHandle h : allHandles) {
            h.close();
        }
        try {
            db.closeE();
        } catch (RocksDBException e) {
            LOG.warn("close failed dir={}", dir, e);
        }
        writeOptions.close();
        dbOptions.close();
        cfOptions.close();
        LOG.info("closed backend dir={}", dir);
    }

    @Override
    public String toString() {
        return "Backend[" + dir + "]";
    }
}
