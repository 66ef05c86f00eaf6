package io.etch.mvcc;

import com.google.protobuf.ByteString;
import java.util.Collections;
import java.util.Comparator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The published key index. Entries are immutable {@link KeyIndex}es replaced whole by the apply
 * thread at commit, so readers iterate it concurrently without locks. A reader at revision R only
 * looks at revisions <= R of each entry, so entries already holding R+1 do not disturb it.
 */
final class TreeIndex implements IndexView {
    static final Comparator<ByteString> KEY_ORDER = KeyOrder.UNSIGNED;

    /** Ordered, for ranges. */
    private final ConcurrentSkipListMap<ByteString, KeyIndex> map;
    /**
     * The same entries by hash, for single-key lookups (every put, delete and get of one key): a
     * skip-list search is a few dozen dependent memory reads on a large index.
     */
    private final ConcurrentHashMap<ByteString, KeyIndex> byKey;

    TreeIndex() {
        this.map = new ConcurrentSkipListMap<>(KEY_ORDER);
        this.byKey = new ConcurrentHashMap<>();
    }

    /** Builds from a map already sorted by {@link #KEY_ORDER}. */
    TreeIndex(SortedMap<ByteString, KeyIndex> sorted) {
        this.map = new ConcurrentSkipListMap<>(sorted);
        this.byKey = new ConcurrentHashMap<>(sorted);
    }

    @Override
    public KeyIndex get(ByteString key) {
        return byKey.get(key);
    }

    @Override
    public Iterable<KeyIndex> range(ByteString key, ByteString end) {
        return rangeMap(key, end).values();
    }

    NavigableMap<ByteString, KeyIndex> rangeMap(ByteString key, ByteString end) {
        if (end.isEmpty()) {
            return map.tailMap(key, true);
        }
        if (KEY_ORDER.compare(key, end) >= 0) {
            return Collections.emptyNavigableMap();
        }
        return map.subMap(key, true, end, false);
    }

    /** All entries, ascending. */
    Iterable<KeyIndex> all() {
        return map.values();
    }

    /** Publishes a new version of a key's index, or removes the key when {@code ki} is null. */
    void publish(ByteString key, KeyIndex ki) {
        // Ordered map first: a reader that finds the key by hash also finds it in a range.
        if (ki == null) {
            byKey.remove(key);
            map.remove(key);
        } else {
            map.put(key, ki);
            byKey.put(key, ki);
        }
    }

    void publishAll(Map<ByteString, KeyIndex> changes) {
        changes.forEach(this::publish);
    }

    int size() {
        return map.size();
    }
}
