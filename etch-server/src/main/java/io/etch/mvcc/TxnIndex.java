package io.etch.mvcc;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.TreeMap;

/**
 * A write transaction's view of the key index: the published {@link TreeIndex} with the
 * transaction's own, not yet published, changes laid over it. A null value in the overlay means the
 * key leaves the index (compaction).
 */
final class TxnIndex implements IndexView {
    private final TreeIndex base;
    private final TreeMap<ByteString, KeyIndex> overlay = new TreeMap<>(TreeIndex.KEY_ORDER);
    /** Undo records since the last {@link #mark()}: the overlay's entry before each set. */
    private final List<Undo> undo = new ArrayList<>();

    private record Undo(ByteString key, boolean present, KeyIndex previous) {
    }

    TxnIndex(TreeIndex base) {
        this.base = base;
    }

    @Override
    public KeyIndex get(ByteString key) {
        if (overlay.containsKey(key)) {
            return overlay.get(key);
        }
        return base.get(key);
    }

    void set(ByteString key, KeyIndex ki) {
        boolean present = overlay.containsKey(key);
        undo.add(new Undo(key, present, overlay.put(key, ki)));
    }

    /** Keeps every change so far: a later {@link #rollback()} goes back to here. */
    void mark() {
        undo.clear();
    }

    /** Undoes every change since the last {@link #mark()} (or since the start). */
    void rollback() {
        for (int i = undo.size() - 1; i >= 0; i--) {
            Undo u = undo.get(i);
            if (u.present) {
                overlay.put(u.key, u.previous);
            } else {
                overlay.remove(u.key);
            }
        }
        undo.clear();
    }

    boolean hasChanges() {
        return !overlay.isEmpty();
    }

    /** The changes to publish: key → new index (null = remove). */
    Map<ByteString, KeyIndex> changes() {
        return overlay;
    }

    @Override
    public Iterable<KeyIndex> range(ByteString key, ByteString end) {
        NavigableMap<ByteString, KeyIndex> own;
        if (end.isEmpty()) {
            own = overlay.tailMap(key, true);
        } else if (TreeIndex.KEY_ORDER.compare(key, end) >= 0) {
            own = Collections.emptyNavigableMap();
        } else {
            own = overlay.subMap(key, true, end, false);
        }
        if (own.isEmpty()) {
            return base.range(key, end);
        }
        return () -> new Merged(base.rangeEntries(key, end), own.entrySet().iterator());
    }

    /** Both iterators in key order; on equal keys the overlay wins, null overlay values are skipped. */
    private static final class Merged implements Iterator<KeyIndex> {
        private final Iterator<Map.Entry<ByteString, KeyIndex>> a;
        private final Iterator<Map.Entry<ByteString, KeyIndex>> b;
        private Map.Entry<ByteString, KeyIndex> nextA;
        private Map.Entry<ByteString, KeyIndex> nextB;
        private KeyIndex next;

        Merged(Iterator<Map.Entry<ByteString, KeyIndex>> a, Iterator<Map.Entry<ByteString, KeyIndex>> b) {
            this.a = a;
            this.b = b;
            this.nextA = a.hasNext() ? a.next() : null;
            this.nextB = b.hasNext() ? b.next() : null;
            advance();
        }

        private void advance() {
            next = null;
            while (next == null && (nextA != null || nextB != null)) {
                int c;
                if (nextA == null) {
                    c = 1;
                } else if (nextB == null) {
                    c = -1;
                } else {
                    c = TreeIndex.KEY_ORDER.compare(nextA.getKey(), nextB.getKey());
                }
                if (c < 0) {
                    next = nextA.getValue();
                    nextA = a.hasNext() ? a.next() : null;
                } else {
                    next = nextB.getValue(); // may be null: removed, keep looking
                    nextB = b.hasNext() ? b.next() : null;
                    if (c == 0) {
                        nextA = a.hasNext() ? a.next() : null;
                    }
                }
            }
        }

        @Override
        public boolean hasNext() {
            return next != null;
        }

        @Override
        public KeyIndex next() {
            if (next == null) {
                throw new NoSuchElementException();
            }
            KeyIndex r = next;
            advance();
            return r;
        }
    }
}
