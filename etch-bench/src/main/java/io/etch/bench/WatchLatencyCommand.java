package io.etch.bench;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.PutResponse;
import io.etch.api.etcdserverpb.WatchCreateRequest;
import io.etch.api.etcdserverpb.WatchGrpc;
import io.etch.api.etcdserverpb.WatchRequest;
import io.etch.api.etcdserverpb.WatchResponse;
import io.etch.api.mvccpb.Event;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code watch-latency}: {@code --watchers} watchers on one key, spread over {@code --streams}
 * Watch streams (themselves spread over {@code --conns} connections), and {@code --total} puts
 * to that key at {@code --put-rate} per second from a connection of their own. As in etcd's tool,
 * the watchers default to one per client ({@code --clients}) and the streams to one per
 * connection. Reports the put-to-event latency of every event every watcher receives (from
 * sending the put; etcd's {@code watch-latency} measures from the put's response, which is printed
 * as well) and the fan-out throughput, events delivered per second across all watchers. Unlike
 * etcd's tool, which waits for every watcher to see a put before the next one, the puts keep
 * their schedule (at most 1000 in flight).
 */
@Command(name = "watch-latency", mixinStandardHelpOptions = true, description = {"Benchmark watch latency and fan-out",
    "Measures the time from sending a put to a watched key until each watcher receives its event,",
    "and how many events per second reach the watchers."})
final class WatchLatencyCommand implements Callable<Integer> {
    private static final long CREATE_TIMEOUT_SECONDS = 60;
    private static final long DRAIN_TIMEOUT_SECONDS = 30;
    private static final int MAX_PUTS_IN_FLIGHT = 1000;

    @ParentCommand
    BenchMain main;

    @Option(names = "--watchers", description = "Total number of watchers, all on the same key (default: --clients)")
    Integer watchersFlag;

    @Option(names = "--streams", description = "Number of gRPC watch streams the watchers are spread over (default: --conns)")
    Integer streamsFlag;

    @Option(names = {"--total", "--put-total"}, defaultValue = "10000", description = "Total number of put requests (default: ${DEFAULT-VALUE})")
    int putTotal;

    @Option(names = "--put-rate", defaultValue = "100", description = "Number of keys to put per second (default: ${DEFAULT-VALUE})")
    int putRate;

    @Option(names = "--key-size", defaultValue = "32", description = "Key size of watch response (default: ${DEFAULT-VALUE})")
    int keySize;

    @Option(names = "--val-size", defaultValue = "32", description = "Value size of watch response (default: ${DEFAULT-VALUE})")
    int valSize;

    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

