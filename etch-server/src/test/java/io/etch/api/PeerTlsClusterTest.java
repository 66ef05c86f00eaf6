package io.etch.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etch.testing.EtchCluster;
import io.etch.testing.TestCertificates;
import io.etch.tls.SelfSignedCertificates;
import io.etch.tls.TlsConfig;
import io.etch.tls.TlsException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Members talking Raft to each other over TLS (Ratis' gRPC transport, both directions). */
class PeerTlsClusterTest {

    @TempDir
    Path dir;

    private static TlsConfig load(TlsConfig.Spec spec) {
        return load(spec, false);
    }

    private static TlsConfig load(TlsConfig.Spec spec, boolean checkClientAddresses) {
        try {
            return TlsConfig.load(spec, checkClientAddresses);
        } catch (TlsException e) {
            throw new IllegalStateException(e);
        }
    }

    private static TlsConfig peer(TestCertificates.Issued cert, Path ca, List<String> allowedCns) {
        return load(new TlsConfig.Spec(cert.certFile(), cert.keyFile(), null, null, ca, null, true, false,
                allowedCns, List.of(), List.of(), "TLS1.2", ""));
    }

    private static Client plaintextClient(EtchCluster cluster, int i) {
        return Client.builder().endpoints(cluster.endpoint(i)).build();
    }

    private static void writeOnOneReadOnAnother(Client writer, Client reader, String key) throws Exception {
        ByteSequence k = ByteSequence.from(key, StandardCharsets.UTF_8);
        writer.getKVClient().put(k, ByteSequence.from("v-" + key, StandardCharsets.UTF_8)).get(30, TimeUnit.SECONDS);
        // Linearizable: the reader's member asks the leader over the peer connections first.
        assertThat(reader.getKVClient().get(k).get(30, TimeUnit.SECONDS).getKvs().get(0).getValue()
                .toString(StandardCharsets.UTF_8)).isEqualTo("v-" + key);
    }

    @Test
    void threeMembersReplicateOverMutualTls() throws Exception {
        TestCertificates ca = TestCertificates.authority(dir, "peers");
        TlsConfig[] peers = new TlsConfig[3];
        for (int i = 0; i < 3; i++) {
            peers[i] = peer(ca.issue("member"), ca.caFile(), List.of("member"));
        }
        try (EtchCluster cluster = EtchCluster.startWithTls(3, new EtchCluster.Tls(null, i -> peers[i]));
             Client first = plaintextClient(cluster, 0);
             Client third = plaintextClient(cluster, 2)) {
            writeOnOneReadOnAnother(first, third, "peer-tls");
            writeOnOneReadOnAnother(third, first, "peer-tls-back");
        }
    }

    @Test
    void aPeerWhoseCommonNameIsNotAllowedIsRefused() throws Exception {
        TestCertificates ca = TestCertificates.authority(dir, "peers");
        TestCertificates.Issued intruder = ca.issue("intruder");
        TlsConfig[] peers = {
            peer(ca.issue("member"), ca.caFile(), List.of("member")),
            peer(ca.issue("member"), ca.caFile(), List.of("member")),
            peer(intruder, ca.caFile(), List.of("member")),
        };
        try (EtchCluster cluster = EtchCluster.startWithTls(3, new EtchCluster.Tls(null, i -> peers[i]), Set.of(0, 1));
             Client first = plaintextClient(cluster, 0);
             Client second = plaintextClient(cluster, 1)) {
            writeOnOneReadOnAnother(first, second, "two-of-three");
            // The peer port takes a certificate with an allowed CN and refuses the intruder's.
            TestCertificates.Issued member = ca.issue("member");
            handshake(cluster.peerPort(0), ca.caFile(), member);
            assertThatThrownBy(() -> handshake(cluster.peerPort(0), ca.caFile(), intruder)).isInstanceOf(IOException.class);
            assertThat(cluster.member(2).server().status().getLeader()).isZero();
        }
    }

    @Test
    void aPeerClientCertificateMustNameTheAddressItConnectsFrom() throws Exception {
        TestCertificates ca = TestCertificates.authority(dir, "peers");
        TestCertificates.Issued elsewhere = ca.issue("member", List.of("10.9.9.9"));
        for (boolean check : new boolean[] {false, true}) {
            TlsConfig[] peers = new TlsConfig[3];
            for (int i = 0; i < 3; i++) {
                TestCertificates.Issued server = ca.issue("member");
                TestCertificates.Issued client = i == 2 ? elsewhere : server;
                peers[i] = load(new TlsConfig.Spec(server.certFile(), server.keyFile(), client.certFile(),
                        client.keyFile(), ca.caFile(), null, true, false, List.of(), List.of(), List.of(), "TLS1.2", ""),
                        check);
            }
            // Member 2 dials its peers with a certificate for 10.9.9.9: accepted only without the check
            // (etcd's --experimental-peer-skip-client-san-verification).
            Set<Integer> ready = check ? Set.of(0, 1) : Set.of(0, 1, 2);
            try (EtchCluster cluster = EtchCluster.startWithTls(3, new EtchCluster.Tls(null, i -> peers[i]), ready);
                 Client first = plaintextClient(cluster, 0);
                 Client second = plaintextClient(cluster, 1);
                 Client third = plaintextClient(cluster, 2)) {
                writeOnOneReadOnAnother(first, second, "good-peers-" + check);
                ByteSequence k = ByteSequence.from("through-member-2", StandardCharsets.UTF_8);
                if (check) {
                    assertThatThrownBy(() -> third.getKVClient().put(k, k).get(30, TimeUnit.SECONDS))
                            .hasMessageContaining("etcdserver");
                } else {
                    writeOnOneReadOnAnother(third, first, "through-member-2");
                }
            }
        }
    }

    @Test
    void autoTlsMembersTalkWithoutVerifyingEachOther() throws Exception {
        TlsConfig client = load(selfSigned(dir.resolve("client")));
        TlsConfig[] peers = new TlsConfig[3];
        for (int i = 0; i < 3; i++) {
            peers[i] = load(selfSigned(dir.resolve("peer" + i)));
        }
        try (EtchCluster cluster = EtchCluster.startWithTls(3, new EtchCluster.Tls(client, i -> peers[i]));
             Client first = insecureClient(cluster, 0);
             Client third = insecureClient(cluster, 2)) {
            writeOnOneReadOnAnother(first, third, "auto-tls");
        }
        assertThat(Files.exists(dir.resolve("peer0").resolve("cert.pem"))).isTrue();
        assertThat(Files.exists(dir.resolve("peer0").resolve("key.pem"))).isTrue();
    }

    @Test
    void autoTlsCertificatesNameTheListenHostsAndAreReused() throws Exception {
        var files = SelfSignedCertificates.ensure(dir.resolve("fixtures"), List.of("127.0.0.1", "localhost"), 2);
        X509Certificate cert = (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(Files.newInputStream(files.certFile()));
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("O=etcd");
        assertThat(cert.getSubjectAlternativeNames()).extracting(san -> san.get(1).toString())
                .containsExactlyInAnyOrder("127.0.0.1", "localhost");
        long days = (cert.getNotAfter().getTime() - cert.getNotBefore().getTime()) / 86_400_000L;
        assertThat(days).isEqualTo(730);
        assertThat(cert.getPublicKey().getAlgorithm()).isEqualTo("EC");
        byte[] before = Files.readAllBytes(files.certFile());
        SelfSignedCertificates.ensure(dir.resolve("fixtures"), List.of("127.0.0.1"), 1);
        assertThat(Files.readAllBytes(files.certFile())).isEqualTo(before);
    }

    private static TlsConfig.Spec selfSigned(Path fixtures) throws TlsException {
        var files = SelfSignedCertificates.ensure(fixtures, List.of("127.0.0.1"), 1);
        return new TlsConfig.Spec(files.certFile(), files.keyFile(), null, null, null, null, false, true,
                List.of(), List.of(), List.of(), "TLS1.2", "");
    }

    private static Client insecureClient(EtchCluster cluster, int i) throws IOException {
        return Client.builder().endpoints(cluster.endpoint(i))
                .sslContext(GrpcSslContexts.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build())
                .build();
    }

    /** A TLS 1.2 handshake, in which the server checks the client certificate before it completes. */
    private static void handshake(int port, Path ca, TestCertificates.Issued cert) throws Exception {
        try (SSLSocket socket = (SSLSocket) ClientTlsTest.jdkContext(ca, cert).getSocketFactory()
                .createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.setEnabledProtocols(new String[] {"TLSv1.2"});
            socket.startHandshake();
        }
    }
}
