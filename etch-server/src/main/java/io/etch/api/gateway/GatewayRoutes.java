package io.etch.api.gateway;

import com.google.protobuf.Message;
import io.etch.api.etcdserverpb.AuthGrpc;
import io.etch.api.etcdserverpb.ClusterGrpc;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.LeaseGrpc;
import io.etch.api.etcdserverpb.MaintenanceGrpc;
import io.etch.api.etcdserverpb.WatchGrpc;
import io.etch.api.v3electionpb.ElectionGrpc;
import io.etch.api.v3lockpb.LockGrpc;
import io.grpc.MethodDescriptor;
import java.util.HashMap;
import java.util.Map;

/** The routes of etcd 3.5's gateway: every one a POST of the request message, under /v3/ and /v3beta/. */
final class GatewayRoutes {

    /** One route: the gRPC method it calls and an empty request to parse into. */
    record Route(MethodDescriptor<Message, Message> method, Message requestPrototype) {
        boolean bidiStreaming() {
            return method.getType() == MethodDescriptor.MethodType.BIDI_STREAMING;
        }

        boolean serverStreaming() {
            return method.getType() == MethodDescriptor.MethodType.SERVER_STREAMING;
        }
    }

    private static final Map<String, Route> ROUTES = new HashMap<>();

    static {
        add("/v3/kv/range", KVGrpc.getRangeMethod());
        add("/v3/kv/put", KVGrpc.getPutMethod());
        add("/v3/kv/deleterange", KVGrpc.getDeleteRangeMethod());
        add("/v3/kv/txn", KVGrpc.getTxnMethod());
        add("/v3/kv/compaction", KVGrpc.getCompactMethod());

        add("/v3/watch", WatchGrpc.getWatchMethod());

        add("/v3/lease/grant", LeaseGrpc.getLeaseGrantMethod());
        add("/v3/lease/revoke", LeaseGrpc.getLeaseRevokeMethod());
        add("/v3/kv/lease/revoke", LeaseGrpc.getLeaseRevokeMethod());
        add("/v3/lease/keepalive", LeaseGrpc.getLeaseKeepAliveMethod());
        add("/v3/lease/timetolive", LeaseGrpc.getLeaseTimeToLiveMethod());
        add("/v3/kv/lease/timetolive", LeaseGrpc.getLeaseTimeToLiveMethod());
        add("/v3/lease/leases", LeaseGrpc.getLeaseLeasesMethod());
        add("/v3/kv/lease/leases", LeaseGrpc.getLeaseLeasesMethod());

        add("/v3/cluster/member/add", ClusterGrpc.getMemberAddMethod());
        add("/v3/cluster/member/remove", ClusterGrpc.getMemberRemoveMethod());
        add("/v3/cluster/member/update", ClusterGrpc.getMemberUpdateMethod());
        add("/v3/cluster/member/list", ClusterGrpc.getMemberListMethod());
        add("/v3/cluster/member/promote", ClusterGrpc.getMemberPromoteMethod());

        add("/v3/maintenance/alarm", MaintenanceGrpc.getAlarmMethod());
        add("/v3/maintenance/status", MaintenanceGrpc.getStatusMethod());
        add("/v3/maintenance/defragment", MaintenanceGrpc.getDefragmentMethod());
        // Hash and HashKV share this path in etcd's gateway; Hash is registered first and wins.
        add("/v3/maintenance/hash", MaintenanceGrpc.getHashMethod());
        add("/v3/maintenance/snapshot", MaintenanceGrpc.getSnapshotMethod());
        add("/v3/maintenance/transfer-leadership", MaintenanceGrpc.getMoveLeaderMethod());
        add("/v3/maintenance/downgrade", MaintenanceGrpc.getDowngradeMethod());

        add("/v3/auth/enable", AuthGrpc.getAuthEnableMethod());
        add("/v3/auth/disable", AuthGrpc.getAuthDisableMethod());
        add("/v3/auth/status", AuthGrpc.getAuthStatusMethod());
        add("/v3/auth/authenticate", AuthGrpc.getAuthenticateMethod());
        add("/v3/auth/user/add", AuthGrpc.getUserAddMethod());
        add("/v3/auth/user/get", AuthGrpc.getUserGetMethod());
        add("/v3/auth/user/list", AuthGrpc.getUserListMethod());
        add("/v3/auth/user/delete", AuthGrpc.getUserDeleteMethod());
        add("/v3/auth/user/changepw", AuthGrpc.getUserChangePasswordMethod());
        add("/v3/auth/user/grant", AuthGrpc.getUserGrantRoleMethod());
        add("/v3/auth/user/revoke", AuthGrpc.getUserRevokeRoleMethod());
        add("/v3/auth/role/add", AuthGrpc.getRoleAddMethod());
        add("/v3/auth/role/get", AuthGrpc.getRoleGetMethod());
        add("/v3/auth/role/list", AuthGrpc.getRoleListMethod());
        add("/v3/auth/role/delete", AuthGrpc.getRoleDeleteMethod());
        add("/v3/auth/role/grant", AuthGrpc.getRoleGrantPermissionMethod());
        add("/v3/auth/role/revoke", AuthGrpc.getRoleRevokePermissionMethod());

        add("/v3/lock", LockGrpc.getLockMethod());
        add("/v3/lock/unlock", LockGrpc.getUnlockMethod());

        add("/v3/election/campaign", ElectionGrpc.getCampaignMethod());
        add("/v3/election/proclaim", ElectionGrpc.getProclaimMethod());
        add("/v3/election/leader", ElectionGrpc.getLeaderMethod());
        add("/v3/election/observe", ElectionGrpc.getObserveMethod());
        add("/v3/election/resign", ElectionGrpc.getResignMethod());
    }

    private GatewayRoutes() {
    }

    @SuppressWarnings("unchecked")
    private static void add(String path, MethodDescriptor<?, ?> method) {
        MethodDescriptor<Message, Message> m = (MethodDescriptor<Message, Message>) method;
        Message prototype = (Message) ((MethodDescriptor.PrototypeMarshaller<?>) m.getRequestMarshaller()).getMessagePrototype();
        ROUTES.put(path, new Route(m, prototype));
    }

    /** Whether the gateway answers this path (as etcd: everything under /v3/, and /v3beta/ as its alias). */
    static boolean owns(String path) {
        return path.startsWith("/v3/") || path.startsWith("/v3beta/");
    }

    /** The route for a request path, /v3beta/ read as /v3/; null if there is none. */
    static Route find(String path) {
        return ROUTES.get(canonical(path));
    }

    static String canonical(String path) {
        return path.startsWith("/v3beta/") ? "/v3/" + path.substring("/v3beta/".length()) : path;
    }
}
