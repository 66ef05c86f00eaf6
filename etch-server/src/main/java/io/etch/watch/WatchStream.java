package io.etch.watch;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.ResponseHeader;
import io.etch.api.etcdserverpb.WatchCreateRequest;
import io.etch.api.etcdserverpb.WatchRequest;
import io.etch.api.etcdserverpb.WatchResponse;
import io.etch.mvcc.KeyOrder;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client's watch stream: its watchers (ids unique on the stream) and the responses waiting to
 * be sent. Event responses are bounded: when {@code capacity} of them wait, a watcher with more
 * events becomes unsynced and later catches up from the store instead of queueing them. Control
 * responses (created, canceled, progress) are few and always queued.
 *
 * <p>Requests arrive one at a time ({@link #handle}); {@link #poll} is called by one sender at a
 * time; {@code onOutput} runs whenever a response is queued, from any thread, and must not block.
 */
public final class WatchStream {

    /** A response to send; {@code fragment}: the watcher allows splitting a large one. */
    public record Outgoing(WatchResponse response, boolean fragment, boolean counted) {
    }

    static final ByteString SMALLEST_KEY = ByteString.copyFrom(new byte[] {0});

    /** etcd's errors for a create request, sent as the cancel reason. */
    static final String DUPLICATE_ID = "mvcc: duplicate watch ID provided on the WatchStream";
    static final String EMPTY_RANGE = "mvcc: watcher range is empty";

    /** Decides whether a stream may watch a range: null when it may, else etcd's cancel reason. */
    @FunctionalInterface
    public interface Admission {
        Admission ALL = req -> null;

        String refusal(WatchCreateRequest req);
    }

    private final WatchHub hub;
    private volatile Admission admission = Admission.ALL;
    private final Runnable onOutput;
    private final int capacity;
    private final ConcurrentLinkedQueue<Outgoing> outbox = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queuedEvents = new AtomicInteger();
    private final AtomicBoolean wantsDrainSignal = new AtomicBoolean();
    private final Map<Long, Watcher> watchers = new ConcurrentHashMap<>();
    private long nextId;
    private volatile boolean closed;
    private volatile ScheduledFuture<?> progressTicker;
    /** A progress request waits for every watcher to be synced (guarded by the hub's lock). */
    boolean deferredProgress;

    WatchStream(WatchHub hub, Runnable onOutput, int capacity) {
        this.hub = hub;
        this.onOutput = onOutput;
        this.capacity = capacity;
    }

    public void handle(WatchRequest request) {
        if (closed) {
            return;
        }
        switch (request.getRequestUnionCase()) {
            case CREATE_REQUEST -> create(request.getCreateRequest());
            case CANCEL_REQUEST -> cancel(request.getCancelRequest().getWatchId());
            case PROGRESS_REQUEST -> hub.requestProgress(this);
            case REQUESTUNION_NOT_SET -> { }
        }
    }

    private void create(WatchCreateRequest req) {
        ByteString key = req.getKey().isEmpty() ? SMALLEST_KEY : req.getKey();
        ByteString end;
        if (req.getRangeEnd().isEmpty()) {
            end = null;
        } else if (req.getRangeEnd().equals(SMALLEST_KEY)) {
            end = ByteString.EMPTY; // "\0": every key from key on
        } else {
            end = req.getRangeEnd();
        }
        if (end != null && !end.isEmpty() && KeyOrder.UNSIGNED.compare(key, end) >= 0) {
            refuse(EMPTY_RANGE);
            return;
        }
        String refused = admission.refusal(req);
        if (refused != null) {
            refuse(refused);
            return;
        }
        Watcher w;
        synchronized (this) {
            long id = req.getWatchId();
            if (id == 0) {
                while (watchers.containsKey(nextId)) {
                    nextId++;
                }
                id = nextId++;
            } else if (watchers.containsKey(id)) {
                refuse(DUPLICATE_ID);
                return;
            }
            w = new Watcher(this, id, key, end, req);
            watchers.put(id, w);
        }
        hub.register(w);
    }

    private void refuse(String reason) {
        send(WatchResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(hub.currentRevision()))
                .setWatchId(-1)
                .setCreated(true)
                .setCanceled(true)
                .setCancelReason(reason)
                .build());
    }

    /** Who may watch what on this stream (the caller's permissions when auth is on). */
    public void setAdmission(Admission admission) {
        this.admission = admission;
    }

    /**
     * Asks again about every watcher and ends those now refused, with the reason: a watch does not
     * outlive the permission it was created with (etcd keeps sending such a watcher events).
     */
    public void recheck() {
        for (Watcher w : List.copyOf(watchers.values())) {
            String refused = admission.refusal(w.request);
            if (refused != null && watchers.remove(w.id, w)) {
                hub.cancel(w, refused);
            }
        }
    }

    private void cancel(long id) {
        Watcher w = watchers.remove(id);
        if (w != null) {
            hub.cancel(w);
        }
    }

    /** Forgets a watcher the hub has ended (compacted). */
    void removed(Watcher w) {
        watchers.remove(w.id, w);
    }

    Collection<Watcher> watchers() {
        return watchers.values();
    }

    /** The next response to send, or null. */
    public Outgoing poll() {
        Outgoing o = outbox.poll();
        if (o != null && o.counted()) {
            int left = queuedEvents.decrementAndGet();
            if (left <= capacity / 2 && wantsDrainSignal.compareAndSet(true, false)) {
                hub.scheduleCatchUp();
            }
        }
        return o;
    }

    /** Stops the stream's watchers; nothing more is queued. */
    public void close() {
        closed = true;
        ScheduledFuture<?> t = progressTicker;
        if (t != null) {
            t.cancel(false);
        }
        hub.closeStream(this);
        watchers.clear();
        outbox.clear();
    }

    boolean isClosed() {
        return closed;
    }

    void setProgressTicker(ScheduledFuture<?> ticker) {
        this.progressTicker = ticker;
    }

    /** Queues a control response. */
    void send(WatchResponse r) {
        if (closed) {
            return;
        }
        outbox.add(new Outgoing(r, false, false));
        onOutput.run();
    }

    boolean hasRoom() {
        return queuedEvents.get() < capacity;
    }

    /**
     * True if there is room for event responses now; otherwise the next drain below half the
     * capacity schedules a catch-up round.
     */
    boolean reserveOrSignal() {
        if (hasRoom()) {
            return true;
        }
        wantsDrainSignal.set(true);
        return hasRoom();
    }

    /** Queues an event (or progress) response of a watcher; the caller checked for room. */
    void sendEvents(Watcher w, WatchResponse r) {
        if (closed) {
            return;
        }
        queuedEvents.incrementAndGet();
        outbox.add(new Outgoing(r, w.fragment, true));
        onOutput.run();
    }
}
