package io.etch.watch;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.ResponseHeader;
import io.etch.api.etcdserverpb.WatchResponse;
import io.etch.api.mvccpb.Event;
import io.etch.errors.EtcdError;
import io.etch.errors.EtchException;
import io.etch.mvcc.MvccStore;
import io.etch.mvcc.RevisionListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every watcher of a member, fed by apply: {@link #onCommit} runs once per committed revision, in
 * order, and queues each synced watcher's events of that revision as one response. Watchers that
 * start in the past, or whose stream has no room, are unsynced: one background thread reads their
 * history from the store in batches of revisions and moves them to synced once they reach the
 * last published revision. The apply thread never waits for a client or for storage here.
 *
 * <p>One lock guards the groups and each watcher's position; it is held only to move watchers and
 * to queue responses, never while reading the store or sending.
 */
public final class WatchHub implements RevisionListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WatchHub.class);

    /** Event responses a stream may hold before its watchers fall back to catching up. */
    public static final int DEFAULT_STREAM_CAPACITY = 512;
    /** etcd's floor for the progress interval. */
    static final Duration MIN_PROGRESS_INTERVAL = Duration.ofMillis(100);
    /** Revisions read from the store per catch-up batch (etcd's watchBatchMaxRevs). */
    static final int CATCH_UP_REVISIONS = 1000;
    /** A catch-up response is cut, between revisions, after this many events. */
    static final int CATCH_UP_EVENTS_PER_RESPONSE = 1000;

    private final MvccStore store;
    private final Duration progressInterval;
    private final int streamCapacity;
    private final ScheduledExecutorService worker;
    private final AtomicBoolean catchUpQueued = new AtomicBoolean();

    private final Object lock = new Object();
    // Guarded by lock.
    private long lastRev;
    private final Map<ByteString, Set<Watcher>> syncedByKey = new HashMap<>();
    private final RangeWatchers syncedRanges = new RangeWatchers();
    private final Set<Watcher> unsynced = new LinkedHashSet<>();
    /** Synced watchers that asked for prev_kv: without one, events are built without reading it. */
    private int syncedWithPrevKv;

    private final Set<WatchStream> openStreams = ConcurrentHashMap.newKeySet();

    public WatchHub(MvccStore store, Duration progressInterval) {
        this(store, progressInterval, DEFAULT_STREAM_CAPACITY);
    }

    WatchHub(MvccStore store, Duration progressInterval, int streamCapacity) {
        this.store = store;
        this.progressInterval = progressInterval.compareTo(MIN_PROGRESS_INTERVAL) < 0 ? MIN_PROGRESS_INTERVAL : progressInterval;
        if (progressInterval.compareTo(MIN_PROGRESS_INTERVAL) < 0) {
            log.warn("adjusting watch progress notify interval to minimum period min-watch-progress-notify-interval={}",
                    MIN_PROGRESS_INTERVAL);
        }
        this.streamCapacity = streamCapacity;
        this.lastRev = store.currentRevision();
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "etch-watch");
            t.setDaemon(true);
            return t;
        });
        // A safety net: catch-up is signalled, but a periodic look costs nothing when idle.
        worker.scheduleWithFixedDelay(this::catchUp, 100, 100, TimeUnit.MILLISECONDS);
    }

    /** A new client stream; {@code onOutput} is told (without blocking) when it has responses. */
    public WatchStream openStream(Runnable onOutput) {
        WatchStream s = new WatchStream(this, onOutput, streamCapacity);
        openStreams.add(s);
        long ms = progressInterval.toMillis();
        long period = ms + ThreadLocalRandom.current().nextLong(Math.max(1, ms / 10));
        s.setProgressTicker(worker.scheduleAtFixedRate(() -> progressTick(s), period, period, TimeUnit.MILLISECONDS));
        return s;
    }

    /** The last revision handed to watchers. */
    public long currentRevision() {
        synchronized (lock) {
            return lastRev;
        }
    }

    private static WatchResponse.Builder response(long revision, long watchId) {
        return WatchResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(revision))
                .setWatchId(watchId);
    }

    // ------------------------------------------------------------------ apply side

    @Override
    public void onCommit(long revision, RevisionListener.Events changes) {
        synchronized (lock) {
            lastRev = revision;
            if (syncedByKey.isEmpty() && syncedRanges.isEmpty()) {
                return;
            }
            List<Event> events = changes.get(syncedWithPrevKv > 0);
            Map<Watcher, List<Event>> matched = new IdentityHashMap<>();
            for (Event e : events) {
                Set<Watcher> byKey = syncedByKey.get(e.getKv().getKey());
                if (byKey != null) {
                    for (Watcher w : byKey) {
                        collect(matched, w, e);
                    }
                }
                syncedRanges.forEachMatching(e.getKv().getKey(), w -> collect(matched, w, e));
            }
            for (Map.Entry<Watcher, List<Event>> m : matched.entrySet()) {
                Watcher w = m.getKey();
                if (revision < w.nextRev) {
                    continue; // starts at a later revision
                }
                if (w.stream.hasRoom()) {
                    w.stream.sendEvents(w, response(revision, w.id).addAllEvents(m.getValue()).build());
                    w.nextRev = revision + 1;
                    w.progressDue = false;
                } else {
                    // The client is slow: stop queueing, read this revision and later ones from the store.
                    removeSynced(w);
                    w.state = Watcher.State.UNSYNCED;
                    w.nextRev = revision;
                    unsynced.add(w);
                    scheduleCatchUp();
                }
            }
        }
    }

    /**
     * The store jumped to another member's checkpoint: every synced watcher catches up from the
     * store, from its next revision, as etcd's watchable store does on restore. Its stream stays
     * open; a watcher whose next revision was compacted away meanwhile is canceled as compacted.
     */
    @Override
    public void onRestore(long revision) {
        synchronized (lock) {
            List<Watcher> synced = new ArrayList<>(syncedRanges.all());
            syncedByKey.values().forEach(synced::addAll);
            for (Watcher w : synced) {
                removeSynced(w);
                w.state = Watcher.State.UNSYNCED;
                unsynced.add(w);
            }
            lastRev = revision;
            if (!synced.isEmpty()) {
                scheduleCatchUp();
            }
        }
    }

    private static void collect(Map<Watcher, List<Event>> matched, Watcher w, Event e) {
        Event shaped = w.shape(e);
        if (shaped != null) {
            matched.computeIfAbsent(w, x -> new ArrayList<>()).add(shaped);
        }
    }

    // ------------------------------------------------------------------ stream requests

    void register(Watcher w) {
        synchronized (lock) {
            if (w.stream.isClosed()) {
                return;
            }
            w.stream.send(response(lastRev, w.id).setCreated(true).build());
            long start = w.startRevision;
            if (start == 0 || start > lastRev) {
                w.nextRev = start == 0 ? lastRev + 1 : start;
                addSynced(w);
            } else {
                w.nextRev = start;
                w.state = Watcher.State.UNSYNCED;
                unsynced.add(w);
                scheduleCatchUp();
            }
        }
    }

    void cancel(Watcher w) {
        cancel(w, "");
    }

    /** Ends a watcher; a non-empty {@code reason} tells the client why (etcd's cancel_reason). */
    void cancel(Watcher w, String reason) {
        synchronized (lock) {
            if (w.state == Watcher.State.CANCELED) {
                return;
            }
            remove(w);
            w.stream.send(response(lastRev, w.id).setCanceled(true).setCancelReason(reason).build());
            flushDeferredProgress(w.stream);
        }
    }

    void closeStream(WatchStream s) {
        openStreams.remove(s);
        synchronized (lock) {
            for (Watcher w : s.watchers()) {
                remove(w);
            }
        }
    }

    /** A WatchProgressRequest: answered at once if every watcher of the stream is synced, else once they are. */
    void requestProgress(WatchStream s) {
        synchronized (lock) {
            if (!s.deferredProgress && !progressIfSynced(s)) {
                s.deferredProgress = true;
            }
        }
    }

    /** As etcd 3.5: one response with watch id -1, and none on a stream without watchers. */
    private boolean progressIfSynced(WatchStream s) {
        for (Watcher w : s.watchers()) {
            if (!isSyncedForProgress(w)) {
                return false;
            }
        }
        if (!s.watchers().isEmpty()) {
            s.send(response(lastRev, -1).build());
        }
        return true;
    }

    private void flushDeferredProgress(WatchStream s) {
        if (s.deferredProgress && progressIfSynced(s)) {
            s.deferredProgress = false;
        }
    }

    private boolean isSyncedForProgress(Watcher w) {
        return w.state == Watcher.State.SYNCED && lastRev >= w.startRevision;
    }

    /** The periodic notification of progress_notify watchers that got no events since the last tick. */
    private void progressTick(WatchStream s) {
        synchronized (lock) {
            for (Watcher w : s.watchers()) {
                if (!w.progressNotify || w.state == Watcher.State.CANCELED) {
                    continue;
                }
                if (w.progressDue && isSyncedForProgress(w) && w.stream.hasRoom()) {
                    w.stream.sendEvents(w, response(lastRev, w.id).build());
                }
                w.progressDue = true;
            }
        }
    }

    // ------------------------------------------------------------------ groups (lock held)

    private void addSynced(Watcher w) {
        w.state = Watcher.State.SYNCED;
        if (w.prevKv) {
            syncedWithPrevKv++;
        }
        if (w.isSingleKey()) {
            syncedByKey.computeIfAbsent(w.key, k -> new LinkedHashSet<>()).add(w);
        } else {
            syncedRanges.add(w);
        }
    }

    private void removeSynced(Watcher w) {
        if (w.prevKv) {
            syncedWithPrevKv--;
        }
        if (w.isSingleKey()) {
            Set<Watcher> set = syncedByKey.get(w.key);
            if (set != null && set.remove(w) && set.isEmpty()) {
                syncedByKey.remove(w.key);
            }
        } else {
            syncedRanges.remove(w);
        }
    }

    private void remove(Watcher w) {
        if (w.state == Watcher.State.SYNCED) {
            removeSynced(w);
        } else if (w.state == Watcher.State.UNSYNCED) {
            unsynced.remove(w);
        }
        w.state = Watcher.State.CANCELED;
    }

    // ------------------------------------------------------------------ catching up

    void scheduleCatchUp() {
        if (catchUpQueued.compareAndSet(false, true)) {
            try {
                worker.execute(this::catchUp);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                catchUpQueued.set(false); // closing
            }
        }
    }

    private void catchUp() {
        catchUpQueued.set(false);
        try {
            while (catchUpRound()) {
                // next batch
            }
        } catch (RuntimeException e) {
            log.error("watch catch-up failed; retrying", e);
        }
    }

    /** Reads one batch of history for the unsynced watchers that have room; true if there may be more to do. */
    private boolean catchUpRound() {
        List<Watcher> batch = new ArrayList<>();
        long from = Long.MAX_VALUE;
        long upTo;
        boolean prevKv = false;
        synchronized (lock) {
            for (Watcher w : unsynced) {
                if (w.stream.reserveOrSignal()) {
                    batch.add(w);
                    from = Math.min(from, w.nextRev);
                    prevKv |= w.prevKv;
                }
            }
            if (batch.isEmpty()) {
                return false;
            }
            if (from > lastRev) {
                batch.forEach(this::markSynced);
                return false;
            }
            upTo = Math.min(lastRev, from + CATCH_UP_REVISIONS - 1);
        }
        List<Event> events;
        try {
            events = store.events(from, upTo, prevKv);
        } catch (EtchException e) {
            if (e.error() != EtcdError.COMPACTED) {
                throw e;
            }
            cancelCompacted(batch);
            return true;
        }
        for (Watcher w : batch) {
            List<WatchResponse> responses = responses(w, events, upTo);
            synchronized (lock) {
                if (w.state != Watcher.State.UNSYNCED) {
                    continue;
                }
                if (!responses.isEmpty()) {
                    if (!w.stream.hasRoom()) {
                        continue; // filled up by its other watchers meanwhile; retried after a drain
                    }
                    responses.forEach(r -> w.stream.sendEvents(w, r));
                    w.progressDue = false;
                }
                w.nextRev = Math.max(w.nextRev, upTo + 1);
                if (upTo == lastRev) {
                    markSynced(w);
                }
            }
        }
        return true;
    }

    /** The watcher's events among {@code events} (revisions up to {@code upTo}), cut between revisions. */
    private static List<WatchResponse> responses(Watcher w, List<Event> events, long upTo) {
        List<WatchResponse> out = new ArrayList<>();
        WatchResponse.Builder current = null;
        long currentRev = 0;
        for (Event e : events) {
            long rev = Watcher.revisionOf(e);
            if (rev < w.nextRev) {
                continue;
            }
            Event shaped = w.shape(e);
            if (shaped == null) {
                continue;
            }
            if (current != null && rev != currentRev && current.getEventsCount() >= CATCH_UP_EVENTS_PER_RESPONSE) {
                current.getHeaderBuilder().setRevision(currentRev);
                out.add(current.build());
                current = null;
            }
            if (current == null) {
                current = response(upTo, w.id);
            }
            current.addEvents(shaped);
            currentRev = rev;
        }
        if (current != null) {
            current.getHeaderBuilder().setRevision(upTo);
            out.add(current.build());
        }
        return out;
    }

    private void markSynced(Watcher w) {
        unsynced.remove(w);
        addSynced(w);
        flushDeferredProgress(w.stream);
    }

    /** Watchers whose next revision is compacted are canceled with the compact revision, as etcd does. */
    private void cancelCompacted(List<Watcher> batch) {
        long compacted = store.compactedRevision();
        synchronized (lock) {
            for (Watcher w : batch) {
                if (w.state == Watcher.State.UNSYNCED && w.nextRev < compacted) {
                    remove(w);
                    w.stream.removed(w);
                    w.stream.send(response(0, w.id).setCompactRevision(compacted).setCanceled(true).build());
                    flushDeferredProgress(w.stream);
                }
            }
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }

    /** Watchers of every open stream. */
    public int watcherCount() {
        int[] sizes = groupSizes();
        return sizes[0] + sizes[1];
    }

    /** Watchers still catching up with the store (etcd's slow watchers). */
    public int unsyncedWatcherCount() {
        return groupSizes()[1];
    }

    public int streamCount() {
        return openStreams.size();
    }

    /** Watchers per group, for tests and metrics. */
    int[] groupSizes() {
        synchronized (lock) {
            int synced = syncedRanges.size();
            for (Set<Watcher> s : syncedByKey.values()) {
                synced += s.size();
            }
            return new int[] {synced, unsynced.size()};
        }
    }

    /** For tests: the progress interval in use. */
    Duration progressInterval() {
        return progressInterval;
    }
}
