package io.etch.server;

import io.etch.api.etcdserverpb.AuthDisableRequest;
import io.etch.api.etcdserverpb.AuthDisableResponse;
import io.etch.api.etcdserverpb.AuthEnableRequest;
import io.etch.api.etcdserverpb.AuthEnableResponse;
import io.etch.api.etcdserverpb.AuthRoleAddRequest;
import io.etch.api.etcdserverpb.AuthRoleAddResponse;
import io.etch.api.etcdserverpb.AuthRoleDeleteRequest;
import io.etch.api.etcdserverpb.AuthRoleDeleteResponse;
import io.etch.api.etcdserverpb.AuthRoleGetResponse;
import io.etch.api.etcdserverpb.AuthRoleGrantPermissionRequest;
import io.etch.api.etcdserverpb.AuthRoleGrantPermissionResponse;
import io.etch.api.etcdserverpb.AuthRoleListResponse;
import io.etch.api.etcdserverpb.AuthRoleRevokePermissionRequest;
import io.etch.api.etcdserverpb.AuthRoleRevokePermissionResponse;
import io.etch.api.etcdserverpb.AuthStatusResponse;
import io.etch.api.etcdserverpb.AuthUserAddRequest;
import io.etch.api.etcdserverpb.AuthUserAddResponse;
import io.etch.api.etcdserverpb.AuthUserChangePasswordRequest;
import io.etch.api.etcdserverpb.AuthUserChangePasswordResponse;
import io.etch.api.etcdserverpb.AuthUserDeleteRequest;
import io.etch.api.etcdserverpb.AuthUserDeleteResponse;
import io.etch.api.etcdserverpb.AuthUserGetResponse;
import io.etch.api.etcdserverpb.AuthUserGrantRoleRequest;
import io.etch.api.etcdserverpb.AuthUserGrantRoleResponse;
import io.etch.api.etcdserverpb.AuthUserListResponse;
import io.etch.api.etcdserverpb.AuthUserRevokeRoleRequest;
import io.etch.api.etcdserverpb.AuthUserRevokeRoleResponse;
import io.etch.api.etcdserverpb.AuthenticateRequest;
import io.etch.api.etcdserverpb.AuthenticateResponse;
import io.etch.api.raftpb.AuthenticateEntry;
import io.etch.api.raftpb.RaftEntry;
import io.etch.api.raftpb.RaftReply;
import io.etch.auth.AuthInfo;
import io.etch.auth.AuthStore;
import io.etch.auth.Passwords;
import io.etch.errors.EtcdError;
import io.etch.errors.EtchException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Auth service's requests: changes go through Raft (checked for the root role at apply),
 * questions are answered after the read barrier. Passwords are hashed here, on the member that
 * took the request, so the log holds only bcrypt hashes.
 */
public final class AuthRequests {

    private static final Logger log = LoggerFactory.getLogger(AuthRequests.class);
    /** A password checked while the store changed is checked again, a few times at most. */
    private static final int AUTHENTICATE_ATTEMPTS = 5;

    private final EtchServer server;
    private final AuthStore auth;
    private final Passwords passwords;
    /** Failed password checks per user name, so that guessing shows in the log as a rising count. */
    private final ConcurrentHashMap<String, AtomicLong> failures = new ConcurrentHashMap<>();

    AuthRequests(EtchServer server, AuthStore auth, Passwords passwords) {
        this.server = server;
        this.auth = auth;
        this.passwords = passwords;
    }

    public CompletableFuture<AuthEnableResponse> enable(AuthInfo who, AuthEnableRequest r) {
        return change(who, RaftEntry.newBuilder().setAuthEnable(r), RaftReply::getAuthEnable)
                .thenApply(x -> x.toBuilder().setHeader(server.header(server.currentRevision())).build());
    }

    public CompletableFuture<AuthDisableResponse> disable(AuthInfo who, AuthDisableRequest r) {
        return change(who, RaftEntry.newBuilder().setAuthDisable(r), RaftReply::getAuthDisable)
                .thenApply(x -> x.toBuilder().setHeader(server.header(server.currentRevision())).build());
    }

