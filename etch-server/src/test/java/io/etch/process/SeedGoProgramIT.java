package io.etch.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's Go "kv" program ({@code src/test/go/seedkv}, etcd-notes.md, go.etcd.io/etcd/clientv3
 * from Debian's etcd 3.4 sources) run against real etcd and then against the packaged Etch: it must
 * print the same thing. The program ends with a panic (it indexes the empty result of a Get of a key
 * that does not exist), against real etcd too, so what is compared is its output up to and including
 * the "panic:" line, and its exit status. The stack trace after that line (addresses, paths) is not
 * compared.
 *
 * <p>The program hard-codes {@code 127.0.0.1:2379}, so both servers run on etcd's default ports
 * (client 2379, peer 2380), one after the other; the test fails, saying so, when a port is taken.
 */
class SeedGoProgramIT {

    private static final Path ETCD = Path.of("/usr/bin/etcd");
    private static final Path GOCODE = Path.of("/usr/share/gocode");
    private static final Path CLIENTV3 = GOCODE.resolve("src/go.etcd.io/etcd/clientv3");
    private static final int CLIENT_PORT = 2379;
    private static final int PEER_PORT = 2380;
    /** Without a server the program never returns (clientv3 calls with context.TODO()). */
    private static final long PROGRAM_TIMEOUT_SECONDS = 60;

    @TempDir
    Path dir;

    @Test
    void seedKvProgramPrintsWhatItPrintsAgainstEtcd() throws Exception {
        Optional<Path> go = onPath("go");
        assumeTrue(go.isPresent(), "needs the go toolchain (golang-go) on PATH");
        assumeTrue(Files.isDirectory(CLIENTV3), "needs etcd's Go sources (golang-etcd-server-dev) in " + CLIENTV3);
        assumeTrue(Files.isExecutable(ETCD), "needs real etcd (etcd-server) at " + ETCD);
        Path source = EtchProcess.repositoryRoot().resolve("etch-server/src/test/go/seedkv");
        assertThat(source.resolve("main.go")).exists();

        Path program = build(go.get(), source);

        requirePortsFree("before starting etcd");
        String fromEtcd;
        Process etcd = new ProcessBuilder(ETCD.toString(), "--data-dir", dir.resolve("etcd-data").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
        try {
            awaitEtcdReady(etcd, dir.resolve("etcd.log"));
            fromEtcd = runProgram(program, dir.resolve("etcd.out"));
            assertThat(etcd.isAlive()).as("etcd still running after the program; log:\n%s",
                    Files.readString(dir.resolve("etcd.log"))).isTrue();
        } finally {
            stop(etcd);
        }

        awaitPortsFree("after stopping etcd");
        String fromEtch;
        try (EtchProcess etch = new EtchProcess(List.of("--data-dir", dir.resolve("etch-data").toString()),
                dir.resolve("etch.log"))) {
            etch.start();
            fromEtch = runProgram(program, dir.resolve("etch.out"));
            assertThat(etch.isAlive()).as("etch still running after the program; log:\n%s",
                    Files.readString(dir.resolve("etch.log"))).isTrue();
        }

        // Both transcripts (whole, stack trace included) stay behind for a person to read.
        Path transcripts = Path.of("target", "seed-go-program");
        Files.createDirectories(transcripts);
        Files.copy(dir.resolve("etcd.out"), transcripts.resolve("etcd.txt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(dir.resolve("etch.out"), transcripts.resolve("etch.txt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        // The baseline is what the program is known to do against etcd 3.4: otherwise two identical
        // failures (say, both timing out) would pass.
        assertThat(fromEtcd)
                .as("the program against real etcd")
                .startsWith("连接etcd成功\nput Revision: 2\n")
                .contains("\ndel: /cron/jobs/job2 JOB2 3\n5\n")
                .endsWith("\npanic: runtime error: index out of range [0] with length 0\nexit=2");
        assertThat(fromEtch).as("the program against Etch (etcd printed:\n%s\n)", fromEtcd).isEqualTo(fromEtcd);
    }

    /** go build in GOPATH mode against Debian's etcd 3.4 sources; the program's directory needs no GOPATH of its own. */
    private Path build(Path go, Path source) throws IOException, InterruptedException {
        Path binary = dir.resolve("seedkv");
        ProcessBuilder pb = new ProcessBuilder(go.toString(), "build", "-o", binary.toString(), ".")
                .directory(source.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("go-build.log").toFile());
        Map<String, String> env = pb.environment();
        env.put("GOPATH", GOCODE.toString());
        env.put("GO111MODULE", "off");
        env.remove("GOFLAGS");
        if (env.get("GOCACHE") == null && env.get("XDG_CACHE_HOME") == null && env.get("HOME") == null) {
            env.put("GOCACHE", dir.resolve("go-cache").toString());
        }
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("go build did not finish in 10 minutes; output:\n" + Files.readString(dir.resolve("go-build.log")));
        }
        if (p.exitValue() != 0 || !Files.isExecutable(binary)) {
            fail("go build failed (exit " + p.exitValue() + "):\n" + Files.readString(dir.resolve("go-build.log")));
        }
        return binary;
    }

    /**
     * Runs the program; returns its merged stdout and stderr up to and including the first "panic:"
     * line, then "exit=N" (or "exit=timeout").
     */
    private static String runProgram(Path program, Path out) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(program.toString()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        String exit;
        if (p.waitFor(PROGRAM_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            exit = Integer.toString(p.exitValue());
        } else {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            exit = "timeout";
        }
        List<String> kept = new ArrayList<>();
        for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
            kept.add(line);
            if (line.startsWith("panic:")) {
                break;
            }
        }
        kept.add("exit=" + exit);
        return String.join("\n", kept);
    }

    private static void awaitEtcdReady(Process etcd, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains("ready to serve client requests")) {
                return;
            }
            if (!etcd.isAlive()) {
                fail("etcd exited (" + etcd.exitValue() + ") before it was ready; log:\n" + Files.readString(log));
            }
            Thread.sleep(100);
        }
        fail("etcd was not ready in 60 s; log:\n" + Files.readString(log));
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void requirePortsFree(String when) {
        for (int port : new int[] {CLIENT_PORT, PEER_PORT}) {
            if (!portFree(port)) {
                fail("port " + port + " on 127.0.0.1 is in use " + when + ": the seed program hard-codes "
                        + "127.0.0.1:2379, so this test needs etcd's default ports 2379 and 2380 free "
                        + "(is an etcd or etch already running?)");
            }
        }
    }

    private static void awaitPortsFree(String when) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline && !(portFree(CLIENT_PORT) && portFree(PEER_PORT))) {
            Thread.sleep(200);
        }
        requirePortsFree(when);
    }

    private static boolean portFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Optional<Path> onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String d : path.split(File.pathSeparator)) {
            if (d.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(d, command);
            if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
