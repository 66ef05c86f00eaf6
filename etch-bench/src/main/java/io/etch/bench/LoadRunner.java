package io.etch.bench;

import io.etch.api.etcdserverpb.KVGrpc;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Drives {@code total} requests through {@code clients} logical clients spread round-robin over
 * {@code conns} gRPC connections (themselves spread over the endpoints). Each client keeps exactly
 * one request in flight and sends its next one from the completion callback, so at most
 * {@code clients} requests are outstanding at any time.
 */
final class LoadRunner {
    record Settings(List<String> endpoints, int conns, int clients) {
    }

    /** Sends request number {@code index} (0-based) on {@code stub}; the outcome goes to {@code done}. */
    @FunctionalInterface
    interface Workload {
        void send(KVGrpc.KVStub stub, int index, StreamObserver<Object> done);
    }

    private static final long CONNECT_TIMEOUT_MILLIS = 10_000;

    private final Settings settings;
    private final PrintStream err;

    LoadRunner(Settings settings, PrintStream err) {
        this.settings = settings;
        this.err = err;
    }

    /** Lets a client, which accepts any response, observe a call with a specific response type. */
    @SuppressWarnings("unchecked")
    static <T> StreamObserver<T> typed(StreamObserver<Object> observer) {
        return (StreamObserver<T>) (StreamObserver<?>) observer;
    }

    Report run(int total, Workload workload) throws InterruptedException {
        List<ManagedChannel> channels = new ArrayList<>();
        try {
            for (int i = 0; i < settings.conns(); i++) {
                channels.add(open(settings.endpoints().get(i % settings.endpoints().size())));
            }
            awaitConnected(channels);

            Recorder recorder = new Recorder(total);
            AtomicInteger issued = new AtomicInteger();
            CountDownLatch finished = new CountDownLatch(settings.clients());
            List<Client> clients = new ArrayList<>();
            for (int i = 0; i < settings.clients(); i++) {
                KVGrpc.KVStub stub = KVGrpc.newStub(channels.get(i % channels.size()));
                clients.add(new Client(stub, workload, total, issued, recorder, finished));
            }
            long start = System.nanoTime();
            for (Client c : clients) {
                c.requestNext();
            }
            finished.await();
            double totalSeconds = (System.nanoTime() - start) / 1e9;
            return recorder.report(totalSeconds);
        } finally {
            for (ManagedChannel ch : channels) {
                ch.shutdownNow();
            }
            for (ManagedChannel ch : channels) {
                ch.awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    static ManagedChannel open(String endpoint) {
        String hostPort = endpoint;
        if (hostPort.startsWith("http://")) {
            hostPort = hostPort.substring("http://".length());
        } else if (hostPort.contains("://")) {
            throw new IllegalArgumentException("unsupported endpoint (plain http only): " + endpoint);
        }
        if (hostPort.endsWith("/")) {
            hostPort = hostPort.substring(0, hostPort.length() - 1);
        }
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("endpoint needs host:port, got " + endpoint);
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        return NettyChannelBuilder.forAddress(host, port)
            .usePlaintext()
            // Callbacks run on the transport threads: they only record a time and send the next request.
            .directExecutor()
            .maxInboundMessageSize(Integer.MAX_VALUE)
            .build();
    }

    /** Connects every channel up front so that connection setup does not count as request latency. */
    void awaitConnected(List<ManagedChannel> channels) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONNECT_TIMEOUT_MILLIS);
        for (ManagedChannel ch : channels) {
            while (true) {
                ConnectivityState state = ch.getState(true);
                if (state == ConnectivityState.READY) {
                    break;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    err.println("etch-bench: connection not ready after " + CONNECT_TIMEOUT_MILLIS
                        + " ms (state " + state + "); starting anyway");
                    return;
                }
                CountDownLatch changed = new CountDownLatch(1);
                ch.notifyWhenStateChanged(state, changed::countDown);
                changed.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.NANOSECONDS);
            }
        }
    }

    /** Collects outcomes from all clients. */
    static final class Recorder {
        private final double[] lats;
        private final AtomicInteger count = new AtomicInteger();
        private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

        Recorder(int capacity) {
            this.lats = new double[capacity];
        }

        void success(long nanos) {
            lats[count.getAndIncrement()] = nanos / 1e9;
        }

        void failure(Throwable t) {
            Status s = Status.fromThrowable(t);
            String msg = "rpc error: code = " + s.getCode() + " desc = " + s.getDescription();
            errors.computeIfAbsent(msg, k -> new LongAdder()).increment();
        }

        /** Call only after all clients finished (the latch gives the needed ordering). */
        Report report(double totalSeconds) {
            double[] done = java.util.Arrays.copyOf(lats, count.get());
            Map<String, Long> errs = new java.util.HashMap<>();
            errors.forEach((k, v) -> errs.put(k, v.sum()));
            return new Report(done, errs, totalSeconds);
        }
    }

    /**
     * One logical client: one request in flight. A completion may arrive on the sending thread
     * (e.g. an immediate failure), so sending is trampolined instead of recursing.
     */
    private static final class Client implements StreamObserver<Object> {
        private final KVGrpc.KVStub stub;
        private final Workload workload;
        private final int total;
        private final AtomicInteger issued;
        private final Recorder recorder;
        private final CountDownLatch finished;
        private final AtomicInteger wip = new AtomicInteger();
        private long startNanos;

        Client(KVGrpc.KVStub stub, Workload workload, int total, AtomicInteger issued, Recorder recorder,
               CountDownLatch finished) {
            this.stub = stub;
            this.workload = workload;
            this.total = total;
            this.issued = issued;
            this.recorder = recorder;
            this.finished = finished;
        }

        void requestNext() {
            if (wip.getAndIncrement() != 0) {
                return;
            }
            int missed = 1;
            do {
                sendOne();
                missed = wip.addAndGet(-missed);
            } while (missed != 0);
        }

        private void sendOne() {
            int index = issued.getAndIncrement();
            if (index >= total) {
                finished.countDown();
                return;
            }
            startNanos = System.nanoTime();
            try {
                workload.send(stub, index, this);
            } catch (RuntimeException e) {
                onError(e);
            }
        }

        @Override
        public void onNext(Object response) {
        }

        @Override
        public void onError(Throwable t) {
            recorder.failure(t);
            requestNext();
        }

        @Override
        public void onCompleted() {
            recorder.success(System.nanoTime() - startNanos);
            requestNext();
        }
    }
}
