package io.etch.api;

import io.etch.api.etcdserverpb.AlarmRequest;
import io.etch.api.etcdserverpb.AlarmResponse;
import io.etch.api.etcdserverpb.DefragmentRequest;
import io.etch.api.etcdserverpb.DefragmentResponse;
import io.etch.api.etcdserverpb.DowngradeRequest;
import io.etch.api.etcdserverpb.DowngradeResponse;
import io.etch.api.etcdserverpb.HashKVRequest;
import io.etch.api.etcdserverpb.HashRequest;
import io.etch.api.etcdserverpb.HashResponse;
import io.etch.api.etcdserverpb.HashKVResponse;
import io.etch.api.etcdserverpb.MaintenanceGrpc;
import io.etch.api.etcdserverpb.MoveLeaderRequest;
import io.etch.api.etcdserverpb.MoveLeaderResponse;
import io.etch.api.etcdserverpb.SnapshotRequest;
import io.etch.api.etcdserverpb.SnapshotResponse;
import io.etch.api.etcdserverpb.StatusRequest;
import io.etch.api.etcdserverpb.StatusResponse;
import io.etch.mvcc.MvccStore;
import io.etch.server.EtchServer;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** etcd's Maintenance service. */
final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {

    private final EtchServer server;

    MaintenanceService(EtchServer server) {
        this.server = server;
    }

    /**
     * etcd's Alarm: listing needs a user once auth is on, raising and clearing the root role; the
     * alarms themselves are raised by members (NOSPACE when the quota is reached) and cleared by
     * {@code etcdctl alarm disarm}.
     */
    @Override
    public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> observer) {
        GrpcErrors.reply(observer, () -> {
            if (request.getAction() == AlarmRequest.AlarmAction.GET) {
                server.auth().requireUser(Callers.who(server));
            } else {
                server.auth().checkAdmin(Callers.who(server));
            }
            return server.alarm(Callers.who(server), request);
        });
    }

    /**
     * etcd's Snapshot: the store as etcd's snapshot file (a bbolt file with etcd's buckets) and its
     * SHA-256, for the root role once auth is on; see {@link SnapshotSender}.
     */
    @Override
    public void snapshot(SnapshotRequest request, StreamObserver<SnapshotResponse> observer) {
        try {
            server.auth().checkAdmin(Callers.who(server));
        } catch (RuntimeException e) {
            observer.onError(GrpcErrors.toStatus(e));
            return;
        }
        SnapshotSender.start(server, (ServerCallStreamObserver<SnapshotResponse>) observer);
    }

    /** etcd's Defragment, for the root role once auth is on; see {@link EtchServer#defragment}. */
    @Override
    public void defragment(DefragmentRequest request, StreamObserver<DefragmentResponse> observer) {
        GrpcErrors.reply(observer, () -> {
            server.auth().checkAdmin(Callers.who(server));
            return server.defragment().thenApply(v -> DefragmentResponse.getDefaultInstance());
        });
    }

    /** etcd's Hash, for the root role once auth is on; see {@link EtchServer#hash}. */
    @Override
    public void hash(HashRequest request, StreamObserver<HashResponse> observer) {
        GrpcErrors.reply(observer, () -> {
            server.auth().checkAdmin(Callers.who(server));
            return CompletableFuture.supplyAsync(server::hash);
        });
    }

    /** etcd's Downgrade, for the root role once auth is on; see {@link EtchServer#downgrade}. */
    @Override
    public void downgrade(DowngradeRequest request, StreamObserver<DowngradeResponse> observer) {
        GrpcErrors.reply(observer, () -> {
            server.auth().checkAdmin(Callers.who(server));
            return server.downgrade(request);
        });
    }

    /**
     * etcd's HashKV: a hash of the stored history up to a revision (0: the current one), equal on
     * every member that has it; for root once auth is on. The hash is Etch's own (CRC-32C over
     * Etch's stored form), comparable between Etch members, not with etcd's.
     */
    @Override
    public void hashKV(HashKVRequest request, StreamObserver<HashKVResponse> observer) {
        GrpcErrors.reply(observer, () -> {
            server.auth().checkAdmin(Callers.who(server));
            return CompletableFuture.supplyAsync(() -> {
                MvccStore.KvHash h = server.hashKv(request.getRevision());
                long hashed = request.getRevision() == 0 ? h.currentRevision() : request.getRevision();
                return HashKVResponse.newBuilder().setHeader(server.header(h.currentRevision()))
                        .setHash((int) h.hash()).setCompactRevision(h.compactRevision()).setHashRevision(hashed).build();
            });
        });
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
        GrpcErrors.reply(observer, () -> {
            // etcd 3.5: a member's status is for users with the root role once auth is on
            server.auth().checkAdmin(Callers.who(server));
            return CompletableFuture.completedFuture(server.status());
        });
    }

    /**
     * etcd 3.5's MoveLeader: root only once auth is on, only the leader moves leadership, and the call returns when
     * the target leads (or with etcd's timeout when the deadline of the call, else the request timeout, passes).
     */
    @Override
    public void moveLeader(MoveLeaderRequest request, StreamObserver<MoveLeaderResponse> observer) {
        GrpcErrors.reply(observer, () -> {
            server.auth().checkAdmin(Callers.who(server));
            Deadline deadline = Context.current().getDeadline();
            long timeoutMs = deadline != null ? Math.max(1, deadline.timeRemaining(TimeUnit.MILLISECONDS))
                    : server.requestTimeoutMillis();
            return server.moveLeader(request.getTargetID(), timeoutMs)
                    .thenApply(v -> MoveLeaderResponse.getDefaultInstance());
        });
    }
}
