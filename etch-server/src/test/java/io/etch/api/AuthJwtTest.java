package io.etch.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.AuthEnableRequest;
import io.etch.api.etcdserverpb.AuthGrpc;
import io.etch.api.etcdserverpb.AuthRoleAddRequest;
import io.etch.api.etcdserverpb.AuthUserAddRequest;
import io.etch.api.etcdserverpb.AuthUserGrantRoleRequest;
import io.etch.api.etcdserverpb.AuthenticateRequest;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.auth.TokenSettings;
import io.etch.config.ConfigLoader;
import io.etch.server.ServerSettings;
import io.etch.testing.EtchCluster;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** --auth-token jwt on three members: any member accepts a token another issued; an auth change makes it stale. */
class AuthJwtTest {

    private static EtchCluster cluster;
    private static Path keys;

    @BeforeAll
    static void start() throws Exception {
        keys = Files.createTempDirectory("etch-jwt");
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair pair = g.generateKeyPair();
        Path priv = write("jwt.key", pair.getPrivate());
        Path pub = write("jwt.pub", pair.getPublic());
        String spec = "jwt,pub-key=" + pub + ",priv-key=" + priv + ",sign-method=RS256,ttl=10m";
        cluster = EtchCluster.startWithAuth(3, new ServerSettings.Auth(() -> {
            try {
                return TokenSettings.provider(spec, 300, ConfigLoader::goDuration);
            } catch (TokenSettings.Invalid e) {
                throw new IllegalStateException(e);
            }
        }, 4, false));
    }

    private static Path write(String name, Object key) throws Exception {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(w)) {
            pem.writeObject(key);
        }
        return Files.writeString(keys.resolve(name), w.toString());
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    private static ManagedChannel channel(int member) {
        return NettyChannelBuilder.forTarget("127.0.0.1:" + cluster.clientPort(member)).usePlaintext().build();
    }

    private static KVGrpc.KVBlockingStub kv(ManagedChannel c, String token) {
        Metadata m = new Metadata();
        m.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), token);
        return KVGrpc.newBlockingStub(c).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m));
    }

    @Test
    void aTokenFromOneMemberWorksOnAnotherUntilAuthChanges() {
        ManagedChannel a = channel(0);
        ManagedChannel b = channel(2);
        try {
            AuthGrpc.AuthBlockingStub auth = AuthGrpc.newBlockingStub(a);
            auth.userAdd(AuthUserAddRequest.newBuilder().setName("root").setPassword("pw").build());
            auth.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
            auth.authEnable(AuthEnableRequest.getDefaultInstance());
            String token = auth.authenticate(AuthenticateRequest.newBuilder().setName("root").setPassword("pw").build()).getToken();
            assertThat(token.split("\\.")).hasSize(3);

            kv(b, token).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).setValue(ByteString.copyFromUtf8("v")).build());
            assertThat(kv(b, token).range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build()).getCount()).isEqualTo(1);

            // any change to users or roles moves the auth revision past the token's
            Metadata m = new Metadata();
            m.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), token);
            auth.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m))
                    .roleAdd(AuthRoleAddRequest.newBuilder().setName("another").build());
            assertThatThrownBy(() -> kv(b, token).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: revision of auth store is old");
                    });
            String forged = token.substring(0, token.lastIndexOf('.') + 1) + "bm90IGEgc2lnbmF0dXJl";
            assertThatThrownBy(() -> kv(b, forged).range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: invalid auth token"));
        } finally {
            a.shutdownNow();
            b.shutdownNow();
        }
    }
}
