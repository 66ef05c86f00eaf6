package io.etch.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.etch.testing.TestPorts;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the seed Go program ITs share ({@code src/test/go/seed*}, the programs of etcd-notes.md):
 * building a program in GOPATH mode against Debian's etcd 3.4 clientv3 sources, running real etcd
 * or the packaged Etch on etcd's default ports (the programs hard-code {@code 127.0.0.1:2379}), and
 * running a program and reading its output.
 */
final class SeedGo {

    static final Path ETCD = Path.of("/usr/bin/etcd");
    static final Path GOCODE = Path.of("/usr/share/gocode");
    static final Path CLIENTV3 = GOCODE.resolve("src/go.etcd.io/etcd/clientv3");
    static final int CLIENT_PORT = 2379;
    static final int PEER_PORT = 2380;
    /** Without a server the programs never return (clientv3 calls with context.TODO()). */
    static final long PROGRAM_TIMEOUT_SECONDS = 60;

    private static final Pattern STARTING_MEMBER = Pattern.compile("starting member ([0-9a-f]+)");

    private SeedGo() {
    }

    /** Skips the test unless go, etcd's Go sources and real etcd are installed; returns the go binary. */
    static Path assumeToolchain() {
        Optional<Path> go = onPath("go");
        assumeTrue(go.isPresent(), "needs the go toolchain (golang-go) on PATH");
        assumeTrue(Files.isDirectory(CLIENTV3), "needs etcd's Go sources (golang-etcd-server-dev) in " + CLIENTV3);
        assumeTrue(Files.isExecutable(ETCD), "needs real etcd (etcd-server) at " + ETCD);
        return go.get();
    }

    /**
     * go build in GOPATH mode of {@code src/test/go/<name>} against Debian's etcd 3.4 sources; the
     * program's directory needs no GOPATH of its own. Returns the binary, in {@code dir}.
     */
    static Path build(Path go, String name, Path dir) throws IOException, InterruptedException {
        Path source = EtchProcess.repositoryRoot().resolve("etch-server/src/test/go").resolve(name);
        assertThat(source.resolve("main.go")).exists();
        Path binary = dir.resolve(name);
        Path log = dir.resolve(name + "-go-build.log");
        ProcessBuilder pb = new ProcessBuilder(go.toString(), "build", "-o", binary.toString(), ".")
                .directory(source.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
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
            fail("go build did not finish in 10 minutes; output:\n" + Files.readString(log));
        }
        if (p.exitValue() != 0 || !Files.isExecutable(binary)) {
            fail("go build failed (exit " + p.exitValue() + "):\n" + Files.readString(log));
        }
        return binary;
    }

    /** A server on 127.0.0.1:2379/2380 with a fresh data directory: real etcd or the packaged Etch. */
    interface Server extends AutoCloseable {
        String name();

        boolean isAlive();

        Path log();

        /** The member id it logged at start ("starting member <hex>"; both etcd 3.4 and Etch log it). */
        default long memberId() throws IOException {
            Matcher m = STARTING_MEMBER.matcher(Files.readString(log()));
            assertThat(m.find()).as("%s logs \"starting member <id>\"; log:\n%s", name(), Files.readString(log())).isTrue();
            return Long.parseUnsignedLong(m.group(1), 16);
        }

        /** Asserts it survived what was run against it. */
        default void assertAlive() throws IOException {
            assertThat(isAlive()).as("%s still running; log:\n%s", name(), Files.readString(log())).isTrue();
        }

        @Override
        void close() throws InterruptedException;
    }