    public CompletableFuture<AuthStatusResponse> status(AuthInfo who) {
        return server.afterBarrier(() -> {
            auth.checkAdmin(who);
            return AuthStatusResponse.newBuilder().setHeader(server.header(server.currentRevision()))
                    .setEnabled(auth.enabled()).setAuthRevision(auth.revision()).build();
        });
    }

    public CompletableFuture<AuthenticateResponse> authenticate(AuthenticateRequest r) {
        return server.afterBarrier(() -> null).thenCompose(v -> authenticate(r, AUTHENTICATE_ATTEMPTS));
    }

    private CompletableFuture<AuthenticateResponse> authenticate(AuthenticateRequest r, int attempts) {
        long checked;
        try {
            checked = checkPassword(r.getName(), r.getPassword());
        } catch (EtchException e) {
            return CompletableFuture.failedFuture(e);
        }
        AuthenticateEntry entry = AuthenticateEntry.newBuilder().setName(r.getName())
                .setTokenPrefix(auth.tokens().newPrefix()).setCheckedRevision(checked).build();
        return server.propose(AuthInfo.MEMBER, RaftEntry.newBuilder().setAuthenticate(entry), RaftReply::getAuthenticate)
                .thenApply(x -> x.toBuilder().setHeader(server.header(server.currentRevision())).build())
                .exceptionallyCompose(e -> attempts > 1 && isError(e, EtcdError.AUTH_OLD_REVISION)
                        ? authenticate(r, attempts - 1) : CompletableFuture.failedFuture(e));
    }

    /** etcd's CheckPassword: the auth revision the password matched at. */
    private long checkPassword(String name, String password) {
        if (!auth.enabled()) {
            throw EtcdError.AUTH_NOT_ENABLED.exception();
        }
        long revision = auth.revision();
        byte[] hash;
        try {
            hash = auth.passwordHash(name);
        } catch (EtchException e) {
            logFailure(name, e.error() == EtcdError.AUTH_FAILED ? "unknown user" : "user has no password");
            throw e;
        }
        if (!Passwords.matches(hash, password)) {
            logFailure(name, "invalid password");
            throw EtcdError.AUTH_FAILED.exception();
        }
        failures.remove(name);
        return revision;
    }

    private void logFailure(String name, String why) {
        long n = failures.computeIfAbsent(name, k -> new AtomicLong()).incrementAndGet();
        if (failures.size() > 10_000) {
            failures.clear(); // names come from clients: keep the table bounded
        }
        log.warn("authentication failed for user {}: {} ({} failure{} in a row)", quote(name), why, n, n == 1 ? "" : "s");
    }

    private static String quote(String s) {
        return "\"" + s.replace("\"", "\\\"") + "\"";
    }

    private static boolean isError(Throwable e, EtcdError error) {
        Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        return c instanceof EtchException x && x.error() == error;
    }

