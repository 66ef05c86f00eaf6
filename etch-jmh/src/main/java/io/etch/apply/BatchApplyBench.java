package io.etch.apply;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.raftpb.RaftBatch;
import io.etch.api.raftpb.RaftEntry;
import io.etch.api.raftpb.RaftReply;
import io.etch.lease.Lessor;
import io.etch.mvcc.MvccStore;
import io.etch.storage.Backend;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Apply of a batch entry of puts (16-byte keys from a space of 100,000, 256-byte values) on a real
 * RocksDB store in a temporary directory: what the apply thread does per Raft entry under load.
 * Reported per put.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BatchApplyBench {
    static final int BATCH = 100;

    @Param({"1", "100"})
    int batch;

    Path dir;
    Backend backend;
    MvccStore store;
    Applier applier;
    long index;
    final ByteString value = ByteString.copyFrom(new byte[256]);

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory("etch-jmh");
        backend = Backend.open(dir);
        store = MvccStore.open(backend);
        applier = new Applier(backend, store, Lessor.open(backend, store, Long.MAX_VALUE));
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        store.close();
        backend.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private RaftEntry put() {
        long k = ThreadLocalRandom.current().nextLong(100_000);
        ByteString key = ByteString.copyFrom(ByteBuffer.allocate(16).putLong(0, k).putLong(8, ~k).array());
        return RaftEntry.newBuilder().setPut(PutRequest.newBuilder().setKey(key).setValue(value)).build();
    }

    /** BATCH puts, as {@code batch}-sized entries. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public RaftReply applyPuts() {
        RaftReply last = null;
        for (int done = 0; done < BATCH; done += batch) {
            RaftEntry entry;
            if (batch == 1) {
                entry = put();
            } else {
                RaftBatch.Builder b = RaftBatch.newBuilder();
                for (int i = 0; i < batch; i++) {
                    b.addEntries(put());
                }
                entry = RaftEntry.newBuilder().setBatch(b).build();
            }
            last = applier.apply(entry, 1, ++index);
        }
        return last;
    }
}
