package io.etch.snapshot;

import static io.etch.snapshot.BoltFormat.BRANCH_ELEMENT;
import static io.etch.snapshot.BoltFormat.BRANCH_PAGE;
import static io.etch.snapshot.BoltFormat.BUCKET_HEADER;
import static io.etch.snapshot.BoltFormat.BUCKET_LEAF;
import static io.etch.snapshot.BoltFormat.FREELIST_PAGE;
import static io.etch.snapshot.BoltFormat.LEAF_ELEMENT;
import static io.etch.snapshot.BoltFormat.LEAF_PAGE;
import static io.etch.snapshot.BoltFormat.META_PAGE;
import static io.etch.snapshot.BoltFormat.PAGE_HEADER;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a bbolt database file (etcd's backend, and the files {@code etcdctl snapshot save} writes):
 * the top-level buckets and, for each, its keys and values in order. Reads page by page with
 * positional reads, so a file of any size takes the memory of one page (with its overflow pages)
 * per tree level, never the whole file.
 *
 * <p>A snapshot comes from outside, so nothing in it is trusted: a bad meta, a page beyond the file
 * or the meta's page count, an element outside its page, a page of the wrong kind, keys out of
 * order, a tree deeper than bbolt makes or one that reaches a page twice all end in a
 * {@link BoltFormatException} that names the page, not in an index or allocation error.
 */
public final class BoltReader implements AutoCloseable {
    /** bbolt's trees stay a handful of levels deep; deeper means a cycle. */
    static final int MAX_DEPTH = 64;
    /** Where meta page 1 may sit when meta page 0 cannot say: the page sizes bbolt runs with. */
    private static final int[] PAGE_SIZES = {4096, 512, 1024, 2048, 8192, 16384, 32768, 65536};
    private static final int MIN_PAGE_SIZE = 512;
    private static final int MAX_PAGE_SIZE = 1 << 20;
    /** The page header and the meta fields up to and including the checksum. */
    private static final int META_BYTES = PAGE_HEADER + BoltFormat.META_CHECKSUM + 8;

    /** A file that is not a readable bbolt database, or (for callers) not a readable etcd one. */
    public static final class BoltFormatException extends IOException {
        private static final long serialVersionUID = 1L;

        public BoltFormatException(String message) {
            super(message);
        }
    }

    /** Gets each key and value; returns false to stop. */
    @FunctionalInterface
    public interface Visitor {
        boolean visit(byte[] key, byte[] value) throws IOException;
    }

    /** The fields of a meta page that reading needs. */
    private record Meta(int page, int pageSize, long root, long pages, long txid) {
    }

    private final FileChannel file;
    private final long fileSize;
    private final int pageSize;
    private final long pages;
    /** Top-level bucket name, in key order, to its header (root page id, or 0 and the inline page after it). */
    private final Map<String, byte[]> buckets = new LinkedHashMap<>();

    private BoltReader(FileChannel file) throws IOException {
        this.file = file;
        this.fileSize = file.size();
        Meta meta = chooseMeta();
        this.pageSize = meta.pageSize();
        this.pages = meta.pages();
        if (pages > fileSize / pageSize) {
            throw new BoltFormatException("truncated: meta page " + meta.page() + " counts " + pages + " pages of "
                    + pageSize + " bytes, the file has " + fileSize + " bytes");
        }
        new Walk("the root bucket", (k, v, flags) -> {
            if ((flags & BUCKET_LEAF) == 0) {
                throw new BoltFormatException("the root bucket holds a plain key, not a bucket: "
                        + printable(k));
            }
            buckets.put(new String(k, StandardCharsets.UTF_8), v);
            return true;
        }).tree(meta.root(), 0);
    }

    /** Opens {@code path}, checking its meta pages and reading the names of its buckets. */
    public static BoltReader open(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return new BoltReader(ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Names of the top-level buckets, in key order. */
    public List<String> buckets() {
        return List.copyOf(buckets.keySet());
    }

    /** bbolt's {@code tx.Size()}: the pages the meta counts times the page size. */
    public long size() {
        return pages * pageSize;
    }

    public int pageSize() {
        return pageSize;
    }

    /**
     * Visits every key and value of a top-level bucket in key order, until the visitor returns false.
     * Returns whether it went through to the end; false for a bucket that is not there. etcd never
     * nests buckets, so a nested one is a format error.
     */
    public boolean forEach(String bucket, Visitor visitor) throws IOException {
        byte[] header = buckets.get(bucket);
        if (header == null) {
            return false;
        }
        Walk walk = new Walk("bucket " + bucket, (k, v, flags) -> {
            if ((flags & BUCKET_LEAF) != 0) {
                throw new BoltFormatException("bucket " + bucket + " holds a nested bucket " + printable(k)
                        + ", which etcd never writes");
            }
            return visitor.visit(k, v);
        });
        long root = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        if (root != 0) {
            return walk.tree(root, 0);
        }
        // An inline bucket: its one leaf page follows the header inside the parent's value.
        ByteBuffer inline = ByteBuffer.wrap(header, BUCKET_HEADER, header.length - BUCKET_HEADER).slice()
                .order(ByteOrder.LITTLE_ENDIAN);
        return walk.leaf(inline, "the inline page of bucket " + bucket);
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    /**
     * The meta bbolt would use: of the two copies (page 0, and page 1 at the page size page 0 names),
     * the valid one with the higher transaction id. When page 0 is bad, page 1 is looked for at the
     * usual page sizes, as bbolt falls back to the OS page size.
     */
    private Meta chooseMeta() throws IOException {
        if (fileSize == 0) {
            throw new BoltFormatException("not a bbolt file: the file is empty");
        }
        ByteBuffer first = readUpTo(0, META_BYTES);
        String firstProblem = metaProblem(first, 0, 0);
        Meta zero = firstProblem == null ? meta(first, 0) : null;
        Meta one = null;
        String secondProblem = null;
        boolean sawMagic = hasMagic(first);
        int[] offsets = zero != null ? new int[] {zero.pageSize()} : PAGE_SIZES;
        for (int offset : offsets) {
            ByteBuffer second = readUpTo(offset, META_BYTES);
            sawMagic |= hasMagic(second);
            String problem = metaProblem(second, 1, offset);
            if (problem == null) {
                one = meta(second, 1);
                break;
            }
            if (secondProblem == null) {
                secondProblem = problem;
            }
        }
        if (zero == null && one == null) {
            if (!sawMagic) {
                throw new BoltFormatException("not a bbolt file: no bbolt magic number in meta page 0 or 1");
            }
            throw new BoltFormatException("no valid meta page: meta page 0: " + firstProblem + "; meta page 1: "
                    + secondProblem);
        }
        if (zero == null) {
            return one;
        }
        if (one == null) {
            return zero;
        }
        return Long.compareUnsigned(one.txid(), zero.txid()) > 0 ? one : zero;
    }

    private static boolean hasMagic(ByteBuffer p) {
        return p.limit() >= PAGE_HEADER + 4 && p.getInt(PAGE_HEADER) == BoltFormat.MAGIC;
    }

    /** Why the meta page {@code id} read from {@code offset} cannot be used, or null. */
    private String metaProblem(ByteBuffer p, int id, long offset) {
        if (p.limit() < PAGE_HEADER + 4) {
            return "truncated: the file ends at byte " + fileSize + ", before meta page " + id;
        }
        if (p.getInt(PAGE_HEADER) != BoltFormat.MAGIC) {
            return String.format("no bbolt magic number (%08x, not %08x)", p.getInt(PAGE_HEADER), BoltFormat.MAGIC);
        }
        if (p.limit() < META_BYTES) {
            return "truncated: the file ends at byte " + fileSize + ", inside the meta page";
        }
        int version = p.getInt(PAGE_HEADER + 4);
        if (version != BoltFormat.VERSION) {
            return "bbolt version " + version + ", not " + BoltFormat.VERSION;
        }
        long checksum = p.getLong(PAGE_HEADER + BoltFormat.META_CHECKSUM);
        if (checksum != BoltFormat.fnv1a64(p.array(), PAGE_HEADER, BoltFormat.META_CHECKSUM)) {
            return "bad meta checksum";
        }
        // The checksum holds; what follows would be a file written wrong rather than damaged.
        if (p.getLong(0) != id || (p.getShort(8) & 0xffff) != META_PAGE) {
            return "not marked as meta page " + id + " (page id " + p.getLong(0) + ", flags " + (p.getShort(8)
                    & 0xffff) + ")";
        }
        int size = p.getInt(PAGE_HEADER + 8);
        if (size < MIN_PAGE_SIZE || size > MAX_PAGE_SIZE || id == 1 && size != offset) {
            return "page size " + size + (id == 1 ? " at offset " + offset : "");
        }
        long count = p.getLong(PAGE_HEADER + BoltFormat.META_PGID);
        long root = p.getLong(PAGE_HEADER + BoltFormat.META_ROOT);
        long freelist = p.getLong(PAGE_HEADER + BoltFormat.META_FREELIST);
        if (count < 3) {
            return "a page count of " + Long.toUnsignedString(count);
        }
        if (root < 2 || root >= count) {
            return "root page " + Long.toUnsignedString(root) + " out of bounds (" + count + " pages)";
        }
        if (freelist != BoltFormat.NO_FREELIST && (freelist < 2 || freelist >= count)) {
            return "freelist page " + Long.toUnsignedString(freelist) + " out of bounds (" + count + " pages)";
        }
        return null;
    }

    private static Meta meta(ByteBuffer p, int id) {
        return new Meta(id, p.getInt(PAGE_HEADER + 8), p.getLong(PAGE_HEADER + BoltFormat.META_ROOT),
                p.getLong(PAGE_HEADER + BoltFormat.META_PGID), p.getLong(PAGE_HEADER + BoltFormat.META_TXID));
    }

    @FunctionalInterface
    private interface ElementVisitor {
        boolean visit(byte[] key, byte[] value, int flags) throws IOException;
    }

    /**
     * One pass over one bucket's tree. Keys must rise strictly from leaf to leaf, and no pass visits
     * more pages than the meta counts: together with the depth limit, a tree that loops or shares
     * pages fails fast instead of running on.
     */
    private final class Walk {
        private final String bucket;
        private final ElementVisitor visitor;
        private byte[] lastKey;
        private long visited;

        Walk(String bucket, ElementVisitor visitor) {
            this.bucket = bucket;
            this.visitor = visitor;
        }

        /** Visits the leaves under page {@code id} in order. */
        boolean tree(long id, int depth) throws IOException {
            if (depth >= MAX_DEPTH) {
                throw new BoltFormatException("page " + id + " in " + bucket + ": the tree is deeper than "
                        + MAX_DEPTH + " levels (a cycle?)");
            }
            if (++visited > pages) {
                throw new BoltFormatException("page " + id + " in " + bucket + ": the tree reaches more pages than the "
                        + pages + " the file has (pages shared or in a cycle)");
            }
            ByteBuffer p = page(id);
            int flags = p.getShort(8) & 0xffff;
            if (flags == LEAF_PAGE) {
                return leaf(p, "page " + id);
            }
            if (flags != BRANCH_PAGE) {
                throw new BoltFormatException("page " + id + " in " + bucket + ": a " + kind(flags)
                        + " page where a branch or leaf belongs");
            }
            int count = p.getShort(10) & 0xffff;
            if (count == 0) {
                throw new BoltFormatException("page " + id + " in " + bucket + ": a branch page without elements");
            }
            checkFits(p, count, BRANCH_ELEMENT, "page " + id);
            long[] children = new long[count];
            for (int i = 0; i < count; i++) {
                int at = PAGE_HEADER + i * BRANCH_ELEMENT;
                long from = at + (p.getInt(at) & 0xffffffffL);
                long keySize = p.getInt(at + 4) & 0xffffffffL;
                if (from + keySize > p.limit()) {
                    throw new BoltFormatException("page " + id + " in " + bucket + ": branch element " + i
                            + " has its key at " + from + ".." + (from + keySize) + ", outside the page's "
                            + p.limit() + " bytes");
                }
                children[i] = p.getLong(at + 8);
            }
            for (long child : children) {
                if (!tree(child, depth + 1)) {
                    return false;
                }
            }
            return true;
        }

        /** Visits the elements of a leaf page (one from the file, or an inline bucket's). */
        boolean leaf(ByteBuffer p, String where) throws IOException {
            if (p.limit() < PAGE_HEADER) {
                throw new BoltFormatException(where + " in " + bucket + ": truncated, " + p.limit()
                        + " bytes are not even a page header");
            }
            int flags = p.getShort(8) & 0xffff;
            if (flags != LEAF_PAGE) {
                throw new BoltFormatException(where + " in " + bucket + ": a " + kind(flags)
                        + " page where a leaf belongs");
            }
            int count = p.getShort(10) & 0xffff;
            checkFits(p, count, LEAF_ELEMENT, where);
            for (int i = 0; i < count; i++) {
                int at = PAGE_HEADER + i * LEAF_ELEMENT;
                int elementFlags = p.getInt(at);
                long from = at + (p.getInt(at + 4) & 0xffffffffL);
                long keySize = p.getInt(at + 8) & 0xffffffffL;
                long valueSize = p.getInt(at + 12) & 0xffffffffL;
                if (from + keySize + valueSize > p.limit()) {
                    throw new BoltFormatException(where + " in " + bucket + ": element " + i + " has its key and value at "
                            + from + ".." + (from + keySize + valueSize) + ", outside the page's " + p.limit()
                            + " bytes");
                }
                if ((elementFlags & BUCKET_LEAF) != 0 && valueSize < BUCKET_HEADER) {
                    throw new BoltFormatException(where + " in " + bucket + ": element " + i
                            + " is a bucket without a bucket header");
                }
                byte[] key = new byte[(int) keySize];
                byte[] value = new byte[(int) valueSize];
                p.get((int) from, key);
                p.get((int) (from + keySize), value);
                if (lastKey != null && Arrays.compareUnsigned(lastKey, key) >= 0) {
                    throw new BoltFormatException(where + " in " + bucket + ": element " + i + " key " + printable(key)
                            + " does not come after " + printable(lastKey));
                }
                lastKey = key;
                if (!visitor.visit(key, value, elementFlags)) {
                    return false;
                }
            }
            return true;
        }

        private void checkFits(ByteBuffer p, int count, int elementSize, String where) throws BoltFormatException {
            if (PAGE_HEADER + (long) count * elementSize > p.limit()) {
                throw new BoltFormatException(where + " in " + bucket + ": " + count + " elements do not fit in its "
                        + p.limit() + " bytes");
            }
        }
    }

    /** Page {@code id} with its overflow pages, as one buffer. */
    private ByteBuffer page(long id) throws IOException {
        if (id < 2 || id >= pages) {
            throw new BoltFormatException("page " + Long.toUnsignedString(id) + " out of bounds (data pages are 2 to "
                    + (pages - 1) + ")");
        }
        ByteBuffer header = read(id * pageSize, PAGE_HEADER);
        long stored = header.getLong(0);
        if (stored != id) {
            throw new BoltFormatException("page " + id + " says it is page " + Long.toUnsignedString(stored));
        }
        long overflow = header.getInt(12) & 0xffffffffL;
        if (overflow >= pages - id) {
            throw new BoltFormatException("page " + id + ": its " + overflow + " overflow pages run past the last page "
                    + (pages - 1));
        }
        long bytes = (overflow + 1) * pageSize;
        if (bytes > Integer.MAX_VALUE - 64) {
            throw new BoltFormatException("page " + id + ": " + bytes + " bytes with its overflow, more than a page can hold");
        }
        return read(id * pageSize, (int) bytes);
    }

    /** {@code length} bytes at {@code at}, all of which the file must have. */
    private ByteBuffer read(long at, int length) throws IOException {
        if (at + length > fileSize) {
            throw new BoltFormatException("truncated: " + length + " bytes at " + at + " are beyond the file's "
                    + fileSize);
        }
        ByteBuffer b = readUpTo(at, length);
        if (b.limit() < length) {
            throw new BoltFormatException("truncated: the file ends at " + (at + b.limit()) + " (it shrank?)");
        }
        return b;
    }

    /** Up to {@code length} bytes at {@code at}: fewer where the file ends. */
    private ByteBuffer readUpTo(long at, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) Math.max(0, Math.min(length, fileSize - at)))
                .order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (file.read(b, at + b.position()) < 0) {
                break;
            }
        }
        b.flip();
        return b;
    }

    private static String kind(int flags) {
        return switch (flags) {
            case BRANCH_PAGE -> "branch";
            case LEAF_PAGE -> "leaf";
            case META_PAGE -> "meta";
            case FREELIST_PAGE -> "freelist";
            default -> "unknown (flags " + flags + ")";
        };
    }

    /** A key for a message: as text when it is printable ASCII, else in hex; cut when long. */
    private static String printable(byte[] key) {
        int n = Math.min(key.length, 64);
        boolean text = true;
        for (int i = 0; i < n; i++) {
            text &= key[i] >= 0x20 && key[i] < 0x7f;
        }
        String s = text ? '"' + new String(key, 0, n, StandardCharsets.US_ASCII) + '"'
                : HexFormat.of().formatHex(key, 0, n);
        return key.length > n ? s + "..." : s;
    }
}
