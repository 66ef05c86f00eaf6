package io.etch.process;

import static org.assertj.core.api.Assertions.fail;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.PutResponse;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.StatusResponse;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.TxnResponse;
import io.etch.api.etcdserverpb.WatchCreateRequest;
import io.etch.api.etcdserverpb.WatchGrpc;
import io.etch.api.etcdserverpb.WatchRequest;
import io.etch.api.etcdserverpb.WatchResponse;
import io.etch.api.mvccpb.Event;
import io.etch.api.mvccpb.KeyValue;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three packaged members under eight concurrent writers, while members (the leader most of the
 * time) are paused with SIGSTOP/SIGCONT, killed with SIGKILL and restarted, or cut off from their
 * peers by a network partition (every peer link passes through a {@link PeerProxy}: a member
 * isolated both ways, or only what it sends or only what it receives cut). Afterwards the whole
 * history is read back through a watch from revision 1 on every member and checked against what
 * the clients were told:
 *
 * <ol>
 *   <li>no write is applied twice (every value is unique, so a value in two events is a write
 *       applied twice);
 *   <li>every acknowledged put is in the history at exactly the revision its response named;
 *   <li>every acknowledged delete deleted its key (if its response said it deleted one) at its revision;
 *   <li>every revision from 2 to the current one holds exactly one of the test's writes, none else;
 *   <li>all members hold the same history and the same final state;
 *   <li>a write acknowledged by a member is visible to a serializable read on that member right after;
 *   <li>every read (linearizable and serializable, single keys and limited prefix ranges, from readers
 *       on every member) returns exactly what the history holds at the revision it was served at;
 *   <li>real-time order: every write and linearizable read that started after another returned is
 *       ordered after it in the history ({@link LinearizabilityCheck});
 *   <li>a watch on every member, open through the faults and resumed from its last revision + 1 when
 *       its member goes away, delivers the history in order, each revision once and whole in one
 *       response, with no gap, and with each event's {@code prev_kv} as the history has it;
 *   <li>availability: through a partition the two members on the majority side acknowledge writes
 *       sent after the partition began before it heals (it is held for up to
 *       {@link #MAJORITY_WAIT_MS} for that), and after every fault (a heal, SIGCONT, a restart)
 *       every member acknowledges writes again within {@link #RECOVERY_WAIT_MS}. These bounds only keep a stuck cluster from hanging
 *       the test; they are many election timeouts long.
 * </ol>
 *
 * Writes that failed or timed out are indeterminate: they may be in the history or not, but at most
 * once. Clients never retry a write. A delete is a txn {delete key; put a marker key with the
 * delete's unique value}, so a delete applied twice shows as its marker value twice, and every write
 * makes exactly one revision. The fault schedule comes from a seed that is printed
 * ({@code -Detch.fault.seed=...} replays it; process timing still varies).
 *
 * <p>{@code -Detch.fault.plan=ISOLATE,PAUSE,...} replaces the plan (the seed still draws targets and
 * durations) to look at one kind of fault. A one-way cut of what the leader receives is left out unless {@code -Detch.fault.inboundCut=true}
 * (the seed then also picks it; see the README's "Tests" for what it shows).
 */
class ClusterFaultHistoryIT {

    private static final String PREFIX = "/fault/";
    private static final int MEMBERS = 3;
    private static final int WRITERS = 8;
    private static final int READERS = 3;
    private static final int KEYS = 20;
    private static final int DELETE_PERCENT = 15;
    private static final long CALL_DEADLINE_MS = 8_000;
    /** Only a bound: the schedule below takes about 75 s. */
    private static final long FAULT_PHASE_MS = 150_000;
    private static final int ELECTION_MS = 1000;
    /** How long a partition is held at most while waiting for the majority side to take writes. */
    static final long MAJORITY_WAIT_MS = 20 * ELECTION_MS;
    /** How long after a heal every member may take to acknowledge writes again. */
    static final long RECOVERY_WAIT_MS = 30 * ELECTION_MS;
    private static final boolean INBOUND_TO_LEADER = Boolean.getBoolean("etch.fault.inboundCut");
    private static final int EXAMPLES = 12;

    @TempDir
    Path dir;

    private final long t0 = System.nanoTime();
    /** Per member, when the latest write it acknowledged was sent (System.nanoTime), 0 before any. */
    private final AtomicLongArray ackedSentAt = new AtomicLongArray(MEMBERS);
    /** Per member, the latest write failure through it and when, for the availability report. */
    private final AtomicReferenceArray<String> lastWriteError = new AtomicReferenceArray<>(MEMBERS);

    private enum Kind { PUT, DELETE }

    /** One client write. Written by its writer thread only, read after the writers have joined. */
    private static final class Op {
        final String id;
        final int writer;
        final Kind kind;
        final String key;
        final int member;
        long start;
        long end;
        boolean acked;
        long revision;
        long deleted;
        String error;

        Op(String id, int writer, Kind kind, String key, int member) {
            this.id = id;
            this.writer = writer;
            this.kind = kind;
            this.key = key;
            this.member = member;
        }
    }

    private record Fault(int number, String what, int member, boolean leader, long start, long end) {}

    /** The faults of one run, in an order the seed picks. */
    private enum Planned { PAUSE, KILL_LEADER, KILL, ISOLATE, ONE_WAY }

    /** Which of a member's peer links a partition cuts. */
    private enum Cut {
        ISOLATED("isolated (both ways)"), INBOUND("inbound cut (what it receives)"),
        OUTBOUND("outbound cut (what it sends)");

        final String text;

        Cut(String text) {
            this.text = text;
        }

        void apply(PeerNetwork network, int member) {
            switch (this) {
                case ISOLATED -> network.isolate(member);
                case INBOUND -> network.cutInbound(member);
                case OUTBOUND -> network.cutOutbound(member);
            }
        }
    }

    /** What happens to the cut member's open peer connections. */
    private enum Connections {
        HELD("connections held"), RESET_AT_START("connections reset at the cut"),
        RESET_AT_HEAL("connections reset at the heal");

        final String text;

        Connections(String text) {
            this.text = text;
        }
    }

    /** An event of the history, as a watch from revision 1 delivers it. */
    private record Ev(long revision, Event.EventType type, String key, String value, long createRevision, long version) {
        static Ev of(Event e) {
            KeyValue kv = e.getKv();
            return new Ev(kv.getModRevision(), e.getType(), kv.getKey().toStringUtf8(),
                    e.getType() == Event.EventType.PUT ? kv.getValue().toStringUtf8() : "",
                    kv.getCreateRevision(), kv.getVersion());
        }

        @Override
        public String toString() {
            return "rev " + revision + " " + type + " " + key + (type == Event.EventType.PUT ? "=" + value : "");
        }
    }

    /** Violations by check, in the order the checks are listed above. */
    private static final class Violations {
        final Map<String, List<String>> byCheck = new LinkedHashMap<>();

        Violations() {
            for (String c : List.of("1 applied twice", "2 acked put", "3 acked delete", "4 revisions",
                    "5 replicas", "6 read-your-writes", "7 reads", "8 real-time order", "9 watch",
                    "10 availability")) {
                byCheck.put(c, new ArrayList<>());
            }
        }

        synchronized void add(String check, String message) {
            byCheck.get(check).add(message);
        }

        int total() {
            return byCheck.values().stream().mapToInt(List::size).sum();
        }

        String counts() {
            return byCheck.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue().size())
                    .collect(Collectors.joining(", "));
        }

        String examples() {
            StringBuilder b = new StringBuilder();
            byCheck.forEach((check, list) -> {
                if (!list.isEmpty()) {
                    b.append("\n  check ").append(check).append(": ").append(list.size()).append(" violation(s)");
                    list.stream().limit(EXAMPLES).forEach(m -> b.append("\n    ").append(m));
                    if (list.size() > EXAMPLES) {
                        b.append("\n    ... ").append(list.size() - EXAMPLES).append(" more");
                    }
                }
            });
            return b.toString();
        }
    }

    @Test
    void pausedKilledAndPartitionedMembersApplyEveryWriteOnceAtItsRevision() throws Exception {
        long seed = Long.getLong("etch.fault.seed", new Random().nextLong());
        log("seed %d (replay the fault schedule with -Detch.fault.seed=%d)", seed, seed);
        try {
            run(seed);
        } catch (AssertionError | RuntimeException e) {
            keepLogs(seed); // whatever failed: the member logs of the run
            throw e;
        }
    }

    private void run(long seed) throws Exception {
        Violations violations = new Violations();
        List<Fault> faults = new ArrayList<>();
        List<List<Op>> opsByWriter = new ArrayList<>();
        ConcurrentLinkedQueue<String> rywViolations = new ConcurrentLinkedQueue<>();
        AtomicInteger rywChecked = new AtomicInteger();
        AtomicInteger rywSkipped = new AtomicInteger();
        AtomicIntegerArray rywByMember = new AtomicIntegerArray(MEMBERS);
        ConcurrentLinkedQueue<Throwable> writerErrors = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger acks = new AtomicInteger();

        Random faultRandom = new Random(seed);
        List<Planned> plan = plan(faultRandom);
        // Without partitions in the plan, peers talk directly, as before the proxy existed.
        try (ProcessCluster cluster = partitions(plan)
                ? ProcessCluster.startBehindProxies(dir, MEMBERS, "fault-history", 100, ELECTION_MS)
                : ProcessCluster.start(dir, MEMBERS, "fault-history", 100, ELECTION_MS)) {
            log("cluster up: %s", List.of(cluster.endpoint(0), cluster.endpoint(1), cluster.endpoint(2)));

            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                List<Op> ops = new ArrayList<>();
                opsByWriter.add(ops);
                int writer = w;
                Thread t = new Thread(() -> {
                    try {
                        write(cluster, writer, writer % MEMBERS, new Random(seed + 1 + writer), ops, stop, acks,
                                rywViolations, rywByMember, rywChecked, rywSkipped);
                    } catch (Throwable e) {
                        writerErrors.add(e);
                    }
                }, "writer-" + w);
                t.setDaemon(true);
                t.start();
                writers.add(t);
            }

            List<List<LinearizabilityCheck.Read>> readsByReader = new ArrayList<>();
            List<Thread> readers = new ArrayList<>();
            for (int r = 0; r < READERS; r++) {
                List<LinearizabilityCheck.Read> reads = new ArrayList<>();
                readsByReader.add(reads);
                int reader = r;
                Thread t = new Thread(() -> {
                    try {
                        read(cluster, reader, reader % MEMBERS, new Random(seed + 100 + reader), reads, stop);
                    } catch (Throwable e) {
                        writerErrors.add(e);
                    }
                }, "reader-" + r);
                t.setDaemon(true);
                t.start();
                readers.add(t);
            }
            List<LiveWatch> watches = new ArrayList<>();
            for (int i = 0; i < MEMBERS; i++) {
                watches.add(new LiveWatch(cluster, i));
            }

            long warm = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (acks.get() < 200 && System.nanoTime() < warm && writerErrors.isEmpty()) {
                Thread.sleep(20);
            }
            log("load running: %d writes acknowledged", acks.get());

            try {
                injectFaults(cluster, plan, faultRandom, faults, violations);
            } finally {
                stop.set(true);
            }
            List<Thread> clients = new ArrayList<>(writers);
            clients.addAll(readers);
            for (Thread t : clients) {
                t.join(TimeUnit.SECONDS.toMillis(60));
                if (t.isAlive()) {
                    throw new AssertionError(t.getName() + " did not stop");
                }
            }
            if (!writerErrors.isEmpty()) {
                AssertionError e = new AssertionError("a writer failed", writerErrors.peek());
                writerErrors.stream().skip(1).forEach(e::addSuppressed);
                throw e;
            }
            log("load stopped: %d writes acknowledged", acks.get());

            for (int i = 0; i < MEMBERS; i++) {
                if (!cluster.member(i).isAlive()) {
                    log("m%d is down after the faults; restarting it", i);
                    cluster.restart(i);
                }
            }
            long current = converge(cluster);
            log("members converged at revision %d", current);

            List<List<Ev>> histories = new ArrayList<>();
            for (int i = 0; i < MEMBERS; i++) {
                histories.add(history(cluster, i, current));
            }
            List<Map<String, Ev>> states = new ArrayList<>();
            for (int i = 0; i < MEMBERS; i++) {
                states.add(state(cluster, i));
            }

            List<Op> ops = opsByWriter.stream().flatMap(List::stream).toList();
            rywViolations.forEach(m -> violations.add("6 read-your-writes", m));
            int failedApplied = check(ops, faults, histories, states, current, violations);
            List<LinearizabilityCheck.Read> reads = readsByReader.stream().flatMap(List::stream).toList();
            List<LinearizabilityCheck.Change> changes = histories.get(0).stream()
                    .map(e -> new LinearizabilityCheck.Change(e.revision(), e.key(),
                            e.type() == Event.EventType.PUT ? e.value() : null))
                    .toList();
            LinearizabilityCheck.readsMatchHistory(reads, changes).forEach(m -> violations.add("7 reads", m));
            LinearizabilityCheck.realTimeOrder(points(ops, reads, histories.get(0)))
                    .forEach(m -> violations.add("8 real-time order", m));
            int watchEvents = 0;
            int watchResumes = 0;
            for (LiveWatch w : watches) {
                w.awaitRevision(current);
                w.close();
                w.check(histories.get(0), current).forEach(m -> violations.add("9 watch", m));
                watchEvents += w.events();
                watchResumes += w.resumes();
            }

            long acked = ops.stream().filter(o -> o.acked).count();
            long ackedPuts = ops.stream().filter(o -> o.acked && o.kind == Kind.PUT).count();
            long pauses = faults.stream().filter(f -> f.what().startsWith("pause")).count();
            long partitions = faults.stream().filter(f -> f.what().startsWith("partition")).count();
            long linearizable = reads.stream().filter(LinearizabilityCheck.Read::linearizable).count();
            if (partitions(plan)) {
                log("REPORT peers: %s", cluster.network().stats());
                cluster.network().writeEvents(dir.resolve("peer-connections.log"));
            }
            log("REPORT reads: %d checked (%d linearizable, %d serializable), real-time order over %d operations; "
                    + "watches: %d events delivered on %d members through %d resumes",
                    reads.size(), linearizable, reads.size() - linearizable,
                    points(ops, reads, histories.get(0)).size(), watchEvents, MEMBERS, watchResumes);
            log("REPORT seed=%d: %d writes (%d acknowledged: %d puts, %d deletes; %d failed, %d of those in the history), "
                            + "%d faults (%d pauses, %d kill -9, %d partitions), %d events over revisions 2..%d checked on %d members, "
                            + "read-your-writes %d checked / %d skipped (violations by member %s), violations %d [%s], %.1f s",
                    seed, ops.size(), acked, ackedPuts, acked - ackedPuts, ops.size() - acked, failedApplied,
                    faults.size(), pauses, faults.size() - pauses - partitions, partitions,
                    histories.get(0).size(), current, MEMBERS,
                    rywChecked.get(), rywSkipped.get(), rywByMember, violations.total(), violations.counts(),
                    (System.nanoTime() - t0) / 1e9);
            if (Boolean.getBoolean("etch.fault.keepLogs")) {
                keepLogs(seed);
            }
            if (violations.total() > 0) {
                String faultList = faults.stream()
                        .map(f -> String.format("#%d %s m%d%s %.3fs..%.3fs", f.number(), f.what(), f.member(),
                                f.leader() ? " (leader)" : "", secs(f.start()), secs(f.end())))
                        .collect(Collectors.joining("; "));
                String message = "seed " + seed + ": " + violations.total() + " violation(s) [" + violations.counts() + "]"
                        + violations.examples() + "\n  faults: " + faultList;
                System.out.println(message);
                keepLogs(seed);
                fail(message);
            }
        }
    }

    /** The members' logs of a failed run, kept under target/fault-logs/SEED for a look at who led when. */
    private void keepLogs(long seed) {
        Path into = Path.of("target", "fault-logs", Long.toString(seed));
        try (var files = java.nio.file.Files.list(dir)) {
            java.nio.file.Files.createDirectories(into);
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
                java.nio.file.Files.copy(f, into.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            log("member logs kept in %s", into.toAbsolutePath());
        } catch (java.io.IOException e) {
            log("could not keep the member logs: %s", e);
        }
    }

    /** One writer: puts and deletes on the shared keys through its own connection to one member. */
    private void write(ProcessCluster cluster, int writer, int member, Random rnd, List<Op> ops, AtomicBoolean stop,
                       AtomicInteger acks, ConcurrentLinkedQueue<String> rywViolations,
                       AtomicIntegerArray rywByMember, AtomicInteger rywChecked,
                       AtomicInteger rywSkipped) throws InterruptedException {
        ManagedChannel channel = cluster.channel(member);
        try {
            KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
            for (long seq = 1; !stop.get(); seq++) {
                String id = "w" + writer + "-" + seq;
                boolean delete = rnd.nextInt(100) < DELETE_PERCENT;
                Op op = new Op(id, writer, delete ? Kind.DELETE : Kind.PUT, key(rnd.nextInt(KEYS)), member);
                ops.add(op);
                int incarnation = cluster.incarnation(member);
                op.start = System.nanoTime();
                try {
                    if (delete) {
                        TxnResponse r = kv.withDeadlineAfter(CALL_DEADLINE_MS, TimeUnit.MILLISECONDS).txn(TxnRequest.newBuilder()
                                .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(
                                        DeleteRangeRequest.newBuilder().setKey(bytes(op.key))))
                                .addSuccess(RequestOp.newBuilder().setRequestPut(
                                        PutRequest.newBuilder().setKey(bytes(marker(writer))).setValue(bytes(id))))
                                .build());
                        op.end = System.nanoTime();
                        if (!r.getSucceeded() || r.getResponsesCount() != 2) {
                            throw new AssertionError(id + ": a txn without compares answered " + r);
                        }
                        op.revision = r.getHeader().getRevision();
                        op.deleted = r.getResponses(0).getResponseDeleteRange().getDeleted();
                    } else {
                        PutResponse r = kv.withDeadlineAfter(CALL_DEADLINE_MS, TimeUnit.MILLISECONDS)
                                .put(PutRequest.newBuilder().setKey(bytes(op.key)).setValue(bytes(id)).build());
                        op.end = System.nanoTime();
                        op.revision = r.getHeader().getRevision();
                    }
                    op.acked = true;
                    acks.incrementAndGet();
                    ackedSentAt.accumulateAndGet(member, op.start, Math::max);
                } catch (StatusRuntimeException e) {
                    op.end = System.nanoTime();
                    op.error = e.getStatus().getCode() + (e.getStatus().getDescription() == null ? ""
                            : " \"" + e.getStatus().getDescription() + "\"");
                    lastWriteError.set(member, String.format("%s sent %.3fs failed %.3fs: %s", id, secs(op.start),
                            secs(op.end), op.error));
                    if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                        channel.resetConnectBackoff();
                    }
                    Thread.sleep(100);
                    continue;
                }
                // Read your write: a serializable read on the member that acknowledged it.
                String readKey = delete ? marker(writer) : op.key;
                RangeResponse r;
                try {
                    r = kv.withDeadlineAfter(CALL_DEADLINE_MS, TimeUnit.MILLISECONDS)
                            .range(RangeRequest.newBuilder().setKey(bytes(readKey)).setSerializable(true).build());
                } catch (StatusRuntimeException e) {
                    rywSkipped.incrementAndGet();
                    continue;
                }
                long readAt = System.nanoTime();
                if (cluster.incarnation(member) != incarnation) {
                    rywSkipped.incrementAndGet(); // the member was killed in between: not "right after"
                    continue;
                }
                rywChecked.incrementAndGet();
                long seen = r.getHeader().getRevision();
                KeyValue found = r.getKvsCount() == 0 ? null : r.getKvs(0);
                String what = String.format("%s %s (%s) acknowledged by m%d at rev %d at %.3fs; the serializable range "
                                + "on m%d right after, answered %d ms after the ack,", id, op.kind == Kind.PUT ? "put " + op.key : "delete " + op.key,
                        op.kind == Kind.PUT ? "read back " + readKey : "read back marker " + readKey, member,
                        op.revision, secs(op.end), member, (readAt - op.end) / 1_000_000);
                String violation = null;
                if (seen < op.revision) {
                    violation = what + " was at rev " + seen + ": the member had not applied the write";
                } else if (found != null && found.getModRevision() < op.revision) {
                    violation = what + " was at rev " + seen + " and returned " + found.getValue().toStringUtf8()
                            + " of rev " + found.getModRevision() + ": the write is not there";
                } else if (found == null && delete) {
                    violation = what + " was at rev " + seen + " and returned no marker, which is never deleted";
                }
                if (violation != null) {
                    rywViolations.add(violation);
                    rywByMember.incrementAndGet(member);
                }
            }
        } finally {
            channel.shutdownNow();
        }
    }

    /**
     * One reader on one member: single-key and limited prefix reads, linearizable and serializable,
     * recorded with the revision each was served at (failed reads are not recorded: they claim nothing).
     */
    private void read(ProcessCluster cluster, int reader, int member, Random rnd, List<LinearizabilityCheck.Read> reads,
                      AtomicBoolean stop) throws InterruptedException {
        ManagedChannel channel = cluster.channel(member);
        try {
            KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
            for (long seq = 1; !stop.get(); seq++) {
                boolean linearizable = rnd.nextInt(100) < 70;
                boolean prefix = rnd.nextInt(100) < 25;
                String key = key(rnd.nextInt(KEYS));
                int limit = 1 + rnd.nextInt(KEYS);
                RangeRequest.Builder q = RangeRequest.newBuilder().setSerializable(!linearizable);
                if (prefix) {
                    q.setKey(bytes(PREFIX + "k")).setRangeEnd(bytes(prefixEnd(PREFIX + "k"))).setLimit(limit);
                } else {
                    q.setKey(bytes(key));
                }
                long start = System.nanoTime();
                RangeResponse r;
                try {
                    r = kv.withDeadlineAfter(CALL_DEADLINE_MS, TimeUnit.MILLISECONDS).range(q.build());
                } catch (StatusRuntimeException e) {
                    if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                        channel.resetConnectBackoff();
                    }
                    Thread.sleep(100);
                    continue;
                }
                long end = System.nanoTime();
                List<LinearizabilityCheck.Kv> kvs = r.getKvsList().stream()
                        .map(x -> new LinearizabilityCheck.Kv(x.getKey().toStringUtf8(), x.getValue().toStringUtf8(),
                                x.getModRevision()))
                        .toList();
                reads.add(new LinearizabilityCheck.Read("r" + reader + "-" + seq, member, linearizable,
                        prefix ? null : key, prefix ? PREFIX + "k" : null, prefix ? limit : 0, start, end,
                        r.getHeader().getRevision(), kvs, r.getCount(), r.getMore()));
            }
        } finally {
            channel.shutdownNow();
        }
    }

    /**
     * The operations with a place in the history: acknowledged writes, failed writes the history holds
     * (their end unknown), and linearizable reads.
     */
    private List<LinearizabilityCheck.Point> points(List<Op> ops, List<LinearizabilityCheck.Read> reads,
                                                    List<Ev> history) {
        Map<String, Long> revisionOfValue = new HashMap<>();
        for (Ev e : history) {
            if (e.type() == Event.EventType.PUT) {
                revisionOfValue.putIfAbsent(e.value(), e.revision());
            }
        }
        List<LinearizabilityCheck.Point> points = new ArrayList<>();
        for (Op op : ops) {
            String what = String.format("%s %s %s via m%d [%.3fs..%.3fs]", op.kind == Kind.PUT ? "put" : "delete", op.key,
                    op.id, op.member, secs(op.start), secs(op.end));
            if (op.acked) {
                points.add(new LinearizabilityCheck.Point(what, true, op.start, op.end, op.revision));
            } else if (revisionOfValue.containsKey(op.id)) {
                points.add(new LinearizabilityCheck.Point(what + " (failed, applied)", true, op.start, Long.MAX_VALUE,
                        revisionOfValue.get(op.id)));
            }
        }
        for (LinearizabilityCheck.Read r : reads) {
            if (r.linearizable()) {
                points.add(new LinearizabilityCheck.Point(String.format("read %s via m%d [%.3fs..%.3fs]", r.id(), r.member(),
                        secs(r.start()), secs(r.end())), false, r.start(), r.end(), r.revision()));
            }
        }
        return points;
    }

    /**
     * A watch of the whole prefix with prev_kv on one member, open through the faults: when the
     * member goes away it is opened again from the last revision it delivered + 1, as clients resume.
     */
    private final class LiveWatch {
        private final ProcessCluster cluster;
        private final int member;
        /** The events of each response, in the order they arrived. */
        private final List<List<Event>> responses = new ArrayList<>();
        private final List<String> problems = new ArrayList<>();
        private final Thread thread;
        private volatile boolean closed;
        private long last;
        private int resumes;

        LiveWatch(ProcessCluster cluster, int member) {
            this.cluster = cluster;
            this.member = member;
            this.thread = new Thread(this::run, "watch-m" + member);
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            while (!closed) {
                long from;
                synchronized (this) {
                    from = last + 1;
                }
                CompletableFuture<Void> ended = new CompletableFuture<>();
                ManagedChannel channel = cluster.channel(member);
                try {
                    StreamObserver<WatchRequest> requests = WatchGrpc.newStub(channel).watch(new StreamObserver<>() {
                        @Override
                        public void onNext(WatchResponse r) {
                            synchronized (LiveWatch.this) {
                                if (r.getCompactRevision() != 0 || r.getCanceled()) {
                                    problems.add("m" + member + " ended the watch: " + r.getCancelReason()
                                            + " compact_revision " + r.getCompactRevision());
                                }
                                if (r.getEventsCount() > 0) {
                                    responses.add(List.copyOf(r.getEventsList()));
                                    last = Math.max(last, r.getEvents(r.getEventsCount() - 1).getKv().getModRevision());
                                    LiveWatch.this.notifyAll();
                                }
                            }
                        }

                        @Override
                        public void onError(Throwable t) {
                            ended.complete(null);
                        }

                        @Override
                        public void onCompleted() {
                            ended.complete(null);
                        }
                    });
                    requests.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                            .setKey(bytes(PREFIX)).setRangeEnd(bytes(prefixEnd(PREFIX))).setStartRevision(from)
                            .setPrevKv(true)).build());
                    while (!closed && !ended.isDone()) {
                        try {
                            ended.get(200, TimeUnit.MILLISECONDS);
                        } catch (java.util.concurrent.TimeoutException e) {
                            // still open
                        }
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (java.util.concurrent.ExecutionException | RuntimeException e) {
                    // the member went away while the watch was being opened: try again
                } finally {
                    channel.shutdownNow();
                }
                if (!closed) {
                    resumes++;
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }

        synchronized void awaitRevision(long revision) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (last < revision && System.nanoTime() < deadline) {
                wait(200);
            }
            if (last < revision) {
                problems.add("m" + member + "'s watch reached only rev " + last + " of " + revision + " within 60 s");
            }
        }

        void close() throws InterruptedException {
            closed = true;
            thread.join(5000);
        }

        synchronized int events() {
            return responses.stream().mapToInt(List::size).sum();
        }

        synchronized int resumes() {
            return resumes;
        }

        /** Ordered, each revision once and whole, no gap against the history, prev_kv as the history has it. */
        synchronized List<String> check(List<Ev> history, long current) {
            List<String> v = new ArrayList<>(problems);
            Map<Long, List<Ev>> expected = new TreeMap<>();
            for (Ev e : history) {
                expected.computeIfAbsent(e.revision(), x -> new ArrayList<>()).add(e);
            }
            Map<String, Ev> before = new HashMap<>();
            Map<Long, Map<String, Ev>> prevAt = new HashMap<>();
            for (Ev e : history) {
                Map<String, Ev> p = prevAt.computeIfAbsent(e.revision(), x -> new HashMap<>());
                p.put(e.key(), before.get(e.key()));
                if (e.type() == Event.EventType.PUT) {
                    before.put(e.key(), e);
                } else {
                    before.remove(e.key());
                }
            }
            Map<Long, List<Ev>> delivered = new TreeMap<>();
            long previous = 0;
            for (List<Event> response : responses) {
                long first = response.get(0).getKv().getModRevision();
                if (delivered.containsKey(first) || first <= previous) {
                    v.add("m" + member + " delivered rev " + first + " again or out of order (after rev " + previous + ")");
                }
                for (Event e : response) {
                    long rev = e.getKv().getModRevision();
                    if (rev < previous) {
                        v.add("m" + member + " delivered rev " + rev + " after rev " + previous);
                    }
                    if (rev != previous && delivered.containsKey(rev)) {
                        v.add("m" + member + " split rev " + rev + " over two responses");
                    }
                    previous = rev;
                    delivered.computeIfAbsent(rev, x -> new ArrayList<>()).add(Ev.of(e));
                    Ev prevExpected = prevAt.getOrDefault(rev, Map.of()).get(e.getKv().getKey().toStringUtf8());
                    boolean hasPrev = e.hasPrevKv() && !e.getPrevKv().getKey().isEmpty();
                    if (prevExpected == null ? hasPrev
                            : !hasPrev || e.getPrevKv().getModRevision() != prevExpected.revision()
                                    || !e.getPrevKv().getValue().toStringUtf8().equals(prevExpected.value())) {
                        v.add("m" + member + " rev " + rev + " " + e.getKv().getKey().toStringUtf8() + ": prev_kv "
                                + (hasPrev ? e.getPrevKv().getValue().toStringUtf8() + " of rev " + e.getPrevKv().getModRevision() : "none")
                                + " where the history has " + (prevExpected == null ? "none" : prevExpected));
                    }
                }
            }
            for (Map.Entry<Long, List<Ev>> e : expected.entrySet()) {
                if (e.getKey() > current) {
                    continue;
                }
                List<Ev> got = delivered.get(e.getKey());
                if (got == null) {
                    v.add("m" + member + "'s watch skipped rev " + e.getKey() + " " + e.getValue());
                } else if (!got.equals(e.getValue())) {
                    v.add("m" + member + "'s watch delivered " + got + " for rev " + e.getKey() + " where the history has "
                            + e.getValue());
                }
            }
            for (Long rev : delivered.keySet()) {
                if (!expected.containsKey(rev)) {
                    v.add("m" + member + "'s watch delivered rev " + rev + ", which the history does not hold");
                }
            }
            return v;
        }
    }

    /**
     * Four pauses (mostly the leader), two kill -9/restarts (one of the leader) and four partitions
     * (two isolations, two one-way cuts), one at a time in an order the seed picks, with a few
     * seconds between them.
     */
    private static List<Planned> plan(Random rnd) {
        List<Planned> plan = new ArrayList<>(List.of(Planned.PAUSE, Planned.PAUSE, Planned.PAUSE, Planned.PAUSE,
                Planned.KILL_LEADER, Planned.KILL, Planned.ISOLATE, Planned.ISOLATE, Planned.ONE_WAY, Planned.ONE_WAY));
        Collections.shuffle(plan, rnd);
        String only = System.getProperty("etch.fault.plan", "");
        if (!only.isBlank()) {
            // e.g. -Detch.fault.plan=ISOLATE,ONE_WAY: these faults in this order, to look at one kind
            plan = java.util.Arrays.stream(only.split(",")).map(String::trim).map(Planned::valueOf).toList();
        }
        return plan;
    }

    private static boolean partitions(List<Planned> plan) {
        return plan.contains(Planned.ISOLATE) || plan.contains(Planned.ONE_WAY);
    }

    private void injectFaults(ProcessCluster cluster, List<Planned> plan, Random rnd, List<Fault> faults, Violations v)
            throws Exception {
        log("fault plan: %s", plan);
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FAULT_PHASE_MS);
        for (int f = 1; f <= plan.size() && System.nanoTime() < end; f++) {
            int leader = cluster.leaderIndex();
            switch (plan.get(f - 1)) {
                case KILL_LEADER, KILL -> {
                    int target = plan.get(f - 1) == Planned.KILL_LEADER ? leader : rnd.nextInt(MEMBERS);
                    long down = 1000 + rnd.nextInt(1001);
                    long start = System.nanoTime();
                    log("fault %d: kill -9 m%d%s, restart in %d ms", f, target, target == leader ? " (leader)" : "", down);
                    cluster.kill9(target);
                    Thread.sleep(down);
                    cluster.restart(target);
                    faults.add(new Fault(f, "kill -9", target, target == leader, start, System.nanoTime()));
                    log("fault %d: m%d restarted and serving", f, target);
                    awaitRecovery(cluster, f, "kill -9 m" + target, target == leader, System.nanoTime(), v);
                }
                case PAUSE -> {
                    int target = rnd.nextInt(100) < 75 ? leader : (leader + 1 + rnd.nextInt(MEMBERS - 1)) % MEMBERS;
                    long pause = 3000 + rnd.nextInt(2001);
                    long start = System.nanoTime();
                    log("fault %d: SIGSTOP m%d%s for %d ms", f, target, target == leader ? " (leader)" : "", pause);
                    cluster.pause(target);
                    Thread.sleep(pause);
                    cluster.resume(target);
                    faults.add(new Fault(f, "pause " + pause + " ms", target, target == leader, start, System.nanoTime()));
                    log("fault %d: SIGCONT m%d", f, target);
                    awaitRecovery(cluster, f, "SIGSTOP m" + target + " for " + pause + " ms", target == leader,
                            System.nanoTime(), v);
                }
                case ISOLATE, ONE_WAY -> partition(cluster, f, leader, plan.get(f - 1), rnd, faults, v);
            }
            Thread.sleep(2000 + rnd.nextInt(1501));
        }
    }

    /**
     * Cuts one member's peer links (isolated, or one way only), holds the cut for 3-5 s (longer than
     * the election timeout, at most {@link #MAJORITY_WAIT_MS} while the other two have not taken a
     * write sent after the cut), heals it, and waits until every member takes writes again.
     */
    private void partition(ProcessCluster cluster, int f, int leader, Planned planned, Random rnd, List<Fault> faults,
                           Violations v) throws InterruptedException {
        // Every draw happens whatever the cluster does, so a seed replays the same schedule.
        boolean onLeader = rnd.nextBoolean();
        int follower = (leader + 1 + rnd.nextInt(MEMBERS - 1)) % MEMBERS;
        int oneWay = rnd.nextInt(INBOUND_TO_LEADER ? 4 : 3);
        Connections connections = Connections.values()[rnd.nextInt(Connections.values().length)];
        long hold = 3000 + rnd.nextInt(2001);
        Cut cut;
        int target;
        if (planned == Planned.ISOLATE) {
            cut = Cut.ISOLATED;
            target = onLeader ? leader : follower;
        } else {
            // outbound from the leader, outbound from a follower, inbound to a follower, [inbound to the leader]
            cut = oneWay < 2 ? Cut.OUTBOUND : Cut.INBOUND;
            target = oneWay == 0 || oneWay == 3 ? leader : follower;
        }
        PeerNetwork network = cluster.network();
        String what = String.format("partition: m%d %s, %s", target, cut.text, connections.text);
        int[] majority = java.util.stream.IntStream.range(0, MEMBERS).filter(i -> i != target).toArray();
        long start = System.nanoTime();
        log("fault %d: %s%s, heal after %d ms", f, what, target == leader ? " (leader)" : "", hold);
        cut.apply(network, target);
        if (connections == Connections.RESET_AT_START) {
            log("fault %d: %d peer connections of m%d reset", f, network.closeConnections(target), target);
        }
        Thread.sleep(hold);
        long majorityBy = start + TimeUnit.MILLISECONDS.toNanos(MAJORITY_WAIT_MS);
        if (awaitWritesThrough(majority, start, majorityBy)) {
            log("fault %d: m%d and m%d acknowledged writes sent during the partition", f, majority[0], majority[1]);
        } else {
            String m = String.format("fault %d (%s%s, from %.3fs): m%d and m%d acknowledged no write sent after the "
                            + "partition began within %d ms (last acknowledged writes sent at %s)", f, what,
                    target == leader ? ", the leader" : "", secs(start), majority[0], majority[1], MAJORITY_WAIT_MS,
                    sentAt());
            log("%s", m);
            v.add("10 availability", m + diagnose(cluster, f, "cut"));
        }
        network.heal();
        if (connections == Connections.RESET_AT_HEAL) {
            log("fault %d: healed; %d peer connections of m%d reset", f, network.closeConnections(target), target);
        }
        long healed = System.nanoTime();
        faults.add(new Fault(f, what + ", " + (healed - start) / 1_000_000 + " ms", target, target == leader, start,
                healed));
        log("fault %d: healed after %d ms", f, (healed - start) / 1_000_000);
        awaitRecovery(cluster, f, what, target == leader, healed, v);
    }

    /** Every member must acknowledge a write sent after a fault ended (check 10). */
    private void awaitRecovery(ProcessCluster cluster, int f, String what, boolean leader, long ended, Violations v)
            throws InterruptedException {
        int[] all = java.util.stream.IntStream.range(0, MEMBERS).toArray();
        if (awaitWritesThrough(all, ended, ended + TimeUnit.MILLISECONDS.toNanos(RECOVERY_WAIT_MS))) {
            log("fault %d: every member acknowledged writes sent after it ended", f);
        } else {
            String m = String.format("fault %d (%s%s, ended at %.3fs): not every member acknowledged a write sent "
                            + "after it ended within %d ms (last acknowledged writes sent at %s)", f, what,
                    leader ? ", the leader" : "", secs(ended), RECOVERY_WAIT_MS, sentAt());
            log("%s", m);
            v.add("10 availability", m + diagnose(cluster, f, "after"));
        }
    }

    /**
     * What each member reports (revision, Raft index and applied index, term, leader), its latest
     * write failure, and a thread dump of each member into the log directory (kept with the logs).
     */
    private String diagnose(ProcessCluster cluster, int f, String when) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < MEMBERS; i++) {
            b.append("\n      m").append(i).append(": ");
            try {
                StatusResponse st = cluster.status(i, 3, TimeUnit.SECONDS);
                b.append(String.format("rev %d, raft index %d, applied %d, term %d, leader %x",
                        st.getHeader().getRevision(), st.getRaftIndex(), st.getRaftAppliedIndex(), st.getRaftTerm(),
                        st.getLeader()));
            } catch (StatusRuntimeException e) {
                b.append("status failed: ").append(e.getStatus().getCode());
            }
            b.append("; last write failure: ").append(lastWriteError.get(i));
            Path dump = dir.resolve("m" + i + "-threads-fault" + f + "-" + when + ".log");
            try {
                Process jstack = new ProcessBuilder("jstack", Long.toString(cluster.member(i).pid()))
                        .redirectErrorStream(true).redirectOutput(dump.toFile()).start();
                if (jstack.waitFor(30, TimeUnit.SECONDS)) {
                    b.append("; threads in ").append(dump.getFileName());
                } else {
                    jstack.destroyForcibly();
                }
            } catch (java.io.IOException e) {
                b.append("; no thread dump: ").append(e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Thread.getAllStackTraces().forEach((t, stack) -> {
            if (t.getName().startsWith("writer-")) {
                b.append("\n      ").append(t.getName()).append(" (").append(t.getState()).append("): ")
                        .append(java.util.Arrays.stream(stack).limit(14).map(StackTraceElement::toString)
                                .collect(Collectors.joining(" < ")));
            }
        });
        String d = b.toString();
        log("fault %d: %s", f, d);
        return d;
    }

    /** Waits until each of {@code members} has acknowledged a write sent after {@code since}. */
    private boolean awaitWritesThrough(int[] members, long since, long deadline) throws InterruptedException {
        while (true) {
            boolean all = true;
            for (int m : members) {
                all &= ackedSentAt.get(m) > since;
            }
            if (all) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50);
        }
    }

    private String sentAt() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < MEMBERS; i++) {
            long t = ackedSentAt.get(i);
            b.append(i == 0 ? "" : ", ").append("m").append(i).append(" ")
                    .append(t == 0 ? "-" : String.format("%.3fs", secs(t)));
        }
        return b.toString();
    }

    /** Waits until every member reports the same current revision twice in a row; returns it. */
    private long converge(ProcessCluster cluster) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long previous = -1;
        String last = "";
        while (System.nanoTime() < deadline) {
            long[] revs = new long[MEMBERS];
            try {
                for (int i = 0; i < MEMBERS; i++) {
                    revs[i] = cluster.status(i, 5, TimeUnit.SECONDS).getHeader().getRevision();
                }
                last = java.util.Arrays.toString(revs);
                if (java.util.Arrays.stream(revs).allMatch(r -> r == revs[0])) {
                    if (revs[0] == previous) {
                        return previous;
                    }
                    previous = revs[0];
                } else {
                    previous = -1;
                }
            } catch (StatusRuntimeException e) {
                last = e.getStatus().toString();
                previous = -1;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("members did not converge within 60 s; last revisions " + last);
    }

    /** Every event under the prefix from revision 1 up to {@code current}, through a watch on member {@code i}. */
    private static List<Ev> history(ProcessCluster cluster, int i, long current) throws Exception {
        if (current < 2) {
            return List.of();
        }
        List<Ev> events = new ArrayList<>();
        CompletableFuture<Void> reached = new CompletableFuture<>();
        ManagedChannel channel = cluster.channel(i);
        try {
            StreamObserver<WatchRequest> requests = WatchGrpc.newStub(channel).watch(new StreamObserver<>() {
                @Override
                public void onNext(WatchResponse r) {
                    if (r.getCanceled() || r.getCompactRevision() != 0) {
                        reached.completeExceptionally(new AssertionError("m" + i + " ended the history watch: " + r));
                        return;
                    }
                    synchronized (events) {
                        for (Event e : r.getEventsList()) {
                            events.add(Ev.of(e));
                            if (e.getKv().getModRevision() >= current) {
                                reached.complete(null);
                            }
                        }
                    }
                }

                @Override
                public void onError(Throwable t) {
                    reached.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {
                    reached.completeExceptionally(new AssertionError("m" + i + " closed the history watch"));
                }
            });
            requests.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                    .setKey(bytes(PREFIX)).setRangeEnd(bytes(prefixEnd(PREFIX))).setStartRevision(1)).build());
            try {
                reached.get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                synchronized (events) {
                    throw new AssertionError("m" + i + " delivered " + events.size() + " events, none at revision "
                            + current + ", within 60 s");
                }
            }
            // The last revision may be a txn with two events; give a split response time to arrive.
            Thread.sleep(300);
            requests.onCompleted();
        } finally {
            channel.shutdownNow();
        }
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /** The member's current keys under the prefix, by a serializable read (its own state). */
    private static Map<String, Ev> state(ProcessCluster cluster, int i) {
        ManagedChannel channel = cluster.channel(i);
        try {
            RangeResponse r = KVGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .range(RangeRequest.newBuilder().setKey(bytes(PREFIX)).setRangeEnd(bytes(prefixEnd(PREFIX)))
                            .setSerializable(true).build());
            Map<String, Ev> state = new TreeMap<>();
            for (KeyValue kv : r.getKvsList()) {
                state.put(kv.getKey().toStringUtf8(), new Ev(kv.getModRevision(), Event.EventType.PUT,
                        kv.getKey().toStringUtf8(), kv.getValue().toStringUtf8(), kv.getCreateRevision(), kv.getVersion()));
            }
            return state;
        } finally {
            channel.shutdownNow();
        }
    }

    /** Checks 1-5 on the histories; returns how many failed writes were applied (once or more). */
    private int check(List<Op> ops, List<Fault> faults, List<List<Ev>> histories, List<Map<String, Ev>> states,
                      long current, Violations v) {
        List<Ev> history = histories.get(0);
        Map<String, Op> opsById = new HashMap<>();
        ops.forEach(o -> opsById.put(o.id, o));
        Map<String, List<Ev>> putsByValue = new HashMap<>();
        TreeMap<Long, List<Ev>> byRevision = new TreeMap<>();
        Map<Ev, Ev> previousOnKey = new HashMap<>();
        Map<String, Ev> lastOnKey = new HashMap<>();
        for (Ev e : history) {
            if (e.type() == Event.EventType.PUT) {
                putsByValue.computeIfAbsent(e.value(), x -> new ArrayList<>()).add(e);
            }
            byRevision.computeIfAbsent(e.revision(), x -> new ArrayList<>()).add(e);
            Ev before = lastOnKey.put(e.key(), e);
            if (before != null) {
                previousOnKey.put(e, before);
            }
        }
        // Wall-clock estimate of when a revision was applied: the ack time of the nearest acked revision.
        TreeMap<Long, Op> ackedByRevision = new TreeMap<>();
        ops.stream().filter(o -> o.acked).forEach(o -> ackedByRevision.put(o.revision, o));

        // 1. No write applied twice.
        for (Map.Entry<String, List<Ev>> e : putsByValue.entrySet()) {
            List<Ev> copies = e.getValue();
            if (copies.size() < 2) {
                continue;
            }
            Op op = opsById.get(e.getKey());
            StringBuilder m = new StringBuilder("value ").append(e.getKey()).append(" applied ")
                    .append(copies.size()).append(" times: ").append(copies.stream().map(Ev::toString)
                            .collect(Collectors.joining(", ")));
            m.append("; ").append(op == null ? "no client wrote it" : describe(op));
            for (Ev copy : copies.subList(1, copies.size())) {
                m.append("; copy at rev ").append(copy.revision()).append(" ").append(when(copy.revision(), ackedByRevision, faults));
                for (Ev hit : byRevision.getOrDefault(copy.revision(), List.of())) {
                    Ev clobbered = previousOnKey.get(hit);
                    if (clobbered == null || clobbered.type() != Event.EventType.PUT || isMarker(hit.key())) {
                        continue;
                    }
                    m.append(hit.type() == Event.EventType.PUT ? ", overwrote " : ", deleted ");
                    if (clobbered.value().equals(e.getKey())) {
                        m.append("its own copy of rev ").append(clobbered.revision());
                    } else {
                        Op other = opsById.get(clobbered.value());
                        m.append(clobbered.value()).append(" of rev ").append(clobbered.revision())
                                .append(other != null && other.acked && other.revision == clobbered.revision()
                                        ? " (acknowledged to w" + other.writer + " at that revision)" : "");
                    }
                }
            }
            v.add("1 applied twice", m.toString());
        }

        // 2 and 3. Every acknowledged write at its revision.
        int failedApplied = 0;
        for (Op op : ops) {
            List<Ev> copies = putsByValue.getOrDefault(op.id, List.of());
            if (!op.acked) {
                failedApplied += copies.isEmpty() ? 0 : 1;
                continue;
            }
            String check = op.kind == Kind.PUT ? "2 acked put" : "3 acked delete";
            String key = op.kind == Kind.PUT ? op.key : marker(op.writer);
            Ev atRevision = copies.stream().filter(c -> c.revision() == op.revision).findFirst().orElse(null);
            if (copies.isEmpty()) {
                v.add(check, describe(op) + ": not in the history");
                continue;
            }
            if (atRevision == null) {
                v.add(check, describe(op) + ": in the history only at " + copies);
                continue;
            }
            if (!atRevision.key().equals(key)) {
                v.add(check, describe(op) + ": at its revision under another key: " + atRevision);
            }
            if (op.kind == Kind.DELETE) {
                List<Ev> deletes = byRevision.get(op.revision).stream()
                        .filter(e -> e.type() == Event.EventType.DELETE).toList();
                boolean deletedKey = deletes.stream().anyMatch(e -> e.key().equals(op.key));
                if (op.deleted > 0 && !deletedKey) {
                    v.add(check, describe(op) + " answered deleted=" + op.deleted + " but rev " + op.revision
                            + " deletes " + deletes);
                } else if (op.deleted == 0 && deletedKey) {
                    v.add(check, describe(op) + " answered deleted=0 but rev " + op.revision + " deletes " + op.key);
                }
            }
        }

        // 4. Revisions 2..current, each exactly one of the test's writes, nothing else.
        for (long r = 2; r <= current; r++) {
            if (!byRevision.containsKey(r)) {
                v.add("4 revisions", "no event at rev " + r + " (current " + current + ") "
                        + when(r, ackedByRevision, faults));
            }
        }
        for (Map.Entry<Long, List<Ev>> e : byRevision.entrySet()) {
            long r = e.getKey();
            List<Ev> evs = e.getValue();
            if (r < 2 || r > current) {
                v.add("4 revisions", "events outside revisions 2.." + current + ": " + evs);
                continue;
            }
            List<Ev> puts = evs.stream().filter(x -> x.type() == Event.EventType.PUT).toList();
            List<Ev> deletes = evs.stream().filter(x -> x.type() == Event.EventType.DELETE).toList();
            Op op = puts.size() == 1 ? opsById.get(puts.get(0).value()) : null;
            boolean shaped = op != null && (op.kind == Kind.PUT
                    ? deletes.isEmpty() && puts.get(0).key().equals(op.key)
                    : puts.get(0).key().equals(marker(op.writer))
                            && deletes.stream().allMatch(d -> d.key().equals(op.key)) && deletes.size() <= 1);
            if (!shaped) {
                v.add("4 revisions", "rev " + r + " is not one write of this test: " + evs);
            }
        }

        // 5. Same history and same final state on every member; the state is what the history leaves.
        Map<String, Ev> replayed = new TreeMap<>();
        for (Ev e : history) {
            if (e.type() == Event.EventType.PUT) {
                replayed.put(e.key(), e);
            } else {
                replayed.remove(e.key());
            }
        }
        for (int i = 0; i < histories.size(); i++) {
            List<Ev> other = histories.get(i);
            if (i > 0 && !other.equals(history)) {
                int at = 0;
                while (at < Math.min(other.size(), history.size()) && other.get(at).equals(history.get(at))) {
                    at++;
                }
                v.add("5 replicas", "m" + i + "'s history (" + other.size() + " events) differs from m0's ("
                        + history.size() + ") from event " + at + ": m0 " + (at < history.size() ? history.get(at) : "-")
                        + ", m" + i + " " + (at < other.size() ? other.get(at) : "-"));
            }
            Map<String, Ev> state = states.get(i);
            for (String key : union(state.keySet(), replayed.keySet())) {
                Ev stored = state.get(key);
                Ev expected = replayed.get(key);
                if (stored == null || expected == null || stored.revision() != expected.revision()
                        || !stored.value().equals(expected.value())) {
                    v.add("5 replicas", "m" + i + " holds " + (stored == null ? "no " + key : stored)
                            + " where m0's history leaves " + (expected == null ? "no " + key : expected));
                }
            }
        }
        return failedApplied;
    }

    private String describe(Op op) {
        String what = op.kind == Kind.PUT ? "put " + op.key + "=" + op.id : "delete " + op.key + " (marker " + op.id + ")";
        String outcome = op.acked
                ? "acknowledged at rev " + op.revision + (op.kind == Kind.DELETE ? " deleted=" + op.deleted : "")
                : "failed: " + op.error;
        return String.format("%s by w%d via m%d, sent %.3fs, %s %.3fs", what, op.writer, op.member, secs(op.start),
                outcome, secs(op.end));
    }

    /** Roughly when a revision was applied, and the fault it followed. */
    private String when(long revision, TreeMap<Long, Op> ackedByRevision, List<Fault> faults) {
        Map.Entry<Long, Op> near = ackedByRevision.ceilingEntry(revision);
        if (near == null) {
            near = ackedByRevision.floorEntry(revision);
        }
        if (near == null) {
            return "";
        }
        long at = near.getValue().end;
        Fault before = null;
        for (Fault f : faults) {
            if (f.end() <= at) {
                before = f;
            }
        }
        String s = String.format("(~%.3fs, by the ack of rev %d", secs(at), near.getKey());
        if (before != null) {
            s += String.format(", %d ms after fault #%d %s m%d%s ended", (at - before.end()) / 1_000_000,
                    before.number(), before.what(), before.member(), before.leader() ? " (leader)" : "");
        }
        return s + ")";
    }

    private static List<String> union(java.util.Set<String> a, java.util.Set<String> b) {
        java.util.TreeSet<String> all = new java.util.TreeSet<>(a);
        all.addAll(b);
        return new ArrayList<>(all);
    }

    private static String key(int i) {
        return String.format("%sk%02d", PREFIX, i);
    }

    private static String marker(int writer) {
        return PREFIX + "deleted-by/w" + writer;
    }

    private static boolean isMarker(String key) {
        return key.startsWith(PREFIX + "deleted-by/");
    }

    private static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static String prefixEnd(String prefix) {
        char last = prefix.charAt(prefix.length() - 1);
        return prefix.substring(0, prefix.length() - 1) + (char) (last + 1);
    }

    private double secs(long nanos) {
        return (nanos - t0) / 1e9;
    }

    private void log(String format, Object... args) {
        System.out.printf("[%7.3fs] %s%n", secs(System.nanoTime()), String.format(format, args));
    }
}
