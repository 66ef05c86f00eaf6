package io.etch.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.etch.testing.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged server with etcd's TLS flags, driven by Debian's real etcdctl over https: client
 * certificates, a client without one, auto TLS, and a start that fails on a malformed file.
 */
class TlsEtcdctlIT {

    private static final Path ETCDCTL = Path.of("/usr/bin/etcdctl");

    @TempDir
    Path dir;

    private record Result(int exit, String output) {
    }

    private static Result etcdctl(String endpoint, List<String> tlsFlags, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ETCDCTL.toString(), "--endpoints", endpoint,
                "--dial-timeout", "3s", "--command-timeout", "5s"));
        command.addAll(tlsFlags);
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("ETCDCTL_API", "3");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("etcdctl did not finish: " + out);
        }
        return new Result(p.exitValue(), out);
    }

    /** etcd's flags for one member with https clients on fresh ports, plus {@code extra}. */
    private List<String> flags(String client, List<String> extra) {
        String peer = "http://127.0.0.1:" + EtchProcess.freePort();
        List<String> f = new ArrayList<>(List.of("--name", "tls", "--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "tls=" + peer));
        f.addAll(extra);
        return f;
    }

    @Test
    void etcdctlWithClientCertificatesOverHttps() throws Exception {
        assumeTrue(Files.isExecutable(ETCDCTL), "needs etcd-client");
        TestCertificates ca = TestCertificates.authority(dir.resolve("certs"), "ca");
        TestCertificates.Issued server = ca.issue("server");
        TestCertificates.Issued client = ca.issue("client");
        String url = "https://127.0.0.1:" + EtchProcess.freePort();
        try (EtchProcess etch = new EtchProcess(flags(url, List.of("--cert-file", server.certFile().toString(),
                "--key-file", server.keyFile().toString(), "--trusted-ca-file", ca.caFile().toString(),
                "--client-cert-auth")), dir.resolve("etch.log"))) {
            etch.start();
            List<String> tls = List.of("--cacert", ca.caFile().toString(), "--cert", client.certFile().toString(),
                    "--key", client.keyFile().toString());
            assertThat(etcdctl(url, tls, "put", "foo", "bar").output()).contains("OK");
            assertThat(etcdctl(url, tls, "get", "foo").output()).isEqualTo("foo\nbar\n");
            Result noCert = etcdctl(url, List.of("--cacert", ca.caFile().toString()), "get", "foo");
            assertThat(noCert.exit()).isNotZero();
            assertThat(noCert.output()).doesNotContain("bar");
            assertThat(Files.readString(dir.resolve("etch.log"))).contains("serving client traffic securely");
        }
    }

    @Test
    void autoTlsServesAGeneratedCertificate() throws Exception {
        assumeTrue(Files.isExecutable(ETCDCTL), "needs etcd-client");
        String url = "https://127.0.0.1:" + EtchProcess.freePort();
        try (EtchProcess etch = new EtchProcess(flags(url, List.of("--auto-tls")), dir.resolve("etch.log"))) {
            etch.start();
            // etcdctl 3.4 dials plaintext without certificate flags unless --insecure-transport=false.
            List<String> insecure = List.of("--insecure-transport=false", "--insecure-skip-tls-verify");
            assertThat(etcdctl(url, insecure, "put", "auto", "tls").output()).contains("OK");
            assertThat(etcdctl(url, insecure, "get", "auto").output()).isEqualTo("auto\ntls\n");
            assertThat(dir.resolve("data").resolve("fixtures").resolve("client").resolve("cert.pem")).exists();
        }
    }

    @Test
    void aMalformedCertificateFileStopsTheStartNamingTheFile() throws Exception {
        TestCertificates ca = TestCertificates.authority(dir.resolve("certs"), "ca");
        TestCertificates.Issued server = ca.issue("server");
        Path broken = dir.resolve("broken.pem");
        Files.writeString(broken, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
        String url = "https://127.0.0.1:" + EtchProcess.freePort();
        List<String> command = new ArrayList<>(List.of(EtchProcess.repositoryRoot().resolve("bin").resolve("etch").toString()));
        command.addAll(flags(url, List.of("--cert-file", broken.toString(), "--key-file", server.keyFile().toString())));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(out).contains(broken.toString());
    }
}
