package io.etch.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.ClusterGrpc;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.LeaseGrpc;
import io.etch.api.etcdserverpb.MaintenanceGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.WatchCreateRequest;
import io.etch.api.etcdserverpb.WatchGrpc;
import io.etch.api.etcdserverpb.WatchRequest;
import io.etch.api.etcdserverpb.LeaseGrantRequest;
import io.etch.api.v3electionpb.ElectionGrpc;
import io.etch.api.v3lockpb.LockGrpc;
import io.etch.testing.EtchCluster;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Malformed and random input at every gRPC method of the client API, and garbage on the client and
 * peer ports, sent to a three-member cluster. Each call must end with a status within its deadline;
 * afterwards every member still serves, and all members hold the same keys (whatever random bytes
 * happened to decode into, it was applied alike everywhere). The seed is printed; {@code
 * -Detch.fuzz.seed=...} replays the inputs.
 */
class BadInputFuzzTest {
    private static final int CALLS_PER_METHOD = 25;
    /** Calls that may legitimately wait past the deadline (a lock or campaign that waits, a stream). */
    private static final Set<String> MAY_WAIT = Set.of("v3lockpb.Lock/Lock", "v3electionpb.Election/Campaign",
            "v3electionpb.Election/Observe", "etcdserverpb.Watch/Watch", "etcdserverpb.Lease/LeaseKeepAlive",
            "etcdserverpb.Maintenance/Snapshot");
    /** Auth management could switch auth on with a random root; it is fuzzed in AuthTest's own cases. */
    private static final Set<String> SKIPPED_SERVICES = Set.of("etcdserverpb.Auth");
    /** Codes a refused call may end with; UNKNOWN would mean an exception escaped a handler. */
    private static final Set<Status.Code> REFUSALS = EnumSet.of(Status.Code.OK, Status.Code.INVALID_ARGUMENT,
            Status.Code.INTERNAL, Status.Code.OUT_OF_RANGE, Status.Code.NOT_FOUND, Status.Code.FAILED_PRECONDITION,
            Status.Code.UNIMPLEMENTED, Status.Code.PERMISSION_DENIED, Status.Code.RESOURCE_EXHAUSTED,
            Status.Code.UNAVAILABLE, Status.Code.CANCELLED, Status.Code.ALREADY_EXISTS, Status.Code.UNAUTHENTICATED,
            Status.Code.DEADLINE_EXCEEDED);

