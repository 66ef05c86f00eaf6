package io.etch.bench;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.TxnRequest;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code txn-mixed}: {@code --total} transactions of one operation each, a read with probability
 * {@code rw-ratio / (1 + rw-ratio)} and a put otherwise, as etcd 3.5's tool. A read is a range over
 * the whole key space ({@code \0} to {@code \0}) with {@code --limit}; etcd's tool accepts
 * {@code --end-key} but its prefix option overrides it, so it reads the whole key space whatever
 * {@code --end-key} says: here a non-empty {@code --end-key} is honoured, reading from {@code \0}
 * up to it (leave it empty for etcd's load). The put of transaction i writes key number
 * {@code i mod key-space-size}. Reads and writes are reported apart, each with its own summary.
 */
@Command(name = "txn-mixed", mixinStandardHelpOptions = true, description = "Benchmark a mixed load of txn-put & txn-range.")
final class TxnMixedCommand implements Callable<Integer> {
    @ParentCommand
    BenchMain main;

    @Parameters(arity = "0..2", paramLabel = "KEY", hidden = true,
        description = "Accepted for etcd's usage line (txn-mixed key [end-range]) and, as there, not used")
    String[] ignoredArgs;

    @Option(names = "--key-size", defaultValue = "8", description = "Key size of mixed txn (default: ${DEFAULT-VALUE})")
    int keySize;

    @Option(names = "--val-size", defaultValue = "8", description = "Value size of mixed txn (default: ${DEFAULT-VALUE})")
    int valSize;

    @Option(names = "--rate", defaultValue = "0", description = "Maximum txns per second (0 is no limit) (default: ${DEFAULT-VALUE})")
    int rate;

    @Option(names = "--total", defaultValue = "10000", description = "Total number of txn requests (default: ${DEFAULT-VALUE})")
    int total;

    @Option(names = "--end-key", defaultValue = "",
        description = "Read operation range end key. By default, we do full range query with the default limit of 1000.")
    String endKey;

    @Option(names = "--limit", defaultValue = "1000", description = "Read operation range result limit (default: ${DEFAULT-VALUE})")
    long limit;

    @Option(names = "--key-space-size", defaultValue = "1", description = "Maximum possible keys (default: ${DEFAULT-VALUE})")
    int keySpaceSize;

    @Option(names = "--consistency", defaultValue = "l", description = "Linearizable(l) or Serializable(s) (default: ${DEFAULT-VALUE})")
    String consistency;

    @Option(names = "--rw-ratio", defaultValue = "1", description = "Read/write ops ratio (default: ${DEFAULT-VALUE})")
    double rwRatio;

    /** Which transactions read: each independently with probability {@code rwRatio / (1 + rwRatio)}. */
    static boolean[] reads(int total, double rwRatio, Random random) {
        double p = rwRatio / (1 + rwRatio);
        boolean[] r = new boolean[total];
        for (int i = 0; i < total; i++) {
            r[i] = random.nextDouble() < p;
        }
        return r;
    }

    /** The read every read transaction does. */
    static RangeRequest readRequest(String endKey, long limit, boolean serializable) {
        ByteString zero = ByteString.copyFrom(new byte[] {0});
        return RangeRequest.newBuilder()
            .setKey(zero)
            .setRangeEnd(endKey.isEmpty() ? zero : ByteString.copyFromUtf8(endKey))
            .setLimit(limit)
            .setSerializable(serializable)
            .build();
    }

    @Override
    public Integer call() throws Exception {
        if (keySpaceSize <= 0) {
            System.err.println("expected positive --key-space-size, got (" + keySpaceSize + ")");
            return 1;
        }
        Boolean serializable = Consistency.serializable(consistency);
        if (serializable == null) {
            return 1;
        }
        if (total < 0 || valSize < 0 || limit < 0 || rwRatio < 0 || Double.isNaN(rwRatio)) {
            System.err.println("expected non-negative --total, --val-size, --limit and --rw-ratio");
            return 1;
        }
        String tooSmall = Keys.checkKeySize(keySize, keySpaceSize);
        if (tooSmall != null) {
            System.err.println(tooSmall);
            return 1;
        }
        BenchSettings settings = main.settings();
        RateLimiter limiter = RateLimiter.ofFlag(rate);
        ByteString value = Keys.randomValue(valSize);
        boolean[] reads = reads(total, rwRatio, new Random());
        TxnRequest read = TxnRequest.newBuilder()
            .addSuccess(RequestOp.newBuilder().setRequestRange(readRequest(endKey, limit, serializable))).build();
        LoadRunner.Results results = new LoadRunner(settings, System.err).run(total, limiter, (channel, client) -> {
            KVGrpc.KVStub stub = KVGrpc.newStub(channel);
            return (index, done) -> {
                TxnRequest txn = reads[index] ? read : TxnRequest.newBuilder()
                    .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
                        .setKey(Keys.keyBytes(keySize, index % keySpaceSize)).setValue(value)))
                    .build();
                stub.txn(txn, LoadRunner.typed(done));
            };
        });
        int readCount = 0;
        for (boolean r : reads) {
            readCount += r ? 1 : 0;
        }
        Report readReport = results.report(i -> reads[i], settings);
        Report writeReport = results.report(i -> !reads[i], settings);
        System.out.print("Total Read Ops: " + readCount + "\nDetails:");
        System.out.println(readReport);
        System.out.print("Total Write Ops: " + (total - readCount) + "\nDetails:");
        System.out.println(writeReport);
        System.out.print(results.cpuLine());
        if (settings.resultLine()) {
            System.out.println(results.report(settings).resultLine("txn-mixed", results.cpuNanos, results.wallNanos));
            System.out.println(readReport.resultLine("txn-mixed-read", results.cpuNanos, results.wallNanos));
            System.out.println(writeReport.resultLine("txn-mixed-write", results.cpuNanos, results.wallNanos));
        }
        return 0;
    }
}
