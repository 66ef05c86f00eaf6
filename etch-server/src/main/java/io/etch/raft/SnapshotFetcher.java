package io.etch.raft;

import io.etch.metrics.EtchMetrics;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches the leader's checkpoint for this member, one at a time, into {@code <work>/receive}.
 * A failed fetch waits a moment before it fails: the leader notifies again at its next
 * heartbeat, and a member that cannot reach it should not ask in a tight loop.
 */
final class SnapshotFetcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotFetcher.class);
    /** A checkpoint of a large store takes a while on a slow link; a stalled one is given up. */
    private static final long TRANSFER_TIMEOUT_MS = TimeUnit.HOURS.toMillis(1);
    private static final long RETRY_PAUSE_MS = 1000;

    private final long selfId;
    private final Path work;
    private final PeerTls tls;
    private final EtchMetrics metrics;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "etch-snapshot-receive");
        t.setDaemon(true);
        return t;
    });

    SnapshotFetcher(long selfId, Path work, PeerTls tls, EtchMetrics metrics) {
        this.selfId = selfId;
        this.work = work;
        this.tls = tls;
        this.metrics = metrics;
    }

    /**
     * Fetches from the leader at {@code address} a checkpoint that holds at least every entry
     * before {@code firstIndex}, the first one its log still has.
     */
    CompletableFuture<PeerSnapshotService.Received> fetch(String address, long firstIndex, long have) {
        return CompletableFuture.supplyAsync(() -> {
            long start = System.nanoTime();
            LOG.info("fetching a snapshot from the leader at {}: its log starts at index {}, this member has applied {}",
                    address, firstIndex, have);
            try {
                PeerSnapshotService.Received r = PeerSnapshotService.fetch(address, tls, selfId, work.resolve("receive"),
                        TRANSFER_TIMEOUT_MS);
                if (r.index() < firstIndex - 1) {
                    throw new IllegalStateException("the leader's snapshot ends at index " + r.index()
                            + ", before its log starts at " + firstIndex);
                }
                metrics.snapshotsReceived.increment();
                LOG.info("received a snapshot at index {} (term {}) from {} in {} ms", r.index(), r.term(), address,
                        (System.nanoTime() - start) / 1_000_000);
                return r;
            } catch (Exception e) {
                metrics.snapshotReceiveFailures.increment();
                LOG.warn("fetching a snapshot from {} failed; the leader will be asked again", address, e);
                try {
                    Thread.sleep(RETRY_PAUSE_MS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
                throw new CompletionException(e);
            }
        }, executor);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
