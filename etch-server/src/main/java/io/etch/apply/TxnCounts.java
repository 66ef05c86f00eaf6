package io.etch.apply;

import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.TxnResponse;
import io.etch.metrics.EtchMetrics;
import java.util.List;

/** Counts what a txn did as etcd's mvcc counters do: the txn, and each operation of the branch it took, nested ones too. */
public final class TxnCounts {

    private TxnCounts() {
    }

    public static void count(EtchMetrics metrics, TxnRequest txn, TxnResponse result) {
        metrics.txns.inc();
        List<RequestOp> ops = result.getSucceeded() ? txn.getSuccessList() : txn.getFailureList();
        for (int i = 0; i < ops.size(); i++) {
            RequestOp op = ops.get(i);
            switch (op.getRequestCase()) {
                case REQUEST_PUT -> metrics.puts.inc();
                case REQUEST_DELETE_RANGE -> metrics.deletes.inc();
                case REQUEST_RANGE -> metrics.ranges.inc();
                case REQUEST_TXN -> {
                    if (i < result.getResponsesCount()) {
                        count(metrics, op.getRequestTxn(), result.getResponses(i).getResponseTxn());
                    }
                }
                case REQUEST_NOT_SET -> { }
            }
        }
    }
}