    public CompletableFuture<AuthUserAddResponse> userAdd(AuthInfo who, AuthUserAddRequest r) {
        AuthUserAddRequest.Builder b = r.toBuilder().clearPassword().clearHashedPassword();
        if (!r.getOptions().getNoPassword()) {
            try {
                b.setHashedPassword(passwords.hash(r.getPassword()));
            } catch (EtchException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        return change(who, RaftEntry.newBuilder().setUserAdd(b), RaftReply::getUserAdd)
                .thenApply(x -> x.toBuilder().setHeader(server.header(server.currentRevision())).build());
    }

    public CompletableFuture<AuthUserDeleteResponse> userDelete(AuthInfo who, AuthUserDeleteRequest r) {
        return change(who, RaftEntry.newBuilder().setUserDelete(r), RaftReply::getUserDelete)
                .thenApply(x -> x.toBuilder().setHeader(server.header(server.currentRevision())).build());
    }

    public CompletableFuture<AuthUserChangePasswordResponse> userChangePassword(AuthInfo who, AuthUserChangePasswordRequest r) {
        AuthUserChangePasswordRequest.Builder b = r.toBuilder().clearPassword();
        try {
            b.setHashedPassword(passwords.hash(r.getPassword()));
        } catch (EtchException e) {
            return CompletableFuture.failedFuture(e);
        }
        return change(who, RaftEntry.newBuilder().setUserChangePassword(b), RaftReply::getUserChangePassword)
                .thenApply(x -> x.toBuilder().setHeader(server.header(server.currentRevision())).build());
    }

    public CompletableFuture<AuthUserGrantRoleResponse> userGrantRole(AuthInfo who, AuthUserGrantRoleRequest r) {
        return change(who, RaftEntry.newBuilder().setUserGrantRole(r), RaftReply::getUserGrantRole)
                .thenApply(x -> x.toBuilder().setHeader(server.header(server.currentRevision())).build());
    }

    public CompletableFuture<AuthUserRevokeRoleResponse> userRevokeRole(AuthInfo who, AuthUserRevokeRoleRequest r) {
        return change(who, RaftEntry.newBuilder().setUserRevokeRole(r), RaftReply::getUserRevokeRole)
                .thenApply(x -> x.toBuilder().setHeader(server.header(server.currentRevision())).build());
    }

    public CompletableFuture<AuthRoleAddResponse> roleAdd(AuthInfo who, AuthRoleAddRequest r) {
        return change(who, RaftEntry.newBuilder().setRoleAdd(r), RaftReply::getRoleAdd)
                .thenApply(x -> x.toBuilder().setHeader(server.header(server.currentRevision())).build());
    }

    public CompletableFuture<AuthRoleDeleteResponse> roleDelete(AuthInfo who, AuthRoleDeleteRequest r) {
        return change(who, RaftEntry.newBuilder().setRoleDelete(r), RaftReply::getRoleDelete)
                .thenApply(x -> x.toBuilder().setHeader(server.header(server.currentRevision())).build());
    }

    public CompletableFuture<AuthRoleGrantPermissionResponse> roleGrantPermission(AuthInfo who, AuthRoleGrantPermissionRequest r) {
        return change(who, RaftEntry.newBuilder().setRoleGrantPermission(r), RaftReply::getRoleGrantPermission)
                .thenApply(x -> x.toBuilder().setHeader(server.header(server.currentRevision())).build());
    }

    public CompletableFuture<AuthRoleRevokePermissionResponse> roleRevokePermission(AuthInfo who, AuthRoleRevokePermissionRequest r) {
        return change(who, RaftEntry.newBuilder().setRoleRevokePermission(r), RaftReply::getRoleRevokePermission)
                .thenApply(x -> x.toBuilder().setHeader(server.header(server.currentRevision())).build());
    }

    /** A user may read their own roles; anything else about users needs the root role. */
    public CompletableFuture<AuthUserGetResponse> userGet(AuthInfo who, String name) {
        return server.afterBarrier(() -> {
            if (!name.equals(who.user())) {
                auth.checkAdmin(who);
            }
            return AuthUserGetResponse.newBuilder().setHeader(server.header(server.currentRevision()))
                    .addAllRoles(auth.userRoles(name)).build();
        });
    }

    public CompletableFuture<AuthUserListResponse> userList(AuthInfo who) {
        return server.afterBarrier(() -> {
            auth.checkAdmin(who);
            return AuthUserListResponse.newBuilder().setHeader(server.header(server.currentRevision()))
                    .addAllUsers(auth.userNames()).build();
        });
    }

    /** A user may read the roles they have; other roles need the root role. */
    public CompletableFuture<AuthRoleGetResponse> roleGet(AuthInfo who, String role) {
        return server.afterBarrier(() -> {
            if (!auth.hasRole(who.user(), role)) {
                auth.checkAdmin(who);
            }
            return AuthRoleGetResponse.newBuilder().setHeader(server.header(server.currentRevision()))
                    .addAllPerm(auth.rolePermissions(role)).build();
        });
    }

    public CompletableFuture<AuthRoleListResponse> roleList(AuthInfo who) {
        return server.afterBarrier(() -> {
            auth.checkAdmin(who);
            return AuthRoleListResponse.newBuilder().setHeader(server.header(server.currentRevision()))
                    .addAllRoles(auth.roleNames()).build();
        });
    }

    private <T> CompletableFuture<T> change(AuthInfo who, RaftEntry.Builder entry, java.util.function.Function<RaftReply, T> result) {
        return server.propose(who, entry, result);
    }
}
