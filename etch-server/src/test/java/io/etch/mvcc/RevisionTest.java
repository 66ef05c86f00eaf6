package io.etch.mvcc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RevisionTest {
    @Test
    void encodesToSixteenBigEndianBytes() {
        byte[] b = new Revision(0x0102030405060708L, 9).toBytes();
        assertThat(b).hasSize(16);
        assertThat(Arrays.copyOfRange(b, 0, 8)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(Arrays.copyOfRange(b, 8, 16)).containsExactly(0, 0, 0, 0, 0, 0, 0, 9);
    }

    @Test
    void decodesWhatItEncodes() {
        Revision r = new Revision(Long.MAX_VALUE, 300);
        assertThat(Revision.fromBytes(r.toBytes())).isEqualTo(r);
        assertThat(Revision.fromBytes(r.toTombstoneBytes())).isEqualTo(r);
    }

    @Test
    void byteOrderIsRevisionOrder() {
        Revision[] revs = {new Revision(1, 0), new Revision(1, 1), new Revision(1, 255), new Revision(1, 256),
            new Revision(2, 0), new Revision(255, 0), new Revision(256, 0), new Revision(Long.MAX_VALUE, 0)};
        for (int i = 0; i + 1 < revs.length; i++) {
            assertThat(revs[i].compareTo(revs[i + 1])).isNegative();
            assertThat(Arrays.compareUnsigned(revs[i].toBytes(), revs[i + 1].toBytes())).isNegative();
            assertThat(Arrays.compareUnsigned(revs[i].toTombstoneBytes(), revs[i + 1].toBytes())).isNegative();
        }
    }

    @Test
    void tombstoneKeyIsMarked() {
        Revision r = new Revision(5, 2);
        assertThat(Revision.isTombstone(r.toTombstoneBytes())).isTrue();
        assertThat(Revision.isTombstone(r.toBytes())).isFalse();
    }

    @Test
    void startOfSortsBelowEveryRevisionWithThatMain() {
        assertThat(Arrays.compareUnsigned(Revision.startOf(3), new Revision(2, Long.MAX_VALUE).toTombstoneBytes()))
                .isPositive();
        assertThat(Revision.startOf(3)).isEqualTo(new Revision(3, 0).toBytes());
    }
}
