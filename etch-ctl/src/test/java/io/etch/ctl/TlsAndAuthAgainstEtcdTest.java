package io.etch.ctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etchctl's TLS and auth client side against real etcd 3.5 serving TLS with client certificates
 * (certificates made with openssl for the test): two etcd members alike, one driven by real etcdctl
 * 3.5 and one by etchctl with the same calls, and each call's output compared. Skipped without etcd
 * 3.5 (`etcd-e2e-3.5 --setup`) or openssl.
 */
class TlsAndAuthAgainstEtcdTest {
    private static final Path BIN = Path.of(System.getProperty("user.home"), ".cache/etcd-e2e-3.5/bin");
    private static final String EP = "https://127.0.0.1:23795";
    private static final String EP2 = "https://127.0.0.1:23797";

    @TempDir
    Path dir;
    private final List<Process> etcds = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (Process etcd : etcds) {
            etcd.destroy();
            etcd.waitFor(20, TimeUnit.SECONDS);
        }
    }

    private void sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
            .redirectOutput(dir.resolve("openssl.log").toFile()).start();
        assertThat(p.waitFor()).as(String.join(" ", cmd)).isZero();
    }

    private void certificate(String name, String subject, String ext) throws Exception {
        sh("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", name + ".key",
            "-out", name + ".csr", "-subj", subject);
        Files.writeString(dir.resolve(name + ".ext"), ext);
        sh("openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "2", "-out", name + ".crt", "-extfile", name + ".ext");
    }

    private void startEtcd() throws Exception {
        assumeTrue(Files.isExecutable(BIN.resolve("etcd")) && Files.isExecutable(Path.of("/usr/bin/openssl")),
            "needs etcd 3.5 and openssl");
        sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key",
            "-out", "ca.crt", "-days", "2", "-subj", "/CN=etchctl test CA");
        certificate("server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n");
        certificate("client", "/CN=root", "extendedKeyUsage=clientAuth\n");
        for (String ep : List.of(EP, EP2)) {
            String peer = "http://127.0.0.1:" + (Integer.parseInt(ep.substring(ep.lastIndexOf(':') + 1)) + 10);
            etcds.add(new ProcessBuilder(BIN.resolve("etcd").toString(), "--name", "tls", "--data-dir",
                dir.resolve("data" + etcds.size()).toString(), "--listen-client-urls", ep, "--advertise-client-urls", ep,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "tls=" + peer,
                "--cert-file", dir.resolve("server.crt").toString(), "--key-file", dir.resolve("server.key").toString(),
                "--trusted-ca-file", dir.resolve("ca.crt").toString(), "--client-cert-auth")
                .redirectErrorStream(true).redirectOutput(dir.resolve("etcd" + etcds.size() + ".log").toFile()).start());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!etcdctl(tls("endpoint", "health")).startsWith("exit=0")
            || !etcdctl(other(tls("endpoint", "health"))).startsWith("exit=0")) {
            assertThat(System.nanoTime()).as("etcd serving TLS").isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /** The same arguments for the second member, the one etchctl talks to. */
    private static List<String> other(List<String> args) {
        List<String> a = new ArrayList<>();
        args.forEach(x -> a.add(x.replace(EP, EP2)));
        return a;
    }

    private List<String> tls(String... args) {
        List<String> a = new ArrayList<>(List.of("--endpoints", EP, "--cacert", dir.resolve("ca.crt").toString(),
            "--cert", dir.resolve("client.crt").toString(), "--key", dir.resolve("client.key").toString(), "--dial-timeout", "2s",
            "--command-timeout", "3s"));
        a.addAll(List.of(args));
        return a;
    }

    private String etcdctl(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(BIN.resolve("etcdctl").toString()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return "exit=" + p.waitFor() + "\n" + out + "--- stderr\n" + withoutLogLines(err);
    }

    private static String etchctl(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new EtchCtl(Map.of(), new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8)).run(args.toArray(String[]::new));
        return "exit=" + code + "\n" + out.toString(StandardCharsets.UTF_8) + "--- stderr\n"
            + withoutLogLines(err.toString(StandardCharsets.UTF_8));
    }

    private static String withoutLogLines(String s) {
        StringBuilder b = new StringBuilder();
        for (String l : s.split("(?<=\n)")) {
            if (!l.startsWith("{\"level\"")) {
                b.append(l);
            }
        }
        return b.toString();
    }

    /** etcdctl against the first member and etchctl against the second print the same. */
    private void same(List<String> args) throws Exception {
        String want = etcdctl(args);
        assertThat(etchctl(other(args)).replace(EP2, EP).replace("127.0.0.1:23797", "127.0.0.1:23795"))
            .as("etchctl %s", args).isEqualTo(want);
    }

    @Test
    void tlsWithClientCertificatesWorksAsWithEtcdctl() throws Exception {
        startEtcd();
        same(tls("put", "tls-key", "over TLS"));
        same(tls("get", "tls-key"));
        same(tls("get", "tls-key", "--print-value-only", "--hex"));
        // without a client certificate the server refuses the handshake: no answer in time
        List<String> noCert = List.of("--endpoints", EP, "--cacert", dir.resolve("ca.crt").toString(), "--dial-timeout", "1s",
            "--command-timeout", "2s", "get", "tls-key");
        assertThat(etchctl(other(noCert))).startsWith("exit=1\n").isEqualTo(etcdctl(noCert));
        // the server certificate is not checked with --insecure-skip-tls-verify
        List<String> skip = List.of("--endpoints", EP, "--insecure-skip-tls-verify", "--insecure-transport=false",
            "--cert", dir.resolve("client.crt").toString(), "--key", dir.resolve("client.key").toString(), "get", "tls-key");
        same(skip);
    }

    @Test
    void authOverTlsSendsTheTokenAsEtcdctl() throws Exception {
        startEtcd();
        same(tls("user", "add", "root:rootpw"));
        same(tls("user", "add", "alice:alicepw"));
        same(tls("role", "add", "app"));
        same(tls("role", "grant-permission", "app", "readwrite", "/app/", "--prefix"));
        same(tls("user", "grant-role", "alice", "app"));
        same(tls("auth", "enable"));
        same(tls("--user", "alice:alicepw", "put", "/app/x", "1"));
        // the client certificate's CN (root) authenticates a call that names no user, as etcd allows
        same(tls("get", "/app/x"));
        same(tls("--user", "alice", "--password", "alicepw", "put", "/other", "1"));
        same(tls("--user", "alice:wrong", "get", "/app/x"));
        same(tls("--user", "alice:alicepw", "get", "/app/", "--prefix"));
        same(tls("--user", "root:rootpw", "auth", "disable"));
    }
}
