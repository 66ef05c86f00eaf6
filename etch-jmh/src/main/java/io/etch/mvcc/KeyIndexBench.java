package io.etch.mvcc;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The published key index on the apply thread's path: the lookup every put makes, publishing a
 * new version of an existing key, and creating a key. Package io.etch.mvcc to reach the index.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class KeyIndexBench {
    @Param({"100000", "1000000"})
    int keys;

    TreeIndex index;
    ByteString[] existing;
    long rev;

    static ByteString key(long i) {
        return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(0, i * 0x9E3779B97F4A7C15L).putLong(8, i).array());
    }

    @Setup
    public void fill() {
        Map<ByteString, KeyIndex> m = new HashMap<>();
        existing = new ByteString[keys];
        for (int i = 0; i < keys; i++) {
            existing[i] = key(i);
            m.put(existing[i], KeyIndex.created(existing[i], new Revision(i + 2, 0)));
        }
        index = TreeIndex.of(m);
        rev = keys + 2;
    }

    private ByteString any() {
        return existing[ThreadLocalRandom.current().nextInt(keys)];
    }

    @Benchmark
    public KeyIndex lookUpOneKey() {
        return index.get(any());
    }

    @Benchmark
    public void publishNewVersionOfExistingKey() {
        ByteString k = any();
        index.publish(k, index.get(k).put(new Revision(++rev, 0)));
    }

    @Benchmark
    public void createKey() {
        ByteString k = key(keys + ++rev);
        index.publish(k, KeyIndex.created(k, new Revision(rev, 0)));
    }

    @Benchmark
    public int compareKeys() {
        return KeyOrder.compare(any(), any());
    }
}
