package io.etch.ctl;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.CompactionRequest;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.DeleteRangeResponse;
import io.etch.api.etcdserverpb.DefragmentRequest;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** check perf: etcdctl's write-load check (rate-limited puts from many clients, then PASS/FAIL on throughput and latency). */
final class CheckCommands {
    private CheckCommands() {
    }

    /** A workload: the put rate, the number of clients, the seconds it runs. */
    private record Load(int limit, int clients, int duration) {
    }

    private static final Map<String, Load> LOADS = Map.of("s", new Load(150, 50, 60), "m", new Load(1000, 200, 60),
        "l", new Load(8000, 500, 60), "xl", new Load(15000, 1000, 60));
    /** A datascale workload: how many keys are written, and by how many clients. */
    private record Scale(int keys, int clients) {
    }

    private static final Map<String, Scale> SCALES = Map.of("s", new Scale(10_000, 50), "m", new Scale(100_000, 200),
        "l", new Scale(1_000_000, 500), "xl", new Scale(3_000_000, 1000));
    private static final Map<String, String> ALIAS = Map.of("s", "s", "small", "s", "m", "m", "medium", "m", "l", "l",
        "large", "l", "xl", "xl", "xLarge", "xl");

    static void register(Command root) {
        Command check = new Command("check <subcommand>", "commands for checking properties of the etcd cluster", null, null);
        Command perf = new Command("perf [options]", "Check the performance of the etcd cluster", null, CheckCommands::perf);
        perf.local.string("load", "", "s",
            "The performance check's workload model. Accepted workloads: s(small), m(medium), l(large), xl(xLarge)");
        perf.local.string("prefix", "", "/etcdctl-check-perf/", "The prefix for writing the performance check's keys.");
        perf.local.bool("auto-compact", "", false, "Compact storage with last revision after test is finished.");
        perf.local.bool("auto-defrag", "", false, "Defragment storage after test is finished.");
        check.add(perf);
        Command scale = new Command("datascale [options]",
            "Check the memory usage of holding data for different workloads on a given server endpoint.",
            "If no endpoint is provided, localhost will be used. If multiple endpoints are provided, first endpoint will be used.",
            CheckCommands::datascale);
        scale.local.string("load", "", "s",
            "The datascale check's workload model. Accepted workloads: s(small), m(medium), l(large), xl(xLarge)");
        scale.local.string("prefix", "", "/etcdctl-check-datascale/", "The prefix for writing the datascale check's keys.");
        scale.local.bool("auto-compact", "", false, "Compact storage with last revision after test is finished.");
        scale.local.bool("auto-defrag", "", false, "Defragment storage after test is finished.");
        check.add(scale);
        root.add(check);
    }

