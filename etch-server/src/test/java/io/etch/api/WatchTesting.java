package io.etch.api;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.WatchCreateRequest;
import io.etch.api.etcdserverpb.WatchGrpc;
import io.etch.api.etcdserverpb.WatchRequest;
import io.etch.api.etcdserverpb.WatchResponse;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A raw Watch stream through Etch's generated stubs, for request fields jetcd has no option for. */
final class WatchTesting implements AutoCloseable {

    private final BlockingQueue<WatchResponse> responses = new LinkedBlockingQueue<>();
    private final StreamObserver<WatchRequest> requests;
    private volatile Throwable error;

    WatchTesting(ManagedChannel channel) {
        requests = WatchGrpc.newStub(channel).watch(new StreamObserver<>() {
            @Override
            public void onNext(WatchResponse r) {
                responses.add(r);
            }

            @Override
            public void onError(Throwable t) {
                error = t;
            }

            @Override
            public void onCompleted() {
            }
        });
    }

    static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }

    static WatchCreateRequest.Builder on(String key) {
        return WatchCreateRequest.newBuilder().setKey(bs(key));
    }

    void create(WatchCreateRequest.Builder req) {
        send(WatchRequest.newBuilder().setCreateRequest(req).build());
    }

    void send(WatchRequest r) {
        synchronized (requests) {
            requests.onNext(r);
        }
    }

    /** The next response; fails after 20 s. */
    WatchResponse next() throws InterruptedException {
        WatchResponse r = responses.poll(20, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no watch response within 20 s" + (error == null ? "" : ": " + error));
        }
        return r;
    }

    /** The next response if one arrives within {@code ms}. */
    WatchResponse poll(long ms) throws InterruptedException {
        return responses.poll(ms, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        try {
            requests.onError(new RuntimeException("test done"));
        } catch (RuntimeException ignored) {
            // already closed
        }
    }
}
