package io.etch.api;

import io.etch.api.etcdserverpb.ClusterGrpc;
import io.etch.api.etcdserverpb.Member;
import io.etch.api.etcdserverpb.MemberAddRequest;
import io.etch.api.etcdserverpb.MemberAddResponse;
import io.etch.api.etcdserverpb.MemberListRequest;
import io.etch.api.etcdserverpb.MemberListResponse;
import io.etch.api.etcdserverpb.MemberPromoteRequest;
import io.etch.api.etcdserverpb.MemberPromoteResponse;
import io.etch.api.etcdserverpb.MemberRemoveRequest;
import io.etch.api.etcdserverpb.MemberRemoveResponse;
import io.etch.api.etcdserverpb.MemberUpdateRequest;
import io.etch.api.etcdserverpb.MemberUpdateResponse;
import io.etch.api.raftpb.MemberChange;
import io.etch.api.raftpb.StoredMember;
import io.etch.errors.EtcdError;
import io.etch.membership.PeerUrls;
import io.etch.server.EtchServer;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's Cluster service: the membership and its changes. Changes need root when auth is on (etcd's
 * checkMembershipOperationPermission); listing needs a user. Headers carry no revision, as etcd's.
 */
final class ClusterService extends ClusterGrpc.ClusterImplBase {

    private final EtchServer server;

    ClusterService(EtchServer server) {
        this.server = server;
    }

    @Override
    public void memberAdd(MemberAddRequest request, StreamObserver<MemberAddResponse> observer) {
        GrpcErrors.reply(observer, () -> {
            List<String> urls = PeerUrls.parse(request.getPeerURLsList());
            if (urls == null || urls.isEmpty()) {
                throw EtcdError.MEMBER_BAD_URLS.exception();
            }
            server.auth().checkAdmin(Callers.who(server));
            // etcd's rule for a member added at runtime: its peer URLs, no cluster token, and the time.
            long id = PeerUrls.memberId(urls, "", System.currentTimeMillis() / 1000);
            StoredMember added = StoredMember.newBuilder().setId(id).addAllPeerUrls(urls)
                    .setIsLearner(request.getIsLearner()).build();
            return server.changeMembership(MemberChange.newBuilder().setAdd(added).build())
                    .thenApply(members -> MemberAddResponse.newBuilder()
                            .setHeader(server.header(0))
                            .setMember(Member.newBuilder().setID(id).addAllPeerURLs(urls).setIsLearner(request.getIsLearner()))
                            .addAllMembers(toProto(members))
                            .build());
        });
    }

    @Override
    public void memberRemove(MemberRemoveRequest request, StreamObserver<MemberRemoveResponse> observer) {
        GrpcErrors.reply(observer, () -> {
            server.auth().checkAdmin(Callers.who(server));
            return server.changeMembership(MemberChange.newBuilder().setRemove(request.getID()).build())
                    .thenApply(members -> MemberRemoveResponse.newBuilder().setHeader(server.header(0))
                            .addAllMembers(toProto(members)).build());
        });
    }

    @Override
    public void memberUpdate(MemberUpdateRequest request, StreamObserver<MemberUpdateResponse> observer) {
        GrpcErrors.reply(observer, () -> {
            server.auth().checkAdmin(Callers.who(server));
            StoredMember update = StoredMember.newBuilder().setId(request.getID())
                    .addAllPeerUrls(request.getPeerURLsList()).build();
            return server.changeMembership(MemberChange.newBuilder().setUpdate(update).build())
                    .thenApply(members -> MemberUpdateResponse.newBuilder().setHeader(server.header(0))
                            .addAllMembers(toProto(members)).build());
        });
    }

    @Override
    public void memberPromote(MemberPromoteRequest request, StreamObserver<MemberPromoteResponse> observer) {
        GrpcErrors.reply(observer, () -> {
            server.auth().checkAdmin(Callers.who(server));
            return server.changeMembership(MemberChange.newBuilder().setPromote(request.getID()).build())
                    .thenApply(members -> MemberPromoteResponse.newBuilder().setHeader(server.header(0))
                            .addAllMembers(toProto(members)).build());
        });
    }

    @Override
    public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> observer) {
        GrpcErrors.reply(observer, () -> server.memberList(request.getLinearizable()).thenApply(members -> {
            server.auth().requireUser(Callers.who(server));
            return MemberListResponse.newBuilder()
                    .setHeader(server.header(0)) // etcd's member list header has no revision
                    .addAllMembers(toProto(members))
                    .build();
        }));
    }

    private static List<Member> toProto(List<io.etch.server.Member> members) {
        List<Member> out = new ArrayList<>();
        for (io.etch.server.Member m : members) {
            out.add(Member.newBuilder()
                    .setID(m.id())
                    .setName(m.name())
                    .addAllPeerURLs(m.peerUrls())
                    .addAllClientURLs(m.clientUrls())
                    .setIsLearner(m.isLearner())
                    .build());
        }
        return out;
    }
}
