package io.etch.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.etch.server.ServerSettings.GrpcKeepAlive;
import io.etch.testing.EtchCluster;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * etcd's --grpc-keepalive-* on the client port, seen by a client that speaks HTTP/2 frame by frame (a
 * gRPC library would answer the server's pings and space its own, hiding both sides of the policy).
 */
class GrpcKeepAliveTest {
    /** HTTP/2's ENHANCE_YOUR_CALM, with which grpc (Go and Java) sends off a client that pings too often. */
    private static final int ENHANCE_YOUR_CALM = 0xb;

    @Test
    void anIdleConnectionIsPingedEveryIntervalAndClosedWhenThePingGoesUnanswered() throws Exception {
        try (EtchCluster cluster = EtchCluster.startWithGrpcKeepAlive(1,
                new GrpcKeepAlive(Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofMillis(100)));
             RawHttp2 client = new RawHttp2(cluster.clientPort(0))) {
            Frame ping = client.nextFrameExceptSettings();
            while (ping.type() != Frame.PING) { // the server's WINDOW_UPDATE, say
                ping = client.nextFrameExceptSettings();
            }
            // Within the 30 s the client waits at most; grpc's default interval is 2 hours.
            assertThat(ping.flags() & Frame.ACK).as("a ping from the server, not an answer").isZero();
            // Not answered: the server gives up on the connection. The wait is far longer than the
            // configured timeout and shorter than grpc's default (20 s), which would not close it in time.
            client.socket.setSoTimeout(10_000);
            assertThat(client.readUntilClosed()).as("the connection is closed").isTrue();
        }
    }

    @Test
    void pingsDuringACallMoreOftenThanMinTimeAreTooManyPings() throws Exception {
        try (EtchCluster cluster = EtchCluster.startWithGrpcKeepAlive(1,
                new GrpcKeepAlive(Duration.ofHours(1), Duration.ofHours(2), Duration.ofSeconds(20)));
             RawHttp2 client = new RawHttp2(cluster.clientPort(0))) {
            client.openWatchCall(cluster.clientPort(0));
            assertThat(client.pingUntilSentOff(10)).as("pings answered before GOAWAY").isLessThan(10);
        }
    }

    @Test
    void pingsDuringACallAsOftenAsMinTimeAllowsAreAnswered() throws Exception {
        // A min-time of 1 ns allows every ping; etcd's default 5 s (or none at all) would send the client
        // off after its third ping.
        try (EtchCluster cluster = EtchCluster.startWithGrpcKeepAlive(1,
                new GrpcKeepAlive(Duration.ofNanos(1), Duration.ofHours(2), Duration.ofSeconds(20)));
             RawHttp2 client = new RawHttp2(cluster.clientPort(0))) {
            client.openWatchCall(cluster.clientPort(0));
            assertThat(client.pingUntilSentOff(10)).isEqualTo(10);
        }
    }

    @Test
    void withoutACallPingsAreTooManyWhateverMinTimeAsInEtcd() throws Exception {
        // etcd's enforcement policy has PermitWithoutStream false: a connection without calls may ping
        // about every two hours only.
        try (EtchCluster cluster = EtchCluster.startWithGrpcKeepAlive(1,
                new GrpcKeepAlive(Duration.ofNanos(1), Duration.ofHours(2), Duration.ofSeconds(20)));
             RawHttp2 client = new RawHttp2(cluster.clientPort(0))) {
            assertThat(client.pingUntilSentOff(10)).isLessThan(10);
        }
    }

    record Frame(int type, int flags, int stream, byte[] payload) {
        static final int HEADERS = 0x1;
        static final int SETTINGS = 0x4;
        static final int PING = 0x6;
        static final int GOAWAY = 0x7;
        static final int ACK = 0x1;
        static final int END_HEADERS = 0x4;

        int goAwayErrorCode() {
            return ByteBuffer.wrap(payload, 4, 4).getInt();
        }

        String goAwayDebugData() {
            return new String(payload, 8, payload.length - 8, StandardCharsets.US_ASCII);
        }
    }

    /** A plaintext HTTP/2 connection with prior knowledge, as gRPC clients open one. */
    private static final class RawHttp2 implements AutoCloseable {
        final Socket socket;
        private final DataInputStream in;
        private final OutputStream out;

        RawHttp2(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(30_000); // against a hang only
            in = new DataInputStream(socket.getInputStream());
            out = socket.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            write(Frame.SETTINGS, 0, 0, new byte[0]);
        }

        /** HEADERS for a Watch call, left open: the call is in progress for as long as the test runs. */
        void openWatchCall(int port) throws IOException {
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            literal(block, ":method", "POST");
            literal(block, ":scheme", "http");
            literal(block, ":path", "/etcdserverpb.Watch/Watch");
            literal(block, ":authority", "127.0.0.1:" + port);
            literal(block, "content-type", "application/grpc");
            literal(block, "te", "trailers");
            write(Frame.HEADERS, Frame.END_HEADERS, 1, block.toByteArray());
        }

        /**
         * Sends up to {@code max} pings, each after the answer to the one before; returns how many were
         * answered before the server sent the client off with grpc's "too_many_pings".
         */
        int pingUntilSentOff(int max) throws IOException {
            for (int i = 0; i < max; i++) {
                byte[] data = ByteBuffer.allocate(8).putLong(i).array();
                write(Frame.PING, 0, 0, data);
                while (true) {
                    Frame f = nextFrameExceptSettings();
                    if (f.type() == Frame.GOAWAY) {
                        assertThat(f.goAwayErrorCode()).isEqualTo(ENHANCE_YOUR_CALM);
                        assertThat(f.goAwayDebugData()).isEqualTo("too_many_pings");
                        return i;
                    }
                    if (f.type() == Frame.PING && (f.flags() & Frame.ACK) != 0
                            && java.util.Arrays.equals(f.payload(), data)) {
                        break;
                    }
                }
            }
            return max;
        }

        /** The next frame that is not a SETTINGS frame (the server's are acknowledged). */
        Frame nextFrameExceptSettings() throws IOException {
            while (true) {
                Frame f = readFrame();
                if (f.type() == Frame.SETTINGS) {
                    if ((f.flags() & Frame.ACK) == 0) {
                        write(Frame.SETTINGS, Frame.ACK, 0, new byte[0]);
                    }
                    continue;
                }
                return f;
            }
        }

        /** Reads (and drops) frames until the server closes the connection. */
        boolean readUntilClosed() throws IOException {
            try {
                while (true) {
                    readFrame();
                }
            } catch (EOFException | SocketException e) {
                return true;
            } catch (java.net.SocketTimeoutException e) {
                fail("the connection stayed open");
                return false;
            }
        }

        private Frame readFrame() throws IOException {
            int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            int stream = in.readInt() & 0x7fffffff;
            byte[] payload = new byte[length];
            in.readFully(payload);
            return new Frame(type, flags, stream, payload);
        }

        private void write(int type, int flags, int stream, byte[] payload) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(9 + payload.length);
            b.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
            b.put((byte) type).put((byte) flags).putInt(stream).put(payload);
            out.write(b.array());
            out.flush();
        }

        /** HPACK's literal header field without indexing, new name, no Huffman coding. */
        private static void literal(ByteArrayOutputStream block, String name, String value) {
            block.write(0);
            for (String s : new String[] {name, value}) {
                byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
                block.write(bytes.length); // all below 127: the 7-bit prefix holds them
                block.writeBytes(bytes);
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
