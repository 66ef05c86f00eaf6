package io.etch.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.etch.errors.EtcdError;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class AutoCompactorTest {

    /** A store whose revision the test moves, recording what was compacted. */
    private static final class FakeTarget implements AutoCompactor.Target {
        long revision = 1;
        boolean leader = true;
        final List<Long> compacted = new ArrayList<>();
        CompletableFuture<?> answer = CompletableFuture.completedFuture(null);

        @Override
        public long currentRevision() {
            return revision;
        }

        @Override
        public boolean isLeader() {
            return leader;
        }

        @Override
        public CompletableFuture<?> compact(long rev) {
            compacted.add(rev);
            return answer;
        }
    }

    private static final long SECOND = 1_000_000_000L;

    @Test
    void periodicKeepsOnePeriodOfHistory() {
        FakeTarget t = new FakeTarget();
        AutoCompactor c = AutoCompactor.periodic(Duration.ofSeconds(10), t, 0);
        assertThat(c.tickInterval()).isEqualTo(Duration.ofSeconds(1));
        for (int s = 1; s <= 9; s++) {
            t.revision = 100 + s;
            c.tick(s * SECOND);
        }
        assertThat(t.compacted).isEmpty();
        t.revision = 110;
        c.tick(10 * SECOND);
        // the oldest sample still within the window: the revision seen one period ago
        assertThat(t.compacted).containsExactly(101L);
        t.revision = 111;
        c.tick(11 * SECOND);
        assertThat(t.compacted).hasSize(1);
    }

    @Test
    void periodicOverAnHourCompactsHourly() {
        FakeTarget t = new FakeTarget();
        AutoCompactor c = AutoCompactor.periodic(Duration.ofHours(5), t, 0);
        assertThat(c.tickInterval()).isEqualTo(Duration.ofMinutes(6));
    }

    @Test
    void followersNeverCompact() {
        FakeTarget t = new FakeTarget();
        t.leader = false;
        AutoCompactor c = AutoCompactor.periodic(Duration.ofSeconds(1), t, 0);
        for (int i = 1; i < 50; i++) {
            t.revision++;
            c.tick(i * SECOND);
        }
        assertThat(t.compacted).isEmpty();
    }

    @Test
    void revisionModeKeepsRetentionRevisions() {
        FakeTarget t = new FakeTarget();
        AutoCompactor c = AutoCompactor.revision(100, t, 0);
        assertThat(c.tickInterval()).isEqualTo(Duration.ofMinutes(5));
        t.revision = 50;
        c.tick(0);
        assertThat(t.compacted).isEmpty();
        t.revision = 1000;
        c.tick(0);
        c.tick(0);
        assertThat(t.compacted).containsExactly(900L);
        t.revision = 1001;
        c.tick(0);
        assertThat(t.compacted).containsExactly(900L, 901L);
    }

    @Test
    void alreadyCompactedCountsAsDoneAndOtherErrorsRetry() {
        FakeTarget t = new FakeTarget();
        AutoCompactor c = AutoCompactor.revision(10, t, 0);
        t.answer = CompletableFuture.failedFuture(EtcdError.TIMEOUT.exception());
        t.revision = 100;
        c.tick(0);
        c.tick(0);
        assertThat(t.compacted).containsExactly(90L, 90L);
        t.answer = CompletableFuture.failedFuture(EtcdError.COMPACTED.exception());
        c.tick(0);
        c.tick(0);
        assertThat(t.compacted).containsExactly(90L, 90L, 90L);
    }
}
