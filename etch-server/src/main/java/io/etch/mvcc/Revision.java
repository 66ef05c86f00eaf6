package io.etch.mvcc;

/**
 * A point in the store's history: {@code main} grows by one per write transaction that changes
 * something, {@code sub} orders the changes inside it.
 *
 * <p>Stored as 16 bytes, both parts big-endian, so that byte order is revision order (both parts
 * are never negative). A deletion (tombstone) is stored under 17 bytes: the revision plus {@code 't'}.
 */
public record Revision(long main, long sub) implements Comparable<Revision> {
    public static final int BYTES = 16;
    public static final int MARKED_BYTES = BYTES + 1;
    private static final byte TOMBSTONE_MARK = 't';

    public Revision {
        if (main < 0 || sub < 0) {
            throw new IllegalArgumentException("negative revision " + main + "." + sub);
        }
    }

    @Override
    public int compareTo(Revision o) {
        int c = Long.compare(main, o.main);
        return c != 0 ? c : Long.compare(sub, o.sub);
    }

    public boolean greaterThan(Revision o) {
        return compareTo(o) > 0;
    }

    /** The 16-byte key of this revision. */
    public byte[] toBytes() {
        byte[] b = new byte[BYTES];
        putLong(b, 0, main);
        putLong(b, 8, sub);
        return b;
    }

    /** The 17-byte key of a tombstone at this revision. */
    public byte[] toTombstoneBytes() {
        byte[] b = new byte[MARKED_BYTES];
        putLong(b, 0, main);
        putLong(b, 8, sub);
        b[BYTES] = TOMBSTONE_MARK;
        return b;
    }

    /** Decodes a 16-byte key, or the first 16 bytes of a tombstone key. */
    public static Revision fromBytes(byte[] b) {
        if (b.length != BYTES && b.length != MARKED_BYTES) {
            throw new IllegalArgumentException("not a revision key: " + b.length + " bytes");
        }
        return new Revision(getLong(b, 0), getLong(b, 8));
    }

    /** Whether a stored key is a tombstone's. */
    public static boolean isTombstone(byte[] b) {
        return b.length == MARKED_BYTES && b[BYTES] == TOMBSTONE_MARK;
    }

    /** The smallest key of revision {@code main}: every key of revisions < main sorts below it. */
    public static byte[] startOf(long main) {
        return new Revision(main, 0).toBytes();
    }

    static void putLong(byte[] b, int off, long v) {
        for (int i = 7; i >= 0; i--) {
            b[off + i] = (byte) v;
            v >>>= 8;
        }
    }

    static long getLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xFF);
        }
        return v;
    }

    @Override
    public String toString() {
        return main + "." + sub;
    }
}
