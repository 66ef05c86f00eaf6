package io.etch.mvcc;

import com.google.protobuf.ByteString;
import java.util.AbstractMap;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.UnaryOperator;

/**
 * The published key index. Entries are immutable {@link KeyIndex}es replaced whole by the apply
 * thread at commit, so readers iterate it concurrently without locks. A reader at revision R only
 * looks at revisions <= R of each entry, so entries already holding R+1 do not disturb it.
 *
 * <p>Each key has one {@link Slot}, held by an ordered map (for ranges) and a hash map (for the
 * single-key lookups of every put, delete and get). A new version of an existing key is published
 * into its slot: only creations and removals change the maps. Searching or updating the skip list
 * is a few dozen dependent memory reads on a large index and was most of the apply thread's time.
 */
final class TreeIndex implements IndexView {
    static final Comparator<ByteString> KEY_ORDER = KeyOrder.UNSIGNED;

    /** A key's current index; null once the key left the index. */
    private static final class Slot {
        volatile KeyIndex ki;

        Slot(KeyIndex ki) {
            this.ki = ki;
        }
    }

    private final ConcurrentSkipListMap<ByteString, Slot> ordered;
    private final ConcurrentHashMap<ByteString, Slot> byKey;
    /** Keys that exist now (not deleted); written by the apply thread only. */
    private volatile long live;

    TreeIndex() {
        this.ordered = new ConcurrentSkipListMap<>(KEY_ORDER);
        this.byKey = new ConcurrentHashMap<>();
    }

    private TreeIndex(int capacity) {
        this.ordered = new ConcurrentSkipListMap<>(KEY_ORDER);
        this.byKey = new ConcurrentHashMap<>(Math.max(16, capacity * 4 / 3 + 1));
    }

    /** An index of {@code keys} (each map key is its index's key). */
    static TreeIndex of(Map<ByteString, KeyIndex> keys) {
        Builder b = new Builder(keys.size());
        keys.forEach((k, ki) -> b.update(k, old -> ki));
        return b.build();
    }

    /**
     * Builds the index of a store being opened: the hash map is filled as stored revisions are
     * read, in any order, and the ordered map once at the end, in key order, the cheapest way to
     * fill a skip list.
     */
    static final class Builder {
        private final TreeIndex index;
        private boolean built;

        Builder(int capacity) {
            this.index = new TreeIndex(capacity);
        }

        /** Replaces the key's index (null when absent) by {@code change}'s result; null removes it. */
        void update(ByteString key, UnaryOperator<KeyIndex> change) {
            Slot s = index.byKey.get(key);
            KeyIndex ki = change.apply(s == null ? null : s.ki);
            if (s != null) {
                s.ki = ki;
            } else if (ki != null) {
                index.byKey.put(key, new Slot(ki));
            }
        }

        /** Replaces every index by {@code change}'s result; null removes the key. */
        void updateAll(UnaryOperator<KeyIndex> change) {
            index.byKey.values().forEach(s -> s.ki = change.apply(s.ki));
        }

        TreeIndex build() {
            if (built) {
                throw new IllegalStateException("already built");
            }
            built = true;
            index.byKey.values().removeIf(s -> s.ki == null);
            Slot[] sorted = index.byKey.values().toArray(new Slot[0]);
            Arrays.parallelSort(sorted, (a, b) -> KEY_ORDER.compare(a.ki.key(), b.ki.key()));
            long live = 0;
            for (Slot s : sorted) {
                index.ordered.put(s.ki.key(), s);
                live += exists(s.ki);
            }
            index.live = live;
            return index;
        }
    }

    @Override
    public KeyIndex get(ByteString key) {
        Slot s = byKey.get(key);
        return s == null ? null : s.ki;
    }

    @Override
    public Iterable<KeyIndex> range(ByteString key, ByteString end) {
        NavigableMap<ByteString, Slot> r = rangeOf(key, end);
        return () -> new Present<>(r.entrySet().iterator(), false);
    }

    /** The entries of keys in {@code [key, end)} ascending, for merging with a txn's own changes. */
    Iterator<Map.Entry<ByteString, KeyIndex>> rangeEntries(ByteString key, ByteString end) {
        return new Present<>(rangeOf(key, end).entrySet().iterator(), true);
    }

    private NavigableMap<ByteString, Slot> rangeOf(ByteString key, ByteString end) {
        if (end.isEmpty()) {
            return ordered.tailMap(key, true);
        }
        if (KEY_ORDER.compare(key, end) >= 0) {
            return Collections.emptyNavigableMap();
        }
        return ordered.subMap(key, true, end, false);
    }

    /** All entries, ascending. */
    Iterable<KeyIndex> all() {
        return range(ByteString.EMPTY, ByteString.EMPTY);
    }

    /** Publishes a new version of a key's index, or removes the key when {@code ki} is null. Apply thread only. */
    void publish(ByteString key, KeyIndex ki) {
        Slot s = byKey.get(key);
        KeyIndex old = s == null ? null : s.ki;
        live += exists(ki) - exists(old);
        if (ki == null) {
            if (s != null) {
                s.ki = null;
                byKey.remove(key);
                ordered.remove(key);
            }
        } else if (s != null) {
            s.ki = ki;
        } else {
            // Ordered map first: a reader that finds the key by hash also finds it in a range.
            s = new Slot(ki);
            ordered.put(key, s);
            byKey.put(key, s);
        }
    }

    void publishAll(Map<ByteString, KeyIndex> changes) {
        changes.forEach(this::publish);
    }

    int size() {
        return byKey.size();
    }

    /** Keys that exist now, as etcd's keys_total counts them (deleted ones wait for compaction here). */
    long liveKeys() {
        return live;
    }

    private static int exists(KeyIndex ki) {
        return ki != null && !ki.isDeleted() ? 1 : 0;
    }

    /** Slots' current indexes, skipping keys removed meanwhile; as entries or as bare indexes. */
    @SuppressWarnings("unchecked")
    private static final class Present<T> implements Iterator<T> {
        private final Iterator<Map.Entry<ByteString, Slot>> slots;
        private final boolean entries;
        private T next;

        Present(Iterator<Map.Entry<ByteString, Slot>> slots, boolean entries) {
            this.slots = slots;
            this.entries = entries;
            advance();
        }

        private void advance() {
            next = null;
            while (next == null && slots.hasNext()) {
                Map.Entry<ByteString, Slot> e = slots.next();
                KeyIndex ki = e.getValue().ki;
                if (ki != null) {
                    next = (T) (entries ? new AbstractMap.SimpleImmutableEntry<>(e.getKey(), ki) : ki);
                }
            }
        }

        @Override
        public boolean hasNext() {
            return next != null;
        }

        @Override
        public T next() {
            if (next == null) {
                throw new NoSuchElementException();
            }
            T r = next;
            advance();
            return r;
        }
    }
}