    /** Starts /usr/bin/etcd (data in {@code dir/etcd-data}) once the ports are free, waits until it serves clients. */
    static Server startEtcd(Path dir) throws IOException, InterruptedException {
        awaitPortsFree("before starting etcd");
        Path log = dir.resolve("etcd.log");
        Process etcd = new ProcessBuilder(ETCD.toString(), "--data-dir", dir.resolve("etcd-data").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Server server = new Server() {
            @Override
            public String name() {
                return "etcd";
            }

            @Override
            public boolean isAlive() {
                return etcd.isAlive();
            }

            @Override
            public Path log() {
                return log;
            }

            @Override
            public void close() throws InterruptedException {
                etcd.destroy();
                if (!etcd.waitFor(20, TimeUnit.SECONDS)) {
                    etcd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        };
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(Files.exists(log) && Files.readString(log).contains("ready to serve client requests"))) {
                if (!etcd.isAlive()) {
                    fail("etcd exited (" + etcd.exitValue() + ") before it was ready; log:\n" + Files.readString(log));
                }
                if (System.nanoTime() > deadline) {
                    fail("etcd was not ready in 60 s; log:\n" + Files.readString(log));
                }
                Thread.sleep(100);
            }
            return server;
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            server.close();
            throw e;
        }
    }

    /** Starts the packaged Etch (data in {@code dir/etch-data}) once the ports are free, waits until it serves clients. */
    static Server startEtch(Path dir) throws IOException, InterruptedException {
        awaitPortsFree("before starting etch");
        Path log = dir.resolve("etch.log");
        EtchProcess etch = new EtchProcess(List.of("--data-dir", dir.resolve("etch-data").toString()), log);
        try {
            etch.start();
        } catch (IOException | InterruptedException | RuntimeException e) {
            etch.close();
            throw e;
        }
        return new Server() {
            @Override
            public String name() {
                return "etch";
            }

            @Override
            public boolean isAlive() {
                return etch.isAlive();
            }

            @Override
            public Path log() {
                return log;
            }

            @Override
            public void close() throws InterruptedException {
                etch.close();
            }
        };
    }

    /** What a program printed (stdout and stderr merged), line by line, and how it ended. */
    record Output(List<String> lines, String exit) {
        String text() {
            return String.join("\n", lines) + "\nexit=" + exit;
        }
    }

    private static final String KEEP_ALIVE = "收到续租响应 ";
    private static final String LEASE_ENDED = "租约失效";

    /**
     * The lease and lock programs print a keep-alive line per renewal and may end with "租约失效":
     * how many depends on timing, so those lines are checked here (lease id shape, their count
     * within bounds, one lease, "租约失效" only last) and dropped. Returns the rest and the exit.
     */
    static String dropKeepAlives(Output output, Server server, java.util.Set<Long> ids,
            int minKeepAlives, int maxKeepAlives, String transcripts) throws IOException {
        List<String> rest = new java.util.ArrayList<>();
        int keepAlives = 0;
        List<String> lines = output.lines();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith(KEEP_ALIVE)) {
                ids.add(assertLeaseIdShape(line.substring(KEEP_ALIVE.length()), server));
                keepAlives++;
            } else if (line.equals(LEASE_ENDED)) {
                assertThat(i).as("against %s: \"%s\" only as the last line:%s", server.name(), LEASE_ENDED, transcripts)
                        .isEqualTo(lines.size() - 1);
            } else {
                rest.add(line);
            }
        }
        assertThat(keepAlives).as("against %s: keep-alive responses:%s", server.name(), transcripts)
                .isBetween(minKeepAlives, maxKeepAlives);
        assertThat(ids).as("against %s: one lease per program:%s", server.name(), transcripts).hasSizeLessThanOrEqualTo(1);
        rest.add("exit=" + output.exit());
        return String.join("\n", rest);
    }

    /** A started program whose merged stdout and stderr go to a file. */
    static final class Run {
        private final Process process;
        private final Path out;

        private Run(Process process, Path out) {
            this.process = process;
            this.out = out;
        }

        static Run start(Path program, Path out) throws IOException {
            return new Run(new ProcessBuilder(program.toString()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start(), out);
        }

        /** What it printed so far. */
        String printed() throws IOException {
            return Files.readString(out, StandardCharsets.UTF_8);
        }

        /** Waits until it printed a line equal to one of {@code lines}; returns that line. */
        String awaitLine(long timeoutSeconds, String... lines) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            while (true) {
                boolean ended = !process.isAlive(); // before reading: then what was read is all it printed
                List<String> printed = List.of(printed().split("\n", -1));
                for (String line : lines) {
                    if (printed.subList(0, printed.size() - 1).contains(line)) {
                        return line;
                    }
                }
                if (ended) {
                    fail("the program ended (exit " + process.exitValue() + ") without printing one of "
                            + List.of(lines) + "; it printed:\n" + printed());
                }
                if (System.nanoTime() > deadline) {
                    fail("the program did not print one of " + List.of(lines) + " in " + timeoutSeconds
                            + " s; it printed:\n" + printed());
                }
                Thread.sleep(20);
            }
        }

        /** SIGKILL (Process.destroyForcibly is a kill -9 on Linux): no deferred calls run. */
        void kill9() throws InterruptedException {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }

        /** Waits for it to end (killing it after the timeout, exit "timeout"). */
        Output await() throws IOException, InterruptedException {
            String exit;
            if (process.waitFor(PROGRAM_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                exit = Integer.toString(process.exitValue());
            } else {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                exit = "timeout";
            }
            return new Output(Files.readAllLines(out, StandardCharsets.UTF_8), exit);
        }
    }

    /** Runs the program to its end. */
    static Output run(Path program, Path out) throws IOException, InterruptedException {
        return Run.start(program, out).await();
    }

    /** Leaves a transcript in {@code target/seed-go-program/<name>} for a person to read. */
    static void keep(Path transcript, String name) throws IOException {
        Path transcripts = Path.of("target", "seed-go-program");
        Files.createDirectories(transcripts);
        Files.copy(transcript, transcripts.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * A lease id as printed by the programs ({@code clientv3.LeaseID}, a decimal int64) has the shape
     * etcd gives it: positive, its high 16 bits the low 16 bits of the granting member's id (etcd's
     * idutil generator: member id prefix, then a time-seeded counter). The rest is server-chosen (time)
     * and differs between servers and runs. Returns the id.
     */
    static long assertLeaseIdShape(String printed, Server server) throws IOException {
        assertThat(printed).as("lease id printed against %s", server.name()).matches("[1-9][0-9]{0,18}");
        long id = Long.parseLong(printed);
        assertThat(id >>> 48).as("lease id %s (%s) high 16 bits = member id's low 16 bits", printed,
                server.name()).isEqualTo(server.memberId() & 0xffff);
        return id;
    }

    static void awaitPortsFree(String when) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline && !(TestPorts.isFree(CLIENT_PORT) && TestPorts.isFree(PEER_PORT))) {
            Thread.sleep(200);
        }
        for (int port : new int[] {CLIENT_PORT, PEER_PORT}) {
            if (!TestPorts.isFree(port)) {
                fail("port " + port + " on 127.0.0.1 is in use " + when + ": the seed programs hard-code "
                        + "127.0.0.1:2379, so these tests need etcd's default ports 2379 and 2380 free "
                        + "(is an etcd or etch already running?)");
            }
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
