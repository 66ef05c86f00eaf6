package io.etch.mvcc;

import static io.etch.mvcc.MvccTesting.bs;
import static io.etch.mvcc.MvccTesting.range;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.errors.EtcdError;
import io.etch.errors.EtchException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A range read in pieces merges to the unary range, wherever the pieces are cut. */
class RangeChunksTest {
    private static final ByteString FROM_KEY = ByteString.copyFrom(new byte[] {0});

    @TempDir
    Path dir;
    MvccTesting t;
    MvccStore store;
    long created;
    long tenth;

    @BeforeEach
    void open() {
        t = new MvccTesting(dir);
        store = t.store();
        for (int i = 0; i < 40; i++) {
            long rev = t.put(String.format("k%02d", i), "v".repeat(1 + i % 7));
            if (i == 9) {
                tenth = rev;
            }
        }
        created = store.currentRevision();
        for (int i = 0; i < 40; i += 3) {
            t.put(String.format("k%02d", i), "updated");
        }
        for (int i = 20; i < 26; i++) {
            t.delete(String.format("k%02d", i));
        }
        t.put("k22", "back");
    }

    @AfterEach
    void close() {
        t.close();
    }

    private static RangeResponse merged(RangeChunks chunks, long budget) {
        RangeResponse.Builder b = RangeResponse.newBuilder();
        while (!chunks.finished()) {
            b.mergeFrom(chunks.next(budget));
        }
        return b.build();
    }

    @Test
    void piecesOfAnySizeMergeToTheUnaryRange() {
        List<RangeRequest> variants = new ArrayList<>();
        for (long limit : new long[] {0, 1, 2, 5, 33, 34, 35, 100}) {
            variants.add(range("k", "l").setLimit(limit).build());
            variants.add(range("k", "l").setLimit(limit).setKeysOnly(true).build());
            variants.add(range("k", "l").setLimit(limit).setCountOnly(true).build());
            variants.add(range("k", "l").setLimit(limit).setMinModRevision(created + 1).build());
            variants.add(range("k", "l").setLimit(limit).setMaxModRevision(created).build());
            variants.add(range("k", "l").setLimit(limit).setMinCreateRevision(tenth).setMaxCreateRevision(tenth + 10).build());
            variants.add(range("k", "l").setLimit(limit).setRevision(created).build());
            variants.add(range("k1").setRangeEnd(FROM_KEY).setLimit(limit).build());
        }
        variants.add(range("k05").build());
        variants.add(range("k21").build());
        variants.add(range("k21").setRevision(created).build());
        variants.add(range("nope").build());
        variants.add(range("k30", "k10").build());
        variants.add(range("\0").setRangeEnd(FROM_KEY).build());
        for (RangeRequest r : variants) {
            RangeResponse unary = store.range(r);
            for (long budget : new long[] {1, 10, 50, 1 << 20}) {
                assertThat(merged(store.rangeChunks(r), budget)).as("%s budget %d", r, budget).isEqualTo(unary);
            }
        }
    }

    @Test
    void aTinyBudgetGivesOneKeyValueAPieceAndCountAndMoreOnlyAtTheEnd() {
        RangeChunks chunks = store.rangeChunks(range("k", "l").setLimit(5).build());
        List<RangeResponse> pieces = new ArrayList<>();
        while (!chunks.finished()) {
            pieces.add(chunks.next(1));
        }
        assertThat(pieces).hasSize(6);
        assertThat(pieces.get(0).getHeader().getRevision()).isEqualTo(store.currentRevision());
        for (RangeResponse p : pieces.subList(0, 5)) {
            assertThat(p.getKvsCount()).isEqualTo(1);
            assertThat(p.getCount()).isZero();
            assertThat(p.getMore()).isFalse();
        }
        for (RangeResponse p : pieces.subList(1, 6)) {
            assertThat(p.hasHeader()).isFalse();
        }
        assertThat(pieces.get(5).getKvsCount()).isZero();
        assertThat(pieces.get(5).getCount()).isEqualTo(35);
        assertThat(pieces.get(5).getMore()).isTrue();
    }

    @Test
    void laterPiecesReadAtThePinnedRevision() {
        RangeRequest r = range("k", "l").build();
        RangeResponse before = store.range(r);
        RangeChunks chunks = store.rangeChunks(r);
        RangeResponse.Builder b = RangeResponse.newBuilder().mergeFrom(chunks.next(1));
        t.put("k39", "changed later");
        t.delete("k38");
        t.put("k355", "created later");
        while (!chunks.finished()) {
            b.mergeFrom(chunks.next(1));
        }
        assertThat(b.build()).isEqualTo(before);
    }

    @Test
    void aCompactionPastThePinnedRevisionFailsTheNextPiece() {
        RangeChunks chunks = store.rangeChunks(range("k", "l").build());
        chunks.next(1);
        t.put("k00", "newer");
        t.compact(store.currentRevision());
        assertThatThrownBy(() -> chunks.next(1)).isInstanceOfSatisfying(EtchException.class,
                e -> assertThat(e.error()).isEqualTo(EtcdError.COMPACTED));
    }

    @Test
    void aCompactionAtThePinnedRevisionIsNoObstacle() {
        RangeRequest r = range("k", "l").build();
        RangeResponse before = store.range(r);
        RangeChunks chunks = store.rangeChunks(r);
        RangeResponse.Builder b = RangeResponse.newBuilder().mergeFrom(chunks.next(1));
        t.compact(store.currentRevision());
        while (!chunks.finished()) {
            b.mergeFrom(chunks.next(1));
        }
        assertThat(b.build()).isEqualTo(before);
        assertThat(bs("k00")).isEqualTo(before.getKvs(0).getKey());
    }
}
