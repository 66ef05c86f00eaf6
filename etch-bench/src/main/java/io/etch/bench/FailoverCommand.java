package io.etch.bench;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.PutResponse;
import io.etch.api.etcdserverpb.StatusResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code failover} (not in etcd's tool): how long a cluster takes to accept writes again after
 * its leader dies. Finds the leader among {@code --endpoints} (Maintenance.Status), kills its
 * process ({@code --pids}, in the order of the endpoints) with SIGKILL, and from then on sends a
 * put to every other endpoint every {@code --interval}, each with a deadline of
 * {@code --attempt-timeout}; reports the time from the kill to the first put that succeeds.
 */
@Command(name = "failover", mixinStandardHelpOptions = true, description = {
    "Time from SIGKILL of the leader to the first successful write (not in etcd's tool).",
    "Needs the server process ids, in the order of --endpoints; kills the leader's."})
final class FailoverCommand implements Callable<Integer> {
    @ParentCommand
    BenchMain main;

    @Option(names = "--pids", split = ",", required = true, paramLabel = "PID",
        description = "Process id of each endpoint's server, in the order of --endpoints")
    List<Long> pids;

    @Option(names = "--interval", defaultValue = "10ms", paramLabel = "DURATION",
        description = "How often to send a put to each surviving endpoint (default: ${DEFAULT-VALUE})")
    String interval;

    @Option(names = "--attempt-timeout", defaultValue = "2s", paramLabel = "DURATION",
        description = "Deadline of each put (default: ${DEFAULT-VALUE})")
    String attemptTimeout;

    @Option(names = "--timeout", defaultValue = "60s", paramLabel = "DURATION",
        description = "Give up when no put succeeded this long after the kill (default: ${DEFAULT-VALUE})")
    String timeout;

    @Option(names = "--write-key", defaultValue = "etch-bench/failover", description = "Key to write (default: ${DEFAULT-VALUE})")
    String key;

    @Override
    public Integer call() throws Exception {
        BenchSettings settings = main.settings();
        List<String> eps = settings.endpoints();
        if (pids.size() != eps.size()) {
            System.err.println("--pids needs one process id per endpoint: " + eps.size() + " endpoints, "
                + pids.size() + " pids");
            return 1;
        }
        if (eps.size() < 2) {
            System.err.println("failover needs the endpoints of at least two members");
            return 1;
        }
        long intervalNanos = GoFormat.parseDuration(interval);
        long attemptNanos = GoFormat.parseDuration(attemptTimeout);
        long timeoutNanos = GoFormat.parseDuration(timeout);
        if (intervalNanos <= 0 || attemptNanos <= 0 || timeoutNanos <= 0) {
            System.err.println("expected positive --interval, --attempt-timeout and --timeout");
            return 1;
        }
        List<ManagedChannel> channels = new ArrayList<>();
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "etch-bench-failover");
            t.setDaemon(true);
            return t;
        });
        try {
            for (String ep : eps) {
                channels.add(Connections.open(ep, settings.tls()));
            }
            Connections.awaitConnected(channels, settings.dialTimeoutMillis(), System.err);
            int leader = findLeader(channels, timeoutNanos);
            if (leader < 0) {
                System.err.println("etch-bench: no leader among the endpoints");
                return 1;
            }
            StatusResponse before = Connections.status(channels.get(leader), 5_000);
            Optional<ProcessHandle> victim = ProcessHandle.of(pids.get(leader));
            if (victim.isEmpty() || !victim.get().isAlive()) {
                System.err.println("etch-bench: leader's process " + pids.get(leader) + " is not running");
                return 1;
            }
            ByteString k = ByteString.copyFromUtf8(key);
            // One write before the kill: the write path works, and every connection has carried a request.
            KVGrpc.newBlockingStub(channels.get(leader)).withDeadlineAfter(10, TimeUnit.SECONDS)
                .put(PutRequest.newBuilder().setKey(k).setValue(ByteString.copyFromUtf8("before")).build());
            System.out.printf(Locale.ROOT, "Leader: member %x at %s (pid %d), term %d.%n",
                before.getHeader().getMemberId(), eps.get(leader), pids.get(leader), before.getRaftTerm());

            AtomicLong firstOk = new AtomicLong(Long.MIN_VALUE);
            CountDownLatch ok = new CountDownLatch(1);
            LongAdder failed = new LongAdder();
            Map<String, LongAdder> errors = new ConcurrentHashMap<>();
            String[] okVia = new String[1];
            long killedAt = System.nanoTime();
            victim.get().destroyForcibly();
            for (int i = 0; i < channels.size(); i++) {
                if (i == leader) {
                    continue;
                }
                KVGrpc.KVStub kv = KVGrpc.newStub(channels.get(i));
                String ep = eps.get(i);
                ticker.scheduleAtFixedRate(() -> {
                    if (ok.getCount() == 0) {
                        return;
                    }
                    PutRequest req = PutRequest.newBuilder().setKey(k)
                        .setValue(ByteString.copyFromUtf8("after " + (System.nanoTime() - killedAt))).build();
                    kv.withDeadlineAfter(attemptNanos, TimeUnit.NANOSECONDS).put(req, new StreamObserver<PutResponse>() {
                        @Override
                        public void onNext(PutResponse value) {
                        }

                        @Override
                        public void onError(Throwable t) {
                            if (ok.getCount() != 0) {
                                failed.increment();
                                errors.computeIfAbsent(ErrorText.of(t), x -> new LongAdder()).increment();
                            }
                        }

                        @Override
                        public void onCompleted() {
                            if (firstOk.compareAndSet(Long.MIN_VALUE, System.nanoTime())) {
                                okVia[0] = ep;
                                ok.countDown();
                            }
                        }
                    });
                }, 0, intervalNanos, TimeUnit.NANOSECONDS);
            }
            boolean recovered = ok.await(timeoutNanos, TimeUnit.NANOSECONDS);
            ticker.shutdownNow();
            if (!recovered) {
                System.out.printf(Locale.ROOT, "Killed with SIGKILL; no write succeeded in %s (%d failed).%n",
                    timeout, failed.sum());
                printErrors(errors);
                return 1;
            }
            double secs = (firstOk.get() - killedAt) / 1e9;
            System.out.printf(Locale.ROOT, "Killed with SIGKILL; first successful write after %.4f secs, through %s"
                + " (%d writes failed before it).%n", secs, okVia[0], failed.sum());
            for (int i = 0; i < channels.size(); i++) {
                if (i == leader) {
                    continue;
                }
                try {
                    StatusResponse st = Connections.status(channels.get(i), 5_000);
                    if (st.getLeader() == st.getHeader().getMemberId()) {
                        System.out.printf(Locale.ROOT, "New leader: member %x at %s, term %d.%n",
                            st.getHeader().getMemberId(), eps.get(i), st.getRaftTerm());
                    }
                } catch (StatusRuntimeException e) {
                    System.out.println("Status of " + eps.get(i) + ": " + ErrorText.of(e));
                }
            }
            printErrors(errors);
            System.out.printf(Locale.ROOT, "%nWrites again after:\t%.4f secs.%n", secs);
            if (settings.resultLine()) {
                System.out.printf(Locale.ROOT, "etch-bench-result op=failover secs=%.6f failed=%d%n", secs, failed.sum());
            }
            return 0;
        } finally {
            ticker.shutdownNow();
            Connections.close(channels);
        }
    }

    private static void printErrors(Map<String, LongAdder> errors) {
        if (errors.isEmpty()) {
            return;
        }
        System.out.println("\nError distribution (writes before the first success):");
        new TreeMap<>(errors).forEach((msg, n) -> System.out.println("  [" + n.sum() + "]\t" + msg));
    }

    /** Index of the endpoint whose member leads, asking until one does or the timeout passes; -1 if none. */
    private static int findLeader(List<ManagedChannel> channels, long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < channels.size(); i++) {
                try {
                    StatusResponse st = Connections.status(channels.get(i), 2_000);
                    if (st.getLeader() != 0 && st.getLeader() == st.getHeader().getMemberId()) {
                        return i;
                    }
                } catch (StatusRuntimeException e) {
                    // not up yet; ask again
                }
            }
            Thread.sleep(100);
        }
        return -1;
    }
}
