package io.etch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etch.config.ConfigException;
import io.etch.config.ConfigLoader;
import io.etch.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd's checks and warnings for TLS flags and URL schemes, made before anything listens. */
class TlsSetupTest {

    @TempDir
    Path dir;

    private TlsSetup setup(String... flags) throws ConfigException {
        List<String> args = new ArrayList<>(List.of("--data-dir", dir.resolve("data").toString()));
        args.addAll(List.of(flags));
        return TlsSetup.of(ConfigLoader.parse(args.toArray(new String[0]), Map.of()));
    }

    @Test
    void plaintextByDefault() throws Exception {
        TlsSetup tls = setup();
        assertThat(tls.client()).isNull();
        assertThat(tls.peer()).isNull();
        assertThat(tls.warnings()).isEmpty();
    }

    @Test
    void anHttpsClientUrlNeedsACertificate() {
        assertThatThrownBy(() -> setup("--listen-client-urls", "https://127.0.0.1:2379",
                "--advertise-client-urls", "https://127.0.0.1:2379"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("TLS key/cert (--cert-file, --key-file) must be provided for client url "
                        + "https://127.0.0.1:2379 with HTTPS scheme");
    }

    @Test
    void anHttpsPeerUrlNeedsACertificate() {
        assertThatThrownBy(() -> setup("--listen-peer-urls", "https://127.0.0.1:2380",
                "--initial-advertise-peer-urls", "https://127.0.0.1:2380",
                "--initial-cluster", "default=https://127.0.0.1:2380"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("cannot listen on TLS for 127.0.0.1:2380: KeyFile and CertFile are not presented");
    }

    @Test
    void certificatesWithHttpUrlsAreIgnoredWithEtcdsWarnings() throws Exception {
        TestCertificates ca = TestCertificates.authority(dir, "ca");
        TestCertificates.Issued server = ca.issue("server");
        TlsSetup tls = setup("--cert-file", server.certFile().toString(), "--key-file", server.keyFile().toString(),
                "--client-cert-auth");
        assertThat(tls.client()).isNull();
        assertThat(tls.warnings()).anyMatch(w -> w.startsWith("scheme is HTTP while key and cert files are present"))
                .anyMatch(w -> w.startsWith("scheme is HTTP while --client-cert-auth is enabled"));
    }

    @Test
    void autoTlsWritesCertificatesUnderTheDataDirectory() throws Exception {
        TlsSetup tls = setup("--listen-client-urls", "https://127.0.0.1:2379",
                "--advertise-client-urls", "https://127.0.0.1:2379", "--auto-tls",
                "--listen-peer-urls", "https://127.0.0.1:2380", "--initial-advertise-peer-urls", "https://127.0.0.1:2380",
                "--initial-cluster", "default=https://127.0.0.1:2380", "--peer-auto-tls");
        assertThat(tls.client()).isNotNull();
        assertThat(tls.peer()).isNotNull();
        assertThat(tls.client().spec().selfSigned()).isTrue();
        assertThat(Files.exists(dir.resolve("data/fixtures/client/cert.pem"))).isTrue();
        assertThat(Files.exists(dir.resolve("data/fixtures/peer/key.pem"))).isTrue();
    }

    @Test
    void anUnknownCipherSuiteFailsEvenWithoutTls() {
        assertThatThrownBy(() -> setup("--cipher-suites", "TLS_NOT_A_SUITE"))
                .isInstanceOf(ConfigException.class).hasMessage("unexpected TLS cipher suite \"TLS_NOT_A_SUITE\"");
    }

    @Test
    void aMalformedCaFileFailsNamingIt() throws Exception {
        TestCertificates ca = TestCertificates.authority(dir, "ca");
        TestCertificates.Issued server = ca.issue("server");
        Path broken = dir.resolve("broken-ca.pem");
        Files.writeString(broken, "garbage");
        assertThatThrownBy(() -> setup("--listen-client-urls", "https://127.0.0.1:2379",
                "--advertise-client-urls", "https://127.0.0.1:2379", "--cert-file", server.certFile().toString(),
                "--key-file", server.keyFile().toString(), "--trusted-ca-file", broken.toString()))
                .isInstanceOf(ConfigException.class).hasMessageContaining(broken.toString());
    }

    @Test
    void peersAreAllTlsOrAllPlaintext() throws Exception {
        TestCertificates ca = TestCertificates.authority(dir, "ca");
        TestCertificates.Issued peer = ca.issue("peer");
        assertThatThrownBy(() -> setup("--name", "a", "--listen-peer-urls", "https://127.0.0.1:2380",
                "--initial-advertise-peer-urls", "https://127.0.0.1:2380",
                "--initial-cluster", "a=https://127.0.0.1:2380,b=http://127.0.0.1:2381",
                "--peer-cert-file", peer.certFile().toString(), "--peer-key-file", peer.keyFile().toString()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("Etch talks TLS to every peer or to none");
    }

    @Test
    void unixSocketsAreRefusedByName() {
        assertThatThrownBy(() -> setup("--listen-client-urls", "unixs://localhost:2379",
                "--advertise-client-urls", "http://127.0.0.1:2379"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unix socket listeners are not supported");
    }
}
