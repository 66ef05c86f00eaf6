package io.etch.bench;

import com.google.protobuf.ByteString;
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

    @Option(names = "--total", defaultValue = "10000", description = "Total number of range requests (default: ${DEFAULT-VALUE})")
    int total;

    @Option(names = "--consistency", defaultValue = "l", description = "Linearizable(l) or Serializable(s) (default: ${DEFAULT-VALUE})")
    String consistency;

    @Override
    public Integer call() throws Exception {
        boolean serializable;
        if (consistency.equals("l")) {
            System.out.println("bench with linearizable range");
            serializable = false;
        } else if (consistency.equals("s")) {
            System.out.println("bench with serializable range");
            serializable = true;
        } else {
            System.err.println("--consistency must be l or s, got " + consistency);
            return 1;
        }
        if (total < 0) {
            System.err.println("expected non-negative --total");
            return 1;
        }
        LoadRunner.Settings settings = main.settings();
        RangeRequest.Builder b = RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setSerializable(serializable);
        if (end != null) {
            b.setRangeEnd(ByteString.copyFromUtf8(end));
        }
        RangeRequest req = b.build();
        Report report = new LoadRunner(settings, System.err).run(total, (stub, index, done) -> stub.range(req, LoadRunner.typed(done)));
        System.out.print(report);
        return 0;
    }
}
