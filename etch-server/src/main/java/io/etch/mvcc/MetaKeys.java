package io.etch.mvcc;

import java.nio.charset.StandardCharsets;

/** Names and encodings of the values mvcc keeps in the {@code meta} column family. */
final class MetaKeys {
    /** Raft term and index of the last applied entry: 16 bytes, big-endian. */
    static final byte[] APPLIED = bytes("mvcc/applied");
    /** Revision of the last compaction requested (8 bytes): what reads are checked against. */
    static final byte[] SCHEDULED_COMPACT = bytes("mvcc/scheduledCompactRev");
    /** Revision of the last compaction whose physical deletion has finished (8 bytes). */
    static final byte[] FINISHED_COMPACT = bytes("mvcc/finishedCompactRev");
    /** First applied index of each Raft term ({@link TermStarts}): 16 bytes a term. */
    static final byte[] TERM_STARTS = bytes("mvcc/termStarts");

    private MetaKeys() {
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] encodeLong(long v) {
        byte[] b = new byte[8];
        Revision.putLong(b, 0, v);
        return b;
    }

    static long decodeLong(byte[] b) {
        if (b.length != 8) {
            throw new IllegalStateException("bad meta value length " + b.length);
        }
        return Revision.getLong(b, 0);
    }

    static byte[] encodeApplied(long term, long index) {
        byte[] b = new byte[16];
        Revision.putLong(b, 0, term);
        Revision.putLong(b, 8, index);
        return b;
    }

    static long[] decodeApplied(byte[] b) {
        if (b.length != 16) {
            throw new IllegalStateException("bad applied value length " + b.length);
        }
        return new long[] {Revision.getLong(b, 0), Revision.getLong(b, 8)};
    }
}
