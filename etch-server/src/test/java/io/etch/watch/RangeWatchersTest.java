package io.etch.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.WatchCreateRequest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RangeWatchersTest {
    private final RangeWatchers watchers = new RangeWatchers();
    private long ids;

    private static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }

    /** As a Watch stream creates it: a range end of "\0" means every key from {@code key} on. */
    private Watcher add(ByteString key, ByteString end) {
        ByteString stored = end.equals(ByteString.copyFrom(new byte[] {0})) ? ByteString.EMPTY : end;
        Watcher w = new Watcher(null, ids++, key, stored, WatchCreateRequest.getDefaultInstance());
        watchers.add(w);
        return w;
    }

    private List<Watcher> matching(ByteString key) {
        List<Watcher> found = new ArrayList<>();
        watchers.forEachMatching(key, found::add);
        return found;
    }

    @Test
    void findsExactlyTheWatchersWhoseRangeHoldsTheKey() {
        Watcher prefixA = add(bs("/a/"), RangeWatchers.prefixEnd(bs("/a/")));
        Watcher prefixAb = add(bs("/a/b"), RangeWatchers.prefixEnd(bs("/a/b")));
        Watcher fromM = add(bs("m"), ByteString.EMPTY);
        Watcher all = add(ByteString.EMPTY, ByteString.EMPTY);
        Watcher range = add(bs("/a/c"), bs("/a/e"));

        assertThat(matching(bs("/a/bx"))).containsExactlyInAnyOrder(prefixA, prefixAb, all);
        assertThat(matching(bs("/a/d"))).containsExactlyInAnyOrder(prefixA, range, all);
        assertThat(matching(bs("/a"))).containsExactlyInAnyOrder(all);
        assertThat(matching(bs("m"))).containsExactlyInAnyOrder(fromM, all);
        assertThat(matching(bs("zz"))).containsExactlyInAnyOrder(fromM, all);
        assertThat(watchers.size()).isEqualTo(5);
    }

    @Test
    void agreesWithEachWatchersOwnMatchOnEdgeBytes() {
        byte[][] prefixes = {{(byte) 0xff}, {'a', (byte) 0xff}, {'a', (byte) 0xfe}, {0}, {'a'}};
        List<Watcher> all = new ArrayList<>();
        for (byte[] p : prefixes) {
            ByteString key = ByteString.copyFrom(p);
            all.add(add(key, RangeWatchers.prefixEnd(key)));
        }
        byte[][] keys = {{(byte) 0xff}, {(byte) 0xff, 1}, {'a'}, {'a', (byte) 0xff, 0}, {'a', (byte) 0xfe, 9}, {'b'}, {0, 0}, {}};
        for (byte[] k : keys) {
            ByteString key = ByteString.copyFrom(k);
            List<Watcher> expected = all.stream().filter(w -> w.matchesKey(key)).toList();
            assertThat(matching(key)).as("key %s", key).containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    @Test
    void removedWatchersAreNotFound() {
        Watcher a = add(bs("/a/"), RangeWatchers.prefixEnd(bs("/a/")));
        Watcher b = add(bs("/a/"), RangeWatchers.prefixEnd(bs("/a/")));
        Watcher from = add(bs("/"), ByteString.EMPTY);
        Watcher range = add(bs("/a/c"), bs("/a/e"));
        watchers.remove(a);
        watchers.remove(from);
        watchers.remove(range);
        watchers.remove(range);
        assertThat(matching(bs("/a/d"))).containsExactly(b);
        watchers.remove(b);
        assertThat(watchers.isEmpty()).isTrue();
        assertThat(matching(bs("/a/d"))).isEmpty();
    }
}
