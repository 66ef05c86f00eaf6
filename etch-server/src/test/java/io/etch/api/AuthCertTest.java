package io.etch.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etch.api.authpb.Permission;
import io.etch.api.authpb.UserAddOptions;
import io.etch.api.etcdserverpb.AuthEnableRequest;
import io.etch.api.etcdserverpb.AuthGrpc;
import io.etch.api.etcdserverpb.AuthRoleAddRequest;
import io.etch.api.etcdserverpb.AuthRoleGrantPermissionRequest;
import io.etch.api.etcdserverpb.AuthUserAddRequest;
import io.etch.api.etcdserverpb.AuthUserGrantRoleRequest;
import io.etch.api.etcdserverpb.AuthUserListRequest;
import io.etch.api.etcdserverpb.AuthenticateRequest;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.auth.SimpleTokens;
import io.etch.server.ServerSettings;
import io.etch.testing.EtchCluster;
import io.etch.testing.TestCertificates;
import io.etch.tls.TlsConfig;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.netty.handler.ssl.SslContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kubernetes-style setup: client certificates and no passwords. With --client-cert-auth the
 * verified certificate's common name is the user; a token, when sent, wins over it (as etcd).
 */
class AuthCertTest {

    @TempDir
    Path dir;

    private static SslContext ssl(TestCertificates ca, TestCertificates.Issued cert) throws Exception {
        return GrpcSslContexts.forClient().trustManager(ca.caFile().toFile())
                .keyManager(cert.certFile().toFile(), cert.keyFile().toFile()).build();
    }

    private static ManagedChannel channel(EtchCluster cluster, SslContext ssl) {
        return NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(0)).sslContext(ssl).build();
    }

    private static PutRequest put(String key) {
        return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8("v")).build();
    }

    private static void denied(Runnable call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: permission denied");
        });
    }

    @Test
    void theCertificatesCommonNameIsTheUser() throws Exception {
        TestCertificates ca = TestCertificates.authority(dir, "ca");
        TestCertificates.Issued server = ca.issue("server");
        TlsConfig tls = TlsConfig.load(new TlsConfig.Spec(server.certFile(), server.keyFile(), null, null, ca.caFile(), null,
                true, false, List.of(), List.of(), List.of(), "TLS1.2", ""));
        ServerSettings.Auth auth = new ServerSettings.Auth(() -> new SimpleTokens(300, System::nanoTime), 4, true);
        TestCertificates.Issued rootCert = ca.issue("root");
        TestCertificates.Issued apiserverCert = ca.issue("kube-apiserver");
        TestCertificates.Issued strangerCert = ca.issue("stranger");
        try (EtchCluster cluster = EtchCluster.startWithTlsAndAuth(1, new EtchCluster.Tls(tls, null), auth)) {
            ManagedChannel root = channel(cluster, ssl(ca, rootCert));
            ManagedChannel apiserver = channel(cluster, ssl(ca, apiserverCert));
            ManagedChannel stranger = channel(cluster, ssl(ca, strangerCert));
            try {
                AuthGrpc.AuthBlockingStub admin = AuthGrpc.newBlockingStub(root);
                UserAddOptions noPassword = UserAddOptions.newBuilder().setNoPassword(true).build();
                admin.userAdd(AuthUserAddRequest.newBuilder().setName("root").setOptions(noPassword).build());
                admin.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
                admin.authEnable(AuthEnableRequest.getDefaultInstance());
                // from here on the certificate alone makes "root" an admin
                admin.roleAdd(AuthRoleAddRequest.newBuilder().setName("kube").build());
                admin.roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder().setName("kube")
                        .setPerm(Permission.newBuilder().setPermType(Permission.Type.READWRITE)
                                .setKey(ByteString.copyFromUtf8("/registry/")).setRangeEnd(ByteString.copyFromUtf8("/registry0")))
                        .build());
                admin.userAdd(AuthUserAddRequest.newBuilder().setName("kube-apiserver").setOptions(noPassword).build());
                admin.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("kube-apiserver").setRole("kube").build());
                admin.userAdd(AuthUserAddRequest.newBuilder().setName("alice").setPassword("pw").build());

                KVGrpc.KVBlockingStub kube = KVGrpc.newBlockingStub(apiserver);
                kube.put(put("/registry/pods/a"));
                denied(() -> kube.put(put("/other")));
                denied(() -> AuthGrpc.newBlockingStub(apiserver).userList(AuthUserListRequest.getDefaultInstance()));
                // a certificate whose name is no user gets nothing
                denied(() -> KVGrpc.newBlockingStub(stranger).put(put("/registry/x")));

                // a token overrides the certificate: alice has no role, so even /registry/ is refused
                String token = AuthGrpc.newBlockingStub(apiserver)
                        .authenticate(AuthenticateRequest.newBuilder().setName("alice").setPassword("pw").build()).getToken();
                Metadata m = new Metadata();
                m.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), token);
                denied(() -> kube.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m)).put(put("/registry/y")));

                // jetcd with the same certificate, no password
                try (Client jetcd = Client.builder().endpoints(cluster.endpoint(0)).sslContext(ssl(ca, apiserverCert)).build()) {
                    ByteSequence key = ByteSequence.from("/registry/jetcd", StandardCharsets.UTF_8);
                    jetcd.getKVClient().put(key, ByteSequence.from("v", StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
                    assertThat(jetcd.getKVClient().get(key).get(20, TimeUnit.SECONDS).getCount()).isEqualTo(1);
                    assertThatThrownBy(() -> jetcd.getKVClient().put(ByteSequence.from("/x", StandardCharsets.UTF_8),
                            ByteSequence.from("v", StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS))
                            .isInstanceOf(ExecutionException.class).hasMessageContaining("permission denied");
                }
            } finally {
                root.shutdownNow();
                apiserver.shutdownNow();
                stranger.shutdownNow();
            }
        }
    }
}
