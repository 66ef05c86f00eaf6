package io.etch.api;

import io.etch.api.etcdserverpb.WatchGrpc;
import io.etch.api.etcdserverpb.WatchRequest;
import io.etch.api.etcdserverpb.WatchResponse;
import io.etch.api.mvccpb.Event;
import io.etch.server.EtchServer;
import io.etch.watch.WatchHub;
import io.etch.watch.WatchStream;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.etch.errors.EtcdError;
import io.etch.errors.EtchException;
import io.etch.auth.AuthInfo;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's Watch service: adapts a bidirectional gRPC stream to a {@link WatchStream}. Responses are
 * sent only while gRPC says the client can take more (flow control); until then they wait in the
 * stream's bounded outbox, and the hub stops adding events for a client that does not keep up.
 */
final class WatchService extends WatchGrpc.WatchImplBase {

    private static final Logger log = LoggerFactory.getLogger(WatchService.class);

    private final EtchServer server;
    private final WatchHub hub;
    private final Executor executor;
    private final long fragmentBytes;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();

    WatchService(EtchServer server, Executor executor, long fragmentBytes) {
        this.server = server;
        this.hub = server.watchHub();
        this.executor = executor;
        this.fragmentBytes = fragmentBytes;
        // A change of users or roles may take away what a running watch is allowed to see.
        server.auth().onChange(() -> executor.execute(() -> connections.forEach(c -> c.stream.recheck())));
    }

    /**
     * Ends every open stream with etcd's "server stopped" (UNAVAILABLE), so clients resume
     * elsewhere or after a restart from their last revision + 1.
     */
    void stop() {
        connections.forEach(Connection::stop);
    }

    @Override
    public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> observer) {
        return new Connection((ServerCallStreamObserver<WatchResponse>) observer);
    }

    /**
     * etcd's check on watch creation: the caller must be allowed to read the whole range. Asked
     * again with the same credentials whenever auth changes. The reason reads as etcd's.
     */
    private String refusal(Callers.Credentials credentials, io.etch.api.etcdserverpb.WatchCreateRequest req) {
        try {
            AuthInfo who = Callers.who(server, credentials);
            server.auth().checkRead(who, req.getKey(), req.getRangeEnd());
            return null;
        } catch (EtchException e) {
            EtcdError error = switch (e.error()) {
                case INVALID_AUTH_TOKEN, AUTH_OLD_REVISION, USER_EMPTY -> e.error();
                default -> EtcdError.PERMISSION_DENIED;
            };
            return GrpcErrors.goText(error);
        }
    }

    private final class Connection implements StreamObserver<WatchRequest> {
        private final ServerCallStreamObserver<WatchResponse> call;
        private final AtomicInteger wip = new AtomicInteger();
        private final WatchStream stream;
        private volatile boolean done;
        private volatile boolean stopping;

        Connection(ServerCallStreamObserver<WatchResponse> call) {
            this.call = call;
            this.stream = hub.openStream(this::signal);
            Callers.Credentials credentials = Callers.credentials();
            stream.setAdmission(req -> refusal(credentials, req));
            call.setOnReadyHandler(this::signal);
            call.setOnCancelHandler(this::finish);
            connections.add(this);
        }

        void stop() {
            stopping = true;
            signal();
        }

        /** Something to send or room to send it: one drain at a time, on the executor. */
        private void signal() {
            if (wip.getAndIncrement() == 0) {
                executor.execute(this::drain);
            }
        }

        private void drain() {
            int missed = 1;
            do {
                try {
                    if (stopping && !done) {
                        finish();
                        call.onError(EtcdError.STOPPED.status().asRuntimeException());
                    }
                    while (!done && call.isReady()) {
                        WatchStream.Outgoing o = stream.poll();
                        if (o == null) {
                            break;
                        }
                        send(o);
                    }
                } catch (RuntimeException e) {
                    log.debug("watch stream send failed: {}", e.toString());
                    finish();
                }
                missed = wip.addAndGet(-missed);
            } while (missed != 0);
        }

        private void send(WatchStream.Outgoing o) {
            WatchResponse r = o.response();
            r = r.toBuilder().setHeader(server.header(r.getHeader().getRevision())).build();
            if (o.fragment() && r.getEventsCount() > 1 && r.getSerializedSize() >= fragmentBytes) {
                sendFragments(r);
            } else {
                call.onNext(r);
            }
        }

        /** As etcd: events split over responses of at most the limit (one event at least), all but the last with fragment set. */
        private void sendFragments(WatchResponse r) {
            List<Event> events = r.getEventsList();
            WatchResponse.Builder base = r.toBuilder().clearEvents();
            int i = 0;
            while (i < events.size()) {
                WatchResponse.Builder cur = base.clone();
                long size = cur.build().getSerializedSize();
                do {
                    int s = events.get(i).getSerializedSize();
                    long added = s + 1 + com.google.protobuf.CodedOutputStream.computeUInt32SizeNoTag(s);
                    if (cur.getEventsCount() > 0 && size + added >= fragmentBytes) {
                        break;
                    }
                    cur.addEvents(events.get(i));
                    size += added;
                    i++;
                } while (i < events.size());
                call.onNext(cur.setFragment(i < events.size()).build());
            }
        }

        @Override
        public void onNext(WatchRequest request) {
            stream.handle(request);
        }

        @Override
        public void onError(Throwable t) {
            finish();
        }

        @Override
        public void onCompleted() {
            // As etcd: a client that stops sending still receives events until it cancels the call.
        }

        private void finish() {
            if (!done) {
                done = true;
                connections.remove(this);
                stream.close();
            }
        }
    }
}
