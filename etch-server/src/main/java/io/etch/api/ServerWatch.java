package io.etch.api;

import io.etch.api.etcdserverpb.WatchCreateRequest;
import io.etch.api.etcdserverpb.WatchRequest;
import io.etch.api.etcdserverpb.WatchResponse;
import io.etch.errors.EtcdError;
import io.etch.watch.WatchHub;
import io.etch.watch.WatchStream;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A watch the server runs for itself (Lock and Election wait on keys the way etcd's concurrency
 * package does, with watches): responses go to {@code handler} on the executor until it returns
 * true, then the watch closes and {@link #done()} completes. A watch from a compacted revision ends
 * with etcd's compaction error.
 */
final class ServerWatch {

    private final WatchStream stream;
    private final Executor executor;
    private final Predicate<WatchResponse> handler;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final AtomicInteger wip = new AtomicInteger();

    private ServerWatch(WatchHub hub, Executor executor, Predicate<WatchResponse> handler) {
        this.executor = executor;
        this.handler = handler;
        this.stream = hub.openStream(this::signal);
    }

    static ServerWatch open(WatchHub hub, Executor executor, WatchCreateRequest create, Predicate<WatchResponse> handler) {
        ServerWatch w = new ServerWatch(hub, executor, handler);
        w.stream.handle(WatchRequest.newBuilder().setCreateRequest(create).build());
        return w;
    }

    CompletableFuture<Void> done() {
        return done;
    }

    /** Stops watching; {@link #done()} ends cancelled unless it had ended already. */
    void cancel() {
        done.completeExceptionally(new CancellationException("watch cancelled"));
        stream.close();
    }

    private void signal() {
        if (wip.getAndIncrement() == 0) {
            executor.execute(this::drain);
        }
    }

    private void drain() {
        int missed = 1;
        do {
            try {
                for (WatchStream.Outgoing o = stream.poll(); o != null && !done.isDone(); o = stream.poll()) {
                    WatchResponse r = o.response();
                    if (r.getCanceled()) {
                        finish(r.getCompactRevision() > 0 ? EtcdError.COMPACTED.exception()
                                : new IllegalStateException("watch cancelled: " + r.getCancelReason()));
                    } else if (!r.getCreated() && handler.test(r)) {
                        finish(null);
                    }
                }
            } catch (RuntimeException e) {
                finish(e);
            }
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }

    private void finish(Throwable error) {
        stream.close();
        if (error == null) {
            done.complete(null);
        } else {
            done.completeExceptionally(error);
        }
    }
}
