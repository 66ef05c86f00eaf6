package io.etch.apply;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.Compare;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.DeleteRangeResponse;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.PutResponse;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.ResponseHeader;
import io.etch.api.etcdserverpb.ResponseOp;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.TxnResponse;
import io.etch.api.mvccpb.KeyValue;
import io.etch.errors.EtcdError;
import io.etch.errors.EtchException;
import io.etch.mvcc.KeyOrder;
import io.etch.mvcc.KvReadView;
import io.etch.mvcc.WriteTxn;
import java.util.ArrayList;
import java.util.List;

/**
 * The deterministic KV part of apply (etcd's applierV3backend Put/DeleteRange/Range/Txn) on top of
 * one {@link WriteTxn}. The caller commits the txn afterwards, also when a request fails: a failed
 * request has made no KV change.
 */
public final class KvApplier {
    private final LeaseLookup leases;

    public KvApplier(LeaseLookup leases) {
        this.leases = leases;
    }

    /** A put; LEASE_NOT_FOUND for an unknown lease, KEY_NOT_FOUND for ignore_value/ignore_lease on a missing key. */
    public PutResponse put(WriteTxn txn, PutRequest r) {
        if (r.getLease() != 0 && !leases.exists(r.getLease())) {
            throw EtcdError.LEASE_NOT_FOUND.exception();
        }
        return txn.put(r);
    }

    public DeleteRangeResponse deleteRange(WriteTxn txn, DeleteRangeRequest r) {
        return txn.deleteRange(r);
    }

    /** A range through the txn (sees its earlier changes); for ranges inside txns. */
    public RangeResponse range(WriteTxn txn, RangeRequest r) {
        return txn.range(r);
    }

    /**
     * etcd's Txn: all compares (nested ones of the chosen branches too) are evaluated first against
     * the state before the txn, then every op of the chosen branches is checked (puts: key needed by
     * ignore_value/ignore_lease, lease; then ranges: revision), so a failing txn writes nothing; then
     * the ops run. One revision for the whole txn.
     */
    public TxnResponse txn(WriteTxn txn, TxnRequest r) {
        Path path = new Path(compareToPath(txn, r));
        if (!isReadOnly(r)) {
            checkRequests(txn, r, path.restart(), this::checkPut);
        }
        checkRequests(txn, r, path.restart(), this::checkRange);
        TxnResponse.Builder resp;
        try {
            resp = applyTxn(txn, r, path.restart());
        } catch (EtchException e) {
            // Cannot happen after the checks in etcd's model (etcd panics); leave no trace instead.
            txn.discardChanges();
            throw e;
        }
        resp.setHeader(ResponseHeader.newBuilder().setRevision(txn.revision()));
        return resp.build();
    }

    /**
     * A txn whose ops are all ranges ({@link #isReadOnly}), run against a read view without going
     * through Raft, as etcd serves it: same compares, same checks, same responses.
     */
    public TxnResponse readOnlyTxn(KvReadView view, TxnRequest r) {
        if (!isReadOnly(r)) {
            throw new IllegalArgumentException("not a read-only txn");
        }
        boolean succeeded = compares(view, r.getCompareList());
        Path path = new Path(List.of(succeeded));
        checkRequests(view, r, path.restart(), this::checkRange);
        TxnResponse.Builder resp = TxnResponse.newBuilder().setSucceeded(succeeded);
        for (RequestOp op : succeeded ? r.getSuccessList() : r.getFailureList()) {
            resp.addResponses(ResponseOp.newBuilder().setResponseRange(view.range(op.getRequestRange())));
        }
        return resp.setHeader(ResponseHeader.newBuilder().setRevision(view.revision())).build();
    }

    /** The branch taken by the txn and by each nested txn on the taken branches, depth first. */
    private static final class Path {
        private final List<Boolean> taken;
        private int pos;

        Path(List<Boolean> taken) {
            this.taken = taken;
        }

        Path restart() {
            pos = 0;
            return this;
        }

        boolean next() {
            return taken.get(pos++);
        }
    }

    private static List<Boolean> compareToPath(KvReadView txn, TxnRequest r) {
        List<Boolean> path = new ArrayList<>();
        addPath(txn, r, path);
        return path;
    }

    private static void addPath(KvReadView txn, TxnRequest r, List<Boolean> path) {
        boolean succeeded = compares(txn, r.getCompareList());
        path.add(succeeded);
        for (RequestOp op : succeeded ? r.getSuccessList() : r.getFailureList()) {
            if (op.getRequestCase() == RequestOp.RequestCase.REQUEST_TXN) {
                addPath(txn, op.getRequestTxn(), path);
            }
        }
    }

    private static boolean compares(KvReadView txn, List<Compare> compares) {
        for (Compare c : compares) {
            if (!compare(txn, c)) {
                return false;
            }
        }
        return true;
    }

