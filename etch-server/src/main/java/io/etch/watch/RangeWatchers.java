package io.etch.watch;

import com.google.protobuf.ByteString;
import io.etch.mvcc.KeyOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The synced watchers of key ranges, found by the key of an event without looking at the others:
 * prefix watchers (etcd's {@code --prefix}: the range of every key starting with a prefix) by the
 * event key's own prefixes, from-key watchers ({@code range_end "\0"}) as every start at or below
 * the key, and any other range by a scan. Guarded by the hub's lock.
 */
final class RangeWatchers {
    private final Map<ByteString, Set<Watcher>> byPrefix = new HashMap<>();
    /** Prefix length → how many prefixes of that length are watched. */
    private final TreeMap<Integer, Integer> prefixLengths = new TreeMap<>();
    private final TreeMap<ByteString, Set<Watcher>> fromKey = new TreeMap<>(KeyOrder.UNSIGNED);
    private final List<Watcher> others = new ArrayList<>();
    private int size;

    void add(Watcher w) {
        size++;
        if (w.end.isEmpty()) {
            fromKey.computeIfAbsent(w.key, k -> new LinkedHashSet<>()).add(w);
        } else if (isPrefix(w)) {
            Set<Watcher> set = byPrefix.computeIfAbsent(w.key, k -> new LinkedHashSet<>());
            if (set.isEmpty()) {
                prefixLengths.merge(w.key.size(), 1, Integer::sum);
            }
            set.add(w);
        } else {
            others.add(w);
        }
    }

    void remove(Watcher w) {
        boolean removed;
        if (w.end.isEmpty()) {
            removed = removeFrom(fromKey, w);
        } else if (isPrefix(w)) {
            removed = removeFrom(byPrefix, w);
            if (removed && !byPrefix.containsKey(w.key)) {
                prefixLengths.computeIfPresent(w.key.size(), (l, n) -> n == 1 ? null : n - 1);
            }
        } else {
            removed = others.remove(w);
        }
        if (removed) {
            size--;
        }
    }

    private static boolean removeFrom(Map<ByteString, Set<Watcher>> map, Watcher w) {
        Set<Watcher> set = map.get(w.key);
        if (set == null || !set.remove(w)) {
            return false;
        }
        if (set.isEmpty()) {
            map.remove(w.key);
        }
        return true;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** Every watcher held, in no particular order. */
    List<Watcher> all() {
        List<Watcher> all = new ArrayList<>(size);
        fromKey.values().forEach(all::addAll);
        byPrefix.values().forEach(all::addAll);
        all.addAll(others);
        return all;
    }

    /** Calls {@code action} for every watcher whose range holds {@code key}. */
    void forEachMatching(ByteString key, Consumer<Watcher> action) {
        for (Set<Watcher> set : fromKey.headMap(key, true).values()) {
            set.forEach(action);
        }
        for (int length : prefixLengths.headMap(key.size(), true).keySet()) {
            Set<Watcher> set = byPrefix.get(key.substring(0, length));
            if (set != null) {
                set.forEach(action);
            }
        }
        for (Watcher w : others) {
            if (w.matchesKey(key)) {
                action.accept(w);
            }
        }
    }

    private static boolean isPrefix(Watcher w) {
        return !w.key.isEmpty() && w.end.equals(prefixEnd(w.key));
    }

    /** etcd's range end for a prefix: the prefix with its last byte below 0xff incremented, the rest dropped. */
    static ByteString prefixEnd(ByteString prefix) {
        for (int i = prefix.size() - 1; i >= 0; i--) {
            int b = prefix.byteAt(i) & 0xff;
            if (b < 0xff) {
                byte[] end = prefix.substring(0, i + 1).toByteArray();
                end[i] = (byte) (b + 1);
                return ByteString.copyFrom(end);
            }
        }
        return ByteString.copyFrom(new byte[] {0});
    }
}
