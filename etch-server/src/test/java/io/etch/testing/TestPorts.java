package io.etch.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Loopback ports for test members, below Linux's ephemeral range (32768 and up by default).
 *
 * <p>A port the kernel hands out for {@code new ServerSocket(0)} is an ephemeral one, and between
 * closing that socket and the member binding it, an outgoing connection (the cluster's own peers
 * make many) can take it. Ratis then ends the whole JVM ("Failed to start Grpc server", exit 1),
 * test run and all. Ports below the ephemeral range are never given to outgoing connections. Each
 * JVM starts at a random place in the range and hands out each port once; etcd's e2e suites use
 * 20000 and up, so the range ends below that.
 */
public final class TestPorts {
    private static final int FIRST = 10_000;
    private static final int LAST = 19_999;
    private static final AtomicInteger next =
            new AtomicInteger(FIRST + ThreadLocalRandom.current().nextInt(LAST - FIRST));

    private TestPorts() {
    }

    /** A port on 127.0.0.1 that was free when asked and is handed out to no one else in this JVM. */
    public static int next() {
        for (int tries = 0; tries <= LAST - FIRST; tries++) {
            int port = next.getAndUpdate(p -> p >= LAST ? FIRST : p + 1);
            if (isFree(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port in " + FIRST + "-" + LAST);
    }

    /** Whether {@code port} on 127.0.0.1 can be bound now. */
    public static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