    @Override
    public Integer call() throws Exception {
        BenchSettings settings = main.settings();
        int watchers = watchersFlag != null ? watchersFlag : settings.clients();
        int streams = streamsFlag != null ? streamsFlag : settings.conns();
        if (watchers <= 0 || streams <= 0 || putTotal <= 0 || putRate <= 0 || keySize <= 0) {
            System.err.println("expected positive --watchers, --streams, --put-total, --put-rate and --key-size");
            return 1;
        }
        if (valSize < 0) {
            System.err.println("expected non-negative --val-size");
            return 1;
        }
        if ((long) watchers * putTotal > 50_000_000L) {
            System.err.println("--watchers x --put-total is over 50,000,000 events; every latency is kept, lower one of them");
            return 1;
        }
        streams = Math.min(streams, watchers);
        SecureRandom random = new SecureRandom();
        byte[] k = new byte[keySize];
        random.nextBytes(k);
        byte[] v = new byte[valSize];
        random.nextBytes(v);
        ByteString key = ByteString.copyFrom(k);
        ByteString value = ByteString.copyFrom(v);

        List<ManagedChannel> watchChannels = new ArrayList<>();
        List<ManagedChannel> all = new ArrayList<>();
        try {
            for (int i = 0; i < settings.conns(); i++) {
                watchChannels.add(Connections.open(settings.endpoints().get(i % settings.endpoints().size()), settings.tls()));
            }
            ManagedChannel putChannel = Connections.open(settings.endpoints().get(0), settings.tls());
            all.addAll(watchChannels);
            all.add(putChannel);
            Connections.awaitConnected(all, settings.dialTimeoutMillis(), System.err);

            // Watch phase: every stream creates its share of the watchers, as fast as its flow control allows.
            CountDownLatch created = new CountDownLatch(watchers);
            AtomicLong delivered = new AtomicLong();
            List<WatchStream> ws = new ArrayList<>();
            WatchRequest create = WatchRequest.newBuilder()
                .setCreateRequest(WatchCreateRequest.newBuilder().setKey(key)).build();
            long t0 = System.nanoTime();
            for (int s = 0; s < streams; s++) {
                int share = watchers / streams + (s < watchers % streams ? 1 : 0);
                WatchStream stream = new WatchStream(create, share, putTotal, created, delivered);
                ws.add(stream);
                WatchGrpc.newStub(watchChannels.get(s % watchChannels.size())).watch(stream);
            }
            if (!created.await(CREATE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                System.err.println("etch-bench: only " + (watchers - created.getCount()) + " of " + watchers
                    + " watchers created after " + CREATE_TIMEOUT_SECONDS + " s");
                printErrors();
                return 1;
            }
            System.out.printf(Locale.ROOT, "Created %d watchers on %d streams over %d connections in %.4f secs.%n",
                watchers, streams, watchChannels.size(), (System.nanoTime() - t0) / 1e9);

            // Put phase: an even schedule from one connection, at most MAX_PUTS_IN_FLIGHT outstanding.
            WatchStats.Puts puts = new WatchStats.Puts(putTotal);
            CountDownLatch putsDone = new CountDownLatch(putTotal);
            Semaphore inFlight = new Semaphore(MAX_PUTS_IN_FLIGHT);
            KVGrpc.KVStub kv = KVGrpc.newStub(putChannel);
            ProgressBar bar = new ProgressBar(System.err, putTotal, () -> putTotal - putsDone.getCount(), settings.progress());
            long cpu0 = CpuClock.processCpuNanos();
            long start = System.nanoTime();
            bar.start();
            for (int i = 0; i < putTotal; i++) {
                long due = start + WatchStats.dueNanos(i, putRate);
                for (long left; (left = due - System.nanoTime()) > 0; ) {
                    LockSupport.parkNanos(left);
                }
                inFlight.acquire();
                int index = i;
                puts.sent[index] = System.nanoTime();
                kv.put(PutRequest.newBuilder().setKey(key).setValue(value).build(), new StreamObserver<PutResponse>() {
                    @Override
                    public void onNext(PutResponse r) {
                        puts.revision[index] = r.getHeader().getRevision();
                    }

                    @Override
                    public void onError(Throwable t) {
                        puts.revision[index] = 0;
                        error("put", t);
                        inFlight.release();
                        putsDone.countDown();
                    }

                    @Override
                    public void onCompleted() {
                        puts.acked[index] = System.nanoTime();
                        inFlight.release();
                        putsDone.countDown();
                    }
                });
            }
            double putSeconds = (System.nanoTime() - start) / 1e9;
            putsDone.await();
            int okPuts = 0;
            for (long r : puts.revision) {
                okPuts += r > 0 ? 1 : 0;
            }
            long expected = (long) watchers * okPuts;
            long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DRAIN_TIMEOUT_SECONDS);
            while (delivered.get() < expected && System.nanoTime() < drainDeadline && !anyStreamEnded(ws)) {
                Thread.sleep(5);
            }
            for (WatchStream s : ws) {
                s.close();
            }
            long wall = System.nanoTime() - start;
            long cpu1 = CpuClock.processCpuNanos();
            long cpu = cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1;
            bar.finish();

            WatchStats.Matched m = WatchStats.match(puts, ws.stream().map(s -> s.arrivals).toList());
            int shortWatchers = 0;
            for (WatchStream s : ws) {
                shortWatchers += s.watchersShortOf(okPuts);
            }
            Map<String, Long> errs = new HashMap<>();
            errors.forEach((msg, n) -> errs.put(msg, n.sum()));
            double span = m.spanNanos() / 1e9;
            System.out.printf(Locale.ROOT, "Sent %d puts (%d succeeded) in %.4f secs, %.1f puts/sec (asked for %d).%n",
                putTotal, okPuts, putSeconds, putTotal / putSeconds, putRate);
            System.out.println("\nPut-to-event latency, from sending the put (every event of every watcher):");
            Report fromSend = new Report(m.fromSend(), errs, span, settings.precise(), null);
            System.out.print(fromSend);
            System.out.println("\nPut-to-event latency, from the put's response (as etcd's watch-latency measures; "
                + "negative when the event came first):");
            System.out.print(latencyLines(m.fromAck()));
            System.out.printf(Locale.ROOT, "%nFan-out:%n  Events:\t%d of %d expected (%d watchers x %d puts).%n",
                m.events(), expected, watchers, okPuts);
            if (shortWatchers > 0) {
                System.out.printf(Locale.ROOT, "  Watchers short of events:\t%d%n", shortWatchers);
            }
            if (m.foreign() > 0) {
                System.out.printf(Locale.ROOT, "  Events of other writers:\t%d%n", m.foreign());
            }
            System.out.printf(Locale.ROOT, "  Span:\t%.4f secs (first put sent to last event received).%n", span);
            System.out.printf(Locale.ROOT, "  Events/sec:\t%.4f%n", WatchStats.perSecond(m.events(), m.spanNanos()));
            System.out.print(LoadRunner.Results.cpuLine(cpu, wall, CpuClock.processCpuNanos(), CpuClock.cores()));
            if (settings.resultLine()) {
                System.out.println(fromSend.resultLine("watch-latency", cpu, wall));
                System.out.println(new Report(m.fromAck(), Map.of(), span, settings.precise(), null)
                    .resultLine("watch-latency-from-ack", cpu, wall));
            }
            return m.events() == expected && errs.isEmpty() ? 0 : 1;
        } finally {
            for (ManagedChannel ch : all) {
                ch.shutdownNow();
            }
            for (ManagedChannel ch : all) {
                ch.awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private static boolean anyStreamEnded(List<WatchStream> ws) {
        for (WatchStream s : ws) {
            if (s.ended) {
                return true;
            }
        }
        return false;
    }

    /** Summary statistics and percentiles of a latency sample that may hold negative values. */
    static String latencyLines(double[] lats) {
        if (lats.length == 0) {
            return "";
        }
        double[] sorted = lats.clone();
        java.util.Arrays.sort(sorted);
        double sum = 0;
        for (double l : sorted) {
            sum += l;
        }
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "  Fastest:\t%4.4f secs.%n  Average:\t%4.4f secs.%n  Slowest:\t%4.4f secs.%n",
            sorted[0], sum / sorted.length, sorted[sorted.length - 1]));
        double[] p = Report.percentiles(sorted);
        // Report.percentiles leaves unreached percentiles at 0, which is a real value here.
        int reached = WatchStats.percentilesReached(sorted.length);
        for (int i = 0; i < reached; i++) {
            s.append(String.format(Locale.ROOT, "  %s%% in %4.4f secs.%n", pct(Report.PERCENTILES[i]), p[i]));
        }
        return s.toString();
    }

    private static String pct(double p) {
        return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
    }

    private void error(String what, Throwable t) {
        Status s = Status.fromThrowable(t);
        String msg = what + ": rpc error: code = " + s.getCode() + " desc = " + s.getDescription();
        errors.computeIfAbsent(msg, x -> new LongAdder()).increment();
    }

    private void error(String msg) {
        errors.computeIfAbsent(msg, x -> new LongAdder()).increment();
    }

    private void printErrors() {
        errors.forEach((msg, n) -> System.err.println("  [" + n.sum() + "]\t" + msg));
    }

    /**
     * One Watch stream carrying {@code share} watchers of the key. Creates are sent only while the
     * stream is ready (outbound flow control); inbound, gRPC asks for the next response only after
     * {@link #onNext} returns, which just records the arrival, so a slow client pushes back on the
     * server through HTTP/2 flow control rather than queueing without bound. Callbacks of one call
     * never run concurrently; the lock orders them against {@link #close}.
     */
    private final class WatchStream implements ClientResponseObserver<WatchRequest, WatchResponse> {
        private final WatchRequest create;
        private final CountDownLatch created;
        private final AtomicLong delivered;
        private final Map<Long, long[]> perWatcher = new HashMap<>();
        final WatchStats.Arrivals arrivals;
        private ClientCallStreamObserver<WatchRequest> requests;
        private int toCreate;
        private boolean closed;
        volatile boolean ended;

        WatchStream(WatchRequest create, int share, int puts, CountDownLatch created, AtomicLong delivered) {
            this.create = create;
            this.toCreate = share;
            this.created = created;
            this.delivered = delivered;
            this.arrivals = new WatchStats.Arrivals((int) Math.min(Integer.MAX_VALUE - 8, (long) share * puts));
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
            this.requests = requestStream;
            requestStream.setOnReadyHandler(this::sendCreates);
        }

        private synchronized void sendCreates() {
            while (toCreate > 0 && !closed && requests.isReady()) {
                requests.onNext(create);
                toCreate--;
            }
        }

        @Override
        public synchronized void onNext(WatchResponse r) {
            long now = System.nanoTime();
            if (closed) {
                return;
            }
            if (r.getCreated()) {
                perWatcher.put(r.getWatchId(), new long[1]);
                created.countDown();
            }
            if (r.getCanceled()) {
                error("watch canceled: " + r.getCancelReason());
            }
            if (r.getEventsCount() > 0) {
                long[] count = perWatcher.computeIfAbsent(r.getWatchId(), id -> new long[1]);
                for (Event e : r.getEventsList()) {
                    arrivals.add(e.getKv().getModRevision(), now);
                }
                count[0] += r.getEventsCount();
                delivered.addAndGet(r.getEventsCount());
            }
        }

        @Override
        public synchronized void onError(Throwable t) {
            if (!closed) {
                error("watch", t);
            }
            ended = true;
        }

        @Override
        public synchronized void onCompleted() {
            if (!closed) {
                error("watch stream ended by the server");
            }
            ended = true;
        }

        /** Stops recording; after this the arrivals no longer change. */
        synchronized void close() {
            if (!closed && !ended) {
                closed = true;
                requests.onCompleted();
            }
            closed = true;
        }

        synchronized int watchersShortOf(int puts) {
            int n = 0;
            for (long[] c : perWatcher.values()) {
                n += c[0] < puts ? 1 : 0;
            }
            return n;
        }
    }
}
