package io.etch.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.testing.EtchCluster;
import io.etch.testing.TestCertificates;
import io.etch.tls.TlsConfig;
import io.etch.tls.TlsException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client port over TLS: real clients, certificates made by the test, etcd's TLS flags. */
class ClientTlsTest {

    @TempDir
    Path dir;

    private static TlsConfig.Spec spec(TestCertificates.Issued server, Path ca, Path crl, boolean clientCertAuth,
                                       List<String> ciphers, String min, String max) {
        return new TlsConfig.Spec(server.certFile(), server.keyFile(), null, null, ca, crl, clientCertAuth, false,
                List.of(), List.of(), ciphers, min, max);
    }

    private static TlsConfig tls(TlsConfig.Spec spec) {
        try {
            return TlsConfig.load(spec);
        } catch (TlsException e) {
            throw new IllegalStateException(e);
        }
    }

    private static EtchCluster start(TlsConfig client) throws IOException {
        return EtchCluster.startWithTls(1, new EtchCluster.Tls(client, null));
    }

    private static SslContext grpcClientContext(Path ca, TestCertificates.Issued cert) throws IOException {
        SslContextBuilder b = GrpcSslContexts.forClient().trustManager(ca.toFile());
        if (cert != null) {
            b.keyManager(cert.certFile().toFile(), cert.keyFile().toFile());
        }
        return b.build();
    }

