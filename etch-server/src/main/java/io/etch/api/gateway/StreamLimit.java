package io.etch.api.gateway;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * etcd's gateway reaches the member over one gRPC connection, so {@code --max-concurrent-streams}
 * bounds the gateway's calls in flight all together: a call beyond the limit waits until another
 * ends (a client with a timeout sees it time out, as with etcd). This does the same for the
 * in-process channel: calls past the limit are held, with everything done to them, and started
 * in order as others finish.
 */
final class StreamLimit implements ClientInterceptor {

    private final long limit;
    private final ArrayDeque<Held<?, ?>> waiting = new ArrayDeque<>();
    private long active;

    StreamLimit(long limit) {
        this.limit = limit;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new Held<>(next.newCall(method, options));
    }

    private synchronized boolean admit(Held<?, ?> call) {
        if (active < limit) {
            active++;
            return true;
        }
        waiting.add(call);
        return false;
    }

    private void release(Held<?, ?> call) {
        Held<?, ?> next;
        synchronized (this) {
            if (waiting.remove(call)) {
                return;
            }
            next = waiting.poll();
            if (next == null) {
                active--;
                return;
            }
        }
        next.go();
    }

    /** A call that runs once admitted; until then what is done to it is kept, in order. */
    private final class Held<Q, R> extends ClientCall<Q, R> {
        private final ClientCall<Q, R> call;
        private List<Consumer<ClientCall<Q, R>>> pending = new ArrayList<>();
        private boolean released;

        Held(ClientCall<Q, R> call) {
            this.call = call;
        }

        @Override
        public void start(Listener<R> listener, Metadata headers) {
            Listener<R> counted = new SimpleForwardingClientCallListener<>(listener) {
                @Override
                public void onClose(Status status, Metadata trailers) {
                    done();
                    super.onClose(status, trailers);
                }
            };
            if (!run(c -> c.start(counted, headers)) && admit(this)) {
                go();
            }
        }

        /** Runs {@code action} now if the call is admitted, else keeps it; true if it ran. */
        private boolean run(Consumer<ClientCall<Q, R>> action) {
            synchronized (this) {
                if (pending != null) {
                    pending.add(action);
                    return false;
                }
            }
            action.accept(call);
            return true;
        }

        void go() {
            while (true) {
                List<Consumer<ClientCall<Q, R>>> actions;
                synchronized (this) {
                    actions = pending;
                    if (actions == null) {
                        return;
                    }
                    if (actions.isEmpty()) {
                        pending = null;
                        return;
                    }
                    pending = new ArrayList<>();
                }
                actions.forEach(a -> a.accept(call));
            }
        }

        private void done() {
            boolean first;
            synchronized (this) {
                first = !released;
                released = true;
            }
            if (first) {
                release(this);
            }
        }

        @Override
        public void request(int n) {
            run(c -> c.request(n));
        }

        @Override
        public void cancel(String message, Throwable cause) {
            boolean waited;
            synchronized (this) {
                waited = pending != null;
                pending = null;
            }
            if (waited) {
                // Never started: it leaves the queue (or gives its place to the next).
                done();
            }
            call.cancel(message, cause);
        }

        @Override
        public void halfClose() {
            run(ClientCall::halfClose);
        }

        @Override
        public void sendMessage(Q message) {
            run(c -> c.sendMessage(message));
        }

        @Override
        public boolean isReady() {
            synchronized (this) {
                if (pending != null) {
                    return false;
                }
            }
            return call.isReady();
        }
    }
}
