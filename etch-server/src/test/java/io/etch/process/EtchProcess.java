package io.etch.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The packaged server ({@code bin/etch}) run as a user runs it: a separate process, etcd's flags,
 * readiness read from its log. Killing it is a real {@code kill -9}.
 */
public final class EtchProcess implements AutoCloseable {

    private final List<String> args;
    private final Path log;
    private volatile Process process;
    private volatile boolean paused;

    public EtchProcess(List<String> args, Path log) {
        this.args = List.copyOf(args);
        this.log = log;
    }

    public static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("bin").resolve("etch"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("bin/etch not found above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    /** A loopback port for a member (see {@link io.etch.testing.TestPorts} for why not port 0). */
    public static int freePort() {
        return io.etch.testing.TestPorts.next();
    }

    /** etcd's flags for a single member on fresh loopback ports; {@code clientUrl} is where to reach it. */
    public record SingleMember(String clientUrl, List<String> flags) {
        public static SingleMember at(String name, Path dataDir) {
            String client = "http://127.0.0.1:" + freePort();
            String peer = "http://127.0.0.1:" + freePort();
            return new SingleMember(client, List.of("--name", name, "--data-dir", dataDir.toString(),
                    "--listen-client-urls", client, "--advertise-client-urls", client,
                    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                    "--initial-cluster", name + "=" + peer));
        }
    }

    /** Starts the process and waits until it logs that it publishes itself and serves clients. */
    public void start() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(repositoryRoot().resolve("bin").resolve("etch").toString());
        command.addAll(args);
        // Straight into the file: a pipe read by a thread here lost what the server wrote as it
        // exited (the JDK closes the pipe under a reader when the process ends).
        long from = Files.exists(log) ? Files.size(log) : 0;
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!logSince(from).contains("ready to serve client requests")) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new IllegalStateException("etch did not become ready" + (process.isAlive() ? "" : " (it exited)")
                        + "; log: " + logSince(from));
            }
            Thread.sleep(50);
        }
    }

    /**
     * SIGTERM, as a supervisor stops it, and the exit code once it ended by itself; fails if it is
     * still running after a minute (it once never exited: see EtchMain's shutdown hook).
     */
    public int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("etch did not exit within a minute of SIGTERM");
        }
        return process.exitValue();
    }

    private String logSince(long offset) throws IOException {
        byte[] all = Files.exists(log) ? Files.readAllBytes(log) : new byte[0];
        return new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset),
                StandardCharsets.UTF_8);
    }

    /** SIGKILL: no shutdown hook, no flush. Works on a paused process too. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        paused = false;
    }

    /** The server's own pid: bin/etch replaces itself with the JVM. */
    public long pid() {
        return process.pid();
    }

    /** SIGSTOP: the whole JVM freezes mid-flight, as under a long GC pause or a stopped VM. */
    public void pause() throws IOException, InterruptedException {
        signal("STOP");
        paused = true;
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() throws IOException, InterruptedException {
        signal("CONT");
        paused = false;
    }

    public boolean isPaused() {
        return paused;
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                .redirectErrorStream(true).start();
        String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed: " + out);
        }
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            if (paused) {
                try {
                    resume();
                } catch (IOException | RuntimeException e) {
                    // SIGKILL below still ends it
                }
            }
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
