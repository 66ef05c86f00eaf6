package io.etch.auth;

import com.google.protobuf.ByteString;
import io.etch.api.authpb.Permission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The keys one user may read and write: the permissions of all their roles merged into sorted,
 * disjoint half-open intervals. A request passes only if one interval covers its whole key range,
 * so a range that reaches past what the user was granted is refused as a whole.
 */
final class KeyPermissions {

    static final KeyPermissions NONE = new KeyPermissions(List.of(), List.of());

    private static final Comparator<ByteString> ORDER = ByteString.unsignedLexicographicalComparator();
    private static final ByteString ZERO = ByteString.copyFrom(new byte[] {0});

    /** [start, end); end null: no upper bound. */
    private record Interval(ByteString start, ByteString end) {
    }

    private final List<Interval> read;
    private final List<Interval> write;

    private KeyPermissions(List<Interval> read, List<Interval> write) {
        this.read = read;
        this.write = write;
    }

    static KeyPermissions of(List<Permission> permissions) {
        List<Interval> read = new ArrayList<>();
        List<Interval> write = new ArrayList<>();
        for (Permission p : permissions) {
            Interval i = interval(p.getKey(), p.getRangeEnd());
            switch (p.getPermType()) {
                case READ -> read.add(i);
                case WRITE -> write.add(i);
                case READWRITE -> {
                    read.add(i);
                    write.add(i);
                }
                default -> { }
            }
        }
        return new KeyPermissions(merge(read), merge(write));
    }

    boolean canRead(ByteString key, ByteString rangeEnd) {
        return covers(read, interval(key, rangeEnd));
    }

    boolean canWrite(ByteString key, ByteString rangeEnd) {
        return covers(write, interval(key, rangeEnd));
    }

    /**
     * etcd's reading of a key and range end: no range end is the key alone, "\0" is every key from
     * the key on, anything else the keys up to it. An empty or inverted range is taken as the key
     * alone, the least it could mean.
     */
    private static Interval interval(ByteString key, ByteString rangeEnd) {
        if (rangeEnd.isEmpty()) {
            return new Interval(key, key.concat(ZERO));
        }
        if (rangeEnd.equals(ZERO)) {
            return new Interval(key, null);
        }
        if (ORDER.compare(key, rangeEnd) >= 0) {
            return new Interval(key, key.concat(ZERO));
        }
        return new Interval(key, rangeEnd);
    }

    private static List<Interval> merge(List<Interval> intervals) {
        intervals.sort((a, b) -> ORDER.compare(a.start(), b.start()));
        List<Interval> merged = new ArrayList<>();
        for (Interval i : intervals) {
            Interval last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && (last.end() == null || ORDER.compare(i.start(), last.end()) <= 0)) {
                merged.set(merged.size() - 1, new Interval(last.start(), max(last.end(), i.end())));
            } else {
                merged.add(i);
            }
        }
        return List.copyOf(merged);
    }

    private static ByteString max(ByteString a, ByteString b) {
        if (a == null || b == null) {
            return null;
        }
        return ORDER.compare(a, b) >= 0 ? a : b;
    }

    private static boolean covers(List<Interval> granted, Interval wanted) {
        // The last interval starting at or before the wanted start is the only one that can cover it.
        int lo = 0;
        int hi = granted.size() - 1;
        Interval candidate = null;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Interval i = granted.get(mid);
            if (ORDER.compare(i.start(), wanted.start()) <= 0) {
                candidate = i;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (candidate == null) {
            return false;
        }
        if (candidate.end() == null) {
            return true;
        }
        return wanted.end() != null && ORDER.compare(wanted.end(), candidate.end()) <= 0;
    }
}
