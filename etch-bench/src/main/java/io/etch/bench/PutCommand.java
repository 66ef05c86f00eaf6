package io.etch.bench;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.PutRequest;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code put}: writes {@code --total} keys. As in etcd's tool, a key is {@code --key-size} bytes
 * holding the zig-zag varint of a number below {@code --key-space-size} (random, or counting up
 * with {@code --sequential-keys}) followed by zero bytes; every put carries the same random value.
 */
@Command(name = "put", mixinStandardHelpOptions = true, description = "Benchmark put")
final class PutCommand implements Callable<Integer> {
    @ParentCommand
    BenchMain main;

    @Option(names = "--key-size", defaultValue = "8", description = "Key size of put request (default: ${DEFAULT-VALUE})")
    int keySize;

    @Option(names = "--val-size", defaultValue = "8", description = "Value size of put request (default: ${DEFAULT-VALUE})")
    int valSize;

    @Option(names = "--total", defaultValue = "10000", description = "Total number of put requests (default: ${DEFAULT-VALUE})")
    int total;

    @Option(names = "--key-space-size", defaultValue = "1", description = "Maximum possible keys (default: ${DEFAULT-VALUE})")
    int keySpaceSize;

    @Option(names = "--sequential-keys", description = "Use sequential keys")
    boolean sequentialKeys;

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
        int needed = Keys.varintLength(Keys.zigZag(keySpaceSize - 1L));
        if (keySize < needed) {
            System.err.println("--key-size " + keySize + " is too small for --key-space-size " + keySpaceSize
                + " (needs " + needed + " bytes)");
            return 1;
        }
        LoadRunner.Settings settings = main.settings();
        byte[] v = new byte[valSize];
        new SecureRandom().nextBytes(v);
        ByteString value = ByteString.copyFrom(v);

        LoadRunner.Workload put = (stub, index, done) -> {
            long n = sequentialKeys ? index % keySpaceSize : ThreadLocalRandom.current().nextInt(keySpaceSize);
            PutRequest req = PutRequest.newBuilder()
                .setKey(ByteString.copyFrom(Keys.key(keySize, n)))
                .setValue(value)
                .build();
            stub.put(req, LoadRunner.typed(done));
        };
        Report report = new LoadRunner(settings, System.err).run(total, put);
        System.out.println(report);
        return 0;
    }
}
