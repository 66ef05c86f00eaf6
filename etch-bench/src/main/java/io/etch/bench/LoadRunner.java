package io.etch.bench;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.RangeRequest;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;

/**
 * Drives {@code total} requests through {@code clients} logical clients spread round-robin over
 * {@code conns} gRPC connections (themselves spread over the endpoints). Each client keeps exactly
 * one request in flight and sends its next one from the completion callback, so at most
 * {@code clients} requests are outstanding at any time; with {@code --rate} each request first
 * waits for its slot. Nothing else runs per request: no thread per client, no queue.
 */
final class LoadRunner {
    /** Sends request number {@code index} (0-based); the outcome goes to {@code done}. */
    @FunctionalInterface
    interface Sender {
        /**
         * {@code done.onCompleted()} reports success, {@code done.onError(t)} failure, exactly one
         * of them once; {@code onNext} is ignored. May be called on any thread.
         */
        void send(int index, StreamObserver<Object> done);
    }

    /** Makes one client's sender; called once per client, before the run starts (it may block). */
    @FunctionalInterface
    interface Workload {
        Sender client(ManagedChannel channel, int clientIndex) throws Exception;
    }

    /** What the warm-up reads: a key benchmarks do not write. */
    static final ByteString WARMUP_KEY = ByteString.copyFromUtf8("\0etch-bench-warmup");

    private final BenchSettings settings;
    private final PrintStream err;

    LoadRunner(BenchSettings settings, PrintStream err) {
        this.settings = settings;
        this.err = err;
    }

    /** Lets a client, which accepts any response, observe a call with a specific response type. */
    @SuppressWarnings("unchecked")
    static <T> StreamObserver<T> typed(StreamObserver<Object> observer) {
        return (StreamObserver<T>) (StreamObserver<?>) observer;
    }

