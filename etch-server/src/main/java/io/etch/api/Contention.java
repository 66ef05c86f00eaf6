package io.etch.api;

import com.google.protobuf.ByteString;
import io.etch.auth.AuthInfo;
import io.etch.api.etcdserverpb.Compare;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.LeaseGrantRequest;
import io.etch.api.etcdserverpb.LeaseGrantResponse;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.TxnResponse;
import io.etch.api.etcdserverpb.WatchCreateRequest;
import io.etch.api.mvccpb.Event;
import io.etch.server.EtchServer;
import io.grpc.Status;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * What Lock and Election share, built as etcd's concurrency package builds it on the KV API: a
 * contender's key is {@code name/} plus its lease in hex, written with the lease; contenders are
 * ordered by create revision; a contender waits, with watches, until every key created before its
 * own is deleted.
 */
final class Contention {

    /** etcd's concurrency sessions grant a lease of this many seconds when given none. */
    static final long SESSION_TTL = 60;

    private final EtchServer server;
    private final Executor executor;

    Contention(EtchServer server, Executor executor) {
        this.server = server;
        this.executor = executor;
    }

    /** The lease given, or a new one as etcd's server-side session grants (never kept alive by the server). */
    CompletableFuture<Long> sessionLease(AuthInfo who, long lease) {
        if (lease != 0) {
            return CompletableFuture.completedFuture(lease);
        }
        return server.leaseGrant(who, LeaseGrantRequest.newBuilder().setTTL(SESSION_TTL).build()).thenApply(LeaseGrantResponse::getID);
    }

    static ByteString prefix(ByteString name) {
        return name.concat(ByteString.copyFromUtf8("/"));
    }

    /** A contender's key: the prefix and the lease as Go's %x prints an int64. */
    static ByteString keyOf(ByteString prefix, long lease) {
        String hex = lease < 0 ? "-" + Long.toHexString(-lease) : Long.toHexString(lease);
        return prefix.concat(ByteString.copyFromUtf8(hex));
    }

    /** The end of the range of every key that starts with {@code prefix}. */
    static ByteString prefixEnd(ByteString prefix) {
        byte[] end = prefix.toByteArray();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xff) {
                end[i]++;
                return ByteString.copyFrom(end, 0, i + 1);
            }
        }
        return ByteString.copyFrom(new byte[] {0});
    }

    /** The first-created key under {@code prefix} (its holder, or leader), as a range response. */
    CompletableFuture<RangeResponse> first(AuthInfo who, ByteString prefix) {
        return server.range(who, firstCreated(prefix));
    }

    static RangeRequest firstCreated(ByteString prefix) {
        return RangeRequest.newBuilder().setKey(prefix).setRangeEnd(prefixEnd(prefix)).setLimit(1)
                .setSortTarget(RangeRequest.SortTarget.CREATE).setSortOrder(RangeRequest.SortOrder.ASCEND).build();
    }

    static Compare createRevisionIs(ByteString key, long revision) {
        return Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.CREATE)
                .setResult(Compare.CompareResult.EQUAL).setCreateRevision(revision).build();
    }

    static RequestOp get(RangeRequest r) {
        return RequestOp.newBuilder().setRequestRange(r).build();
    }

    CompletableFuture<TxnResponse> txn(AuthInfo who, TxnRequest r) {
        return server.txn(who, r);
    }

    /** Deletes {@code key} if it is still the one created at {@code revision} (etcd's Unlock and Resign). */
    CompletableFuture<TxnResponse> release(AuthInfo who, ByteString key, long revision) {
        return server.txn(who, TxnRequest.newBuilder().addCompare(createRevisionIs(key, revision))
                .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(key)))
                .build());
    }

    /**
     * Completes once no key under {@code prefix} has a create revision of {@code maxCreateRevision}
     * or less: each round finds the newest such key and watches it until it is deleted.
     */
    Waiting waitDeletes(AuthInfo who, ByteString prefix, long maxCreateRevision) {
        Waiting w = new Waiting(who);
        w.round(prefix, maxCreateRevision);
        return w;
    }

    /** A wait in progress; cancel() ends it (a client that went away). */
    final class Waiting {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        private volatile ServerWatch watch;
        private final AuthInfo who;

        Waiting(AuthInfo who) {
            this.who = who;
        }

        void cancel() {
            done.completeExceptionally(new CancellationException("the client went away"));
            ServerWatch w = watch;
            if (w != null) {
                w.cancel();
            }
        }

        private void round(ByteString prefix, long maxCreateRevision) {
            if (done.isDone()) {
                return;
            }
            RangeRequest last = RangeRequest.newBuilder().setKey(prefix).setRangeEnd(prefixEnd(prefix)).setLimit(1)
                    .setSortTarget(RangeRequest.SortTarget.CREATE).setSortOrder(RangeRequest.SortOrder.DESCEND)
                    .setMaxCreateRevision(maxCreateRevision).build();
            server.range(who, last).whenComplete((r, error) -> {
                if (error != null) {
                    done.completeExceptionally(error);
                } else if (r.getKvsCount() == 0) {
                    done.complete(null);
                } else {
                    ByteString key = r.getKvs(0).getKey();
                    WatchCreateRequest create = WatchCreateRequest.newBuilder().setKey(key)
                            .setStartRevision(r.getHeader().getRevision()).build();
                    ServerWatch w = ServerWatch.open(server.watchHub(), executor, create,
                            resp -> resp.getEventsList().stream().anyMatch(e -> e.getType() == Event.EventType.DELETE));
                    watch = w;
                    if (done.isDone()) {
                        w.cancel();
                        return;
                    }
                    w.done().whenComplete((v, e) -> {
                        if (e != null) {
                            done.completeExceptionally(e);
                        } else {
                            round(prefix, maxCreateRevision);
                        }
                    });
                }
            });
        }
    }

    /** An error etcd's concurrency package returns as a plain Go error: gRPC UNKNOWN with its text. */
    static RuntimeException plainError(String message) {
        return Status.UNKNOWN.withDescription(message).asRuntimeException();
    }
}
