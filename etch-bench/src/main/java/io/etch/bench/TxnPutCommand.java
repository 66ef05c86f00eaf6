package io.etch.bench;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.TxnRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code txn-put}: {@code --total} transactions without compares, each putting {@code --txn-ops}
 * keys. As in etcd's tool (3.4, 3.5), transaction i puts key numbers
 * {@code (i * txn-ops + j) mod key-space-size} for j below {@code --txn-ops}, all with the same
 * random value; keys are made as {@code put} makes them.
 */
@Command(name = "txn-put", mixinStandardHelpOptions = true, description = "Benchmark txn-put")
final class TxnPutCommand implements Callable<Integer> {
    @ParentCommand
    BenchMain main;

    @Option(names = "--key-size", defaultValue = "8", description = "Key size of txn put (default: ${DEFAULT-VALUE})")
    int keySize;

    @Option(names = "--val-size", defaultValue = "8", description = "Value size of txn put (default: ${DEFAULT-VALUE})")
    int valSize;

    @Option(names = "--txn-ops", defaultValue = "1", description = "Number of puts per txn (default: ${DEFAULT-VALUE})")
    int txnOps;

    @Option(names = "--rate", defaultValue = "0", description = "Maximum txns per second (0 is no limit) (default: ${DEFAULT-VALUE})")
    int rate;

    @Option(names = "--total", defaultValue = "10000", description = "Total number of txn requests (default: ${DEFAULT-VALUE})")
    int total;

    @Option(names = "--key-space-size", defaultValue = "1", description = "Maximum possible keys (default: ${DEFAULT-VALUE})")
    int keySpaceSize;

    /** Key numbers of transaction {@code index}'s puts. */
    static long[] keyNumbers(int index, int txnOps, int keySpaceSize) {
        long[] n = new long[txnOps];
        for (int j = 0; j < txnOps; j++) {
            n[j] = ((long) index * txnOps + j) % keySpaceSize;
        }
        return n;
    }

    @Override
    public Integer call() throws Exception {
        if (keySpaceSize <= 0) {
            System.err.println("expected positive --key-space-size, got (" + keySpaceSize + ")");
            return 1;
        }
        if (txnOps <= 0) {
            System.err.println("expected positive --txn-ops, got (" + txnOps + ")");
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
        BenchSettings settings = main.settings();
        RateLimiter limiter = RateLimiter.ofFlag(rate);
        ByteString value = Keys.randomValue(valSize);
        LoadRunner.Results results = new LoadRunner(settings, System.err).run(total, limiter, (channel, client) -> {
            KVGrpc.KVStub stub = KVGrpc.newStub(channel);
            return (index, done) -> {
                TxnRequest.Builder txn = TxnRequest.newBuilder();
                for (long n : keyNumbers(index, txnOps, keySpaceSize)) {
                    txn.addSuccess(RequestOp.newBuilder().setRequestPut(
                        PutRequest.newBuilder().setKey(Keys.keyBytes(keySize, n)).setValue(value)));
                }
                stub.txn(txn.build(), LoadRunner.typed(done));
            };
        });
        Report report = results.report(settings);
        System.out.println(report);
        System.out.print(results.cpuLine());
        if (settings.resultLine()) {
            System.out.println(report.resultLine("txn-put", results.cpuNanos, results.wallNanos));
        }
        return 0;
    }
}
