package io.etch.api;

import io.etch.api.etcdserverpb.ClusterGrpc;
import io.etch.api.etcdserverpb.Member;
import io.etch.api.etcdserverpb.MemberListRequest;
import io.etch.api.etcdserverpb.MemberListResponse;
import io.etch.server.EtchServer;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/** etcd's Cluster service: the static membership this member was started with. */
final class ClusterService extends ClusterGrpc.ClusterImplBase {

    private final EtchServer server;

    ClusterService(EtchServer server) {
        this.server = server;
    }

    @Override
    public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> observer) {
        GrpcErrors.reply(observer, () -> {
            server.auth().requireUser(Callers.who(server));
            MemberListResponse.Builder b = MemberListResponse.newBuilder()
                    .setHeader(server.header(0)); // etcd's member list header has no revision
            for (io.etch.server.Member m : server.members()) {
                b.addMembers(Member.newBuilder()
                        .setID(m.id())
                        .setName(m.name())
                        .addAllPeerURLs(m.peerUrls())
                        .addAllClientURLs(m.clientUrls()));
            }
            return CompletableFuture.completedFuture(b.build());
        });
    }
}
