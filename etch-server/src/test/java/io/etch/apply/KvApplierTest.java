package io.etch.apply;

import static io.etch.mvcc.MvccTesting.bs;
import static io.etch.mvcc.MvccTesting.kv;
import static io.etch.mvcc.MvccTesting.putReq;
import static io.etch.mvcc.MvccTesting.range;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etch.api.etcdserverpb.Compare;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.ResponseHeader;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.TxnResponse;
import io.etch.errors.EtcdError;
import io.etch.errors.EtchException;
import io.etch.mvcc.MvccTesting;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KvApplierTest {
    @TempDir
    Path dir;
    MvccTesting t;
    KvApplier applier;

    @BeforeEach
    void open() {
        t = new MvccTesting(dir);
        applier = new KvApplier(Set.of(100L, 200L)::contains);
    }

    @AfterEach
    void close() {
        t.close();
    }

    private TxnResponse txn(TxnRequest.Builder r) {
        return t.apply(txn -> applier.txn(txn, r.build()));
    }

    private void assertError(Runnable r, EtcdError error) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(EtchException.class,
                e -> assertThat(e.error()).isEqualTo(error));
    }

    private static RequestOp put(String key, String value) {
        return RequestOp.newBuilder().setRequestPut(putReq(key, value)).build();
    }

    private static RequestOp op(PutRequest.Builder p) {
        return RequestOp.newBuilder().setRequestPut(p).build();
    }

    private static RequestOp get(RangeRequest.Builder r) {
        return RequestOp.newBuilder().setRequestRange(r).build();
    }

    private static RequestOp del(String key) {
        return RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(bs(key))).build();
    }

    private static Compare.Builder cmp(String key, Compare.CompareTarget target, Compare.CompareResult result) {
        return Compare.newBuilder().setKey(bs(key)).setTarget(target).setResult(result);
    }

    @Test
    void putWithUnknownLeaseFailsWithLeaseNotFound() {
        assertError(() -> t.apply(txn -> applier.put(txn, putReq("a", "1").setLease(5).build())), EtcdError.LEASE_NOT_FOUND);
        assertThat(t.store().currentRevision()).isEqualTo(1);
    }

    @Test
    void putWithKnownLeaseStoresIt() {
        t.apply(txn -> applier.put(txn, putReq("a", "1").setLease(100).build()));
        assertThat(t.get("a").getLease()).isEqualTo(100);
    }

    @Test
    void noLeasesLookupRejectsEveryLease() {
        KvApplier none = new KvApplier(LeaseLookup.NONE);
        assertError(() -> t.apply(txn -> none.put(txn, putReq("a", "1").setLease(100).build())), EtcdError.LEASE_NOT_FOUND);
    }

    @Test
    void txnTakesSuccessBranchWhenAllComparesHold() {
        t.put("a", "1");
        TxnResponse r = txn(TxnRequest.newBuilder()
                .addCompare(cmp("a", Compare.CompareTarget.VALUE, Compare.CompareResult.EQUAL).setValue(bs("1")))
                .addCompare(cmp("a", Compare.CompareTarget.VERSION, Compare.CompareResult.EQUAL).setVersion(1))
                .addSuccess(put("b", "yes"))
                .addFailure(put("b", "no")));
        assertThat(r.getSucceeded()).isTrue();
        assertThat(r.getHeader().getRevision()).isEqualTo(3);
        assertThat(r.getResponses(0).getResponsePut().getHeader().getRevision()).isEqualTo(3);
        assertThat(t.get("b").getValue().toStringUtf8()).isEqualTo("yes");
    }

    @Test
    void txnTakesFailureBranchWhenACompareFails() {
        t.put("a", "1");
        TxnResponse r = txn(TxnRequest.newBuilder()
                .addCompare(cmp("a", Compare.CompareTarget.MOD, Compare.CompareResult.GREATER).setModRevision(2))
                .addSuccess(put("b", "yes"))
                .addFailure(put("b", "no")));
        assertThat(r.getSucceeded()).isFalse();
        assertThat(t.get("b").getValue().toStringUtf8()).isEqualTo("no");
    }

    @Test
    void compareOnMissingKeyUsesZeroValuesButValueComparesAlwaysFail() {
        assertThat(txn(TxnRequest.newBuilder()
                .addCompare(cmp("x", Compare.CompareTarget.CREATE, Compare.CompareResult.EQUAL).setCreateRevision(0)))
                .getSucceeded()).isTrue();
        assertThat(txn(TxnRequest.newBuilder()
                .addCompare(cmp("x", Compare.CompareTarget.VERSION, Compare.CompareResult.LESS).setVersion(1)))
                .getSucceeded()).isTrue();
        assertThat(txn(TxnRequest.newBuilder()
                .addCompare(cmp("x", Compare.CompareTarget.VALUE, Compare.CompareResult.NOT_EQUAL).setValue(bs("v"))))
                .getSucceeded()).isFalse();
        assertThat(txn(TxnRequest.newBuilder()
                .addCompare(cmp("x", Compare.CompareTarget.VALUE, Compare.CompareResult.EQUAL)))
                .getSucceeded()).isFalse();
    }

    @Test
    void compareWithRangeEndNeedsEveryKeyToHold() {
        t.put("a1", "x");
        t.put("a2", "x");
        t.put("a3", "y");
        Compare.Builder allX = cmp("a", Compare.CompareTarget.VALUE, Compare.CompareResult.EQUAL)
                .setValue(bs("x")).setRangeEnd(bs("b"));
        assertThat(txn(TxnRequest.newBuilder().addCompare(allX)).getSucceeded()).isFalse();
        assertThat(txn(TxnRequest.newBuilder().addCompare(allX.clone().setRangeEnd(bs("a3")))).getSucceeded()).isTrue();
        Compare.Builder allOld = cmp("a", Compare.CompareTarget.MOD, Compare.CompareResult.LESS)
                .setModRevision(5).setRangeEnd(bs("\0"));
        assertThat(txn(TxnRequest.newBuilder().addCompare(allOld)).getSucceeded()).isTrue();
    }

    @Test
    void compareOnLeaseAndUnsetTargetUnion() {
        t.apply(txn -> applier.put(txn, putReq("a", "1").setLease(100).build()));
        assertThat(txn(TxnRequest.newBuilder()
                .addCompare(cmp("a", Compare.CompareTarget.LEASE, Compare.CompareResult.EQUAL).setLease(100)))
                .getSucceeded()).isTrue();
        // The target union holds a version, not a lease: etcd compares against 0.
        assertThat(txn(TxnRequest.newBuilder()
                .addCompare(cmp("a", Compare.CompareTarget.LEASE, Compare.CompareResult.GREATER).setVersion(1000)))
                .getSucceeded()).isTrue();
    }

    @Test
    void txnMakesOneRevisionForAllItsChanges() {
        TxnResponse r = txn(TxnRequest.newBuilder()
                .addSuccess(put("a", "1"))
                .addSuccess(put("b", "2"))
                .addSuccess(get(range("a", "z"))));
        assertThat(r.getHeader().getRevision()).isEqualTo(2);
        assertThat(r.getResponses(2).getResponseRange().getKvsList())
                .containsExactly(kv("a", "1", 2, 2, 1), kv("b", "2", 2, 2, 1));
        assertThat(r.getResponses(2).getResponseRange().getHeader().getRevision()).isEqualTo(2);
        assertThat(t.store().currentRevision()).isEqualTo(2);
    }

    @Test
    void readOnlyTxnKeepsTheRevision() {
        t.put("a", "1");
        TxnResponse r = txn(TxnRequest.newBuilder().addSuccess(get(range("a"))));
        assertThat(r.getHeader().getRevision()).isEqualTo(2);
        assertThat(r.getResponses(0).getResponseRange().getHeader().getRevision()).isEqualTo(2);
        assertThat(t.store().currentRevision()).isEqualTo(2);
    }

    @Test
    void deleteOfMissingKeyInTxnReportsCurrentRevision() {
        TxnResponse r = txn(TxnRequest.newBuilder().addSuccess(del("nope")).addSuccess(put("a", "1")));
        assertThat(r.getResponses(0).getResponseDeleteRange().getHeader().getRevision()).isEqualTo(1);
        assertThat(r.getResponses(1).getResponsePut().getHeader().getRevision()).isEqualTo(2);
        assertThat(r.getHeader().getRevision()).isEqualTo(2);
    }

    @Test
    void failingOpLeavesNoChangeEvenAfterEarlierOps() {
        t.put("a", "1");
        assertError(() -> txn(TxnRequest.newBuilder()
                .addSuccess(put("b", "1"))
                .addSuccess(op(putReq("missing", "").setIgnoreValue(true)))), EtcdError.KEY_NOT_FOUND);
        assertError(() -> txn(TxnRequest.newBuilder()
                .addSuccess(put("b", "1"))
                .addSuccess(op(putReq("c", "1").setLease(7)))), EtcdError.LEASE_NOT_FOUND);
        assertError(() -> txn(TxnRequest.newBuilder()
                .addSuccess(put("b", "1"))
                .addSuccess(get(range("a").setRevision(3)))), EtcdError.FUTURE_REV);
        assertThat(t.get("b")).isNull();
        assertThat(t.store().currentRevision()).isEqualTo(2);
    }

    @Test
    void onlyTheTakenBranchIsChecked() {
        TxnResponse r = txn(TxnRequest.newBuilder()
                .addCompare(cmp("a", Compare.CompareTarget.VERSION, Compare.CompareResult.GREATER).setVersion(0))
                .addSuccess(op(putReq("missing", "").setIgnoreValue(true)))
                .addFailure(put("b", "1")));
        assertThat(r.getSucceeded()).isFalse();
        assertThat(t.get("b")).isNotNull();
    }

    @Test
    void putErrorWinsOverRangeErrorWhateverTheOrder() {
        assertError(() -> txn(TxnRequest.newBuilder()
                .addSuccess(get(range("a").setRevision(10)))
                .addSuccess(op(putReq("missing", "").setIgnoreLease(true)))), EtcdError.KEY_NOT_FOUND);
    }

    @Test
    void rangeOfCompactedRevisionInTxnFails() {
        t.put("a", "1");
        t.put("a", "2");
        t.compact(3);
        assertError(() -> txn(TxnRequest.newBuilder().addSuccess(get(range("a").setRevision(2)))), EtcdError.COMPACTED);
        // Negative revisions are below any compaction, as in etcd's check.
        assertError(() -> txn(TxnRequest.newBuilder().addSuccess(get(range("a").setRevision(-1)))), EtcdError.COMPACTED);
    }

    @Test
    void negativeRangeRevisionBeforeAnyCompactionReadsCurrent() {
        t.put("a", "1");
        TxnResponse r = txn(TxnRequest.newBuilder().addSuccess(get(range("a").setRevision(-1))));
        assertThat(r.getResponses(0).getResponseRange().getKvsCount()).isEqualTo(1);
    }

    @Test
    void nestedTxnComparesSeeStateBeforeTheTxn() {
        TxnRequest.Builder inner = TxnRequest.newBuilder()
                .addCompare(cmp("a", Compare.CompareTarget.VERSION, Compare.CompareResult.EQUAL).setVersion(0))
                .addSuccess(put("b", "a-was-missing"))
                .addFailure(put("b", "a-existed"));
        TxnResponse r = txn(TxnRequest.newBuilder()
                .addSuccess(put("a", "1"))
                .addSuccess(RequestOp.newBuilder().setRequestTxn(inner)));
        assertThat(t.get("b").getValue().toStringUtf8()).isEqualTo("a-was-missing");
        TxnResponse nested = r.getResponses(1).getResponseTxn();
        assertThat(nested.getSucceeded()).isTrue();
        assertThat(nested.getHeader()).isEqualTo(ResponseHeader.getDefaultInstance());
        assertThat(nested.getResponses(0).getResponsePut().getHeader().getRevision()).isEqualTo(2);
        assertThat(r.getHeader().getRevision()).isEqualTo(2);
    }

    @Test
    void nestedFailureBranchOpsAreCheckedToo() {
        TxnRequest.Builder inner = TxnRequest.newBuilder()
                .addCompare(cmp("a", Compare.CompareTarget.VERSION, Compare.CompareResult.EQUAL).setVersion(5))
                .addFailure(op(putReq("missing", "").setIgnoreValue(true)));
        assertError(() -> txn(TxnRequest.newBuilder()
                .addSuccess(put("x", "1"))
                .addSuccess(RequestOp.newBuilder().setRequestTxn(inner))), EtcdError.KEY_NOT_FOUND);
        assertThat(t.get("x")).isNull();
    }

    @Test
    void putWithIgnoreValueAfterFromKeyDeleteInSameTxnFailsWithoutTrace() {
        // Passes etcd's checks (etcd would panic here); Etch fails the request and keeps nothing.
        t.put("a", "1");
        assertError(() -> txn(TxnRequest.newBuilder()
                .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(
                        DeleteRangeRequest.newBuilder().setKey(bs("a")).setRangeEnd(bs("\0"))))
                .addSuccess(op(putReq("a", "").setIgnoreValue(true)))), EtcdError.KEY_NOT_FOUND);
        assertThat(t.get("a")).isEqualTo(kv("a", "1", 2, 2, 1));
        assertThat(t.store().currentRevision()).isEqualTo(2);
    }

    @Test
    void rangeThroughApplierSeesTxnWrites() {
        t.applyVoid(txn -> {
            applier.put(txn, putReq("a", "1").build());
            assertThat(applier.range(txn, range("a").build()).getKvsCount()).isEqualTo(1);
            assertThat(applier.deleteRange(txn, DeleteRangeRequest.newBuilder().setKey(bs("a")).build()).getDeleted())
                    .isEqualTo(1);
        });
        assertThat(t.store().currentRevision()).isEqualTo(2);
    }
}
