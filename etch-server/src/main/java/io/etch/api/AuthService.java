package io.etch.api;

import io.etch.api.etcdserverpb.AuthDisableRequest;
import io.etch.api.etcdserverpb.AuthDisableResponse;
import io.etch.api.etcdserverpb.AuthEnableRequest;
import io.etch.api.etcdserverpb.AuthEnableResponse;
import io.etch.api.etcdserverpb.AuthGrpc;
import io.etch.api.etcdserverpb.AuthRoleAddRequest;
import io.etch.api.etcdserverpb.AuthRoleAddResponse;
import io.etch.api.etcdserverpb.AuthRoleDeleteRequest;
import io.etch.api.etcdserverpb.AuthRoleDeleteResponse;
import io.etch.api.etcdserverpb.AuthRoleGetRequest;
import io.etch.api.etcdserverpb.AuthRoleGetResponse;
import io.etch.api.etcdserverpb.AuthRoleGrantPermissionRequest;
import io.etch.api.etcdserverpb.AuthRoleGrantPermissionResponse;
import io.etch.api.etcdserverpb.AuthRoleListRequest;
import io.etch.api.etcdserverpb.AuthRoleListResponse;
import io.etch.api.etcdserverpb.AuthRoleRevokePermissionRequest;
import io.etch.api.etcdserverpb.AuthRoleRevokePermissionResponse;
import io.etch.api.etcdserverpb.AuthStatusRequest;
import io.etch.api.etcdserverpb.AuthStatusResponse;
import io.etch.api.etcdserverpb.AuthUserAddRequest;
import io.etch.api.etcdserverpb.AuthUserAddResponse;
import io.etch.api.etcdserverpb.AuthUserChangePasswordRequest;
import io.etch.api.etcdserverpb.AuthUserChangePasswordResponse;
import io.etch.api.etcdserverpb.AuthUserDeleteRequest;
import io.etch.api.etcdserverpb.AuthUserDeleteResponse;
import io.etch.api.etcdserverpb.AuthUserGetRequest;
import io.etch.api.etcdserverpb.AuthUserGetResponse;
import io.etch.api.etcdserverpb.AuthUserGrantRoleRequest;
import io.etch.api.etcdserverpb.AuthUserGrantRoleResponse;
import io.etch.api.etcdserverpb.AuthUserListRequest;
import io.etch.api.etcdserverpb.AuthUserListResponse;
import io.etch.api.etcdserverpb.AuthUserRevokeRoleRequest;
import io.etch.api.etcdserverpb.AuthUserRevokeRoleResponse;
import io.etch.api.etcdserverpb.AuthenticateRequest;
import io.etch.api.etcdserverpb.AuthenticateResponse;
import io.etch.server.AuthRequests;
import io.etch.server.EtchServer;
import io.grpc.stub.StreamObserver;

/** etcd's Auth service: a thin adapter over {@link AuthRequests}, with the caller of each call. */
final class AuthService extends AuthGrpc.AuthImplBase {

    private final EtchServer server;
    private final AuthRequests auth;

    AuthService(EtchServer server) {
        this.server = server;
        this.auth = server.authRequests();
    }

    @Override
    public void authEnable(AuthEnableRequest r, StreamObserver<AuthEnableResponse> o) {
        GrpcErrors.reply(o, () -> auth.enable(Callers.who(server), r));
    }

    @Override
    public void authDisable(AuthDisableRequest r, StreamObserver<AuthDisableResponse> o) {
        GrpcErrors.reply(o, () -> auth.disable(Callers.who(server), r));
    }

    @Override
    public void authStatus(AuthStatusRequest r, StreamObserver<AuthStatusResponse> o) {
        GrpcErrors.reply(o, () -> auth.status(Callers.who(server)));
    }

    @Override
    public void authenticate(AuthenticateRequest r, StreamObserver<AuthenticateResponse> o) {
        GrpcErrors.reply(o, () -> auth.authenticate(r));
    }

    @Override
    public void userAdd(AuthUserAddRequest r, StreamObserver<AuthUserAddResponse> o) {
        GrpcErrors.reply(o, () -> auth.userAdd(Callers.who(server), r));
    }

    @Override
    public void userGet(AuthUserGetRequest r, StreamObserver<AuthUserGetResponse> o) {
        GrpcErrors.reply(o, () -> auth.userGet(Callers.who(server), r.getName()));
    }

    @Override
    public void userList(AuthUserListRequest r, StreamObserver<AuthUserListResponse> o) {
        GrpcErrors.reply(o, () -> auth.userList(Callers.who(server)));
    }

    @Override
    public void userDelete(AuthUserDeleteRequest r, StreamObserver<AuthUserDeleteResponse> o) {
        GrpcErrors.reply(o, () -> auth.userDelete(Callers.who(server), r));
    }

    @Override
    public void userChangePassword(AuthUserChangePasswordRequest r, StreamObserver<AuthUserChangePasswordResponse> o) {
        GrpcErrors.reply(o, () -> auth.userChangePassword(Callers.who(server), r));
    }

    @Override
    public void userGrantRole(AuthUserGrantRoleRequest r, StreamObserver<AuthUserGrantRoleResponse> o) {
        GrpcErrors.reply(o, () -> auth.userGrantRole(Callers.who(server), r));
    }

    @Override
    public void userRevokeRole(AuthUserRevokeRoleRequest r, StreamObserver<AuthUserRevokeRoleResponse> o) {
        GrpcErrors.reply(o, () -> auth.userRevokeRole(Callers.who(server), r));
    }

    @Override
    public void roleAdd(AuthRoleAddRequest r, StreamObserver<AuthRoleAddResponse> o) {
        GrpcErrors.reply(o, () -> auth.roleAdd(Callers.who(server), r));
    }

    @Override
    public void roleGet(AuthRoleGetRequest r, StreamObserver<AuthRoleGetResponse> o) {
        GrpcErrors.reply(o, () -> auth.roleGet(Callers.who(server), r.getRole()));
    }

    @Override
    public void roleList(AuthRoleListRequest r, StreamObserver<AuthRoleListResponse> o) {
        GrpcErrors.reply(o, () -> auth.roleList(Callers.who(server)));
    }

    @Override
    public void roleDelete(AuthRoleDeleteRequest r, StreamObserver<AuthRoleDeleteResponse> o) {
        GrpcErrors.reply(o, () -> auth.roleDelete(Callers.who(server), r));
    }

    @Override
    public void roleGrantPermission(AuthRoleGrantPermissionRequest r, StreamObserver<AuthRoleGrantPermissionResponse> o) {
        GrpcErrors.reply(o, () -> auth.roleGrantPermission(Callers.who(server), r));
    }

    @Override
    public void roleRevokePermission(AuthRoleRevokePermissionRequest r, StreamObserver<AuthRoleRevokePermissionResponse> o) {
        GrpcErrors.reply(o, () -> auth.roleRevokePermission(Callers.who(server), r));
    }
}
