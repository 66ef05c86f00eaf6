package io.etch.api;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.ResponseHeader;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.TxnResponse;
import io.etch.api.v3lockpb.LockGrpc;
import io.etch.api.v3lockpb.LockRequest;
import io.etch.api.v3lockpb.LockResponse;
import io.etch.api.v3lockpb.UnlockRequest;
import io.etch.api.v3lockpb.UnlockResponse;
import io.etch.auth.AuthInfo;
import io.etch.server.EtchServer;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * etcd's Lock service, with etcd's mutex: the lock on NAME is held by the key under {@code NAME/}
 * created first; a Lock call writes its own key (with the caller's lease, or a 60-second lease of
 * its own when given none) and answers once every key created before it is gone. Interoperates with
 * clientv3's concurrency.Mutex and {@code etcdctl lock} on the same names.
 */
final class LockService extends LockGrpc.LockImplBase {

    private final EtchServer server;
    private final Contention contention;

    LockService(EtchServer server, Executor executor) {
        this.server = server;
        this.contention = new Contention(server, executor);
    }

    @Override
    public void lock(LockRequest request, StreamObserver<LockResponse> observer) {
        ServerCallStreamObserver<LockResponse> call = (ServerCallStreamObserver<LockResponse>) observer;
        AuthInfo who = Callers.whoOrFail(server, observer);
        if (who == null) {
            return;
        }
        Attempt attempt = new Attempt(who, request.getName(), request.getLease());
        call.setOnCancelHandler(attempt::abandon);
        GrpcErrors.replyUnlessCancelled(call, attempt.run());
    }

    /** One Lock call: its key once written, and the wait it may be in. */
    private final class Attempt {
        private final ByteString prefix;
        private final long lease;
        private volatile ByteString key;
        private volatile long revision;
        private volatile Contention.Waiting waiting;
        private volatile boolean abandoned;
        private final AuthInfo who;

        Attempt(AuthInfo who, ByteString name, long lease) {
            this.who = who;
            this.prefix = Contention.prefix(name);
            this.lease = lease;
        }

        CompletableFuture<LockResponse> run() {
            return contention.sessionLease(who, lease)
                    .thenCompose(this::enqueue)
                    .thenCompose(this::awaitTurn)
                    .whenComplete((r, error) -> {
                        if (error != null) {
                            giveUp();
                        }
                    });
        }

        private CompletableFuture<TxnResponse> enqueue(long sessionLease) {
            key = Contention.keyOf(prefix, sessionLease);
            RangeRequest owner = Contention.firstCreated(prefix);
            return contention.txn(who, TxnRequest.newBuilder()
                    .addCompare(Contention.createRevisionIs(key, 0))
                    .addSuccess(RequestOp.newBuilder().setRequestPut(
                            PutRequest.newBuilder().setKey(key).setLease(sessionLease)))
                    .addSuccess(Contention.get(owner))
                    .addFailure(Contention.get(RangeRequest.newBuilder().setKey(key).build()))
                    .addFailure(Contention.get(owner))
                    .build());
        }

        private CompletableFuture<LockResponse> awaitTurn(TxnResponse t) {
            revision = t.getSucceeded() ? t.getHeader().getRevision()
                    : t.getResponses(0).getResponseRange().getKvs(0).getCreateRevision();
            var holders = t.getResponses(1).getResponseRange();
            if (holders.getKvsCount() > 0 && holders.getKvs(0).getCreateRevision() == revision) {
                return CompletableFuture.completedFuture(response(t.getHeader()));
            }
            if (abandoned) {
                throw new CompletionException(new CancellationException("the client went away"));
            }
            Contention.Waiting w = contention.waitDeletes(who, prefix, revision - 1);
            waiting = w;
            if (abandoned) {
                w.cancel();
            }
            // Still ours? Its lease may have expired while it waited.
            return w.done.thenCompose(v -> server.range(who, RangeRequest.newBuilder().setKey(key).build()))
                    .thenApply(r -> {
                        if (r.getKvsCount() == 0) {
                            throw new CompletionException(Contention.plainError("mutex: session is expired"));
                        }
                        return response(r.getHeader());
                    });
        }

        private LockResponse response(ResponseHeader header) {
            return LockResponse.newBuilder().setHeader(header).setKey(key).build();
        }

        void abandon() {
            abandoned = true;
            Contention.Waiting w = waiting;
            if (w != null) {
                w.cancel();
            }
        }

        /** A lock not taken leaves no key behind (etcd's mutex unlocks on a failed wait). */
        private void giveUp() {
            if (key != null && revision != 0) {
                contention.release(who, key, revision);
            }
        }
    }

    @Override
    public void unlock(UnlockRequest request, StreamObserver<UnlockResponse> observer) {
        GrpcErrors.reply(observer, () -> server.deleteRange(Callers.who(server), DeleteRangeRequest.newBuilder().setKey(request.getKey()).build())
                .thenApply(r -> UnlockResponse.newBuilder().setHeader(r.getHeader()).build()));
    }
}
