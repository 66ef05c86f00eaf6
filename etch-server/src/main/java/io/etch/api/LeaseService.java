package io.etch.api;

import io.etch.api.etcdserverpb.LeaseGrantRequest;
import io.etch.api.etcdserverpb.LeaseGrantResponse;
import io.etch.api.etcdserverpb.LeaseGrpc;
import io.etch.api.etcdserverpb.LeaseKeepAliveRequest;
import io.etch.api.etcdserverpb.LeaseKeepAliveResponse;
import io.etch.api.etcdserverpb.LeaseLeasesRequest;
import io.etch.api.etcdserverpb.LeaseLeasesResponse;
import io.etch.api.etcdserverpb.LeaseRevokeRequest;
import io.etch.api.etcdserverpb.LeaseRevokeResponse;
import io.etch.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.etch.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.etch.errors.EtcdError;
import io.etch.errors.EtchException;
import io.etch.server.EtchServer;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** etcd's Lease service: a thin adapter over {@link EtchServer}. */
final class LeaseService extends LeaseGrpc.LeaseImplBase {

    private final EtchServer server;

    LeaseService(EtchServer server) {
        this.server = server;
    }

    @Override
    public void leaseGrant(LeaseGrantRequest request, StreamObserver<LeaseGrantResponse> observer) {
        GrpcErrors.reply(observer, () -> server.leaseGrant(Callers.who(server), request));
    }

    @Override
    public void leaseRevoke(LeaseRevokeRequest request, StreamObserver<LeaseRevokeResponse> observer) {
        GrpcErrors.reply(observer, () -> server.leaseRevoke(Callers.who(server), request));
    }

    @Override
    public void leaseTimeToLive(LeaseTimeToLiveRequest request, StreamObserver<LeaseTimeToLiveResponse> observer) {
        GrpcErrors.reply(observer, () -> server.leaseTimeToLive(Callers.who(server), request));
    }

    @Override
    public void leaseLeases(LeaseLeasesRequest request, StreamObserver<LeaseLeasesResponse> observer) {
        GrpcErrors.reply(observer, () -> server.leaseLeases(Callers.who(server)));
    }

    /**
     * One stream renews any number of leases; each request is answered with the lease's new TTL,
     * TTL 0 if the lease is gone (as etcd). Other failures end the stream with their error.
     */
    @Override
    public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(StreamObserver<LeaseKeepAliveResponse> responses) {
        return new KeepAliveStream(responses);
    }

    private final class KeepAliveStream implements StreamObserver<LeaseKeepAliveRequest> {
        private final StreamObserver<LeaseKeepAliveResponse> responses;
        private boolean ended;

        KeepAliveStream(StreamObserver<LeaseKeepAliveResponse> responses) {
            this.responses = responses;
        }

        @Override
        public void onNext(LeaseKeepAliveRequest request) {
            long id = request.getID();
            CompletableFuture<LeaseKeepAliveResponse> renewed;
            try {
                renewed = server.leaseRenew(Callers.who(server), id);
            } catch (RuntimeException e) {
                fail(e);
                return;
            }
            renewed.whenComplete((response, error) -> {
                if (error == null) {
                    send(response);
                } else if (cause(error) instanceof EtchException e && e.error() == EtcdError.LEASE_NOT_FOUND) {
                    send(LeaseKeepAliveResponse.newBuilder()
                            .setHeader(server.header(server.currentRevision())).setID(id).setTTL(0).build());
                } else {
                    fail(error);
                }
            });
        }

        private synchronized void send(LeaseKeepAliveResponse response) {
            if (!ended) {
                responses.onNext(response);
            }
        }

        private synchronized void fail(Throwable error) {
            if (!ended) {
                ended = true;
                responses.onError(GrpcErrors.toStatus(error));
            }
        }

        @Override
        public synchronized void onError(Throwable t) {
            ended = true;
        }

        @Override
        public synchronized void onCompleted() {
            if (!ended) {
                ended = true;
                responses.onCompleted();
            }
        }

        private Throwable cause(Throwable error) {
            Throwable c = error;
            while (c instanceof CompletionException && c.getCause() != null) {
                c = c.getCause();
            }
            return c;
        }
    }
}
