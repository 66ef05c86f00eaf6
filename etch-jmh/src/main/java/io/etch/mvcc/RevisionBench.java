package io.etch.mvcc;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Revision encoding: every stored change is keyed by its 16-byte revision. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RevisionBench {
    long main = 1_000_000;
    byte[] encoded = new Revision(123_456_789, 3).toBytes();

    @Benchmark
    public byte[] encode() {
        return new Revision(++main, 7).toBytes();
    }

    @Benchmark
    public Revision decode() {
        return Revision.fromBytes(encoded);
    }
}
