package io.etch.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etch.api.authpb.Permission;
import io.etch.api.authpb.UserAddOptions;
import io.etch.api.etcdserverpb.AuthDisableRequest;
import io.etch.api.etcdserverpb.AuthEnableRequest;
import io.etch.api.etcdserverpb.AuthGrpc;
import io.etch.api.etcdserverpb.AuthRoleAddRequest;
import io.etch.api.etcdserverpb.AuthRoleDeleteRequest;
import io.etch.api.etcdserverpb.AuthRoleGetRequest;
import io.etch.api.etcdserverpb.AuthRoleGrantPermissionRequest;
import io.etch.api.etcdserverpb.AuthRoleRevokePermissionRequest;
import io.etch.api.etcdserverpb.AuthStatusRequest;
import io.etch.api.etcdserverpb.AuthUserAddRequest;
import io.etch.api.etcdserverpb.AuthUserChangePasswordRequest;
import io.etch.api.etcdserverpb.AuthUserDeleteRequest;
import io.etch.api.etcdserverpb.AuthUserGetRequest;
import io.etch.api.etcdserverpb.AuthUserGrantRoleRequest;
import io.etch.api.etcdserverpb.AuthUserListRequest;
import io.etch.api.etcdserverpb.AuthUserRevokeRoleRequest;
import io.etch.api.etcdserverpb.AuthenticateRequest;
import io.etch.api.etcdserverpb.Compare;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.LeaseGrantRequest;
import io.etch.api.etcdserverpb.LeaseGrpc;
import io.etch.api.etcdserverpb.LeaseRevokeRequest;
import io.etch.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.etch.api.etcdserverpb.MaintenanceGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.StatusRequest;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.WatchCreateRequest;
import io.etch.api.etcdserverpb.WatchGrpc;
import io.etch.api.etcdserverpb.WatchRequest;
import io.etch.api.etcdserverpb.WatchResponse;
import io.etch.auth.SimpleTokens;
import io.etch.server.ServerSettings;
import io.etch.testing.EtchCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * etcd's RBAC on a real member over gRPC: every auth call, the permission rules of each request
 * type, token life, and etcd's errors. Each test makes its own users and roles.
 */
class AuthTest {

    private static final ByteString FROM_KEY = ByteString.copyFrom(new byte[] {0});
    private static final AtomicInteger names = new AtomicInteger();

    private static EtchCluster cluster;
    private static ManagedChannel channel;
    private static String rootToken;

    @BeforeAll
    static void start() throws Exception {
        // bcrypt cost 4 keeps the many logins of this test quick
        cluster = EtchCluster.startWithAuth(1, new ServerSettings.Auth(() -> new SimpleTokens(300, System::nanoTime), 4, false));
        channel = NettyChannelBuilder.forTarget("127.0.0.1:" + cluster.clientPort(0)).usePlaintext().build();
        AuthGrpc.AuthBlockingStub auth = AuthGrpc.newBlockingStub(channel);
        // etcd's order of refusals while setting auth up
        expect(() -> auth.authEnable(AuthEnableRequest.getDefaultInstance()), Status.Code.FAILED_PRECONDITION,
                "etcdserver: root user does not exist");
        auth.userAdd(AuthUserAddRequest.newBuilder().setName("root").setPassword("rootpw").build());
        expect(() -> auth.authEnable(AuthEnableRequest.getDefaultInstance()), Status.Code.FAILED_PRECONDITION,
                "etcdserver: root user does not have root role");
        auth.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
        auth.authEnable(AuthEnableRequest.getDefaultInstance());
        rootToken = token("root", "rootpw");
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow();
        cluster.close();
    }