    private static void perf(Invocation inv) throws Exception {
        String model = ALIAS.get(inv.string("load"));
        if (model == null) {
            throw Exit.error(Exit.BAD_FEATURE, "unknown load option " + inv.string("load"));
        }
        Load load = LOADS.get(model);
        // etchctl's own knob for short runs (tests): ETCHCTL_CHECK_PERF_SECONDS overrides the 60 s of every load
        int seconds = Integer.parseInt(inv.ctl().env.getOrDefault("ETCHCTL_CHECK_PERF_SECONDS", Integer.toString(load.duration())));
        EtchCtl ctl = inv.ctl();
        Client c = ctl.client(inv);
        String prefix = inv.string("prefix");
        ByteString pfx = Keys.of(prefix);
        if (c.call(ch -> c.kv(ch).range(RangeRequest.newBuilder().setKey(pfx).setRangeEnd(Keys.prefixEnd(pfx)).setLimit(1).build()))
            .getKvsCount() > 0) {
            throw Exit.error(Exit.INVALID_INPUT, "prefix " + Go.quote(prefix) + " has keys. Delete with 'etcdctl del --prefix "
                + prefix + "' first");
        }
        ByteString value = ByteString.copyFrom(new byte[1024]);
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        long interval = 1_000_000_000L / load.limit();
        AtomicLong nextSlot = new AtomicLong(start);
        List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
        Map<String, Integer> errors = java.util.Collections.synchronizedMap(new TreeMap<>());
        Channel ch = c.connected();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < load.clients(); i++) {
            Thread t = new Thread(() -> {
                KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch);
                while (true) {
                    long slot = nextSlot.getAndAdd(interval);
                    if (slot >= end) {
                        return;
                    }
                    long wait = slot - System.nanoTime();
                    if (wait > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                    byte[] k = new byte[256];
                    putVarint(k, ThreadLocalRandom.current().nextLong(Long.MAX_VALUE));
                    PutRequest put = PutRequest.newBuilder().setKey(pfx.concat(ByteString.copyFrom(k))).setValue(value).build();
                    long st = System.nanoTime();
                    try {
                        kv.withDeadlineAfter(c.cfg.commandTimeoutNanos(), TimeUnit.NANOSECONDS).put(put);
                        latencies.add(System.nanoTime() - st);
                    } catch (StatusRuntimeException e) {
                        errors.merge(Errors.text(e), 1, Integer::sum);
                    }
                }
            }, "etchctl-check-" + i);
            t.setDaemon(true);
            t.start();
            workers.add(t);
        }
        for (Thread t : workers) {
            t.join();
        }
        double total = (System.nanoTime() - start) / 1e9;
        DeleteRangeResponse cleaned = null;
        try {
            cleaned = c.call(x -> c.kv(x).deleteRange(DeleteRangeRequest.newBuilder().setKey(pfx).setRangeEnd(Keys.prefixEnd(pfx)).build()));
        } catch (StatusRuntimeException e) {
            ctl.out.printf("FAIL: Cleanup failed during key deletion: ERROR(%s)%n", Errors.text(e));
        }
        if (inv.bool("auto-compact") && cleaned != null) {
            long rev = cleaned.getHeader().getRevision();
            ctl.out.printf("Compacting with revision %d%n", rev);
            c.call(x -> c.kv(x).compact(CompactionRequest.newBuilder().setRevision(rev).setPhysical(true).build()));
            ctl.out.printf("Compacted with revision %d%n", rev);
        }
        if (inv.bool("auto-defrag")) {
            for (String ep : inv.flag("endpoints").strings()) {
                ctl.out.printf("Defragmenting %s%n", Go.quote(ep));
                try (Client one = c.forEndpoint(ep)) {
                    one.call(x -> one.maintenance(x).defragment(DefragmentRequest.getDefaultInstance()));
                }
                ctl.out.printf("Defragmented %s%n", Go.quote(ep));
            }
        }
        double rps = latencies.size() / total;
        double slowest = 0;
        double sum = 0;
        for (long l : latencies) {
            slowest = Math.max(slowest, l / 1e9);
            sum += l / 1e9;
        }
        double mean = latencies.isEmpty() ? 0 : sum / latencies.size();
        double var = 0;
        for (long l : latencies) {
            var += Math.pow(l / 1e9 - mean, 2);
        }
        double stddev = latencies.isEmpty() ? 0 : Math.sqrt(var / latencies.size());
        boolean ok = true;
        if (!errors.isEmpty()) {
            ctl.out.println("FAIL: too many errors");
            errors.forEach((k, v) -> ctl.out.printf("FAIL: ERROR(%s) -> %d%n", k, v));
            ok = false;
        }
        if (rps / load.limit() <= 0.9) {
            ctl.out.printf("FAIL: Throughput too low: %d writes/s%n", (int) rps + 1);
            ok = false;
        } else {
            ctl.out.printf("PASS: Throughput is %d writes/s%n", (int) rps + 1);
        }
        if (slowest > 0.5) {
            ctl.out.printf("Slowest request took too long: %fs%n", slowest);
            ok = false;
        } else {
            ctl.out.printf("PASS: Slowest request took %fs%n", slowest);
        }
        if (stddev > 0.1) {
            ctl.out.printf("Stddev too high: %fs%n", stddev);
            ok = false;
        } else {
            ctl.out.printf("PASS: Stddev is %fs%n", stddev);
        }
        if (ok) {
            ctl.out.println("PASS");
        } else {
            ctl.out.println("FAIL");
            throw Exit.quiet(Exit.ERROR);
        }
    }

    /**
     * check datascale: writes the workload's keys (512-byte keys, 512-byte values) and reports how much the first
     * endpoint's resident memory (its process_resident_memory_bytes metric) grew, then deletes them again.
     */
    private static void datascale(Invocation inv) throws Exception {
        String model = ALIAS.get(inv.string("load"));
        if (model == null) {
            throw Exit.error(Exit.BAD_FEATURE, "unknown load option " + inv.string("load"));
        }
        Scale scale = SCALES.get(model);
        EtchCtl ctl = inv.ctl();
        Client c = ctl.client(inv);
        String prefix = inv.string("prefix");
        ByteString pfx = Keys.of(prefix);
        if (c.call(ch -> c.kv(ch).range(RangeRequest.newBuilder().setKey(pfx).setRangeEnd(Keys.prefixEnd(pfx)).setLimit(1).build()))
            .getKvsCount() > 0) {
            throw Exit.error(Exit.INVALID_INPUT, "prefix " + Go.quote(prefix) + " has keys. Delete with etcdctl del --prefix "
                + prefix + " first");
        }
        String endpoint = inv.flag("endpoints").strings().get(0);
        double before = MemoryMetric.residentBytes(endpoint, c.cfg, ctl.out);
        if (before == 0) {
            ctl.out.println("FAIL: Could not read process_resident_memory_bytes before the put operations.");
            throw Exit.quiet(Exit.ERROR);
        }
        ctl.out.printf("Start data scale check for work load [%d key-value pairs, %d bytes per key-value, %d concurrent clients].%n",
            scale.keys(), 1024, scale.clients());
        ByteString value = ByteString.copyFrom(new byte[512]);
        AtomicLong remaining = new AtomicLong(scale.keys());
        Map<String, Integer> errors = java.util.Collections.synchronizedMap(new TreeMap<>());
        Channel ch = c.connected();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < scale.clients(); i++) {
            Thread t = new Thread(() -> {
                KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch);
                byte[] k = new byte[512];
                while (remaining.getAndDecrement() > 0) {
                    java.util.Arrays.fill(k, (byte) 0);
                    putVarint(k, ThreadLocalRandom.current().nextLong(Long.MAX_VALUE));
                    PutRequest put = PutRequest.newBuilder().setKey(pfx.concat(ByteString.copyFrom(k))).setValue(value).build();
                    try {
                        kv.withDeadlineAfter(c.cfg.commandTimeoutNanos(), TimeUnit.NANOSECONDS).put(put);
                    } catch (StatusRuntimeException e) {
                        errors.merge(Errors.text(e), 1, Integer::sum);
                    }
                }
            }, "etchctl-datascale-" + i);
            t.setDaemon(true);
            t.start();
            workers.add(t);
        }
        for (Thread t : workers) {
            t.join();
        }
        double after = MemoryMetric.residentBytes(endpoint, c.cfg, ctl.out);
        if (after == 0) {
            ctl.out.println("FAIL: Could not read process_resident_memory_bytes after the put operations.");
            throw Exit.quiet(Exit.ERROR);
        }
        DeleteRangeResponse deleted = c.call(x -> c.kv(x).deleteRange(
            DeleteRangeRequest.newBuilder().setKey(pfx).setRangeEnd(Keys.prefixEnd(pfx)).build()));
        if (inv.bool("auto-compact")) {
            long rev = deleted.getHeader().getRevision();
            ctl.out.printf("Compacting with revision %d%n", rev);
            c.call(x -> c.kv(x).compact(CompactionRequest.newBuilder().setRevision(rev).setPhysical(true).build()));
            ctl.out.printf("Compacted with revision %d%n", rev);
        }
        if (inv.bool("auto-defrag")) {
            for (String ep : inv.flag("endpoints").strings()) {
                ctl.out.printf("Defragmenting %s%n", Go.quote(ep));
                try (Client one = c.forEndpoint(ep)) {
                    one.call(x -> one.maintenance(x).defragment(DefragmentRequest.getDefaultInstance()));
                }
                ctl.out.printf("Defragmented %s%n", Go.quote(ep));
            }
        }
        if (!errors.isEmpty()) {
            ctl.out.println("FAIL: too many errors");
            errors.forEach((k, v) -> ctl.out.printf("FAIL: ERROR(%s) -> %d%n", k, v));
            throw Exit.quiet(Exit.ERROR);
        }
        ctl.out.printf("PASS: Approximate system memory used : %.2f MB.%n", (after - before) / (1024 * 1024));
    }

    /** encoding/binary.PutVarint (zig-zag). */
    static void putVarint(byte[] buf, long x) {
        long ux = (x << 1) ^ (x >> 63);
        int i = 0;
        while (Long.compareUnsigned(ux, 0x80) >= 0) {
            buf[i++] = (byte) (ux | 0x80);
            ux >>>= 7;
        }
        buf[i] = (byte) ux;
    }
}
