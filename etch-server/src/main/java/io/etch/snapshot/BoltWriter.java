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
import static io.etch.snapshot.BoltFormat.PAGE_SIZE;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a bbolt database file from sorted key/value streams, one top-level bucket after another,
 * in one pass and bounded memory: full leaf pages go to disk as they fill; a bucket's branch
 * pages, the root bucket and the meta pages are written when they are known. The result is what
 * bbolt itself would read (and {@code bbolt check} accept): every page below the high-water mark
 * reachable once, keys in order, an empty freelist.
 */
final class BoltWriter implements AutoCloseable {

    /** A leaf or branch element waiting for its page. */
    private record Element(byte[] key, byte[] value, long child, int flags) {
        int size(boolean branch) {
            return branch ? BRANCH_ELEMENT + key.length : LEAF_ELEMENT + key.length + value.length;
        }
    }

    private final FileChannel file;
    private long nextPage = 2; // pages 0 and 1 are the meta
    private final Map<String, Long> bucketRoots = new TreeMap<>();
    private String openBucket;
    private final List<Element> leaf = new ArrayList<>();
    private int leafSize = PAGE_HEADER;
    /** The first key and page of every leaf the open bucket has written so far. */
    private final List<Element> leaves = new ArrayList<>();
    private byte[] lastKey;

    BoltWriter(Path path) throws IOException {
        this.file = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    /** Starts the next top-level bucket; the one before ends. Names must come in increasing order or not at all twice. */
    void bucket(String name) throws IOException {
        endBucket();
        if (bucketRoots.containsKey(name)) {
            throw new IllegalArgumentException("bucket " + name + " written twice");
        }
        openBucket = name;
        lastKey = null;
    }

    /** Adds a key to the open bucket; keys must come in strictly increasing (unsigned byte) order. */
    void put(byte[] key, byte[] value) throws IOException {
        if (openBucket == null) {
            throw new IllegalStateException("no bucket open");
        }
        if (key.length == 0) {
            throw new IllegalArgumentException("bbolt keys cannot be empty (bucket " + openBucket + ")");
        }
        if (lastKey != null && Arrays.compareUnsigned(lastKey, key) >= 0) {
            throw new IllegalArgumentException("keys out of order in bucket " + openBucket);
        }
        lastKey = key;
        Element e = new Element(key, value, 0, 0);
        if (!leaf.isEmpty() && leafSize + e.size(false) > PAGE_SIZE) {
            leaves.add(new Element(leaf.get(0).key(), null, writePage(leaf, false), 0));
            leaf.clear();
            leafSize = PAGE_HEADER;
        }
        leaf.add(e);
        leafSize += e.size(false);
    }

    /** Ends the open bucket: its last leaf, then branch levels up to a single root page. */
    private void endBucket() throws IOException {
        if (openBucket == null) {
            return;
        }
        if (!leaf.isEmpty() || leaves.isEmpty()) {
            byte[] first = leaf.isEmpty() ? new byte[0] : leaf.get(0).key();
            leaves.add(new Element(first, null, writePage(leaf, false), 0));
        }
        List<Element> level = new ArrayList<>(leaves);
        while (level.size() > 1) {
            List<Element> up = new ArrayList<>();
            List<Element> page = new ArrayList<>();
            int size = PAGE_HEADER;
            for (Element child : level) {
                if (!page.isEmpty() && size + child.size(true) > PAGE_SIZE) {
                    up.add(new Element(page.get(0).key(), null, writePage(page, true), 0));
                    page.clear();
                    size = PAGE_HEADER;
                }
                page.add(child);
                size += child.size(true);
            }
            up.add(new Element(page.get(0).key(), null, writePage(page, true), 0));
            level = up;
        }
        bucketRoots.put(openBucket, level.get(0).child());
        openBucket = null;
        leaf.clear();
        leafSize = PAGE_HEADER;
        leaves.clear();
    }

    /**
     * Ends the file: the root bucket's leaf, an empty freelist, and both meta pages. Returns the size
     * of the file (pages times page size).
     */
    long finish() throws IOException {
        endBucket();
        List<Element> root = new ArrayList<>();
        for (Map.Entry<String, Long> b : bucketRoots.entrySet()) {
            byte[] header = ByteBuffer.allocate(BUCKET_HEADER).order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(b.getValue()).putLong(0).array();
            root.add(new Element(b.getKey().getBytes(StandardCharsets.UTF_8), header, 0, BUCKET_LEAF));
        }
        long rootPage = writePage(root, false);
        long freelist = nextPage++;
        ByteBuffer free = page(freelist, FREELIST_PAGE, 0, 0, PAGE_SIZE);
        writeAt(free, freelist);
        for (int m = 0; m < 2; m++) {
            writeAt(meta(m, rootPage, freelist, nextPage, m + 1), m);
        }
        file.force(true);
        return nextPage * PAGE_SIZE;
    }

    private static ByteBuffer meta(long id, long root, long freelist, long pages, long txid) {
        ByteBuffer b = page(id, META_PAGE, 0, 0, PAGE_SIZE);
        b.position(PAGE_HEADER);
        b.putInt(BoltFormat.MAGIC).putInt(BoltFormat.VERSION).putInt(PAGE_SIZE).putInt(0)
                .putLong(root).putLong(0).putLong(freelist).putLong(pages).putLong(txid);
        b.putLong(BoltFormat.fnv1a64(b.array(), PAGE_HEADER, BoltFormat.META_CHECKSUM));
        b.position(0);
        return b;
    }

    /** Writes the elements as one page (with overflow pages when they do not fit in one) and returns its id. */
    private long writePage(List<Element> elements, boolean branch) throws IOException {
        int size = PAGE_HEADER;
        for (Element e : elements) {
            size += e.size(branch);
        }
        int pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
        long id = nextPage;
        nextPage += pages;
        ByteBuffer b = page(id, branch ? BRANCH_PAGE : LEAF_PAGE, elements.size(), pages - 1, pages * PAGE_SIZE);
        int elementSize = branch ? BRANCH_ELEMENT : LEAF_ELEMENT;
        int data = PAGE_HEADER + elements.size() * elementSize;
        for (int i = 0; i < elements.size(); i++) {
            Element e = elements.get(i);
            int at = PAGE_HEADER + i * elementSize;
            b.position(at);
            if (branch) {
                b.putInt(data - at).putInt(e.key().length).putLong(e.child());
            } else {
                b.putInt(e.flags()).putInt(data - at).putInt(e.key().length).putInt(e.value().length);
            }
            b.position(data);
            b.put(e.key());
            if (!branch) {
                b.put(e.value());
            }
            data = b.position();
        }
        b.position(0);
        writeAt(b, id);
        return id;
    }

    private static ByteBuffer page(long id, int flags, int count, int overflow, int bytes) {
        if (count > 0xFFFF) {
            throw new IllegalStateException("too many elements for one page: " + count);
        }
        ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(id).putShort((short) flags).putShort((short) count).putInt(overflow);
        b.position(0);
        return b;
    }

    private void writeAt(ByteBuffer b, long page) throws IOException {
        long at = page * PAGE_SIZE;
        while (b.hasRemaining()) {
            at += file.write(b, at);
        }
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
