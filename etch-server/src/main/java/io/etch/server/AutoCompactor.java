package io.etch.server;

import io.etch.errors.EtcdError;
import io.etch.errors.EtchException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's --auto-compaction-mode: a leader duty that proposes ordinary compactions.
 *
 * <p>Periodic mode keeps {@code period} of history: it samples the revision every tenth of the
 * compaction interval (the period, at most an hour) and compacts at the revision seen one period
 * ago. Revision mode compacts every five minutes at {@code current - retention}. Followers sample
 * but never compact. Driven by {@link #tick(long)} so that time is the caller's.
 */
final class AutoCompactor {

    private static final Logger log = LoggerFactory.getLogger(AutoCompactor.class);
    private static final Duration REVISION_MODE_INTERVAL = Duration.ofMinutes(5);

    /** What the compactor acts on. */
    interface Target {
        long currentRevision();

        boolean isLeader();

        CompletableFuture<?> compact(long revision);
    }

    private final Target target;
    private final Duration period;      // periodic mode; null in revision mode
    private final long retainRevisions; // revision mode
    private final Deque<Long> samples = new ArrayDeque<>();
    private long lastSuccessNanos;
    private long waitNanos;
    private long lastCompacted = -1;
    private boolean inFlight;

    private AutoCompactor(Target target, Duration period, long retainRevisions, long startNanos) {
        this.target = target;
        this.period = period;
        this.retainRevisions = retainRevisions;
        this.lastSuccessNanos = startNanos;
        this.waitNanos = period == null ? 0 : period.toNanos();
    }

    static AutoCompactor periodic(Duration period, Target target, long startNanos) {
        return new AutoCompactor(target, period, 0, startNanos);
    }

    static AutoCompactor revision(long retain, Target target, long startNanos) {
        return new AutoCompactor(target, null, retain, startNanos);
    }

    /** How often {@link #tick(long)} must be called. */
    Duration tickInterval() {
        return period == null ? REVISION_MODE_INTERVAL : compactInterval().dividedBy(10);
    }

    private Duration compactInterval() {
        return period.compareTo(Duration.ofHours(1)) > 0 ? Duration.ofHours(1) : period;
    }

    synchronized void tick(long nowNanos) {
        if (period == null) {
            tickRevisionMode();
        } else {
            tickPeriodic(nowNanos);
        }
    }

    private void tickPeriodic(long nowNanos) {
        samples.addLast(target.currentRevision());
        long retentions = period.toNanos() / tickInterval().toNanos() + 1;
        while (samples.size() > retentions) {
            samples.removeFirst();
        }
        if (inFlight || !target.isLeader() || nowNanos - lastSuccessNanos < waitNanos) {
            return;
        }
        // The first compaction waits a whole period; later ones one compaction interval.
        waitNanos = compactInterval().toNanos();
        long revision = samples.peekFirst();
        run(revision, "retention " + period, () -> lastSuccessNanos = nowNanos);
    }

    private void tickRevisionMode() {
        long revision = target.currentRevision() - retainRevisions;
        if (inFlight || !target.isLeader() || revision <= 0 || revision == lastCompacted) {
            return;
        }
        run(revision, "retention " + retainRevisions + " revisions", () -> lastCompacted = revision);
    }

    private void run(long revision, String why, Runnable onSuccess) {
        inFlight = true;
        log.info("starting auto compaction at revision {} ({})", revision, why);
        CompletableFuture<?> done;
        try {
            done = target.compact(revision);
        } catch (RuntimeException e) {
            done = CompletableFuture.failedFuture(e);
        }
        done.whenComplete((ok, error) -> {
            synchronized (this) {
                inFlight = false;
                if (error == null || isCompacted(error)) {
                    log.info("completed auto compaction at revision {}", revision);
                    onSuccess.run();
                } else {
                    log.warn("failed auto compaction at revision {}: {}; retrying after {}", revision,
                            error.getMessage(), tickInterval());
                }
            }
        });
    }

    private static boolean isCompacted(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return cause instanceof EtchException e && e.error() == EtcdError.COMPACTED;
    }
}
