package io.etch.snapshot;

/**
 * The layout of a bbolt database file, the format of etcd's backend and of its snapshot files
 * (bbolt's page.go and db.go): fixed-size pages, little-endian, each with a 16-byte header (page
 * id, flags, element count, overflow page count). Pages 0 and 1 hold the meta (two copies, the one
 * with the higher transaction id that checks out wins); buckets are B+trees of branch and leaf
 * pages, the root bucket's leaf elements name the top-level buckets.
 */
final class BoltFormat {
    static final int MAGIC = 0xED0CDAED;
    static final int VERSION = 2;
    static final int PAGE_SIZE = 4096;
    static final int PAGE_HEADER = 16;
    /** A branch element: position of its key (from the element), key size, child page id. */
    static final int BRANCH_ELEMENT = 16;
    /** A leaf element: flags, position of its key (from the element), key size, value size. */
    static final int LEAF_ELEMENT = 16;
    /** A bucket's header in its parent's leaf: root page id (0 when inline) and sequence. */
    static final int BUCKET_HEADER = 16;

    static final int BRANCH_PAGE = 0x01;
    static final int LEAF_PAGE = 0x02;
    static final int META_PAGE = 0x04;
    static final int FREELIST_PAGE = 0x10;
    /** A leaf element whose value is a bucket header. */
    static final int BUCKET_LEAF = 0x01;

    /** Meta offsets, from the start of the page's body (after the page header). */
    static final int META_ROOT = 16;
    static final int META_FREELIST = 32;
    static final int META_PGID = 40;
    static final int META_TXID = 48;
    static final int META_CHECKSUM = 56;
    /** A freelist page id meaning "no freelist written" (bbolt's pgidNoFreelist). */
    static final long NO_FREELIST = -1L;

    private BoltFormat() {
    }

    /** FNV-1a, 64 bits: bbolt's meta checksum over the meta's first 56 bytes. */
    static long fnv1a64(byte[] b, int off, int len) {
        long h = 0xcbf29ce484222325L;
        for (int i = off; i < off + len; i++) {
            h ^= b[i] & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
