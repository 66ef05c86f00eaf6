package io.etch.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntToLongFunction;
import java.util.stream.Stream;

/**
 * The peer links of a {@link ProcessCluster} whose members advertise a {@link PeerProxy} each:
 * every directed link (bytes from member a to member b) can be cut and healed, whichever member
 * opened the TCP connection the bytes travel on. That is what a partition does to packets: with
 * only b's inbound cut, b's appends still reach its followers while their answers, and anything
 * they send b, stall.
 *
 * <p>A proxy sees every connection come from 127.0.0.1; which member opened it is read from the
 * kernel (the client socket's inode in {@code /proc/net/tcp*}, then which member's process holds
 * it in {@code /proc/PID/fd}). Linux only, as SIGSTOP in these tests is.
 */
public final class PeerNetwork implements AutoCloseable {

    private final int size;
    private final IntToLongFunction pidOf;
    private final List<PeerProxy> proxies = new ArrayList<>();
    /** cut[a][b]: bytes from a to b do not pass. Guarded by this. */
    private final boolean[][] cut;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong unidentified = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final long t0 = System.nanoTime();
    /** One line per connection opened and closed, and per cut and heal, for the logs of a run. */
    private final java.util.concurrent.ConcurrentLinkedQueue<String> events = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /**
     * Proxies listening on {@code advertisedPorts[i]}, forwarding to {@code listenPorts[i]};
     * {@code pidOf} gives member i's process id, or a negative number while it has none.
     */
    PeerNetwork(int[] advertisedPorts, int[] listenPorts, IntToLongFunction pidOf) throws IOException {
        this.size = advertisedPorts.length;
        this.pidOf = pidOf;
        this.cut = new boolean[size][size];
        try {
            for (int i = 0; i < size; i++) {
                proxies.add(new PeerProxy(i, advertisedPorts[i], listenPorts[i], this));
            }
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /** Cuts every link to and from {@code member} (a member's connections to itself stay). */
    public synchronized void isolate(int member) {
        for (int other = 0; other < size; other++) {
            cut[member][other] = other != member;
            cut[other][member] = other != member;
        }
        event("isolate m%d", member);
        notifyAll();
    }

    /** Cuts what the other members send {@code member}; what it sends them still arrives. */
    public synchronized void cutInbound(int member) {
        for (int other = 0; other < size; other++) {
            cut[other][member] = other != member;
        }
        event("cut inbound to m%d", member);
        notifyAll();
    }

    /** Cuts what {@code member} sends the others; what they send it still arrives. */
    public synchronized void cutOutbound(int member) {
        for (int other = 0; other < size; other++) {
            cut[member][other] = other != member;
        }
        event("cut outbound from m%d", member);
        notifyAll();
    }

    /** Every link passes again; held bytes flow on. */
    public synchronized void heal() {
        for (boolean[] row : cut) {
            java.util.Arrays.fill(row, false);
        }
        event("heal");
        notifyAll();
    }

    /** Ends every proxied connection to or from {@code member} (both of its peers see it close). */
    public int closeConnections(int member) {
        int closed = 0;
        for (PeerProxy p : proxies) {
            for (PeerProxy.Connection c : p.connections()) {
                if (c.to() == member || c.from == member) {
                    c.close();
                    closed++;
                }
            }
        }
        return closed;
    }

    void event(String format, Object... args) {
        events.add(String.format("%9.3fs ", (System.nanoTime() - t0) / 1e9) + String.format(format, args));
    }

    /** Writes the connection and cut events so far to {@code file}. */
    public void writeEvents(Path file) throws IOException {
        List<String> lines = new ArrayList<>(events);
        for (PeerProxy p : proxies) {
            p.connections().forEach(c -> lines.add("still open: " + c));
        }
        Files.write(file, lines, StandardCharsets.UTF_8);
    }

    /** Connections proxied so far, those whose opener was not found, and bytes forwarded. */
    public String stats() {
        return String.format("%d peer connections proxied (%d of unknown origin), %d bytes forwarded",
                accepted.get(), unidentified.get(), bytes.get());
    }

    public long unidentifiedConnections() {
        return unidentified.get();
    }

    /**
     * Waits while bytes from {@code from} to {@code to} are cut; false if the connection ended
     * meanwhile. A link to or from an unidentified opener (-1) is never cut.
     */
    synchronized boolean awaitOpen(int from, int to, PeerProxy.Connection c) {
        while (!c.ended() && from >= 0 && to >= 0 && cut[from][to]) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return !c.ended();
    }

    /** Whether bytes from {@code from} to {@code to} are cut now (never for an unidentified member). */
    synchronized boolean isCut(int from, int to) {
        return from >= 0 && to >= 0 && cut[from][to];
    }

    synchronized void changed() {
        notifyAll();
    }

    void forwarded(int n) {
        bytes.addAndGet(n);
    }

    /**
     * The member whose process holds the client end of a loopback connection from
     * {@code clientPort} to {@code serverPort}; -1 if none does (it may have died meanwhile).
     */
    int ownerOf(int clientPort, int serverPort) {
        accepted.incrementAndGet();
        for (int attempt = 0; attempt < 20; attempt++) {
            long inode = socketInode(clientPort, serverPort);
            if (inode > 0) {
                for (int i = 0; i < size; i++) {
                    long pid = pidOf.applyAsLong(i);
                    if (pid > 0 && holds(pid, inode)) {
                        return i;
                    }
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        unidentified.incrementAndGet();
        return -1;
    }

    private static long socketInode(int localPort, int remotePort) {
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(table), StandardCharsets.US_ASCII);
            } catch (IOException e) {
                continue;
            }
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && port(f[1]) == localPort && port(f[2]) == remotePort) {
                    long inode = Long.parseLong(f[9]);
                    if (inode > 0) {
                        return inode;
                    }
                }
            }
        }
        return -1;
    }

    private static int port(String hexAddress) {
        return Integer.parseInt(hexAddress.substring(hexAddress.indexOf(':') + 1), 16);
    }

    private static boolean holds(long pid, long inode) {
        String socket = "socket:[" + inode + "]";
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().equals(socket);
                } catch (IOException e) {
                    return false; // closed meanwhile
                }
            });
        } catch (IOException | java.io.UncheckedIOException e) {
            return false; // the process is gone
        }
    }

    @Override
    public synchronized void close() {
        proxies.forEach(PeerProxy::close);
        notifyAll();
    }
}