    private static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    };

    @Test
    void randomAndMalformedRequestsAreRefusedOrAppliedAlikeAndEveryMemberKeepsServing() throws Exception {
        long seed = Long.getLong("etch.fuzz.seed", new Random().nextLong());
        System.out.println("BadInputFuzzTest seed " + seed + " (replay with -Detch.fuzz.seed=" + seed + ")");
        Random rnd = new Random(seed);
        try (EtchCluster cluster = EtchCluster.start(3)) {
            List<ManagedChannel> channels = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                channels.add(ManagedChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(i)).usePlaintext().build());
            }
            // etcd's answer to bytes that are not protobuf: grpc-go's INTERNAL "grpc: error unmarshalling request".
            MethodDescriptor<byte[], byte[]> rawPut = MethodDescriptor.<byte[], byte[]>newBuilder()
                    .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName(KVGrpc.getPutMethod().getFullMethodName())
                    .setRequestMarshaller(RAW).setResponseMarshaller(RAW).build();
            Status truncated = call(channels.get(0), rawPut, new byte[] {0x0a, 0x07}, 3000);
            assertThat(truncated.getCode()).isEqualTo(Status.Code.INTERNAL);
            assertThat(truncated.getDescription()).startsWith("grpc: error unmarshalling request: ");

            Map<String, Integer> outcomes = new TreeMap<>();
            List<String> problems = new ArrayList<>();
            int calls = 0;
            List<byte[]> seeds = validRequests();
            for (ServiceDescriptor service : List.of(KVGrpc.getServiceDescriptor(), WatchGrpc.getServiceDescriptor(),
                    LeaseGrpc.getServiceDescriptor(), ClusterGrpc.getServiceDescriptor(),
                    MaintenanceGrpc.getServiceDescriptor(), LockGrpc.getServiceDescriptor(),
                    ElectionGrpc.getServiceDescriptor())) {
                if (SKIPPED_SERVICES.contains(service.getName())) {
                    continue;
                }
                for (MethodDescriptor<?, ?> m : service.getMethods()) {
                    String name = m.getFullMethodName();
                    MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder()
                            .setType(m.getType()).setFullMethodName(name)
                            .setRequestMarshaller(RAW).setResponseMarshaller(RAW).build();
                    for (int c = 0; c < CALLS_PER_METHOD; c++) {
                        byte[] input = input(rnd, seeds);
                        ManagedChannel ch = channels.get(rnd.nextInt(3));
                        // Calls that wait by design end at their deadline: keep it short for them.
                        Status status = call(ch, raw, input, MAY_WAIT.contains(name) ? 300 : 3000);
                        calls++;
                        outcomes.merge(status.getCode().name(), 1, Integer::sum);
                        boolean waited = status.getCode() == Status.Code.DEADLINE_EXCEEDED;
                        // UNKNOWN is what etcd's Lock and Election send for their own plain errors; an exception that
                        // escaped a handler is UNKNOWN too, but with grpc-java's "Application error processing RPC".
                        boolean escaped = status.getCode() == Status.Code.UNKNOWN
                                && (status.getDescription() == null || status.getDescription().startsWith("Application error"));
                        boolean plain = status.getCode() == Status.Code.UNKNOWN && !escaped;
                        if (!(REFUSALS.contains(status.getCode()) || plain) || waited && !MAY_WAIT.contains(name)) {
                            problems.add(name + " with " + input.length + " bytes ("
                                    + java.util.HexFormat.of().formatHex(input, 0, Math.min(input.length, 48)) + ") ended " + status);
                        }
                    }
                }
            }
            int garbage = garbageOnPorts(cluster, rnd);
            System.out.printf("BadInputFuzzTest: %d calls, outcomes %s, %d garbage connections%n", calls, outcomes, garbage);
            assertThat(problems).as("calls that ended badly").isEmpty();

            // Every member still serves reads and writes, and all hold the same keys.
            for (int i = 0; i < 3; i++) {
                KVGrpc.newBlockingStub(channels.get(i)).withDeadlineAfter(20, TimeUnit.SECONDS)
                        .put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("/fuzz/after/" + i)).build());
            }
            long rev = KVGrpc.newBlockingStub(channels.get(0)).withDeadlineAfter(20, TimeUnit.SECONDS)
                    .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("/fuzz/after/2")).build())
                    .getHeader().getRevision();
            List<RangeResponse> all = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channels.get(i)).withDeadlineAfter(20, TimeUnit.SECONDS);
                // A linearizable read first, so the member has applied everything up to rev; then the full keyspace at rev.
                kv.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("/fuzz/after/2")).build());
                all.add(kv.range(RangeRequest.newBuilder().setKey(ByteString.copyFrom(new byte[] {0}))
                        .setRangeEnd(ByteString.copyFrom(new byte[] {0})).setRevision(rev).setSerializable(true).build()));
            }
            assertThat(all.get(1).getKvsList()).isEqualTo(all.get(0).getKvsList());
            assertThat(all.get(2).getKvsList()).isEqualTo(all.get(0).getKvsList());
            channels.forEach(ManagedChannel::shutdownNow);
        }
    }

    /** Well-formed requests to mutate: the fuzz reaches deeper than random bytes alone would. */
    private static List<byte[]> validRequests() {
        ByteString k = ByteString.copyFromUtf8("/fuzz/k");
        return List.of(
                PutRequest.newBuilder().setKey(k).setValue(ByteString.copyFromUtf8("v")).setPrevKv(true).build().toByteArray(),
                RangeRequest.newBuilder().setKey(k).setRangeEnd(ByteString.copyFromUtf8("/fuzz/l")).setLimit(3)
                        .setSortOrder(RangeRequest.SortOrder.DESCEND).build().toByteArray(),
                DeleteRangeRequest.newBuilder().setKey(k).setPrevKv(true).build().toByteArray(),
                TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestPut(
                        PutRequest.newBuilder().setKey(k).setValue(ByteString.copyFromUtf8("t")))).build().toByteArray(),
                WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder().setKey(k).setStartRevision(1))
                        .build().toByteArray(),
                LeaseGrantRequest.newBuilder().setTTL(5).build().toByteArray());
    }

    /** Random bytes, a mutated valid request (bytes flipped, truncated, repeated), an empty message or a huge one. */
    private static byte[] input(Random rnd, List<byte[]> seeds) {
        int kind = rnd.nextInt(10);
        if (kind == 0) {
            return new byte[0];
        }
        if (kind == 1) {
            byte[] big = new byte[2 * 1024 * 1024];
            rnd.nextBytes(big);
            return big;
        }
        if (kind < 5) {
            byte[] b = new byte[rnd.nextInt(512)];
            rnd.nextBytes(b);
            return b;
        }
        byte[] base = seeds.get(rnd.nextInt(seeds.size())).clone();
        switch (rnd.nextInt(3)) {
            case 0 -> {
                for (int i = 0; i < 1 + rnd.nextInt(4); i++) {
                    base[rnd.nextInt(base.length)] = (byte) rnd.nextInt(256);
                }
                return base;
            }
            case 1 -> {
                return java.util.Arrays.copyOf(base, rnd.nextInt(base.length));
            }
            default -> {
                byte[] twice = java.util.Arrays.copyOf(base, base.length * 2);
                System.arraycopy(base, 0, twice, base.length, base.length);
                return twice;
            }
        }
    }

    /** Sends one request (for streaming methods: the request and a half-close) and returns how the call ended. */
    private static Status call(ManagedChannel ch, MethodDescriptor<byte[], byte[]> method, byte[] input, long deadlineMs)
            throws Exception {
        CompletableFuture<Status> done = new CompletableFuture<>();
        ClientCall<byte[], byte[]> call = ch.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS));
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
                done.complete(status);
            }
        }, new Metadata());
        call.request(Integer.MAX_VALUE);
        call.sendMessage(input);
        call.halfClose();
        return done.get(deadlineMs + 10_000, TimeUnit.MILLISECONDS);
    }

    /** Raw bytes on each member's client and peer ports: random bytes, and an HTTP/2 preface followed by junk frames. */
    private static int garbageOnPorts(EtchCluster cluster, Random rnd) throws IOException {
        int connections = 0;
        byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int i = 0; i < 3; i++) {
            for (int port : List.of(cluster.clientPort(i), cluster.peerPort(i))) {
                for (int c = 0; c < 6; c++) {
                    try (Socket s = new Socket("127.0.0.1", port)) {
                        s.setSoTimeout(2000);
                        OutputStream out = s.getOutputStream();
                        byte[] junk = new byte[1 + rnd.nextInt(4096)];
                        rnd.nextBytes(junk);
                        if (c % 2 == 1) {
                            out.write(preface);
                            // a frame header claiming more bytes than follow: a truncated frame
                            out.write(new byte[] {0, 0x40, 0, (byte) rnd.nextInt(10), 0, 0, 0, 0, 1});
                        }
                        out.write(junk);
                        out.flush();
                        try {
                            s.getInputStream().read(new byte[1024]);
                        } catch (IOException e) {
                            // closed or timed out: either is fine
                        }
                    } catch (IOException e) {
                        // the member may close the connection while we write
                    }
                    connections++;
                }
            }
        }
        return connections;
    }
}
