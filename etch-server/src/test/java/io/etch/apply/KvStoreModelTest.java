package io.etch.apply;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.Compare;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.mvccpb.Event;
import io.etch.errors.EtcdError;
import io.etch.errors.EtchException;
import io.etch.mvcc.MvccStore;
import io.etch.mvcc.MvccTesting;
import io.etch.mvcc.WriteTxn;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.statistics.Statistics;

/**
 * Random sequences of put / delete range / txn / range / compact / restart against the real store
 * (through {@link KvApplier}) and the plain {@link KvModel}: every response, error, revision and
 * watch event must agree, and at the end every revision from the compacted one on must read alike.
 */
class KvStoreModelTest {
    private static final Set<Long> LEASES = Set.of(100L, 200L);
    private static final List<String> KEYS = List.of("a", "b", "c", "d", "\u00e9");
    private static final int MAX_TXN_OPS = 128;

    sealed interface Op permits PutOp, DeleteOp, RangeOp, TxnOp, CompactOp, RestartOp {
    }

    record PutOp(PutRequest request) implements Op {
    }

    record DeleteOp(DeleteRangeRequest request) implements Op {
    }

    record RangeOp(RangeRequest request) implements Op {
    }

    record TxnOp(TxnRequest request) implements Op {
    }

    /** Compacts at the current revision minus {@code back} (-1: one in the future). */
    record CompactOp(long back, boolean waitForPhysical) implements Op {
    }

    record RestartOp() implements Op {
    }

    @Property(tries = 150)
    void storeAgreesWithModel(@ForAll("operations") List<Op> ops) throws Exception {
        Path dir = Files.createTempDirectory("etch-model");
        KvModel model = new KvModel(LEASES);
        KvApplier applier = new KvApplier(LEASES::contains);
        List<Map.Entry<Long, List<Event>>> events = new ArrayList<>();
        MvccTesting t = new MvccTesting(dir);
        try {
            t.store().setListener((rev, evs) -> events.add(Map.entry(rev, evs.get(true))));
            for (Op op : ops) {
                if (op instanceof PutOp p) {
                    if (valid(() -> KvRequestValidator.validatePut(p.request()))) {
                        agree(() -> t.apply(txn -> applier.put(txn, p.request())), () -> model.put(p.request()), op);
                    }
                } else if (op instanceof DeleteOp d) {
                    if (valid(() -> KvRequestValidator.validateDeleteRange(d.request()))) {
                        agree(() -> t.apply(txn -> applier.deleteRange(txn, d.request())),
                                () -> model.deleteRange(d.request()), op);
                    }
                } else if (op instanceof RangeOp r) {
                    if (valid(() -> KvRequestValidator.validateRange(r.request()))) {
                        agree(() -> t.store().range(r.request()), () -> model.range(r.request()), op);
                    }
                } else if (op instanceof TxnOp x) {
                    if (valid(() -> KvRequestValidator.validateTxn(x.request(), MAX_TXN_OPS))) {
                        agree(() -> t.apply(txn -> applier.txn(txn, x.request())), () -> model.txn(x.request()), op);
                    }
                } else if (op instanceof CompactOp c) {
                    long rev = model.rev - c.back();
                    CompletableFuture<?>[] done = new CompletableFuture<?>[1];
                    agree(() -> {
                        done[0] = t.apply((WriteTxn txn) -> t.store().compact(rev, txn));
                        return null;
                    }, () -> {
                        model.compact(rev);
                        return null;
                    }, op);
                    if (done[0] != null && c.waitForPhysical()) {
                        done[0].get(30, TimeUnit.SECONDS);
                    }
                } else if (op instanceof RestartOp) {
                    t.restart();
                    t.store().setListener((rev, evs) -> events.add(Map.entry(rev, evs.get(true))));
                }
                assertThat(t.store().currentRevision()).as("revision after %s", op).isEqualTo(model.rev);
                assertThat(t.store().compactedRevision()).isEqualTo(Math.max(0, model.compacted));
                assertThat(events).as("events after %s", op).isEqualTo(model.events);
            }
            assertEveryRevisionReadsAlike(t.store(), model);
            long from = Math.max(2, model.compacted + 1);
            List<Event> expected = model.events.stream().filter(e -> e.getKey() >= from)
                    .flatMap(e -> e.getValue().stream()).toList();
            assertThat(t.store().events(from, model.rev, true)).as("stored events from %d", from).isEqualTo(expected);
        } finally {
            t.close();
            deleteRecursively(dir);
        }
    }

