package io.etch.apply;

import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.TxnRequest;
import java.util.List;

/**
 * What a request may add to the store, in bytes, as etcd's backend quota counts it: a put its key,
 * value and a fixed overhead; a txn the larger of its two branches; a lease grant a fixed overhead;
 * anything else nothing. Unlike etcd, the puts of a nested txn count too, so a NOSPACE alarm cannot
 * be bypassed by nesting.
 */
public final class QuotaCost {
    /** etcd's estimate of what a stored key costs beyond its bytes. */
    static final int KV_OVERHEAD = 256;
    /** etcd's estimate of what a lease costs. */
    public static final int LEASE_OVERHEAD = 64;

    private QuotaCost() {
    }

    public static long of(PutRequest r) {
        return KV_OVERHEAD + (long) r.getKey().size() + r.getValue().size();
    }

    public static long of(TxnRequest r) {
        return Math.max(of(r.getSuccessList()), of(r.getFailureList()));
    }

    private static long of(List<RequestOp> ops) {
        long cost = 0;
        for (RequestOp op : ops) {
            switch (op.getRequestCase()) {
                case REQUEST_PUT -> cost += of(op.getRequestPut());
                case REQUEST_TXN -> cost += of(op.getRequestTxn());
                default -> { }
            }
        }
        return cost;
    }
}