    /** True if every key of the compare's range satisfies it; a missing key compares as zero values, but never on VALUE. */
    private static boolean compare(KvReadView txn, Compare c) {
        RangeResponse rr;
        try {
            rr = txn.range(RangeRequest.newBuilder().setKey(c.getKey()).setRangeEnd(c.getRangeEnd()).build());
        } catch (EtchException e) {
            return false;
        }
        if (rr.getKvsCount() == 0) {
            if (c.getTargetValue() == Compare.CompareTarget.VALUE_VALUE) {
                return false;
            }
            return compareKv(c, KeyValue.getDefaultInstance());
        }
        for (KeyValue kv : rr.getKvsList()) {
            if (!compareKv(c, kv)) {
                return false;
            }
        }
        return true;
    }

    private static boolean compareKv(Compare c, KeyValue kv) {
        int result = switch (c.getTargetValue()) {
            case Compare.CompareTarget.VALUE_VALUE -> {
                ByteString v = c.getTargetUnionCase() == Compare.TargetUnionCase.VALUE ? c.getValue() : ByteString.EMPTY;
                yield Integer.signum(KeyOrder.UNSIGNED.compare(kv.getValue(), v));
            }
            case Compare.CompareTarget.CREATE_VALUE -> Long.compare(kv.getCreateRevision(),
                    c.getTargetUnionCase() == Compare.TargetUnionCase.CREATE_REVISION ? c.getCreateRevision() : 0);
            case Compare.CompareTarget.MOD_VALUE -> Long.compare(kv.getModRevision(),
                    c.getTargetUnionCase() == Compare.TargetUnionCase.MOD_REVISION ? c.getModRevision() : 0);
            case Compare.CompareTarget.VERSION_VALUE -> Long.compare(kv.getVersion(),
                    c.getTargetUnionCase() == Compare.TargetUnionCase.VERSION ? c.getVersion() : 0);
            case Compare.CompareTarget.LEASE_VALUE -> Long.compare(kv.getLease(),
                    c.getTargetUnionCase() == Compare.TargetUnionCase.LEASE ? c.getLease() : 0);
            default -> 0;
        };
        return switch (c.getResultValue()) {
            case Compare.CompareResult.EQUAL_VALUE -> result == 0;
            case Compare.CompareResult.NOT_EQUAL_VALUE -> result != 0;
            case Compare.CompareResult.GREATER_VALUE -> result > 0;
            case Compare.CompareResult.LESS_VALUE -> result < 0;
            default -> true;
        };
    }

    /** etcd's read-only txn: every op of both branches is a Range (a nested txn is not). */
    public static boolean isReadOnly(TxnRequest r) {
        for (RequestOp op : r.getSuccessList()) {
            if (op.getRequestCase() != RequestOp.RequestCase.REQUEST_RANGE) {
                return false;
            }
        }
        for (RequestOp op : r.getFailureList()) {
            if (op.getRequestCase() != RequestOp.RequestCase.REQUEST_RANGE) {
                return false;
            }
        }
        return true;
    }

    @FunctionalInterface
    private interface OpCheck {
        void check(KvReadView txn, RequestOp op);
    }

    private static void checkRequests(KvReadView txn, TxnRequest r, Path path, OpCheck check) {
        for (RequestOp op : path.next() ? r.getSuccessList() : r.getFailureList()) {
            if (op.getRequestCase() == RequestOp.RequestCase.REQUEST_TXN) {
                checkRequests(txn, op.getRequestTxn(), path, check);
            } else {
                check.check(txn, op);
            }
        }
    }

    private void checkPut(KvReadView txn, RequestOp op) {
        if (op.getRequestCase() != RequestOp.RequestCase.REQUEST_PUT) {
            return;
        }
        PutRequest p = op.getRequestPut();
        if (p.getIgnoreValue() || p.getIgnoreLease()) {
            RangeResponse rr = txn.range(RangeRequest.newBuilder().setKey(p.getKey()).build());
            if (rr.getKvsCount() == 0) {
                throw EtcdError.KEY_NOT_FOUND.exception();
            }
        }
        if (p.getLease() != 0 && !leases.exists(p.getLease())) {
            throw EtcdError.LEASE_NOT_FOUND.exception();
        }
    }

    private void checkRange(KvReadView txn, RequestOp op) {
        if (op.getRequestCase() == RequestOp.RequestCase.REQUEST_RANGE) {
            txn.checkRangeRevision(op.getRequestRange().getRevision());
        }
    }

    private TxnResponse.Builder applyTxn(WriteTxn txn, TxnRequest r, Path path) {
        boolean succeeded = path.next();
        TxnResponse.Builder resp = TxnResponse.newBuilder().setSucceeded(succeeded);
        for (RequestOp op : succeeded ? r.getSuccessList() : r.getFailureList()) {
            ResponseOp.Builder out = ResponseOp.newBuilder();
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> out.setResponseRange(txn.range(op.getRequestRange()));
                case REQUEST_PUT -> out.setResponsePut(txn.put(op.getRequestPut()));
                case REQUEST_DELETE_RANGE -> out.setResponseDeleteRange(txn.deleteRange(op.getRequestDeleteRange()));
                case REQUEST_TXN -> out.setResponseTxn(applyTxn(txn, op.getRequestTxn(), path)
                        .setHeader(ResponseHeader.getDefaultInstance()));
                default -> {
                    // empty op: rejected by validation before proposing
                }
            }
            resp.addResponses(out);
        }
        return resp;
    }
}
