package io.etch.mvcc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TermStartsTest {

    @Test
    void namesTheTermOfEachIndexFromWhereTermsBegan() {
        TermStarts starts = TermStarts.NONE.with(1, 1).with(1, 5).with(3, 9).with(2, 12).with(5, 20);
        assertThat(starts.size()).as("only a newer term starts anything").isEqualTo(3);
        assertThat(starts.termAt(0)).isEqualTo(-1);
        assertThat(starts.termAt(1)).isEqualTo(1);
        assertThat(starts.termAt(8)).isEqualTo(1);
        assertThat(starts.termAt(9)).isEqualTo(3);
        assertThat(starts.termAt(19)).isEqualTo(3);
        assertThat(starts.termAt(20)).isEqualTo(5);
        assertThat(starts.termAt(1_000)).isEqualTo(5);
    }

    @Test
    void roundTripsThroughItsEncoding() {
        TermStarts starts = TermStarts.NONE.with(2, 3).with(4, 17);
        TermStarts decoded = TermStarts.decode(starts.encode());
        assertThat(decoded.size()).isEqualTo(2);
        assertThat(decoded.termAt(16)).isEqualTo(2);
        assertThat(decoded.termAt(17)).isEqualTo(4);
        assertThat(TermStarts.decode(null).size()).isZero();
        assertThatThrownBy(() -> TermStarts.decode(new byte[15])).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("length 15");
    }

    @Test
    void keepsTheNewestTermsWhenFull() {
        TermStarts starts = TermStarts.NONE;
        for (int term = 1; term <= TermStarts.MAX_TERMS + 10; term++) {
            starts = starts.with(term, 10L * term);
        }
        assertThat(starts.size()).isEqualTo(TermStarts.MAX_TERMS);
        assertThat(starts.termAt(10L * 10)).as("dropped").isEqualTo(-1);
        assertThat(starts.termAt(10L * 11 + 5)).isEqualTo(11);
        assertThat(starts.termAt(10L * (TermStarts.MAX_TERMS + 10))).isEqualTo(TermStarts.MAX_TERMS + 10);
    }
}