    private static void expect(Runnable call, Status.Code code, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).isEqualTo(message);
        });
    }

    private static void denied(Runnable call) {
        expect(call, Status.Code.PERMISSION_DENIED, "etcdserver: permission denied");
    }

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static <S extends AbstractStub<S>> S as(S stub, String token) {
        Metadata m = new Metadata();
        m.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), token);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m));
    }

    private static String token(String user, String password) {
        return AuthGrpc.newBlockingStub(channel)
                .authenticate(AuthenticateRequest.newBuilder().setName(user).setPassword(password).build()).getToken();
    }

    private static AuthGrpc.AuthBlockingStub root() {
        return as(AuthGrpc.newBlockingStub(channel), rootToken);
    }

    private static KVGrpc.KVBlockingStub kv(String token) {
        return as(KVGrpc.newBlockingStub(channel), token);
    }

    /** A new user with one new role holding {@code perms}; returns the user's name (password "pw"). */
    private static String userWith(Permission... perms) {
        String n = "u" + names.incrementAndGet();
        root().roleAdd(AuthRoleAddRequest.newBuilder().setName(n + "-role").build());
        for (Permission p : perms) {
            root().roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder().setName(n + "-role").setPerm(p).build());
        }
        root().userAdd(AuthUserAddRequest.newBuilder().setName(n).setPassword("pw").build());
        root().userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser(n).setRole(n + "-role").build());
        return n;
    }

    private static Permission perm(Permission.Type t, String key, ByteString end) {
        return Permission.newBuilder().setPermType(t).setKey(b(key)).setRangeEnd(end).build();
    }

    private static Permission prefix(Permission.Type t, String prefix) {
        byte[] end = prefix.getBytes(StandardCharsets.UTF_8);
        end[end.length - 1]++;
        return perm(t, prefix, ByteString.copyFrom(end));
    }

    private static PutRequest put(String key) {
        return PutRequest.newBuilder().setKey(b(key)).setValue(b("v")).build();
    }

    private static RangeRequest get(String key, String end) {
        return RangeRequest.newBuilder().setKey(b(key)).setRangeEnd(b(end)).build();
    }

    private static long rootCount(String key) {
        return kv(rootToken).range(RangeRequest.newBuilder().setKey(b(key)).setCountOnly(true).build()).getCount();
    }

    @Test
    void requestsWithoutCredentialsOrWithBadOnesGetEtcdsErrors() {
        KVGrpc.KVBlockingStub anonymous = KVGrpc.newBlockingStub(channel);
        expect(() -> anonymous.put(put("x")), Status.Code.INVALID_ARGUMENT, "etcdserver: user name is empty");
        expect(() -> anonymous.range(get("x", "")), Status.Code.INVALID_ARGUMENT, "etcdserver: user name is empty");
        expect(() -> kv("forged.123").put(put("x")), Status.Code.UNAUTHENTICATED, "etcdserver: invalid auth token");
        expect(() -> token("root", "wrong"), Status.Code.INVALID_ARGUMENT,
                "etcdserver: authentication failed, invalid user ID or password");
        expect(() -> token("nobody", "pw"), Status.Code.INVALID_ARGUMENT,
                "etcdserver: authentication failed, invalid user ID or password");
        assertThat(rootCount("x")).isZero();
    }

    @Test
    void prefixAndFromKeyPermissionsCoverTheirRangesOnly() {
        String u = userWith(prefix(Permission.Type.READWRITE, "/app/"), perm(Permission.Type.READWRITE, "zz", FROM_KEY));
        KVGrpc.KVBlockingStub kv = kv(token(u, "pw"));
        kv.put(put("/app/a"));
        kv.put(put("zzz/anything"));
        assertThat(kv.range(get("/app/", "/app0")).getCount()).isEqualTo(1);
        denied(() -> kv.put(put("/apq")));
        denied(() -> kv.range(get("/app/", "/b")));
        denied(() -> kv.put(put("a")));
        denied(() -> kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(b("/app/")).setRangeEnd(FROM_KEY).build()));
        assertThat(kv.range(RangeRequest.newBuilder().setKey(b("zz")).setRangeEnd(FROM_KEY).build()).getCount()).isEqualTo(1);
        assertThat(rootCount("/apq")).isZero();
    }

    @Test
    void aRangeStreamNeedsReadOnItsRangeAsARangeDoes() {
        String u = userWith(prefix(Permission.Type.READ, "/rs/"));
        kv(rootToken).put(put("/rs/a"));
        kv(rootToken).put(put("/rs/b"));
        KVGrpc.KVBlockingStub kv = kv(token(u, "pw"));
        RangeResponse.Builder merged = RangeResponse.newBuilder();
        kv.rangeStream(get("/rs/", "/rs0")).forEachRemaining(m -> merged.mergeFrom(m.getRangeResponse()));
        assertThat(merged.build()).isEqualTo(kv.range(get("/rs/", "/rs0")));
        assertThat(merged.getKvsCount()).isEqualTo(2);
        denied(() -> kv.rangeStream(get("/rs/", "/rt")).hasNext());
        denied(() -> kv.rangeStream(get("/other", "")).hasNext());
        expect(() -> KVGrpc.newBlockingStub(channel).rangeStream(get("/rs/", "/rs0")).hasNext(),
                Status.Code.INVALID_ARGUMENT, "etcdserver: user name is empty");
    }

    @Test
    void readAndWriteAreSeparateRightsAndPrevKvNeedsRead() {
        String reader = userWith(prefix(Permission.Type.READ, "/r/"));
        String writer = userWith(prefix(Permission.Type.WRITE, "/r/"));
        KVGrpc.KVBlockingStub r = kv(token(reader, "pw"));
        KVGrpc.KVBlockingStub w = kv(token(writer, "pw"));
        w.put(put("/r/1"));
        assertThat(r.range(get("/r/1", "")).getKvsCount()).isEqualTo(1);
        denied(() -> r.put(put("/r/2")));
        denied(() -> w.range(get("/r/1", "")));
        denied(() -> w.put(put("/r/1").toBuilder().setPrevKv(true).build()));
        denied(() -> w.deleteRange(DeleteRangeRequest.newBuilder().setKey(b("/r/1")).setPrevKv(true).build()));
        w.deleteRange(DeleteRangeRequest.newBuilder().setKey(b("/r/1")).build());
        assertThat(rootCount("/r/1")).isZero();
    }

    @Test
    void aTxnIsCheckedWholeBothBranchesAndNestedOnes() {
        String u = userWith(prefix(Permission.Type.READWRITE, "/t/"));
        KVGrpc.KVBlockingStub kv = kv(token(u, "pw"));
        RequestOp ok = RequestOp.newBuilder().setRequestPut(put("/t/ok")).build();
        RequestOp outside = RequestOp.newBuilder().setRequestPut(put("/other")).build();
        // a compare outside
        denied(() -> kv.txn(TxnRequest.newBuilder().addCompare(Compare.newBuilder().setKey(b("/other"))
                .setTarget(Compare.CompareTarget.VERSION).setVersion(0)).addSuccess(ok).build()));
        // the branch not taken still counts
        denied(() -> kv.txn(TxnRequest.newBuilder().addSuccess(ok).addFailure(outside).build()));
        // nested
        denied(() -> kv.txn(TxnRequest.newBuilder().addSuccess(ok)
                .addSuccess(RequestOp.newBuilder().setRequestTxn(TxnRequest.newBuilder().addFailure(outside))).build()));
        // a read-only txn served outside Raft too
        denied(() -> kv.txn(TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestRange(get("/other", ""))).build()));
        assertThat(rootCount("/t/ok")).isZero();
        assertThat(kv.txn(TxnRequest.newBuilder().addSuccess(ok).build()).getSucceeded()).isTrue();
        assertThat(rootCount("/t/ok")).isEqualTo(1);
    }

    @Test
    void onlyRootManagesAuthAndSeesMemberStatus() {
        String u = userWith(prefix(Permission.Type.READ, "/m/"));
        String t = token(u, "pw");
        AuthGrpc.AuthBlockingStub auth = as(AuthGrpc.newBlockingStub(channel), t);
        denied(() -> auth.userList(AuthUserListRequest.getDefaultInstance()));
        denied(() -> auth.authStatus(AuthStatusRequest.getDefaultInstance()));
        denied(() -> auth.authDisable(AuthDisableRequest.getDefaultInstance()));
        denied(() -> auth.roleAdd(AuthRoleAddRequest.newBuilder().setName("x").build()));
        denied(() -> auth.userGet(AuthUserGetRequest.newBuilder().setName("root").build()));
        denied(() -> as(MaintenanceGrpc.newBlockingStub(channel), t).status(StatusRequest.getDefaultInstance()));
        // a user may read itself and its own roles
        assertThat(auth.userGet(AuthUserGetRequest.newBuilder().setName(u).build()).getRolesList()).containsExactly(u + "-role");
        assertThat(auth.roleGet(AuthRoleGetRequest.newBuilder().setRole(u + "-role").build()).getPermCount()).isEqualTo(1);
        denied(() -> auth.roleGet(AuthRoleGetRequest.newBuilder().setRole("root").build()));
        assertThat(root().userList(AuthUserListRequest.getDefaultInstance()).getUsersList()).contains("root", u);
        assertThat(root().authStatus(AuthStatusRequest.getDefaultInstance()).getEnabled()).isTrue();
    }

    @Test
    void authManagementErrorsAreEtcds() {
        AuthGrpc.AuthBlockingStub root = root();
        expect(() -> root.userAdd(AuthUserAddRequest.newBuilder().setName("").setPassword("x").build()),
                Status.Code.INVALID_ARGUMENT, "etcdserver: user name is empty");
        expect(() -> root.userAdd(AuthUserAddRequest.newBuilder().setName("root").setPassword("x").build()),
                Status.Code.FAILED_PRECONDITION, "etcdserver: user name already exists");
        expect(() -> root.roleAdd(AuthRoleAddRequest.newBuilder().setName("").build()),
                Status.Code.INVALID_ARGUMENT, "etcdserver: role name is empty");
        expect(() -> root.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("nope").build()),
                Status.Code.FAILED_PRECONDITION, "etcdserver: role name not found");
        expect(() -> root.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("nope").setRole("root").build()),
                Status.Code.FAILED_PRECONDITION, "etcdserver: user name not found");
        expect(() -> root.userRevokeRole(AuthUserRevokeRoleRequest.newBuilder().setName("root").setRole("root").build()),
                Status.Code.INVALID_ARGUMENT, "etcdserver: invalid auth management");
        expect(() -> root.userDelete(AuthUserDeleteRequest.newBuilder().setName("root").build()),
                Status.Code.INVALID_ARGUMENT, "etcdserver: invalid auth management");
        String u = userWith();
        expect(() -> root.userRevokeRole(AuthUserRevokeRoleRequest.newBuilder().setName(u).setRole("root").build()),
                Status.Code.FAILED_PRECONDITION, "etcdserver: role is not granted to the user");
        expect(() -> root.roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder().setName(u + "-role").build()),
                Status.Code.INVALID_ARGUMENT, "etcdserver: permission not given");
        expect(() -> root.roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder().setName(u + "-role")
                        .setPerm(perm(Permission.Type.READ, "", FROM_KEY)).build()),
                Status.Code.INVALID_ARGUMENT, "etcdserver: invalid auth management");
        expect(() -> root.roleRevokePermission(AuthRoleRevokePermissionRequest.newBuilder().setRole(u + "-role").setKey(b("k")).build()),
                Status.Code.FAILED_PRECONDITION, "etcdserver: permission is not granted to the role");
        expect(() -> root.roleGet(AuthRoleGetRequest.newBuilder().setRole("nope").build()),
                Status.Code.FAILED_PRECONDITION, "etcdserver: role name not found");
        // a role deleted goes from its users
        root.roleDelete(AuthRoleDeleteRequest.newBuilder().setRole(u + "-role").build());
        assertThat(root.userGet(AuthUserGetRequest.newBuilder().setName(u).build()).getRolesList()).isEmpty();
        expect(() -> root.roleDelete(AuthRoleDeleteRequest.newBuilder().setRole("root").build()),
                Status.Code.INVALID_ARGUMENT, "etcdserver: invalid auth management");
    }

    @Test
    void tokensDieWithANewPasswordOrTheUserAndAUserWithoutPasswordCannotLogIn() {
        String u = userWith(prefix(Permission.Type.READWRITE, "/p/"));
        String before = token(u, "pw");
        kv(before).put(put("/p/1"));
        root().userChangePassword(AuthUserChangePasswordRequest.newBuilder().setName(u).setPassword("pw2").build());
        expect(() -> kv(before).put(put("/p/2")), Status.Code.UNAUTHENTICATED, "etcdserver: invalid auth token");
        expect(() -> token(u, "pw"), Status.Code.INVALID_ARGUMENT, "etcdserver: authentication failed, invalid user ID or password");
        String after = token(u, "pw2");
        kv(after).put(put("/p/2"));
        root().userDelete(AuthUserDeleteRequest.newBuilder().setName(u).build());
        expect(() -> kv(after).put(put("/p/3")), Status.Code.UNAUTHENTICATED, "etcdserver: invalid auth token");
        assertThat(rootCount("/p/3")).isZero();

        String n = "nopw" + names.incrementAndGet();
        root().userAdd(AuthUserAddRequest.newBuilder().setName(n).setOptions(UserAddOptions.newBuilder().setNoPassword(true)).build());
        expect(() -> token(n, ""), Status.Code.UNKNOWN, "auth: authentication failed, password was given for no password user");
    }

    @Test
    void aLeaseWithKeysTheCallerCannotWriteCannotBeRevokedOrInspected() {
        String owner = userWith(prefix(Permission.Type.READWRITE, "/l/"));
        String other = userWith(prefix(Permission.Type.READWRITE, "/elsewhere/"));
        String ownerToken = token(owner, "pw");
        LeaseGrpc.LeaseBlockingStub ownerLeases = as(LeaseGrpc.newBlockingStub(channel), ownerToken);
        long id = ownerLeases.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build()).getID();
        kv(ownerToken).put(put("/l/k").toBuilder().setLease(id).build());
        LeaseGrpc.LeaseBlockingStub otherLeases = as(LeaseGrpc.newBlockingStub(channel), token(other, "pw"));
        denied(() -> otherLeases.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build()));
        denied(() -> otherLeases.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id).setKeys(true).build()));
        // attaching a key of one's own to that lease would let one revoke it: refused too
        denied(() -> kv(token(other, "pw")).put(put("/elsewhere/k").toBuilder().setLease(id).build()));
        assertThat(rootCount("/l/k")).isEqualTo(1);
        ownerLeases.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build());
        assertThat(rootCount("/l/k")).isZero();
        expect(() -> LeaseGrpc.newBlockingStub(channel).leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build()),
                Status.Code.INVALID_ARGUMENT, "etcdserver: user name is empty");
    }

    @Test
    void aWatchNeedsReadOnItsWholeRangeAndEndsWhenTheRightGoes() throws Exception {
        String u = userWith(perm(Permission.Type.READ, "wkey", b("wkey4")));
        String t = token(u, "pw");
        BlockingQueue<WatchResponse> got = new LinkedBlockingQueue<>();
        StreamObserver<WatchRequest> stream = as(WatchGrpc.newStub(channel), t).watch(new StreamObserver<>() {
            public void onNext(WatchResponse r) {
                got.add(r);
            }

            public void onError(Throwable e) {
            }

            public void onCompleted() {
            }
        });
        stream.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                .setKey(b("wkey")).setRangeEnd(b("wkey6"))).build());
        WatchResponse refused = got.poll(10, TimeUnit.SECONDS);
        assertThat(refused.getCreated()).isTrue();
        assertThat(refused.getCanceled()).isTrue();
        assertThat(refused.getCancelReason()).isEqualTo("rpc error: code = PermissionDenied desc = etcdserver: permission denied");
        // a range after the one allowed key is not allowed either
        stream.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                .setKey(b("wkey3")).setRangeEnd(FROM_KEY)).build());
        assertThat(got.poll(10, TimeUnit.SECONDS).getCanceled()).isTrue();

        stream.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                .setKey(b("wkey")).setRangeEnd(b("wkey3"))).build());
        WatchResponse created = got.poll(10, TimeUnit.SECONDS);
        assertThat(created.getCreated()).isTrue();
        assertThat(created.getCanceled()).isFalse();
        kv(rootToken).put(put("wkey1"));
        assertThat(got.poll(10, TimeUnit.SECONDS).getEvents(0).getKv().getKey()).isEqualTo(b("wkey1"));

        root().roleRevokePermission(AuthRoleRevokePermissionRequest.newBuilder().setRole(u + "-role")
                .setKey(b("wkey")).setRangeEnd(b("wkey4")).build());
        WatchResponse ended = got.poll(10, TimeUnit.SECONDS);
        assertThat(ended.getWatchId()).isEqualTo(created.getWatchId());
        assertThat(ended.getCanceled()).isTrue();
        assertThat(ended.getCancelReason()).contains("etcdserver: permission denied");
        kv(rootToken).put(put("wkey2"));
        assertThat(got.poll(1, TimeUnit.SECONDS)).isNull();
        stream.onCompleted();
    }

    @Test
    void theJsonGatewayTakesTheTokenInTheAuthorizationHeader() throws Exception {
        String u = userWith(prefix(Permission.Type.READWRITE, "gw/"));
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + cluster.clientPort(0);
        HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create(base + "/v3/auth/authenticate"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + u + "\",\"password\":\"pw\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).isEqualTo(200);
        String token = login.body().replaceAll(".*\"token\":\"([^\"]+)\".*", "$1");
        String key = Base64.getEncoder().encodeToString("gw/a".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> ok = http.send(HttpRequest.newBuilder(URI.create(base + "/v3/kv/put"))
                .header("Authorization", token)
                .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"" + key + "\",\"value\":\"dg==\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ok.statusCode()).isEqualTo(200);
        HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create(base + "/v3/kv/put"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"" + key + "\",\"value\":\"dg==\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(400);
        assertThat(anonymous.body()).contains("etcdserver: user name is empty");
        assertThat(rootCount("gw/a")).isEqualTo(1);
    }

    @Test
    void jetcdLogsInWithUserAndPassword() throws Exception {
        String u = userWith(prefix(Permission.Type.READWRITE, "j/"));
        try (Client c = Client.builder().endpoints(cluster.endpoints())
                .user(ByteSequence.from(u, StandardCharsets.UTF_8)).password(ByteSequence.from("pw", StandardCharsets.UTF_8))
                .build()) {
            ByteSequence key = ByteSequence.from("j/1", StandardCharsets.UTF_8);
            c.getKVClient().put(key, ByteSequence.from("v", StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
            assertThat(c.getKVClient().get(key).get(10, TimeUnit.SECONDS).getCount()).isEqualTo(1);
            assertThatThrownBy(() -> c.getKVClient().put(ByteSequence.from("k/1", StandardCharsets.UTF_8),
                    ByteSequence.from("v", StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasMessageContaining("permission denied");
        }
    }

    @Test
    void authSurvivesARestart() throws Exception {
        String u = userWith(prefix(Permission.Type.READWRITE, "/s/"));
        cluster.restart(0);
        channel.resetConnectBackoff();
        // simple tokens live in the member's memory: log in again
        rootToken = awaitToken("root", "rootpw");
        kv(token(u, "pw")).put(put("/s/1"));
        denied(() -> kv(token(u, "pw")).put(put("/x")));
    }

    @Test
    void alarmsAreListedToUsersAndDisarmedByRoot() {
        String u = userWith();
        MaintenanceGrpc.MaintenanceBlockingStub anonymous = MaintenanceGrpc.newBlockingStub(channel);
        expect(() -> anonymous.alarm(io.etch.api.etcdserverpb.AlarmRequest.getDefaultInstance()),
                Status.Code.INVALID_ARGUMENT, "etcdserver: user name is empty");
        MaintenanceGrpc.MaintenanceBlockingStub user = as(MaintenanceGrpc.newBlockingStub(channel), token(u, "pw"));
        assertThat(user.alarm(io.etch.api.etcdserverpb.AlarmRequest.getDefaultInstance()).getAlarmsList()).isEmpty();
        io.etch.api.etcdserverpb.AlarmRequest disarm = io.etch.api.etcdserverpb.AlarmRequest.newBuilder()
                .setAction(io.etch.api.etcdserverpb.AlarmRequest.AlarmAction.DEACTIVATE)
                .setAlarm(io.etch.api.etcdserverpb.AlarmType.NOSPACE).build();
        denied(() -> user.alarm(disarm));
        assertThat(as(MaintenanceGrpc.newBlockingStub(channel), rootToken).alarm(disarm).getAlarmsList()).isEmpty();
    }

    private static String awaitToken(String user, String pw) throws InterruptedException {
        for (int i = 0; ; i++) {
            try {
                return token(user, pw);
            } catch (StatusRuntimeException e) {
                if (i > 100 || e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }
}
