package io.etch.apply;

import io.etch.api.etcdserverpb.AuthDisableResponse;
import io.etch.api.etcdserverpb.AuthEnableResponse;
import io.etch.api.etcdserverpb.AuthRoleAddResponse;
import io.etch.api.etcdserverpb.AuthRoleDeleteResponse;
import io.etch.api.etcdserverpb.AuthRoleGrantPermissionResponse;
import io.etch.api.etcdserverpb.AuthRoleRevokePermissionResponse;
import io.etch.api.etcdserverpb.AuthUserAddResponse;
import io.etch.api.etcdserverpb.AuthUserChangePasswordResponse;
import io.etch.api.etcdserverpb.AuthUserDeleteResponse;
import io.etch.api.etcdserverpb.AuthUserGrantRoleResponse;
import io.etch.api.etcdserverpb.AuthUserRevokeRoleResponse;
import io.etch.api.etcdserverpb.AuthenticateResponse;
import io.etch.api.raftpb.AuthenticateEntry;
import io.etch.api.raftpb.RaftEntry;
import io.etch.api.raftpb.RaftReply;
import io.etch.auth.AuthInfo;
import io.etch.auth.AuthStore;
import io.etch.errors.EtcdError;
import io.etch.mvcc.WriteTxn;
import org.rocksdb.WriteBatch;

/** Applies auth changes: each but Authenticate only for a caller with the root role, as etcd. */
final class AuthApplier {

    private final AuthStore auth;

    AuthApplier(AuthStore auth) {
        this.auth = auth;
    }

    static boolean isAuthChange(RaftEntry.RequestCase c) {
        return switch (c) {
            case AUTH_ENABLE, AUTH_DISABLE, AUTHENTICATE, USER_ADD, USER_DELETE, USER_CHANGE_PASSWORD, USER_GRANT_ROLE,
                 USER_REVOKE_ROLE, ROLE_ADD, ROLE_DELETE, ROLE_GRANT_PERMISSION, ROLE_REVOKE_PERMISSION -> true;
            default -> false;
        };
    }

    RaftReply apply(WriteTxn txn, RaftEntry e, AuthInfo who, long index) {
        WriteBatch b = txn.batch();
        if (e.getRequestCase() != RaftEntry.RequestCase.AUTHENTICATE) {
            auth.checkAdmin(who);
        }
        RaftReply.Builder r = RaftReply.newBuilder();
        switch (e.getRequestCase()) {
            case AUTH_ENABLE -> {
                auth.enable(b);
                r.setAuthEnable(AuthEnableResponse.getDefaultInstance());
            }
            case AUTH_DISABLE -> {
                auth.disable(b);
                r.setAuthDisable(AuthDisableResponse.getDefaultInstance());
            }
            case AUTHENTICATE -> r.setAuthenticate(authenticate(e.getAuthenticate(), index));
            case USER_ADD -> {
                auth.userAdd(b, e.getUserAdd());
                r.setUserAdd(AuthUserAddResponse.getDefaultInstance());
            }
            case USER_DELETE -> {
                auth.userDelete(b, e.getUserDelete().getName());
                r.setUserDelete(AuthUserDeleteResponse.getDefaultInstance());
            }
            case USER_CHANGE_PASSWORD -> {
                auth.userChangePassword(b, e.getUserChangePassword().getName(), e.getUserChangePassword().getHashedPassword());
                r.setUserChangePassword(AuthUserChangePasswordResponse.getDefaultInstance());
            }
            case USER_GRANT_ROLE -> {
                auth.userGrantRole(b, e.getUserGrantRole().getUser(), e.getUserGrantRole().getRole());
                r.setUserGrantRole(AuthUserGrantRoleResponse.getDefaultInstance());
            }
            case USER_REVOKE_ROLE -> {
                auth.userRevokeRole(b, e.getUserRevokeRole().getName(), e.getUserRevokeRole().getRole());
                r.setUserRevokeRole(AuthUserRevokeRoleResponse.getDefaultInstance());
            }
            case ROLE_ADD -> {
                auth.roleAdd(b, e.getRoleAdd().getName());
                r.setRoleAdd(AuthRoleAddResponse.getDefaultInstance());
            }
            case ROLE_DELETE -> {
                auth.roleDelete(b, e.getRoleDelete().getRole());
                r.setRoleDelete(AuthRoleDeleteResponse.getDefaultInstance());
            }
            case ROLE_GRANT_PERMISSION -> {
                auth.roleGrantPermission(b, e.getRoleGrantPermission());
                r.setRoleGrantPermission(AuthRoleGrantPermissionResponse.getDefaultInstance());
            }
            case ROLE_REVOKE_PERMISSION -> {
                auth.roleRevokePermission(b, e.getRoleRevokePermission());
                r.setRoleRevokePermission(AuthRoleRevokePermissionResponse.getDefaultInstance());
            }
            default -> throw EtcdError.INTERNAL.exception();
        }
        return r.build();
    }

    /**
     * The password was checked by the proposing member at {@code checked_revision}; if the store has
     * changed since (a new password, say), the check is stale and the member checks again.
     */
    private AuthenticateResponse authenticate(AuthenticateEntry a, long index) {
        auth.checkAuthenticate(a.getName());
        if (a.getCheckedRevision() != auth.revision()) {
            throw EtcdError.AUTH_OLD_REVISION.exception();
        }
        String token = auth.tokens().assign(a.getTokenPrefix(), index, a.getName(), auth.revision());
        return AuthenticateResponse.newBuilder().setToken(token).build();
    }
}
