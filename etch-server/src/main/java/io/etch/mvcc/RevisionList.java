package io.etch.mvcc;

/**
 * An immutable list of revisions in ascending order, sharing its backing array with older and newer
 * versions of itself (like a Go slice).
 *
 * <p>Appending writes into the shared array when this version owns its end (nothing was appended
 * after it yet), otherwise it copies: a version published to readers never sees its elements change,
 * and appending is O(1) amortized. Only one thread appends (the apply thread, or the restore).
 */
final class RevisionList {
    static final RevisionList EMPTY = new RevisionList(new Revision[0], 0, 0, new Tail(0));

    /** How far the shared array is claimed by some version. */
    private static final class Tail {
        int used;

        Tail(int used) {
            this.used = used;
        }
    }

    private final Revision[] array;
    private final int from;
    private final int to;
    private final Tail tail;

    private RevisionList(Revision[] array, int from, int to, Tail tail) {
        this.array = array;
        this.from = from;
        this.to = to;
        this.tail = tail;
    }

    static RevisionList of(Revision r) {
        return EMPTY.append(r);
    }

    int size() {
        return to - from;
    }

    boolean isEmpty() {
        return to == from;
    }

    Revision get(int i) {
        if (i < 0 || i >= size()) {
            throw new IndexOutOfBoundsException(i);
        }
        return array[from + i];
    }

    Revision last() {
        return get(size() - 1);
    }

    RevisionList append(Revision r) {
        if (to == tail.used && to < array.length) {
            array[to] = r;
            tail.used = to + 1;
            return new RevisionList(array, from, to + 1, tail);
        }
        int n = size();
        Revision[] copy = new Revision[Math.max(4, n * 2)];
        System.arraycopy(array, from, copy, 0, n);
        copy[n] = r;
        return new RevisionList(copy, 0, n + 1, new Tail(n + 1));
    }

    /** The elements from index {@code i} on. */
    RevisionList dropFirst(int i) {
        if (i == 0) {
            return this;
        }
        if (i < 0 || i > size()) {
            throw new IndexOutOfBoundsException(i);
        }
        int remaining = size() - i;
        if (array.length > 16 && remaining < array.length / 4) {
            // Mostly dropped: copy, so the dropped revisions can be collected.
            Revision[] copy = new Revision[Math.max(4, remaining * 2)];
            System.arraycopy(array, from + i, copy, 0, remaining);
            return new RevisionList(copy, 0, remaining, new Tail(remaining));
        }
        return new RevisionList(array, from + i, to, tail);
    }

    /** Index of {@code r}, or a negative number. */
    int indexOf(Revision r) {
        int lo = from;
        int hi = to - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = array[mid].compareTo(r);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid - from;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = from; i < to; i++) {
            if (i > from) {
                sb.append(", ");
            }
            sb.append(array[i]);
        }
        return sb.append(']').toString();
    }
}
