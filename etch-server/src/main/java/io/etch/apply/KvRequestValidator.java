package io.etch.apply;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.Compare;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.errors.EtcdError;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * etcd's checks of KV requests done before proposing them (v3rpc key.go), with the same errors in
 * the same order. Throws {@link io.etch.errors.EtchException}.
 */
public final class KvRequestValidator {
    private static final ByteString ZERO = ByteString.copyFrom(new byte[] {0});

    private KvRequestValidator() {
    }

    public static void validateRange(RangeRequest r) {
        if (r.getKey().isEmpty()) {
            throw EtcdError.EMPTY_KEY.exception();
        }
        if (RangeRequest.SortOrder.forNumber(r.getSortOrderValue()) == null
                || RangeRequest.SortTarget.forNumber(r.getSortTargetValue()) == null) {
            throw EtcdError.INVALID_SORT_OPTION.exception();
        }
    }

    /**
     * As {@link #validateRange}, and the streamed order must be the unary one: keys ascending.
     * Sort order NONE or ASCEND by KEY is that order; anything else (including order NONE with
     * another target, which etcd sorts ascending by that target) needs the whole range first.
     */
    public static void validateRangeStream(RangeRequest r) {
        validateRange(r);
        boolean keyOrder = r.getSortTarget() == RangeRequest.SortTarget.KEY
                && (r.getSortOrder() == RangeRequest.SortOrder.NONE || r.getSortOrder() == RangeRequest.SortOrder.ASCEND);
        if (!keyOrder) {
            throw EtcdError.STREAM_SORT_UNSUPPORTED.exception();
        }
    }

    public static void validatePut(PutRequest r) {
        if (r.getKey().isEmpty()) {
            throw EtcdError.EMPTY_KEY.exception();
        }
        if (r.getIgnoreValue() && !r.getValue().isEmpty()) {
            throw EtcdError.VALUE_PROVIDED.exception();
        }
        if (r.getIgnoreLease() && r.getLease() != 0) {
            throw EtcdError.LEASE_PROVIDED.exception();
        }
    }

    public static void validateDeleteRange(DeleteRangeRequest r) {
        if (r.getKey().isEmpty()) {
            throw EtcdError.EMPTY_KEY.exception();
        }
    }

    /**
     * Op counts (TOO_MANY_OPS: compares, success or failure longer than {@code maxTxnOps}, nested
     * txns against what is left), keys of compares and ops, then puts/deletes that touch the same key
     * in one branch (DUPLICATE_KEY).
     */
    public static void validateTxn(TxnRequest r, int maxTxnOps) {
        checkTxn(r, maxTxnOps);
        checkIntervals(r.getSuccessList());
        checkIntervals(r.getFailureList());
    }

    private static void checkTxn(TxnRequest r, int maxTxnOps) {
        int opc = Math.max(r.getCompareCount(), Math.max(r.getSuccessCount(), r.getFailureCount()));
        if (opc > maxTxnOps) {
            throw EtcdError.TOO_MANY_OPS.exception();
        }
        for (Compare c : r.getCompareList()) {
            if (c.getKey().isEmpty()) {
                throw EtcdError.EMPTY_KEY.exception();
            }
        }
        for (RequestOp op : r.getSuccessList()) {
            checkOp(op, maxTxnOps - opc);
        }
        for (RequestOp op : r.getFailureList()) {
            checkOp(op, maxTxnOps - opc);
        }
    }

    private static void checkOp(RequestOp op, int maxTxnOps) {
        switch (op.getRequestCase()) {
            case REQUEST_RANGE -> validateRange(op.getRequestRange());
            case REQUEST_PUT -> validatePut(op.getRequestPut());
            case REQUEST_DELETE_RANGE -> validateDeleteRange(op.getRequestDeleteRange());
            case REQUEST_TXN -> checkTxn(op.getRequestTxn(), maxTxnOps);
            default -> throw EtcdError.KEY_NOT_FOUND.exception(); // empty op
        }
    }

    /** A deleted interval [begin, end); a single key is [key, key + "\0"). */
    private record Interval(ByteString begin, ByteString end) {
        /** etcd's interval tree test against the point {@code k}: begin <= k < end. */
        boolean contains(ByteString k) {
            return compare(begin, k) <= 0 && compare(k, end) < 0;
        }

        /** Unsigned byte order in which the empty string is +infinity, as etcd's affine comparator. */
        private static int compare(ByteString a, ByteString b) {
            if (a.isEmpty()) {
                return b.isEmpty() ? 0 : 1;
            }
            if (b.isEmpty()) {
                return -1;
            }
            return ByteString.unsignedLexicographicalComparator().compare(a, b);
        }
    }

    private record Writes(Set<ByteString> puts, List<Interval> dels) {
        boolean deleted(ByteString k) {
            for (Interval iv : dels) {
                if (iv.contains(k)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * etcd's checkIntervals: a put may not share its key with another put or a delete of the same
     * branch, nested txns included (then/else of one nested txn may put the same key). Like etcd, a
     * delete with range_end "\0" (all keys >= key) is never seen as overlapping.
     */
    private static Writes checkIntervals(List<RequestOp> reqs) {
        Writes w = new Writes(new HashSet<>(), new ArrayList<>());
        for (RequestOp req : reqs) {
            if (req.getRequestCase() != RequestOp.RequestCase.REQUEST_DELETE_RANGE) {
                continue;
            }
            DeleteRangeRequest d = req.getRequestDeleteRange();
            ByteString end = d.getRangeEnd().isEmpty() ? d.getKey().concat(ZERO) : d.getRangeEnd();
            w.dels().add(new Interval(d.getKey(), end));
        }
        for (RequestOp req : reqs) {
            if (req.getRequestCase() != RequestOp.RequestCase.REQUEST_TXN) {
                continue;
            }
            Writes then = checkIntervals(req.getRequestTxn().getSuccessList());
            Writes otherwise = checkIntervals(req.getRequestTxn().getFailureList());
            for (ByteString k : then.puts()) {
                if (w.puts().contains(k) || w.deleted(k)) {
                    throw EtcdError.DUPLICATE_KEY.exception();
                }
                w.puts().add(k);
            }
            for (ByteString k : otherwise.puts()) {
                if (w.puts().contains(k) && !then.puts().contains(k)) {
                    throw EtcdError.DUPLICATE_KEY.exception();
                }
                if (w.deleted(k)) {
                    throw EtcdError.DUPLICATE_KEY.exception();
                }
                w.puts().add(k);
            }
            w.dels().addAll(then.dels());
            w.dels().addAll(otherwise.dels());
        }
        for (RequestOp req : reqs) {
            if (req.getRequestCase() != RequestOp.RequestCase.REQUEST_PUT) {
                continue;
            }
            ByteString k = req.getRequestPut().getKey();
            if (w.puts().contains(k) || w.deleted(k)) {
                throw EtcdError.DUPLICATE_KEY.exception();
            }
            w.puts().add(k);
        }
        return w;
    }
}
