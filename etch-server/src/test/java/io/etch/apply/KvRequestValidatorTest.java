package io.etch.apply;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.Compare;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.errors.EtcdError;
import io.etch.errors.EtchException;
import org.junit.jupiter.api.Test;

class KvRequestValidatorTest {
    private static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static RequestOp put(String key) {
        return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(bs(key))).build();
    }

    private static RequestOp del(String key, String end) {
        return RequestOp.newBuilder().setRequestDeleteRange(
                DeleteRangeRequest.newBuilder().setKey(bs(key)).setRangeEnd(bs(end))).build();
    }

    private static RequestOp get(String key) {
        return RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(bs(key))).build();
    }

    private static RequestOp txn(TxnRequest.Builder t) {
        return RequestOp.newBuilder().setRequestTxn(t).build();
    }

    private static void assertError(Runnable r, EtcdError error) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(EtchException.class,
                e -> assertThat(e.error()).isEqualTo(error));
    }

    private static void assertValidTxn(TxnRequest.Builder t) {
        assertThatCode(() -> KvRequestValidator.validateTxn(t.build(), 128)).doesNotThrowAnyException();
    }

    private static void assertInvalidTxn(TxnRequest.Builder t, EtcdError error) {
        assertError(() -> KvRequestValidator.validateTxn(t.build(), 128), error);
    }

    @Test
    void emptyKeyIsRejectedEverywhere() {
        assertError(() -> KvRequestValidator.validateRange(RangeRequest.getDefaultInstance()), EtcdError.EMPTY_KEY);
        assertError(() -> KvRequestValidator.validatePut(PutRequest.getDefaultInstance()), EtcdError.EMPTY_KEY);
        assertError(() -> KvRequestValidator.validateDeleteRange(DeleteRangeRequest.getDefaultInstance()), EtcdError.EMPTY_KEY);
        assertInvalidTxn(TxnRequest.newBuilder().addCompare(Compare.getDefaultInstance()), EtcdError.EMPTY_KEY);
        assertInvalidTxn(TxnRequest.newBuilder().addFailure(put("")), EtcdError.EMPTY_KEY);
    }

    @Test
    void putWithIgnoreValueAndAValueIsRejected() {
        assertError(() -> KvRequestValidator.validatePut(PutRequest.newBuilder().setKey(bs("k"))
                .setIgnoreValue(true).setValue(bs("v")).build()), EtcdError.VALUE_PROVIDED);
        assertThatCode(() -> KvRequestValidator.validatePut(PutRequest.newBuilder().setKey(bs("k"))
                .setIgnoreValue(true).build())).doesNotThrowAnyException();
    }

    @Test
    void putWithIgnoreLeaseAndALeaseIsRejected() {
        assertError(() -> KvRequestValidator.validatePut(PutRequest.newBuilder().setKey(bs("k"))
                .setIgnoreLease(true).setLease(5).build()), EtcdError.LEASE_PROVIDED);
    }

    @Test
    void unknownSortOrderOrTargetIsRejected() {
        assertError(() -> KvRequestValidator.validateRange(RangeRequest.newBuilder().setKey(bs("k"))
                .setSortOrderValue(3).build()), EtcdError.INVALID_SORT_OPTION);
        assertError(() -> KvRequestValidator.validateRange(RangeRequest.newBuilder().setKey(bs("k"))
                .setSortTargetValue(5).build()), EtcdError.INVALID_SORT_OPTION);
        assertThatCode(() -> KvRequestValidator.validateRange(RangeRequest.newBuilder().setKey(bs("k"))
                .setSortOrder(RangeRequest.SortOrder.DESCEND).setSortTarget(RangeRequest.SortTarget.VALUE).build()))
                .doesNotThrowAnyException();
    }

    @Test
    void txnWithMoreOpsThanAllowedIsRejected() {
        TxnRequest.Builder t = TxnRequest.newBuilder();
        for (int i = 0; i < 3; i++) {
            t.addSuccess(get("k" + i));
        }
        assertThatCode(() -> KvRequestValidator.validateTxn(t.build(), 3)).doesNotThrowAnyException();
        assertError(() -> KvRequestValidator.validateTxn(t.build(), 2), EtcdError.TOO_MANY_OPS);
    }

    @Test
    void nestedTxnOpsCountAgainstWhatIsLeft() {
        TxnRequest.Builder inner = TxnRequest.newBuilder().addSuccess(get("a")).addSuccess(get("b"));
        TxnRequest.Builder outer = TxnRequest.newBuilder().addSuccess(txn(inner)).addSuccess(get("c"));
        assertThatCode(() -> KvRequestValidator.validateTxn(outer.build(), 4)).doesNotThrowAnyException();
        assertError(() -> KvRequestValidator.validateTxn(outer.build(), 3), EtcdError.TOO_MANY_OPS);
    }

    @Test
    void tooManyOpsIsCheckedBeforeKeys() {
        assertError(() -> KvRequestValidator.validateTxn(TxnRequest.newBuilder()
                .addSuccess(put("")).addSuccess(put("a")).build(), 1), EtcdError.TOO_MANY_OPS);
    }

    @Test
    void emptyRequestOpIsKeyNotFound() {
        assertInvalidTxn(TxnRequest.newBuilder().addSuccess(RequestOp.getDefaultInstance()), EtcdError.KEY_NOT_FOUND);
    }

    @Test
    void twoPutsOfOneKeyInABranchAreDuplicates() {
        assertInvalidTxn(TxnRequest.newBuilder().addSuccess(put("a")).addSuccess(put("a")), EtcdError.DUPLICATE_KEY);
        assertValidTxn(TxnRequest.newBuilder().addSuccess(put("a")).addFailure(put("a")));
    }

    @Test
    void putInsideDeletedRangeIsDuplicate() {
        assertInvalidTxn(TxnRequest.newBuilder().addSuccess(del("a", "c")).addSuccess(put("b")), EtcdError.DUPLICATE_KEY);
        assertInvalidTxn(TxnRequest.newBuilder().addSuccess(put("a")).addSuccess(del("a", "")), EtcdError.DUPLICATE_KEY);
        assertValidTxn(TxnRequest.newBuilder().addSuccess(del("a", "c")).addSuccess(put("c")));
        assertValidTxn(TxnRequest.newBuilder().addSuccess(del("a", "a")).addSuccess(put("a")));
    }

    @Test
    void fromKeyDeleteNeverConflictsLikeEtcd() {
        assertValidTxn(TxnRequest.newBuilder().addSuccess(del("a", "\0")).addSuccess(put("b")));
    }

    @Test
    void deletesMayOverlapEachOther() {
        assertValidTxn(TxnRequest.newBuilder().addSuccess(del("a", "c")).addSuccess(del("b", "d")));
    }

    @Test
    void nestedPutConflictsWithOuterPutOrDelete() {
        TxnRequest.Builder inner = TxnRequest.newBuilder().addSuccess(put("a"));
        assertInvalidTxn(TxnRequest.newBuilder().addSuccess(txn(inner)).addSuccess(put("a")), EtcdError.DUPLICATE_KEY);
        assertInvalidTxn(TxnRequest.newBuilder().addSuccess(txn(inner)).addSuccess(del("a", "b")), EtcdError.DUPLICATE_KEY);
        TxnRequest.Builder innerElse = TxnRequest.newBuilder().addFailure(put("a"));
        assertInvalidTxn(TxnRequest.newBuilder().addSuccess(txn(innerElse)).addSuccess(put("a")), EtcdError.DUPLICATE_KEY);
    }

    @Test
    void thenAndElseOfANestedTxnMayPutTheSameKey() {
        TxnRequest.Builder inner = TxnRequest.newBuilder().addSuccess(put("a")).addFailure(put("a"));
        assertValidTxn(TxnRequest.newBuilder().addSuccess(txn(inner)));
    }

    @Test
    void nestedDeleteConflictsWithOuterPut() {
        TxnRequest.Builder inner = TxnRequest.newBuilder().addSuccess(del("a", "z"));
        assertInvalidTxn(TxnRequest.newBuilder().addSuccess(txn(inner)).addSuccess(put("b")), EtcdError.DUPLICATE_KEY);
    }

    @Test
    void putsOfTwoNestedTxnsConflict() {
        TxnRequest.Builder inner = TxnRequest.newBuilder().addSuccess(put("a"));
        assertInvalidTxn(TxnRequest.newBuilder().addSuccess(txn(inner)).addSuccess(txn(inner)), EtcdError.DUPLICATE_KEY);
    }

    @Test
    void laterNestedDeleteDoesNotConflictWithEarlierNestedPutLikeEtcd() {
        // etcd checks a nested txn's puts only against deletes collected before it.
        TxnRequest.Builder putA = TxnRequest.newBuilder().addSuccess(put("a"));
        TxnRequest.Builder delA = TxnRequest.newBuilder().addSuccess(del("a", ""));
        assertValidTxn(TxnRequest.newBuilder().addSuccess(txn(putA)).addSuccess(txn(delA)));
        assertInvalidTxn(TxnRequest.newBuilder().addSuccess(txn(delA)).addSuccess(txn(putA)), EtcdError.DUPLICATE_KEY);
    }
}
