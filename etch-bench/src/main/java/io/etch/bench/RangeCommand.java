package io.etch.bench;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.RangeRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code range KEY [END]}: reads the same key (or range) {@code --total} times. */
@Command(name = "range", mixinStandardHelpOptions = true, description = "Benchmark range")
final class RangeCommand implements Callable<Integer> {
    @ParentCommand
    BenchMain main;

    @Parameters(index = "0", paramLabel = "KEY", description = "Key to read, or the start of the range")
    String key;

    @Parameters(index = "1", arity = "0..1", paramLabel = "END", description = "End of the range (exclusive)")
    String end;

    @Option(names = "--rate", defaultValue = "0",
        description = "Maximum range requests per second (0 is no limit) (default: ${DEFAULT-VALUE})")
    int rate;

    @Option(names = "--total", defaultValue = "10000", description = "Total number of range requests (default: ${DEFAULT-VALUE})")
    int total;

    @Option(names = "--consistency", defaultValue = "l", description = "Linearizable(l) or Serializable(s) (default: ${DEFAULT-VALUE})")
    String consistency;

    @Override
    public Integer call() throws Exception {
        Boolean serializable = Consistency.serializable(consistency);
        if (serializable == null) {
            return 1;
        }
        if (total < 0) {
            System.err.println("expected non-negative --total");
            return 1;
        }
        BenchSettings settings = main.settings();
        RateLimiter limiter = RateLimiter.ofFlag(rate);
        RangeRequest.Builder b = RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setSerializable(serializable);
        if (end != null) {
            b.setRangeEnd(ByteString.copyFromUtf8(end));
        }
        RangeRequest req = b.build();
        LoadRunner.Results results = new LoadRunner(settings, System.err).run(total, limiter, (channel, client) -> {
            KVGrpc.KVStub stub = KVGrpc.newStub(channel);
            return (index, done) -> stub.range(req, LoadRunner.typed(done));
        });
        Report report = results.report(settings);
        System.out.print(report);
        System.out.print(results.cpuLine());
        if (settings.resultLine()) {
            System.out.println(report.resultLine("range", results.cpuNanos, results.wallNanos));
        }
        return 0;
    }
}
