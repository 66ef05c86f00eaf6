package io.etch.api;

import io.etch.api.etcdserverpb.AlarmRequest;
import io.etch.api.etcdserverpb.AlarmResponse;
import io.etch.api.etcdserverpb.HashKVRequest;
import io.etch.api.etcdserverpb.HashKVResponse;
import io.etch.api.etcdserverpb.MaintenanceGrpc;
import io.etch.api.etcdserverpb.MoveLeaderRequest;
import io.etch.api.etcdserverpb.MoveLeaderResponse;
import io.etch.api.etcdserverpb.StatusRequest;
import io.etch.api.etcdserverpb.StatusResponse;
import io.etch.mvcc.MvccStore;
import io.etch.server.EtchServer;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** etcd's Maintenance service. Calls not listed here answer UNIMPLEMENTED until they are built. */
final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {

    private final EtchServer server;

    MaintenanceService(EtchServer server) {
        this.server = server;
    }

    /**
     * Etch raises no alarms yet (it does not enforce --quota-backend-bytes or check hashes), so the
     * alarm list is empty and disarming finds nothing to clear; both answer as etcd does then.
     * Raising an alarm by hand is refused until the alarm store exists.
     */
    @Override
    public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> observer) {
        GrpcErrors.reply(observer, () -> {
            if (request.getAction() == AlarmRequest.AlarmAction.GET) {
                server.auth().requireUser(Callers.who(server));
            } else {
                server.auth().checkAdmin(Callers.who(server));
            }
            if (request.getAction() == AlarmRequest.AlarmAction.ACTIVATE) {
                throw io.grpc.Status.UNIMPLEMENTED.withDescription("raising alarms by request is not supported by Etch yet")
                        .asRuntimeException();
            }
            return CompletableFuture.completedFuture(AlarmResponse.newBuilder()
                    .setHeader(server.header(server.currentRevision())).build());
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
