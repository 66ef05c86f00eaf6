package io.etch.mvcc;

import static io.etch.mvcc.MvccTesting.bs;
import static io.etch.mvcc.MvccTesting.kv;
import static io.etch.mvcc.MvccTesting.putReq;
import static io.etch.mvcc.MvccTesting.range;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.DeleteRangeResponse;
import io.etch.api.etcdserverpb.PutResponse;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.mvccpb.Event;
import io.etch.api.mvccpb.KeyValue;
import io.etch.errors.EtcdError;
import io.etch.errors.EtchException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MvccStoreTest {
    @TempDir
    Path dir;
    MvccTesting t;
    MvccStore store;

    @BeforeEach
    void open() {
        t = new MvccTesting(dir);
        store = t.store();
    }

    @AfterEach
    void close() {
        t.close();
    }

    private static void assertError(Runnable r, EtcdError error) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(EtchException.class, e -> assertThat(e.error()).isEqualTo(error));
    }

    private List<String> keys(RangeResponse r) {
        return r.getKvsList().stream().map(kv -> kv.getKey().toStringUtf8()).toList();
    }

    // --- revisions and put ---------------------------------------------------------------------

    @Test
    void emptyStoreIsAtRevisionOne() {
        assertThat(store.currentRevision()).isEqualTo(1);
        assertThat(store.compactedRevision()).isZero();
        assertThat(store.appliedIndex()).isZero();
        assertThat(store.appliedTerm()).isZero();
    }

    @Test
    void firstPutGetsRevisionTwo() {
        assertThat(t.put("a", "1")).isEqualTo(2);
        assertThat(store.currentRevision()).isEqualTo(2);
        assertThat(t.get("a")).isEqualTo(kv("a", "1", 2, 2, 1));
    }

    @Test
    void putAgainBumpsVersionAndKeepsCreateRevision() {
        t.put("a", "1");
        t.put("b", "x");
        t.put("a", "2");
        assertThat(t.get("a")).isEqualTo(kv("a", "2", 2, 4, 2));
    }

    @Test
    void putWithPrevKvReturnsThePreviousValue() {
        t.put("a", "1");
        PutResponse resp = t.apply(txn -> txn.put(putReq("a", "2").setPrevKv(true).build()));
        assertThat(resp.getPrevKv()).isEqualTo(kv("a", "1", 2, 2, 1));
        assertThat(resp.getHeader().getRevision()).isEqualTo(3);
    }

    @Test
    void putWithPrevKvOnNewKeyHasNoPrevKv() {
        PutResponse resp = t.apply(txn -> txn.put(putReq("a", "2").setPrevKv(true).build()));
        assertThat(resp.hasPrevKv()).isFalse();
    }

    @Test
    void putWithIgnoreValueKeepsValue() {
        t.put("a", "1");
        t.apply(txn -> txn.put(putReq("a", "").setIgnoreValue(true).setLease(7).build()));
        KeyValue a = t.get("a");
        assertThat(a.getValue().toStringUtf8()).isEqualTo("1");
        assertThat(a.getLease()).isEqualTo(7);
        assertThat(a.getVersion()).isEqualTo(2);
    }

    @Test
    void putWithIgnoreLeaseKeepsLease() {
        t.apply(txn -> txn.put(putReq("a", "1").setLease(5).build()));
        t.apply(txn -> txn.put(putReq("a", "2").setIgnoreLease(true).build()));
        assertThat(t.get("a").getLease()).isEqualTo(5);
        assertThat(t.get("a").getValue().toStringUtf8()).isEqualTo("2");
    }

    @Test
    void putWithIgnoreValueOnMissingKeyFailsAndChangesNothing() {
        assertError(() -> t.apply(txn -> txn.put(putReq("a", "").setIgnoreValue(true).build())), EtcdError.KEY_NOT_FOUND);
        assertError(() -> t.apply(txn -> txn.put(putReq("a", "").setIgnoreLease(true).build())), EtcdError.KEY_NOT_FOUND);
        assertThat(store.currentRevision()).isEqualTo(1);
        assertThat(store.appliedIndex()).isEqualTo(2);
    }

    @Test
    void putAfterDeleteStartsANewGeneration() {
        t.put("a", "1");
        t.put("a", "2");
        t.delete("a");
        t.put("a", "3");
        assertThat(t.get("a")).isEqualTo(kv("a", "3", 5, 5, 1));
    }

    @Test
    void keysAreOrderedAsUnsignedBytes() {
        t.put("\u00e9", "high"); // 0xC3 0xA9
        t.put("z", "low");
        assertThat(keys(store.range(range("a", "\0").build()))).containsExactly("z", "\u00e9");
    }

    // --- delete ----------------------------------------------------------------------------------

    @Test
    void deleteOfMissingKeyDoesNotBumpRevision() {
        t.put("a", "1");
        DeleteRangeResponse resp = t.apply(txn -> txn.deleteRange(DeleteRangeRequest.newBuilder().setKey(bs("b")).build()));
        assertThat(resp.getDeleted()).isZero();
        assertThat(resp.getHeader().getRevision()).isEqualTo(2);
        assertThat(store.currentRevision()).isEqualTo(2);
    }

    @Test
    void deleteRangeDeletesHalfOpenRangeWithPrevKvs() {
        for (String k : List.of("a", "b", "c", "d")) {
            t.put(k, k);
        }
        DeleteRangeResponse resp = t.apply(txn -> txn.deleteRange(
                DeleteRangeRequest.newBuilder().setKey(bs("b")).setRangeEnd(bs("d")).setPrevKv(true).build()));
        assertThat(resp.getDeleted()).isEqualTo(2);
        assertThat(resp.getHeader().getRevision()).isEqualTo(6);
        assertThat(resp.getPrevKvsList()).containsExactly(kv("b", "b", 3, 3, 1), kv("c", "c", 4, 4, 1));
        assertThat(keys(store.range(range("a", "\0").build()))).containsExactly("a", "d");
    }

    @Test
    void deleteFromKeyDeletesAllKeysAtOrAfter() {
        for (String k : List.of("a", "b", "c")) {
            t.put(k, k);
        }
        DeleteRangeResponse resp = t.apply(txn -> txn.deleteRange(
                DeleteRangeRequest.newBuilder().setKey(bs("b")).setRangeEnd(bs("\0")).build()));
        assertThat(resp.getDeleted()).isEqualTo(2);
        assertThat(resp.getPrevKvsCount()).isZero();
        assertThat(keys(store.range(range("\0", "\0").build()))).containsExactly("a");
    }

    // --- range -----------------------------------------------------------------------------------

    @Test
    void rangeWithLimitReportsMoreAndTotalCount() {
        for (String k : List.of("a", "b", "c")) {
            t.put(k, k);
        }
        RangeResponse r = store.range(range("a", "z").setLimit(2).build());
        assertThat(keys(r)).containsExactly("a", "b");
        assertThat(r.getMore()).isTrue();
        assertThat(r.getCount()).isEqualTo(3);
        assertThat(r.getHeader().getRevision()).isEqualTo(4);

        RangeResponse all = store.range(range("a", "z").setLimit(3).build());
        assertThat(all.getMore()).isFalse();
    }

    @Test
    void rangeAtPastRevisionSeesOldValuesWithCurrentHeaderRevision() {
        t.put("a", "1");
        t.put("a", "2");
        t.delete("a");
        RangeResponse r = store.range(range("a").setRevision(2).build());
        assertThat(r.getKvsList()).containsExactly(kv("a", "1", 2, 2, 1));
        assertThat(r.getHeader().getRevision()).isEqualTo(4);
        assertThat(store.range(range("a").setRevision(4).build()).getKvsCount()).isZero();
    }

    @Test
    void rangeAtFutureRevisionFails() {
        t.put("a", "1");
        assertError(() -> store.range(range("a").setRevision(3).build()), EtcdError.FUTURE_REV);
    }

    @Test
    void rangeCountOnlyAndKeysOnly() {
        t.put("a", "1");
        t.put("b", "2");
        RangeResponse count = store.range(range("a", "c").setCountOnly(true).build());
        assertThat(count.getKvsCount()).isZero();
        assertThat(count.getCount()).isEqualTo(2);
        RangeResponse keysOnly = store.range(range("a", "c").setKeysOnly(true).build());
        assertThat(keysOnly.getKvsList()).allSatisfy(kv -> assertThat(kv.getValue().isEmpty()).isTrue());
        assertThat(keysOnly.getKvs(1).getModRevision()).isEqualTo(3);
    }

    @Test
    void rangeSortsByTargetAndTruncatesAfterSorting() {
        t.put("a", "3");
        t.put("b", "1");
        t.put("c", "2");
        t.put("b", "4");
        RangeResponse byValueDesc = store.range(range("a", "z").setSortTarget(RangeRequest.SortTarget.VALUE)
                .setSortOrder(RangeRequest.SortOrder.DESCEND).setLimit(2).build());
        assertThat(keys(byValueDesc)).containsExactly("b", "a");
        assertThat(byValueDesc.getMore()).isTrue();

        RangeResponse byMod = store.range(range("a", "z").setSortTarget(RangeRequest.SortTarget.MOD)
                .setSortOrder(RangeRequest.SortOrder.ASCEND).build());
        assertThat(keys(byMod)).containsExactly("a", "c", "b");

        RangeResponse byKeyDesc = store.range(range("a", "z").setSortOrder(RangeRequest.SortOrder.DESCEND).build());
        assertThat(keys(byKeyDesc)).containsExactly("c", "b", "a");
    }

    @Test
    void sortTargetWithoutOrderSortsAscending() {
        t.put("a", "3");
        t.put("b", "1");
        t.put("c", "2");
        RangeResponse r = store.range(range("a", "z").setSortTarget(RangeRequest.SortTarget.VALUE).build());
        assertThat(keys(r)).containsExactly("b", "c", "a");
    }

    @Test
    void sortTargetWithoutOrderSortsOnlyTheFirstLimitPlusOneKeys() {
        // etcd quirk: order NONE does not lift the limit, so only a, b (and the extra c) are sorted.
        t.put("a", "3");
        t.put("b", "2");
        t.put("c", "9");
        t.put("d", "1");
        RangeResponse r = store.range(range("a", "z").setSortTarget(RangeRequest.SortTarget.VALUE).setLimit(2).build());
        assertThat(keys(r)).containsExactly("b", "a");
        assertThat(r.getMore()).isTrue();
    }

    @Test
    void modAndCreateFiltersDoNotChangeCount() {
        t.put("a", "1");
        t.put("b", "1");
        t.put("c", "1");
        t.put("a", "2");
        RangeResponse r = store.range(range("a", "z").setMinModRevision(3).setMaxModRevision(4).build());
        assertThat(keys(r)).containsExactly("b", "c");
        assertThat(r.getCount()).isEqualTo(3);
        RangeResponse created = store.range(range("a", "z").setMaxCreateRevision(2).build());
        assertThat(keys(created)).containsExactly("a");
        RangeResponse minCreated = store.range(range("a", "z").setMinCreateRevision(3).setLimit(1).build());
        assertThat(keys(minCreated)).containsExactly("b");
        assertThat(minCreated.getMore()).isTrue();
    }

    @Test
    void rangeEndBelowKeyIsEmpty() {
        t.put("a", "1");
        t.put("c", "1");
        RangeResponse r = store.range(range("c", "a").build());
        assertThat(r.getKvsCount()).isZero();
        assertThat(r.getCount()).isZero();
    }

    // --- write txn -------------------------------------------------------------------------------

    @Test
    void changesOfOneTxnShareOneRevisionOrderedBySub() {
        t.applyVoid(txn -> {
            txn.put(putReq("a", "1").build());
            txn.put(putReq("b", "2").build());
            txn.deleteRange(DeleteRangeRequest.newBuilder().setKey(bs("a")).build());
        });
        assertThat(store.currentRevision()).isEqualTo(2);
        assertThat(t.get("a")).isNull();
        assertThat(t.get("b")).isEqualTo(kv("b", "2", 2, 2, 1));
    }

    @Test
    void writeTxnRangeSeesOwnWrites() {
        t.put("a", "1");
        t.applyVoid(txn -> {
            assertThat(txn.revision()).isEqualTo(2);
            txn.put(putReq("a", "2").build());
            RangeResponse r = txn.range(range("a").build());
            assertThat(r.getKvsList()).containsExactly(kv("a", "2", 2, 3, 2));
            assertThat(r.getHeader().getRevision()).isEqualTo(3);
            assertThat(txn.revision()).isEqualTo(3);
        });
    }

    @Test
    void readersDoNotSeeUncommittedWrites() throws Exception {
        t.put("a", "1");
        try (WriteTxn txn = store.begin()) {
            txn.put(putReq("a", "2").build());
            txn.put(putReq("b", "new").build());
            RangeResponse fromOtherThread = CompletableFuture.supplyAsync(() -> store.range(range("a", "z").build()))
                    .get(10, TimeUnit.SECONDS);
            assertThat(fromOtherThread.getKvsList()).containsExactly(kv("a", "1", 2, 2, 1));
            assertThat(fromOtherThread.getHeader().getRevision()).isEqualTo(2);
            txn.commit(1, 2);
        }
        assertThat(store.range(range("a", "z").build()).getKvsCount()).isEqualTo(2);
        assertThat(store.currentRevision()).isEqualTo(3);
    }

    @Test
    void discardChangesLeavesNoTrace() {
        t.put("a", "1");
        t.applyVoid(txn -> {
            txn.put(putReq("a", "2").build());
            txn.deleteRange(DeleteRangeRequest.newBuilder().setKey(bs("a")).build());
            txn.put(putReq("b", "2").build());
            txn.discardChanges();
            assertThat(txn.range(range("a", "z").build()).getKvsList()).containsExactly(kv("a", "1", 2, 2, 1));
            assertThat(txn.revision()).isEqualTo(2);
        });
        assertThat(store.currentRevision()).isEqualTo(2);
        assertThat(t.get("b")).isNull();
        assertThat(t.storedRevisions()).isEqualTo(1);
        // The index has no leftovers either: the next put continues the same generation.
        t.put("a", "3");
        assertThat(t.get("a")).isEqualTo(kv("a", "3", 2, 3, 2));
    }

    @Test
    void txnWithoutChangesStillRecordsAppliedIndex() {
        t.applyVoid(txn -> txn.range(range("a").build()));
        assertThat(store.currentRevision()).isEqualTo(1);
        assertThat(store.appliedIndex()).isEqualTo(1);
        assertThat(store.appliedTerm()).isEqualTo(1);
    }

    @Test
    void onlyOneWriteTxnAtATime() {
        try (WriteTxn txn = store.begin()) {
            assertThatThrownBy(store::begin).isInstanceOf(IllegalStateException.class);
        }
        store.begin().close();
    }

    @Test
    void closedTxnWritesNothing() {
        try (WriteTxn txn = store.begin()) {
            txn.put(putReq("a", "1").build());
        }
        assertThat(store.currentRevision()).isEqualTo(1);
        assertThat(store.appliedIndex()).isZero();
        assertThat(t.storedRevisions()).isZero();
    }

    // --- listener --------------------------------------------------------------------------------

    @Test
    void listenerGetsEventsWithPrevKvOncePerRevision() {
        List<Long> revisions = new ArrayList<>();
        List<List<Event>> batches = new ArrayList<>();
        t.put("a", "1");
        store.setListener((rev, events) -> {
            revisions.add(rev);
            batches.add(events.get(true));
        });
        t.applyVoid(txn -> {
            txn.put(putReq("a", "2").build());
            txn.put(putReq("b", "1").build());
        });
        t.applyVoid(txn -> txn.range(range("a").build())); // no change: no event
        t.delete("a");

        assertThat(revisions).containsExactly(3L, 4L);
        assertThat(batches.get(0)).containsExactly(
                Event.newBuilder().setType(Event.EventType.PUT).setKv(kv("a", "2", 2, 3, 2))
                        .setPrevKv(kv("a", "1", 2, 2, 1)).build(),
                Event.newBuilder().setType(Event.EventType.PUT).setKv(kv("b", "1", 3, 3, 1)).build());
        assertThat(batches.get(1)).containsExactly(
                Event.newBuilder().setType(Event.EventType.DELETE)
                        .setKv(KeyValue.newBuilder().setKey(bs("a")).setModRevision(4))
                        .setPrevKv(kv("a", "2", 2, 3, 2)).build());
    }

    @Test
    void listenerSeesRevisionAlreadyVisible() {
        List<Long> seen = new ArrayList<>();
        store.setListener((rev, events) -> seen.add(store.range(range("a").build()).getHeader().getRevision()));
        t.put("a", "1");
        assertThat(seen).containsExactly(2L);
    }

    // --- compaction ------------------------------------------------------------------------------

    @Test
    void compactionDropsSupersededRevisions() {
        t.put("a", "1");   // 2
        t.put("a", "2");   // 3
        t.put("b", "1");   // 4
        t.delete("b");     // 5
        t.put("a", "3");   // 6
        t.compact(5);
        assertThat(store.compactedRevision()).isEqualTo(5);
        assertThat(store.currentRevision()).isEqualTo(6);
        // a@3 (newest <= 5) and a@6 stay; a@2, b@4 and b's tombstone go.
        assertThat(t.storedRevisions()).isEqualTo(2);
        assertThat(store.range(range("a").setRevision(5).build()).getKvsList()).containsExactly(kv("a", "2", 2, 3, 2));
        assertThat(store.range(range("b").setRevision(5).build()).getKvsCount()).isZero();
        assertThat(t.get("a")).isEqualTo(kv("a", "3", 2, 6, 3));
    }

    @Test
    void readBelowCompactedRevisionFails() {
        t.put("a", "1");
        t.put("a", "2");
        t.compact(3);
        assertError(() -> store.range(range("a").setRevision(2).build()), EtcdError.COMPACTED);
        assertThat(store.range(range("a").setRevision(3).build()).getKvsCount()).isEqualTo(1);
    }

    @Test
    void compactAtOrBelowCompactedRevisionFails() {
        t.put("a", "1");
        t.put("a", "2");
        t.compact(2);
        assertError(() -> t.apply(txn -> store.compact(2, txn)), EtcdError.COMPACTED);
        assertError(() -> t.apply(txn -> store.compact(1, txn)), EtcdError.COMPACTED);
    }

    @Test
    void compactAboveCurrentRevisionFails() {
        t.put("a", "1");
        assertError(() -> t.apply(txn -> store.compact(3, txn)), EtcdError.FUTURE_REV);
        assertThat(store.compactedRevision()).isZero();
    }

    @Test
    void compactionIsVisibleOnlyAfterCommit() {
        t.put("a", "1");
        t.put("a", "2");
        try (WriteTxn txn = store.begin()) {
            CompletableFuture<Void> done = store.compact(3, txn);
            assertThat(store.range(range("a").setRevision(2).build()).getKvsCount()).isEqualTo(1);
            assertError(() -> txn.range(range("a").setRevision(2).build()), EtcdError.COMPACTED);
            txn.discardChanges();
            assertThat(done).isCompletedExceptionally();
            txn.commit(1, 10);
        }
        assertThat(store.compactedRevision()).isZero();
        assertThat(store.range(range("a").setRevision(2).build()).getKvsCount()).isEqualTo(1);
    }

    @Test
    void deletedKeyIsGoneAfterCompactionAtItsTombstone() {
        t.put("a", "1");
        t.delete("a");
        t.compact(3);
        assertThat(t.storedRevisions()).isZero();
        t.put("a", "2");
        assertThat(t.get("a")).isEqualTo(kv("a", "2", 4, 4, 1));
    }

    // --- history and hash ------------------------------------------------------------------------

    @Test
    void storedEventsAreWhatTheListenerWasTold() {
        List<Event> told = new ArrayList<>();
        store.setListener((rev, events) -> told.addAll(events.get(true)));
        t.put("a", "1");
        t.applyVoid(txn -> {
            txn.put(putReq("a", "2").build());
            txn.put(putReq("b", "1").build());
        });
        t.delete("a");
        t.put("a", "3");
        assertThat(store.events(0, Long.MAX_VALUE, true)).isEqualTo(told);
        assertThat(store.events(3, 4, true)).isEqualTo(told.subList(1, 4));
        assertThat(store.events(3, 3, false).get(0).hasPrevKv()).isFalse();
        assertThat(store.events(6, 10, true)).isEmpty();
    }

    @Test
    void eventsBelowCompactedRevisionFail() {
        t.put("a", "1");
        t.put("a", "2");
        t.put("a", "3");
        t.compact(3);
        assertError(() -> store.events(2, 4, false), EtcdError.COMPACTED);
        assertThat(store.events(4, 4, true)).containsExactly(Event.newBuilder().setType(Event.EventType.PUT)
                .setKv(kv("a", "3", 2, 4, 3)).setPrevKv(kv("a", "2", 2, 3, 2)).build());
    }

    @Test
    void hashKvDependsOnlyOnLogicalState() throws Exception {
        t.put("a", "1");
        t.put("a", "2");
        t.put("b", "1");
        t.delete("b");
        MvccStore.KvHash before = store.hashKv(0);
        assertThat(before.currentRevision()).isEqualTo(5);
        assertThat(store.hashKv(5)).isEqualTo(before);
        assertThat(store.hashKv(4).hash()).isNotEqualTo(before.hash());

        CompletableFuture<Void> physical = t.apply(txn -> store.compact(4, txn));
        MvccStore.KvHash compacted = store.hashKv(0);
        physical.get(30, TimeUnit.SECONDS);
        assertThat(store.hashKv(0)).isEqualTo(compacted);
        assertThat(compacted.compactRevision()).isEqualTo(4);
        assertError(() -> store.hashKv(4), EtcdError.COMPACTED);
        assertError(() -> store.hashKv(6), EtcdError.FUTURE_REV);
    }
}
