package io.etch.process;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy in front of one member's peer port: the member listens on its real port and
 * advertises the proxy's, so every peer connection to it passes through here. Each direction of
 * each connection forwards bytes only while {@link PeerNetwork} lets them pass between the two
 * members; while it does not, the bytes stay where they are (unread in the socket, or read and
 * held), so the sender's writes stall once the buffers are full, as over a link that drops every
 * packet. A connection opened while either direction is cut is closed at once, as a host behind
 * a REJECT rule refuses it. (Holding it unconnected instead, which the kernel allows since it has
 * completed the handshake, left Ratis' client with a channel to that peer that never carried a
 * request again: a member then could not forward a write to that peer after it became leader;
 * see the commit that introduced this proxy. A real partition never completes the handshake.)
 */
final class PeerProxy implements AutoCloseable {

    private static final int BUFFER = 64 * 1024;

    private final int member;
    private final int listenPort;
    private final int targetPort;
    private final PeerNetwork network;
    private final ServerSocket server;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** One proxied connection from member {@code from} (-1: not identified) to this proxy's member. */
    final class Connection {
        final int from;
        private final Socket downstream;
        private volatile Socket upstream;
        private volatile boolean ended;
        private final java.util.concurrent.atomic.AtomicLong toMember = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.atomic.AtomicLong fromMember = new java.util.concurrent.atomic.AtomicLong();

        Connection(int from, Socket downstream) {
            this.from = from;
            this.downstream = downstream;
        }

        int to() {
            return member;
        }

        @Override
        public String toString() {
            return String.format("m%d:%d -> m%d%s: %d bytes to m%d, %d bytes back", from, downstream.getPort(), member,
                    upstream == null ? " (not connected to the member yet)" : "", toMember.get(), member,
                    fromMember.get());
        }

        boolean ended() {
            return ended;
        }

        /** Closes both sides at once; held bytes are lost, as with a reset. */
        void close() {
            if (!ended) {
                network.event("close %s", this);
            }
            ended = true;
            closeQuietly(downstream);
            Socket up = upstream;
            if (up != null) {
                closeQuietly(up);
            }
            connections.remove(this);
            network.changed();
        }
    }

    PeerProxy(int member, int listenPort, int targetPort, PeerNetwork network) throws IOException {
        this.member = member;
        this.listenPort = listenPort;
        this.targetPort = targetPort;
        this.network = network;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort), 128);
        daemon("peer-proxy-m" + member, this::acceptLoop).start();
    }

    int listenPort() {
        return listenPort;
    }

    List<Connection> connections() {
        return List.copyOf(connections);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            daemon("peer-proxy-m" + member + "-open", () -> open(s)).start();
        }
    }

    /** Finds who connected; refuses the connection if the link is cut, else connects it to the member. */
    private void open(Socket downstream) {
        int from = network.ownerOf(downstream.getPort(), listenPort);
        Connection c = new Connection(from, downstream);
        connections.add(c);
        network.event("open m%d:%d -> m%d", from, downstream.getPort(), member);
        if (closed) {
            c.close();
            return;
        }
        try {
            downstream.setTcpNoDelay(true);
            if (network.isCut(from, member) || network.isCut(member, from)) {
                network.event("refused %s", c);
                c.close();
                return;
            }
            Socket upstream = new Socket();
            c.upstream = upstream;
            if (c.ended) {
                c.close();
                return;
            }
            upstream.setTcpNoDelay(true);
            upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5_000);
            daemon("peer-proxy-m" + from + "-m" + member, () -> pump(c, from, member, downstream, upstream)).start();
            daemon("peer-proxy-m" + member + "-m" + from, () -> pump(c, member, from, upstream, downstream)).start();
        } catch (IOException e) {
            c.close(); // the member is down: the peer sees its connection end
        }
    }

    /** Copies one direction while the link from {@code from} to {@code to} is open; holds it while cut. */
    private void pump(Connection c, int from, int to, Socket source, Socket sink) {
        byte[] buffer = new byte[BUFFER];
        try {
            InputStream in = source.getInputStream();
            OutputStream out = sink.getOutputStream();
            while (network.awaitOpen(from, to, c)) {
                int n = in.read(buffer);
                if (n < 0) {
                    break;
                }
                // Bytes read just before a cut wait for the heal, as a retransmission would.
                if (!network.awaitOpen(from, to, c)) {
                    break;
                }
                out.write(buffer, 0, n);
                network.forwarded(n);
                (to == member ? c.toMember : c.fromMember).addAndGet(n);
            }
        } catch (IOException e) {
            // one side went away
        }
        c.close();
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        connections().forEach(Connection::close);
    }

    private static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // already closed
        }
    }
}
