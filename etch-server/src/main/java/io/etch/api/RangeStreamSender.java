package io.etch.api;

import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.etcdserverpb.RangeStreamResponse;
import io.etch.metrics.EtchMetrics;
import io.etch.server.StreamedRange;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends one RangeStream with gRPC's flow control: a piece is read from the store only while the
 * call is ready (the transport holds less than gRPC's small on-ready threshold unsent), so a
 * client that reads slowly, or not at all, holds the server to about one piece plus the HTTP/2
 * windows, never the whole range. Work runs on the executor, one drain at a time; a cancelled
 * call reads nothing more.
 */
final class RangeStreamSender {
    private final ServerCallStreamObserver<RangeStreamResponse> call;
    private final Executor executor;
    private final EtchMetrics metrics;
    private final AtomicInteger wip = new AtomicInteger();
    private volatile StreamedRange range;
    private volatile Throwable failure;
    private volatile boolean cancelled;
    /** Drain only. */
    private boolean headerSent;
    private boolean done;

    /** Must be made in the call's handler: gRPC takes the ready and cancel handlers only then. */
    RangeStreamSender(ServerCallStreamObserver<RangeStreamResponse> call, Executor executor, EtchMetrics metrics) {
        this.call = call;
        this.executor = executor;
        this.metrics = metrics;
        call.setOnReadyHandler(this::signal);
        call.setOnCancelHandler(() -> {
            cancelled = true;
            signal();
        });
    }

    /** Starts sending once the range is ready to read (or ends the call with its failure). */
    void start(CompletableFuture<StreamedRange> ready) {
        ready.whenComplete((r, error) -> {
            if (error != null) {
                failure = error;
            } else {
                range = r;
            }
            signal();
        });
    }

    private void signal() {
        if (wip.getAndIncrement() == 0) {
            executor.execute(this::drain);
        }
    }

    private void drain() {
        int missed = 1;
        do {
            if (!done) {
                step();
            }
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }

    private void step() {
        if (cancelled) {
            done = true;
            return;
        }
        if (failure != null) {
            done = true;
            call.onError(GrpcErrors.toStatus(failure));
            return;
        }
        StreamedRange r = range;
        if (r == null) {
            return; // not ready to read yet
        }
        try {
            if (!headerSent) {
                headerSent = true;
                send(r.headerMessage());
            }
            while (!r.finished() && call.isReady() && !cancelled) {
                send(r.next());
            }
        } catch (RuntimeException e) {
            done = true;
            if (!cancelled) {
                call.onError(GrpcErrors.toStatus(e));
            }
            return;
        }
        if (r.finished()) {
            done = true;
            call.onCompleted();
        } else if (!cancelled) {
            metrics.rangeStreamPauses.inc(); // until the transport calls the ready handler again
        }
    }

    private void send(RangeResponse piece) {
        RangeStreamResponse m = RangeStreamResponse.newBuilder().setRangeResponse(piece).build();
        metrics.rangeStreamBytes.inc(m.getSerializedSize());
        call.onNext(m);
    }
}
