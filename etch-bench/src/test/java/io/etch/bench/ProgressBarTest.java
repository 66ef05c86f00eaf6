package io.etch.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProgressBarTest {
    @Test
    void drawsCountersBarPercentAndTimeLeft() {
        // 2500 of 10000 after 1 s: 3 s left.
        String s = ProgressBar.line(2500, 10000, 1_000_000_000L, false, 60);
        assertThat(s).startsWith("2500 / 10000 B").endsWith("! 25.00% 3s");
        assertThat(s).hasSize(60);
        String bar = s.substring(s.indexOf('B'), s.indexOf('!') + 1);
        int inner = bar.length() - 2;
        assertThat(bar).contains("m");
        assertThat(bar.chars().filter(c -> c == 'o').count() + 1).isEqualTo(inner / 4);
    }

    @Test
    void finishedBarIsFullAndShowsTheTimeTaken() {
        String s = ProgressBar.line(10, 10, 4_200_000_000L, true, 50);
        assertThat(s).startsWith("10 / 10 Bo").endsWith("o! 100.00% 4s").doesNotContain("m").doesNotContain("  ");
    }

    @Test
    void nothingDoneYetHasAnEmptyBarAndNoEstimate() {
        String s = ProgressBar.line(0, 100, 0, false, 40);
        assertThat(s).startsWith("0 / 100 B ").endsWith(" ! 0.00%").doesNotContain("o").doesNotContain("m");
    }
}