    private static ManagedChannel channel(EtchCluster cluster, SslContext ssl) {
        return NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(0)).sslContext(ssl).build();
    }

    private static void putAndGet(ManagedChannel channel, String key) {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
        kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8("v")).build());
        assertThat(kv.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build()).getKvs(0).getValue()
                .toStringUtf8()).isEqualTo("v");
    }

    private static void assertRefused(ManagedChannel channel) {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> kv.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build()))
                .isInstanceOf(StatusRuntimeException.class);
    }

    @Test
    void jetcdPutsAndGetsOverTlsWithAClientCertificate() throws Exception {
        TestCertificates ca = TestCertificates.authority(dir, "clients");
        TestCertificates.Issued server = ca.issue("server");
        TestCertificates.Issued client = ca.issue("client");
        try (EtchCluster cluster = start(tls(spec(server, ca.caFile(), null, true, List.of(), "TLS1.2", "")));
             Client jetcd = Client.builder().endpoints(cluster.endpoint(0))
                     .sslContext(grpcClientContext(ca.caFile(), client)).build()) {
            assertThat(cluster.endpoint(0)).startsWith("https://");
            ByteSequence key = ByteSequence.from("tls-key", StandardCharsets.UTF_8);
            jetcd.getKVClient().put(key, ByteSequence.from("tls-value", StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
            assertThat(jetcd.getKVClient().get(key).get(20, TimeUnit.SECONDS).getKvs().get(0).getValue()
                    .toString(StandardCharsets.UTF_8)).isEqualTo("tls-value");
        }
    }

    @Test
    void clientCertAuthRefusesClientsWithoutACertificateOrWithOneFromAnotherCa() throws Exception {
        TestCertificates ca = TestCertificates.authority(dir, "clients");
        TestCertificates other = TestCertificates.authority(dir, "other");
        TestCertificates.Issued server = ca.issue("server");
        try (EtchCluster cluster = start(tls(spec(server, ca.caFile(), null, true, List.of(), "TLS1.2", "")))) {
            ManagedChannel none = channel(cluster, grpcClientContext(ca.caFile(), null));
            ManagedChannel foreign = channel(cluster, grpcClientContext(ca.caFile(), other.issue("client")));
            ManagedChannel good = channel(cluster, grpcClientContext(ca.caFile(), ca.issue("client")));
            try {
                assertRefused(none);
                assertRefused(foreign);
                putAndGet(good, "k");
            } finally {
                none.shutdownNow();
                foreign.shutdownNow();
                good.shutdownNow();
            }
        }
    }

    @Test
    void aRevokedClientCertificateIsRefusedAtHandshake() throws Exception {
        TestCertificates ca = TestCertificates.authority(dir, "clients");
        TestCertificates.Issued server = ca.issue("server");
        TestCertificates.Issued revoked = ca.issue("revoked");
        Path crl = ca.revocationList("crl.pem", revoked);
        try (EtchCluster cluster = start(tls(spec(server, ca.caFile(), crl, true, List.of(), "TLS1.2", "")))) {
            ManagedChannel bad = channel(cluster, grpcClientContext(ca.caFile(), revoked));
            ManagedChannel good = channel(cluster, grpcClientContext(ca.caFile(), ca.issue("client")));
            try {
                assertRefused(bad);
                putAndGet(good, "k");
            } finally {
                bad.shutdownNow();
                good.shutdownNow();
            }
            // The raw handshake: the server's alert ends it.
            assertThatThrownBy(() -> handshake(cluster.clientPort(0), ca.caFile(), revoked, List.of("TLSv1.2"), null))
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void httpOneOnTheTlsPortServesHealthAndTheJsonGatewayNextToGrpc() throws Exception {
        TestCertificates ca = TestCertificates.authority(dir, "clients");
        TestCertificates.Issued server = ca.issue("server");
        TestCertificates.Issued client = ca.issue("client");
        try (EtchCluster cluster = start(tls(spec(server, ca.caFile(), null, true, List.of(), "TLS1.2", "")))) {
            ManagedChannel grpc = channel(cluster, grpcClientContext(ca.caFile(), client));
            try {
                putAndGet(grpc, "foo");
            } finally {
                grpc.shutdownNow();
            }
            SSLContext ssl = jdkContext(ca.caFile(), client);
            // HTTP/1.1 only (curl --http1.1), and HTTP/2-or-1.1 offered as curl does by default.
            for (HttpClient.Version version : List.of(HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_2)) {
                HttpClient http = HttpClient.newBuilder().sslContext(ssl).version(version).build();
                String base = "https://127.0.0.1:" + cluster.clientPort(0);
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(health.statusCode()).isEqualTo(200);
                assertThat(health.body()).contains("\"health\":\"true\"");
                HttpResponse<String> range = http.send(HttpRequest.newBuilder(URI.create(base + "/v3/kv/range"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"Zm9v\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(range.statusCode()).isEqualTo(200);
                assertThat(range.body()).contains("\"value\":\"dg==\"");
                assertThat(range.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            }
        }
    }

    @Test
    void separateHttpUrlsTakeHttpAndLeaveTheClientPortToGrpc() throws Exception {
        TestCertificates ca = TestCertificates.authority(dir, "clients");
        TestCertificates.Issued client = ca.issue("client");
        TlsConfig config = tls(spec(ca.issue("server"), ca.caFile(), null, true, List.of(), "TLS1.2", ""));
        try (EtchCluster cluster = EtchCluster.startWithSeparateHttp(1, config)) {
            ManagedChannel grpc = channel(cluster, grpcClientContext(ca.caFile(), client));
            ManagedChannel grpcOnHttpPort = NettyChannelBuilder.forAddress("127.0.0.1", cluster.httpPort(0))
                    .sslContext(grpcClientContext(ca.caFile(), client)).build();
            try {
                putAndGet(grpc, "split");
                assertRefused(grpcOnHttpPort);
            } finally {
                grpc.shutdownNow();
                grpcOnHttpPort.shutdownNow();
            }
            HttpClient http = HttpClient.newBuilder().sslContext(jdkContext(ca.caFile(), client))
                    .version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + cluster.httpPort(0) + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + cluster.clientPort(0) + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
        }
    }

    @Test
    void cipherSuitesAndVersionsRestrictTheHandshake() throws Exception {
        TestCertificates ca = TestCertificates.authority(dir, "clients");
        TestCertificates.Issued server = ca.issue("server");
        TestCertificates.Issued client = ca.issue("client");
        TlsConfig config = tls(spec(server, ca.caFile(), null, true,
                List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), "TLS1.2", "TLS1.2"));
        try (EtchCluster cluster = start(config)) {
            int port = cluster.clientPort(0);
            assertThat(handshake(port, ca.caFile(), client, List.of("TLSv1.2"), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"))
                    .isEqualTo("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
            assertThatThrownBy(() -> handshake(port, ca.caFile(), client, List.of("TLSv1.2"),
                    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")).isInstanceOf(SSLHandshakeException.class);
            assertThatThrownBy(() -> handshake(port, ca.caFile(), client, List.of("TLSv1.3"), null))
                    .isInstanceOf(SSLHandshakeException.class);
        }
    }

    @Test
    void unknownCipherSuiteIsEtcdsError() {
        assertThatThrownBy(() -> TlsConfig.checkCipherSuites(List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "NOPE")))
                .isInstanceOf(TlsException.class).hasMessage("unexpected TLS cipher suite \"NOPE\"");
    }

    @Test
    void aReplacedCertificateFileIsServedToTheNextConnection() throws Exception {
        TestCertificates ca = TestCertificates.authority(dir, "clients");
        TestCertificates.Issued first = ca.issue("first");
        TestCertificates.Issued second = ca.issue("second");
        TestCertificates.Issued client = ca.issue("client");
        Path cert = dir.resolve("server.pem");
        Path key = dir.resolve("server-key.pem");
        Files.copy(first.certFile(), cert);
        Files.copy(first.keyFile(), key);
        TlsConfig config = tls(new TlsConfig.Spec(cert, key, null, null, ca.caFile(), null, true, false,
                List.of(), List.of(), List.of(), "TLS1.2", ""));
        try (EtchCluster cluster = start(config)) {
            assertThat(serverCommonName(cluster.clientPort(0), ca.caFile(), client)).isEqualTo("first");
            TestCertificates.replace(second.keyFile(), key);
            TestCertificates.replace(second.certFile(), cert);
            assertThat(serverCommonName(cluster.clientPort(0), ca.caFile(), client)).isEqualTo("second");
            ManagedChannel grpc = channel(cluster, grpcClientContext(ca.caFile(), client));
            try {
                putAndGet(grpc, "after-reload");
            } finally {
                grpc.shutdownNow();
            }
        }
    }

    @Test
    void aMalformedCertificateFileFailsNamingTheFile() throws Exception {
        TestCertificates ca = TestCertificates.authority(dir, "clients");
        TestCertificates.Issued server = ca.issue("server");
        Path garbage = dir.resolve("garbage.pem");
        Files.writeString(garbage, "this is not a certificate\n");
        assertThatThrownBy(() -> TlsConfig.load(new TlsConfig.Spec(garbage, server.keyFile(), null, null, null, null,
                false, false, List.of(), List.of(), List.of(), "TLS1.2", "")))
                .isInstanceOf(TlsException.class).hasMessageContaining(garbage.toString());
        assertThatThrownBy(() -> TlsConfig.load(new TlsConfig.Spec(server.certFile(), garbage, null, null, null, null,
                false, false, List.of(), List.of(), List.of(), "TLS1.2", "")))
                .isInstanceOf(TlsException.class).hasMessageContaining(garbage.toString());
        Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> TlsConfig.load(new TlsConfig.Spec(missing, server.keyFile(), null, null, null, null,
                false, false, List.of(), List.of(), List.of(), "TLS1.2", "")))
                .isInstanceOf(TlsException.class).hasMessageContaining(missing.toString());
        TestCertificates.Issued another = ca.issue("another");
        assertThatThrownBy(() -> TlsConfig.load(new TlsConfig.Spec(server.certFile(), another.keyFile(), null, null,
                null, null, false, false, List.of(), List.of(), List.of(), "TLS1.2", "")))
                .isInstanceOf(TlsException.class).hasMessageContaining("does not match");
    }

    static SSLContext jdkContext(Path ca, TestCertificates.Issued cert) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("ca", java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(Files.newInputStream(ca)));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (cert != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("me", cert.key(), new char[0], new X509Certificate[] {cert.certificate()});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, new char[0]);
        }
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ssl;
    }

    /** A bare handshake; returns the negotiated cipher suite. */
    static String handshake(int port, Path ca, TestCertificates.Issued cert, List<String> protocols, String cipher)
            throws Exception {
        try (SSLSocket socket = (SSLSocket) jdkContext(ca, cert).getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.setEnabledProtocols(protocols.toArray(new String[0]));
            if (cipher != null) {
                socket.setEnabledCipherSuites(new String[] {cipher});
            }
            socket.startHandshake();
            // TLS 1.3 reports a refused client certificate only after the handshake: read to see it.
            socket.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            if (socket.getInputStream().read() < 0) {
                throw new IOException("connection closed by the server");
            }
            return socket.getSession().getCipherSuite();
        }
    }

    private static String serverCommonName(int port, Path ca, TestCertificates.Issued cert) throws Exception {
        try (SSLSocket socket = (SSLSocket) jdkContext(ca, cert).getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            return TlsConfig.commonName((X509Certificate) socket.getSession().getPeerCertificates()[0]);
        }
    }
}
