package io.etch.api;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.ResponseHeader;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.TxnResponse;
import io.etch.api.etcdserverpb.WatchCreateRequest;
import io.etch.api.mvccpb.Event;
import io.etch.api.mvccpb.KeyValue;
import io.etch.api.v3electionpb.CampaignRequest;
import io.etch.api.v3electionpb.CampaignResponse;
import io.etch.api.v3electionpb.ElectionGrpc;
import io.etch.api.v3electionpb.LeaderKey;
import io.etch.api.v3electionpb.LeaderRequest;
import io.etch.api.v3electionpb.LeaderResponse;
import io.etch.api.v3electionpb.ProclaimRequest;
import io.etch.api.v3electionpb.ProclaimResponse;
import io.etch.api.v3electionpb.ResignRequest;
import io.etch.api.v3electionpb.ResignResponse;
import io.etch.auth.AuthInfo;
import io.etch.server.EtchServer;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * etcd's Election service, as etcd's concurrency.Election does it: the leader of NAME is the key
 * under {@code NAME/} created first, its value the leader's proclamation; a campaign writes its own
 * key and answers once every key created before it is gone. Interoperates with clientv3's
 * concurrency.Election and {@code etcdctl elect}.
 */
final class ElectionService extends ElectionGrpc.ElectionImplBase {

    static final String MISSING_LEADER_KEY = "\"leader\" field must be provided";
    static final String NOT_LEADER = "election: not leader";
    static final String NO_LEADER = "election: no leader";

    private final EtchServer server;
    private final Executor executor;
    private final Contention contention;

    ElectionService(EtchServer server, Executor executor) {
        this.server = server;
        this.executor = executor;
        this.contention = new Contention(server, executor);
    }

    @Override
    public void campaign(CampaignRequest request, StreamObserver<CampaignResponse> observer) {
        ServerCallStreamObserver<CampaignResponse> call = (ServerCallStreamObserver<CampaignResponse>) observer;
        AuthInfo who = Callers.whoOrFail(server, observer);
        if (who == null) {
            return;
        }
        Campaign campaign = new Campaign(who, request);
        call.setOnCancelHandler(campaign::abandon);
        GrpcErrors.replyUnlessCancelled(call, campaign.run());
    }

    /** One Campaign call. */
    private final class Campaign {
        private final CampaignRequest request;
        private final ByteString prefix;
        private volatile long lease;
        private volatile ByteString key;
        private volatile long revision;
        private volatile Contention.Waiting waiting;
        private volatile boolean abandoned;
        private final AuthInfo who;

        Campaign(AuthInfo who, CampaignRequest request) {
            this.who = who;
            this.request = request;
            this.prefix = Contention.prefix(request.getName());
        }

        CompletableFuture<CampaignResponse> run() {
            return contention.sessionLease(who, request.getLease())
                    .thenCompose(this::enter)
                    .thenCompose(this::awaitTurn)
                    .whenComplete((r, error) -> {
                        if (error != null && key != null && revision != 0) {
                            contention.release(who, key, revision);
                        }
                    });
        }

        private CompletableFuture<TxnResponse> enter(long sessionLease) {
            lease = sessionLease;
            key = Contention.keyOf(prefix, sessionLease);
            return contention.txn(who, TxnRequest.newBuilder()
                    .addCompare(Contention.createRevisionIs(key, 0))
                    .addSuccess(RequestOp.newBuilder().setRequestPut(
                            PutRequest.newBuilder().setKey(key).setValue(request.getValue()).setLease(sessionLease)))
                    .addFailure(Contention.get(RangeRequest.newBuilder().setKey(key).build()))
                    .build());
        }

        private CompletableFuture<CampaignResponse> awaitTurn(TxnResponse t) {
            ResponseHeader header = t.getHeader();
            CompletableFuture<Void> ready = CompletableFuture.completedFuture(null);
            if (t.getSucceeded()) {
                revision = header.getRevision();
            } else {
                // Campaigning again with the same lease: the key is ours already; keep it, with the new value.
                KeyValue existing = t.getResponses(0).getResponseRange().getKvs(0);
                revision = existing.getCreateRevision();
                if (!existing.getValue().equals(request.getValue())) {
                    ready = proclaim(who, key, revision, lease, request.getValue()).thenApply(p -> null);
                }
            }
            return ready.thenCompose(v -> {
                if (abandoned) {
                    throw new CompletionException(new CancellationException("the client went away"));
                }
                Contention.Waiting w = contention.waitDeletes(who, prefix, revision - 1);
                waiting = w;
                if (abandoned) {
                    w.cancel();
                }
                return w.done;
            }).thenApply(v -> CampaignResponse.newBuilder().setHeader(header)
                    .setLeader(LeaderKey.newBuilder().setName(request.getName()).setKey(key).setRev(revision).setLease(lease))
                    .build());
        }

        void abandon() {
            abandoned = true;
            Contention.Waiting w = waiting;
            if (w != null) {
                w.cancel();
            }
        }
    }

    /** Sets the leader's value if {@code key} is still the one created at {@code revision}. */
    private CompletableFuture<ProclaimResponse> proclaim(AuthInfo who, ByteString key, long revision, long lease, ByteString value) {
        return contention.txn(who, TxnRequest.newBuilder()
                        .addCompare(Contention.createRevisionIs(key, revision))
                        .addSuccess(RequestOp.newBuilder().setRequestPut(
                                PutRequest.newBuilder().setKey(key).setValue(value).setLease(lease)))
                        .build())
                .thenApply(t -> {
                    if (!t.getSucceeded()) {
                        throw new CompletionException(Contention.plainError(NOT_LEADER));
                    }
                    return ProclaimResponse.newBuilder().setHeader(t.getHeader()).build();
                });
    }

