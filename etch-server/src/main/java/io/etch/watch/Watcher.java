package io.etch.watch;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.WatchCreateRequest;
import io.etch.api.mvccpb.Event;
import io.etch.mvcc.KeyOrder;
import java.util.Comparator;

/** One watch on a stream: what it matches and, guarded by the hub's lock, how far it has got. */
final class Watcher {

    private static final Comparator<ByteString> ORDER = KeyOrder.UNSIGNED;

    enum State { SYNCED, UNSYNCED, CANCELED }

    final WatchStream stream;
    final long id;
    /** The first key, or the only one when {@link #end} is null. */
    final ByteString key;
    /** null: one key; empty: every key from {@link #key} on; otherwise the exclusive end. */
    final ByteString end;
    final long startRevision;
    final boolean noPut;
    final boolean noDelete;
    final boolean prevKv;
    final boolean progressNotify;
    final boolean fragment;
    /** What the client asked for, to check it again when permissions change. */
    final WatchCreateRequest request;

    // Guarded by the hub's lock.
    State state;
    /** The first revision not yet handed to the stream (for a synced watcher: a lower bound). */
    long nextRev;
    /** No events went out since the last progress tick: the next tick sends a notification. */
    boolean progressDue = true;

    Watcher(WatchStream stream, long id, ByteString key, ByteString end, WatchCreateRequest req) {
        this.stream = stream;
        this.id = id;
        this.key = key;
        this.end = end;
        this.startRevision = req.getStartRevision();
        this.request = req;
        boolean noPut = false;
        boolean noDelete = false;
        for (WatchCreateRequest.FilterType f : req.getFiltersList()) {
            if (f == WatchCreateRequest.FilterType.NOPUT) {
                noPut = true;
            } else if (f == WatchCreateRequest.FilterType.NODELETE) {
                noDelete = true;
            }
        }
        this.noPut = noPut;
        this.noDelete = noDelete;
        this.prevKv = req.getPrevKv();
        this.progressNotify = req.getProgressNotify();
        this.fragment = req.getFragment();
    }

    boolean isSingleKey() {
        return end == null;
    }

    boolean matchesKey(ByteString k) {
        if (end == null) {
            return key.equals(k);
        }
        return ORDER.compare(k, key) >= 0 && (end.isEmpty() || ORDER.compare(k, end) < 0);
    }

    /** The event as this watcher sees it, or null if its key or a filter excludes it. */
    Event shape(Event e) {
        if (!matchesKey(e.getKv().getKey())) {
            return null;
        }
        if (e.getType() == Event.EventType.PUT ? noPut : noDelete) {
            return null;
        }
        if (!prevKv && e.hasPrevKv()) {
            return e.toBuilder().clearPrevKv().build();
        }
        return e;
    }

    static long revisionOf(Event e) {
        return e.getKv().getModRevision();
    }
}
