package io.etch.api;

import io.etch.api.etcdserverpb.MaintenanceGrpc;
import io.etch.api.etcdserverpb.StatusRequest;
import io.etch.api.etcdserverpb.StatusResponse;
import io.etch.server.EtchServer;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/** etcd's Maintenance service. Calls not listed here answer UNIMPLEMENTED until they are built. */
final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {

    private final EtchServer server;

    MaintenanceService(EtchServer server) {
        this.server = server;
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
        GrpcErrors.reply(observer, () -> {
            // etcd 3.5: a member's status is for users with the root role once auth is on
            server.auth().checkAdmin(Callers.who(server));
            return CompletableFuture.completedFuture(server.status());
        });
    }
}