    private static void assertEveryRevisionReadsAlike(MvccStore store, KvModel model) {
        for (long rev = Math.max(1, model.compacted); rev <= model.rev; rev++) {
            RangeRequest all = RangeRequest.newBuilder().setKey(ByteString.copyFrom(new byte[] {0}))
                    .setRangeEnd(ByteString.copyFrom(new byte[] {0})).setRevision(rev).build();
            assertThat(store.range(all)).as("all keys at %d", rev).isEqualTo(model.range(all));
        }
    }

    private static boolean valid(Runnable validation) {
        try {
            validation.run();
            return true;
        } catch (EtchException e) {
            return false;
        }
    }

    private static void agree(Supplier<Object> store, Supplier<Object> model, Op op) {
        Object expected;
        try {
            expected = model.get();
        } catch (KvModel.Failure f) {
            expected = f.error;
        }
        Object actual;
        try {
            actual = store.get();
        } catch (EtchException e) {
            actual = e.error();
        }
        Statistics.label("outcomes").collect(op.getClass().getSimpleName(),
                expected instanceof EtcdError e ? e.name() : "ok");
        assertThat(actual).as("response to %s", op).isEqualTo(expected);
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    // --- generators ----------------------------------------------------------------------------

    @Provide
    Arbitrary<List<Op>> operations() {
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, putRequest().map(PutOp::new)),
                net.jqwik.api.Tuple.of(3, deleteRequest().map(DeleteOp::new)),
                net.jqwik.api.Tuple.of(5, rangeRequest().map(RangeOp::new)),
                net.jqwik.api.Tuple.of(5, txnRequest(0).map(TxnOp::new)),
                net.jqwik.api.Tuple.of(2, Combinators.combine(Arbitraries.longs().between(-1, 10),
                        Arbitraries.of(true, false)).as(CompactOp::new)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(new RestartOp())));
        return op.list().ofMinSize(1).ofMaxSize(60).withSizeDistribution(RandomDistribution.uniform());
    }

    private static Arbitrary<ByteString> key() {
        return Arbitraries.of(KEYS).map(ByteString::copyFromUtf8);
    }

    private static Arbitrary<ByteString> rangeEnd() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, Arbitraries.just(ByteString.EMPTY)),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(ByteString.copyFrom(new byte[] {0}))),
                net.jqwik.api.Tuple.of(3, Arbitraries.of("b", "c", "d", "e", "z", "\u00ff").map(ByteString::copyFromUtf8)));
    }

    private static Arbitrary<ByteString> value() {
        return Arbitraries.of("", "x", "y", "z").map(ByteString::copyFromUtf8);
    }

    private static Arbitrary<Long> lease() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.just(0L)),
                net.jqwik.api.Tuple.of(2, Arbitraries.of(100L, 200L)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(7L)));
    }

    private static Arbitrary<Boolean> rarely() {
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(9, Arbitraries.just(false)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(true)));
    }

    private static Arbitrary<Long> revisionField() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, Arbitraries.just(0L)),
                net.jqwik.api.Tuple.of(4, Arbitraries.longs().between(-1, 15)));
    }

    private static Arbitrary<Long> filterField() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.just(0L)),
                net.jqwik.api.Tuple.of(1, Arbitraries.longs().between(1, 25)));
    }

    static Arbitrary<PutRequest> putRequest() {
        return Combinators.combine(key(), value(), lease(), Arbitraries.of(true, false), rarely(), rarely())
                .as((k, v, lease, prevKv, ignoreValue, ignoreLease) -> PutRequest.newBuilder()
                        .setKey(k)
                        .setValue(ignoreValue ? ByteString.EMPTY : v)
                        .setLease(ignoreLease ? 0 : lease)
                        .setPrevKv(prevKv)
                        .setIgnoreValue(ignoreValue)
                        .setIgnoreLease(ignoreLease)
                        .build());
    }

    static Arbitrary<DeleteRangeRequest> deleteRequest() {
        return Combinators.combine(key(), rangeEnd(), Arbitraries.of(true, false))
                .as((k, end, prevKv) -> DeleteRangeRequest.newBuilder().setKey(k).setRangeEnd(end).setPrevKv(prevKv).build());
    }

    static Arbitrary<RangeRequest> rangeRequest() {
        Arbitrary<RangeRequest.Builder> base = Combinators.combine(key(), rangeEnd(), revisionField(),
                        Arbitraries.longs().between(0, 4), Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 4))
                .as((k, end, rev, limit, order, target) -> RangeRequest.newBuilder().setKey(k).setRangeEnd(end)
                        .setRevision(rev).setLimit(limit).setSortOrderValue(order).setSortTargetValue(target));
        return Combinators.combine(base, rarely(), rarely(), filterField(), filterField(), filterField(), filterField())
                .as((b, keysOnly, countOnly, minMod, maxMod, minCreate, maxCreate) -> b.setKeysOnly(keysOnly)
                        .setCountOnly(countOnly).setMinModRevision(minMod).setMaxModRevision(maxMod)
                        .setMinCreateRevision(minCreate).setMaxCreateRevision(maxCreate).build());
    }

    static Arbitrary<Compare> compare() {
        Arbitrary<ByteString> compareEnd = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.just(ByteString.EMPTY)),
                net.jqwik.api.Tuple.of(1, rangeEnd()));
        return Combinators.combine(key(), compareEnd, Arbitraries.integers().between(0, 4),
                        Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 4),
                        value(), Arbitraries.longs().between(0, 12), lease())
                .as((k, end, target, result, unionKind, v, n, lease) -> {
                    Compare.Builder c = Compare.newBuilder().setKey(k).setRangeEnd(end)
                            .setTargetValue(target).setResultValue(result);
                    // Mostly the union matches the target, sometimes not (etcd then compares with zero).
                    int kind = unionKind == 4 ? (target + 1) % 5 : target;
                    switch (kind) {
                        case 0 -> c.setVersion(n % 4);
                        case 1 -> c.setCreateRevision(n);
                        case 2 -> c.setModRevision(n);
                        case 3 -> c.setValue(v);
                        default -> c.setLease(lease);
                    }
                    return c.build();
                });
    }

    static Arbitrary<TxnRequest> txnRequest(int depth) {
        Arbitrary<RequestOp> op = requestOp(depth);
        return Combinators.combine(compare().list().ofMaxSize(2), op.list().ofMaxSize(3), op.list().ofMaxSize(3))
                .as((cmps, success, failure) -> TxnRequest.newBuilder()
                        .addAllCompare(cmps).addAllSuccess(success).addAllFailure(failure).build());
    }

    static Arbitrary<RequestOp> requestOp(int depth) {
        List<net.jqwik.api.Tuple.Tuple2<Integer, Arbitrary<? extends RequestOp>>> kinds = new ArrayList<>(List.of(
                net.jqwik.api.Tuple.of(4, putRequest().map(p -> RequestOp.newBuilder().setRequestPut(p).build())),
                net.jqwik.api.Tuple.of(2, deleteRequest().map(d -> RequestOp.newBuilder().setRequestDeleteRange(d).build())),
                net.jqwik.api.Tuple.of(3, rangeRequest().map(r -> RequestOp.newBuilder().setRequestRange(r).build()))));
        if (depth < 2) {
            kinds.add(net.jqwik.api.Tuple.of(1, Arbitraries.lazy(() -> txnRequest(depth + 1))
                    .map(x -> RequestOp.newBuilder().setRequestTxn(x).build())));
        }
        @SuppressWarnings({"unchecked", "rawtypes"})
        Arbitrary<RequestOp> result = Arbitraries.frequencyOf(kinds.toArray(new net.jqwik.api.Tuple.Tuple2[0]));
        return result;
    }
}
