package io.etch.bench;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.CompactionRequest;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code put}: writes {@code --total} keys. As in etcd's tool, a key is {@code --key-size} bytes
 * holding the zig-zag varint of a number below {@code --key-space-size} (random, or counting up
 * with {@code --sequential-keys}) followed by zero bytes; every put carries the same random value.
 * {@code --compact-interval} compacts every so often to {@code --compact-index-delta} revisions
 * behind the current one.
 */
@Command(name = "put", mixinStandardHelpOptions = true, description = "Benchmark put")
final class PutCommand implements Callable<Integer> {
    @ParentCommand
    BenchMain main;

    @Option(names = "--key-size", defaultValue = "8", description = "Key size of put request (default: ${DEFAULT-VALUE})")
    int keySize;

    @Option(names = "--val-size", defaultValue = "8", description = "Value size of put request (default: ${DEFAULT-VALUE})")
    int valSize;

    @Option(names = "--rate", defaultValue = "0", description = "Maximum puts per second (0 is no limit) (default: ${DEFAULT-VALUE})")
    int rate;

    @Option(names = "--total", defaultValue = "10000", description = "Total number of put requests (default: ${DEFAULT-VALUE})")
    int total;

    @Option(names = "--key-space-size", defaultValue = "1", description = "Maximum possible keys (default: ${DEFAULT-VALUE})")
    int keySpaceSize;

    @Option(names = "--sequential-keys", description = "Use sequential keys")
    boolean sequentialKeys;

    @Option(names = "--compact-interval", defaultValue = "0", paramLabel = "DURATION",
        description = "Interval to compact database (do not duplicate this with etcd's 'auto-compaction-retention' flag)"
            + " (e.g. --compact-interval=5m compacts every 5-minute) (default: ${DEFAULT-VALUE})")
    String compactInterval;

    @Option(names = "--compact-index-delta", defaultValue = "1000",
        description = "Delta between current revision and compact revision (e.g. current revision 10000, compact at 9000)"
            + " (default: ${DEFAULT-VALUE})")
    long compactIndexDelta;

    @Override
    public Integer call() throws Exception {
        if (keySpaceSize <= 0) {
            System.err.println("expected positive --key-space-size, got (" + keySpaceSize + ")");
            return 1;
        }
        if (total < 0 || valSize < 0) {
            System.err.println("expected non-negative --total and --val-size");
            return 1;
        }
        String tooSmall = Keys.checkKeySize(keySize, keySpaceSize);
        if (tooSmall != null) {
            System.err.println(tooSmall);
            return 1;
        }
        long compactNanos = GoFormat.parseDuration(compactInterval);
        BenchSettings settings = main.settings();
        RateLimiter limiter = RateLimiter.ofFlag(rate);
        ByteString value = Keys.randomValue(valSize);

        LoadRunner.Workload put = (channel, client) -> {
            KVGrpc.KVStub stub = KVGrpc.newStub(channel);
            return (index, done) -> {
                long n = sequentialKeys ? index % keySpaceSize : ThreadLocalRandom.current().nextInt(keySpaceSize);
                PutRequest req = PutRequest.newBuilder().setKey(Keys.keyBytes(keySize, n)).setValue(value).build();
                stub.put(req, LoadRunner.typed(done));
            };
        };
        Thread compactor = compactNanos > 0 ? startCompactor(settings, compactNanos) : null;
        LoadRunner.Results results;
        try {
            results = new LoadRunner(settings, System.err).run(total, limiter, put);
        } finally {
            if (compactor != null) {
                compactor.interrupt();
                compactor.join();
            }
        }
        Report report = results.report(settings);
        System.out.println(report);
        System.out.print(results.cpuLine());
        if (settings.resultLine()) {
            System.out.println(report.resultLine("put", results.cpuNanos, results.wallNanos));
        }
        return 0;
    }

    /** Every interval: read the current revision, compact to {@code --compact-index-delta} behind it. */
    private Thread startCompactor(BenchSettings settings, long intervalNanos) {
        Thread t = new Thread(() -> {
            ManagedChannel ch = Connections.open(settings.endpoints().get(0), settings.tls());
            try {
                KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch);
                while (true) {
                    TimeUnit.NANOSECONDS.sleep(intervalNanos);
                    try {
                        long rev = kv.withDeadlineAfter(5, TimeUnit.SECONDS)
                            .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("foo")).build())
                            .getHeader().getRevision();
                        long to = Math.max(0, rev - compactIndexDelta);
                        kv.withDeadlineAfter(5, TimeUnit.SECONDS).compact(CompactionRequest.newBuilder().setRevision(to).build());
                    } catch (StatusRuntimeException e) {
                        System.err.println("etch-bench: compaction failed: " + ErrorText.of(e));
                    }
                }
            } catch (InterruptedException e) {
                // the run is over
            } finally {
                ch.shutdownNow();
            }
        }, "etch-bench-compactor");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