    @Override
    public void proclaim(ProclaimRequest request, StreamObserver<ProclaimResponse> observer) {
        GrpcErrors.reply(observer, () -> {
            if (!request.hasLeader()) {
                throw Contention.plainError(MISSING_LEADER_KEY);
            }
            LeaderKey l = request.getLeader();
            return proclaim(Callers.who(server), l.getKey(), l.getRev(), l.getLease(), request.getValue());
        });
    }

    @Override
    public void resign(ResignRequest request, StreamObserver<ResignResponse> observer) {
        GrpcErrors.reply(observer, () -> {
            if (!request.hasLeader()) {
                throw Contention.plainError(MISSING_LEADER_KEY);
            }
            LeaderKey l = request.getLeader();
            return contention.release(Callers.who(server), l.getKey(), l.getRev())
                    .thenApply(t -> ResignResponse.newBuilder().setHeader(t.getHeader()).build());
        });
    }

    @Override
    public void leader(LeaderRequest request, StreamObserver<LeaderResponse> observer) {
        GrpcErrors.reply(observer, () -> contention.first(Callers.who(server), Contention.prefix(request.getName())).thenApply(r -> {
            if (r.getKvsCount() == 0) {
                throw new CompletionException(Contention.plainError(NO_LEADER));
            }
            return LeaderResponse.newBuilder().setHeader(r.getHeader()).setKv(r.getKvs(0)).build();
        }));
    }

    /**
     * Streams the leader and each new proclamation, then the next leader when one resigns or its
     * lease ends, until the client goes away (etcd's Election.Observe).
     */
    @Override
    public void observe(LeaderRequest request, StreamObserver<LeaderResponse> observer) {
        ServerCallStreamObserver<LeaderResponse> call = (ServerCallStreamObserver<LeaderResponse>) observer;
        AuthInfo who = Callers.whoOrFail(server, observer);
        if (who == null) {
            return;
        }
        Observation o = new Observation(who, Contention.prefix(request.getName()), call);
        call.setOnCancelHandler(o::stop);
        o.next();
    }

    private final class Observation {
        private final ByteString prefix;
        private final ServerCallStreamObserver<LeaderResponse> call;
        private volatile ServerWatch watch;
        private volatile boolean stopped;
        private final AuthInfo who;

        Observation(AuthInfo who, ByteString prefix, ServerCallStreamObserver<LeaderResponse> call) {
            this.who = who;
            this.prefix = prefix;
            this.call = call;
        }

        void stop() {
            stopped = true;
            ServerWatch w = watch;
            if (w != null) {
                w.cancel();
            }
        }

        /** Finds the leader (waiting for one if there is none), sends it, follows it until it is gone. */
        void next() {
            if (stopped) {
                return;
            }
            contention.first(who, prefix).whenComplete((r, error) -> {
                if (error != null) {
                    fail(error);
                } else if (r.getKvsCount() > 0) {
                    follow(r.getHeader(), r.getKvs(0));
                } else {
                    awaitCandidate(r);
                }
            });
        }

        private void awaitCandidate(RangeResponse empty) {
            KeyValue[] first = new KeyValue[1];
            ResponseHeader[] at = new ResponseHeader[1];
            watchThen(WatchCreateRequest.newBuilder().setKey(prefix).setRangeEnd(Contention.prefixEnd(prefix))
                    .setStartRevision(empty.getHeader().getRevision()).build(), resp -> {
                        for (Event e : resp.getEventsList()) {
                            if (e.getType() == Event.EventType.PUT) {
                                first[0] = e.getKv();
                                at[0] = server.header(resp.getHeader().getRevision());
                                return true;
                            }
                        }
                        return false;
                    }, () -> follow(at[0], first[0]));
        }

        private void follow(ResponseHeader header, KeyValue leader) {
            if (!send(header, leader)) {
                return;
            }
            watchThen(WatchCreateRequest.newBuilder().setKey(leader.getKey())
                    .setStartRevision(header.getRevision() + 1).build(), resp -> {
                        for (Event e : resp.getEventsList()) {
                            if (e.getType() == Event.EventType.DELETE) {
                                return true;
                            }
                            if (!send(server.header(resp.getHeader().getRevision()), e.getKv())) {
                                return true;
                            }
                        }
                        return false;
                    }, this::next);
        }

        private void watchThen(WatchCreateRequest create, java.util.function.Predicate<io.etch.api.etcdserverpb.WatchResponse> until,
                               Runnable then) {
            if (stopped) {
                return;
            }
            ServerWatch w = ServerWatch.open(server.watchHub(), executor, create, until);
            watch = w;
            if (stopped) {
                w.cancel();
                return;
            }
            w.done().whenComplete((v, error) -> {
                if (error != null) {
                    fail(error);
                } else {
                    then.run();
                }
            });
        }

        private synchronized boolean send(ResponseHeader header, KeyValue kv) {
            if (stopped) {
                return false;
            }
            try {
                call.onNext(LeaderResponse.newBuilder().setHeader(header).setKv(kv).build());
                return true;
            } catch (RuntimeException e) {
                stop();
                return false;
            }
        }

        private synchronized void fail(Throwable error) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (!stopped && !(cause instanceof CancellationException)) {
                stopped = true;
                call.onError(GrpcErrors.toStatus(error));
            }
        }
    }
}
