package io.etch.mvcc;

import java.util.Arrays;

/**
 * The first applied Raft index of each term, so that the term of any applied entry can be named
 * after the Raft log before it was purged. A leader needs it for the entry just before its first
 * remaining one: a follower whose log ends there gets the next entries only with that entry's
 * term to check them against (Raft's log matching), and Ratis keeps no record of it.
 *
 * <p>Immutable; kept in the {@code meta} column family with the applied index it goes with.
 * Bounded: the oldest terms are dropped first (a purge never reaches that far back).
 */
final class TermStarts {
    static final int MAX_TERMS = 1024;
    static final TermStarts NONE = new TermStarts(new long[0], new long[0]);

    /** Ascending, pairwise: {@code indexes[i]} is the first index of {@code terms[i]}. */
    private final long[] indexes;
    private final long[] terms;

    private TermStarts(long[] indexes, long[] terms) {
        this.indexes = indexes;
        this.terms = terms;
    }

    /** With {@code index} as the start of {@code term} if that term is newer than every recorded one; else this. */
    TermStarts with(long term, long index) {
        int n = terms.length;
        if (n > 0 && term <= terms[n - 1]) {
            return this;
        }
        int keep = Math.min(n, MAX_TERMS - 1);
        long[] i = Arrays.copyOfRange(indexes, n - keep, n + 1);
        long[] t = Arrays.copyOfRange(terms, n - keep, n + 1);
        i[keep] = index;
        t[keep] = term;
        return new TermStarts(i, t);
    }

    /** The term of the applied entry at {@code index}, or -1 when it lies before the recorded history. */
    long termAt(long index) {
        int at = Arrays.binarySearch(indexes, index);
        if (at < 0) {
            at = -at - 2;
        }
        return at < 0 ? -1 : terms[at];
    }

    int size() {
        return terms.length;
    }

    byte[] encode() {
        byte[] b = new byte[16 * terms.length];
        for (int k = 0; k < terms.length; k++) {
            Revision.putLong(b, 16 * k, indexes[k]);
            Revision.putLong(b, 16 * k + 8, terms[k]);
        }
        return b;
    }

    static TermStarts decode(byte[] b) {
        if (b == null) {
            return NONE;
        }
        if (b.length % 16 != 0) {
            throw new IllegalStateException("bad term starts value length " + b.length);
        }
        int n = b.length / 16;
        long[] i = new long[n];
        long[] t = new long[n];
        for (int k = 0; k < n; k++) {
            i[k] = Revision.getLong(b, 16 * k);
            t[k] = Revision.getLong(b, 16 * k + 8);
        }
        return new TermStarts(i, t);
    }
}