    /**
     * Runs the load with one sender for every client; {@code rate} may be null (no limit). First,
     * untimed, {@code --warmup} serializable reads of a key that does not exist, so that the
     * client's JIT compiles the request path before the measured run instead of during it.
     */
    Results run(int total, RateLimiter rate, Workload workload) throws Exception {
        List<ManagedChannel> channels = Connections.open(settings, settings.conns(), err);
        ScheduledExecutorService scheduler = null;
        try {
            if (settings.warmup() > 0) {
                RangeRequest probe = RangeRequest.newBuilder().setKey(WARMUP_KEY).setSerializable(true).build();
                Results warm = phase(channels, settings.warmup(), null, null, false, (channel, client) -> {
                    KVGrpc.KVStub stub = KVGrpc.newStub(channel);
                    return (index, done) -> stub.range(probe, typed(done));
                });
                long failed = Arrays.stream(warm.errors).filter(e -> e != null).count();
                if (failed == warm.total()) {
                    err.println("etch-bench: every warm-up read failed, e.g. " + warm.errors[0]);
                }
            }
            if (rate != null) {
                ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
                    Thread t = new Thread(r, "etch-bench-rate");
                    t.setDaemon(true);
                    return t;
                });
                s.setRemoveOnCancelPolicy(true);
                scheduler = s;
            }
            return phase(channels, total, rate, scheduler, settings.progress(), workload);
        } finally {
            if (scheduler != null) {
                scheduler.shutdownNow();
            }
            Connections.close(channels);
        }
    }

    private Results phase(List<ManagedChannel> channels, int total, RateLimiter rate, ScheduledExecutorService scheduler,
                          boolean progress, Workload workload) throws Exception {
        Results results = new Results(total, settings.sample());
        AtomicInteger issued = new AtomicInteger();
        CountDownLatch finished = new CountDownLatch(settings.clients());
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < settings.clients(); i++) {
            Sender sender = workload.client(channels.get(i % channels.size()), i);
            clients.add(new Client(sender, total, issued, results, finished, rate, scheduler));
        }
        ProgressBar bar = new ProgressBar(err, total, results.completed::get, progress);
        long cpu0 = CpuClock.processCpuNanos();
        results.startUnixNanos = System.currentTimeMillis() * 1_000_000L;
        results.startNanos = System.nanoTime();
        bar.start();
        for (Client c : clients) {
            c.requestNext();
        }
        finished.await();
        results.wallNanos = System.nanoTime() - results.startNanos;
        long cpu1 = CpuClock.processCpuNanos();
        results.cpuNanos = cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1;
        bar.finish();
        return results;
    }

    /**
     * What every request did, by index: its latency (or its error) and, with {@code --sample},
     * when it started. Written by the clients' callbacks (each index by one client), read after
     * the run.
     */
    static final class Results {
        private static final long NOT_DONE = -1;

        final long[] latencyNanos;
        final String[] errors;
        final long[] sentNanos;
        final AtomicInteger completed = new AtomicInteger();
        long startNanos;
        long startUnixNanos;
        long wallNanos;
        long cpuNanos = -1;

        Results(int total, boolean keepStartTimes) {
            latencyNanos = new long[total];
            Arrays.fill(latencyNanos, NOT_DONE);
            errors = new String[total];
            sentNanos = keepStartTimes ? new long[total] : null;
        }

        int total() {
            return latencyNanos.length;
        }

        void success(int index, long sent, long end) {
            latencyNanos[index] = end - sent;
            if (sentNanos != null) {
                sentNanos[index] = sent;
            }
            completed.incrementAndGet();
        }

        void failure(int index, Throwable t) {
            errors[index] = ErrorText.of(t);
            completed.incrementAndGet();
        }

        double wallSeconds() {
            return wallNanos / 1e9;
        }

        /** The report of the requests whose index {@code which} accepts. */
        Report report(IntPredicate which, BenchSettings s) {
            int n = 0;
            for (int i = 0; i < total(); i++) {
                if (which.test(i) && latencyNanos[i] != NOT_DONE && errors[i] == null) {
                    n++;
                }
            }
            double[] lats = new double[n];
            long[] starts = sentNanos != null ? new long[n] : null;
            long[] latNanos = sentNanos != null ? new long[n] : null;
            Map<String, Long> errs = new HashMap<>();
            int k = 0;
            for (int i = 0; i < total(); i++) {
                if (!which.test(i)) {
                    continue;
                }
                if (errors[i] != null) {
                    errs.merge(errors[i], 1L, Long::sum);
                } else if (latencyNanos[i] != NOT_DONE) {
                    lats[k] = latencyNanos[i] / 1e9;
                    if (starts != null) {
                        starts[k] = startUnixNanos + (sentNanos[i] - startNanos);
                        latNanos[k] = latencyNanos[i];
                    }
                    k++;
                }
            }
            TimeSeries series = starts != null ? TimeSeries.of(starts, latNanos) : null;
            return new Report(lats, errs, wallSeconds(), s.precise(), series);
        }

        Report report(BenchSettings s) {
            return report(i -> true, s);
        }

        /** The line about the client's own CPU use that follows every report. */
        String cpuLine() {
            return cpuLine(cpuNanos, wallNanos, CpuClock.processCpuNanos(), CpuClock.cores());
        }

        static String cpuLine(long runCpuNanos, long runWallNanos, long processCpuNanos, int cores) {
            if (runCpuNanos < 0) {
                return "\nClient CPU:\tunknown.\n";
            }
            return String.format(Locale.ROOT, "%nClient CPU:\t%.4f secs during the run (%.2f of %d cores), %.4f secs in all.%n",
                runCpuNanos / 1e9, clientCores(runCpuNanos, runWallNanos), cores, processCpuNanos / 1e9);
        }

        /** Cores the client kept busy on average over the run. */
        static double clientCores(long cpuNanos, long wallNanos) {
            return wallNanos > 0 && cpuNanos >= 0 ? (double) cpuNanos / wallNanos : 0;
        }
    }

    /**
     * One logical client: one request in flight. A completion may arrive on the sending thread
     * (e.g. an immediate failure), so sending is trampolined instead of recursing.
     */
    private static final class Client implements StreamObserver<Object> {
        private final Sender sender;
        private final int total;
        private final AtomicInteger issued;
        private final Results results;
        private final CountDownLatch finished;
        private final RateLimiter rate;
        private final ScheduledExecutorService scheduler;
        private final AtomicInteger wip = new AtomicInteger();
        private int index;
        private long sentNanos;

        Client(Sender sender, int total, AtomicInteger issued, Results results, CountDownLatch finished,
               RateLimiter rate, ScheduledExecutorService scheduler) {
            this.sender = sender;
            this.total = total;
            this.issued = issued;
            this.results = results;
            this.finished = finished;
            this.rate = rate;
            this.scheduler = scheduler;
        }

        void requestNext() {
            if (wip.getAndIncrement() != 0) {
                return;
            }
            int missed = 1;
            do {
                next();
                missed = wip.addAndGet(-missed);
            } while (missed != 0);
        }

        private void next() {
            int i = issued.getAndIncrement();
            if (i >= total) {
                finished.countDown();
                return;
            }
            if (rate != null) {
                long now = System.nanoTime();
                long wait = rate.reserve(now) - now;
                if (wait > 0) {
                    scheduler.schedule(() -> start(i), wait, TimeUnit.NANOSECONDS);
                    return;
                }
            }
            start(i);
        }

        private void start(int i) {
            index = i;
            sentNanos = System.nanoTime();
            try {
                sender.send(i, this);
            } catch (RuntimeException e) {
                onError(e);
            }
        }

        @Override
        public void onNext(Object response) {
        }

        @Override
        public void onError(Throwable t) {
            results.failure(index, t);
            requestNext();
        }

        @Override
        public void onCompleted() {
            results.success(index, sentNanos, System.nanoTime());
            requestNext();
        }
    }
}
