package io.etch.apply;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.Compare;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.auth.AuthInfo;
import io.etch.auth.AuthStore;
import io.etch.lease.Lessor;

/**
 * The permission checks of KV and lease requests, as etcd makes them: every compare and every op
 * of a txn (both branches, nested txns too) before anything runs; a put also needs the right to
 * read when it asks for the previous value, and the right to write every key already attached to
 * the lease it names (else it could revoke a lease it could not otherwise touch).
 */
public final class RequestPermissions {

    private final AuthStore auth;
    private final Lessor lessor;

    public RequestPermissions(AuthStore auth, Lessor lessor) {
        this.auth = auth;
        this.lessor = lessor;
    }

    public void checkRange(AuthInfo who, RangeRequest r) {
        auth.checkRead(who, r.getKey(), r.getRangeEnd());
    }

    public void checkPut(AuthInfo who, PutRequest r) {
        auth.checkWrite(who, r.getKey(), ByteString.EMPTY);
        checkLeaseKeys(who, r.getLease());
        if (r.getPrevKv()) {
            auth.checkRead(who, r.getKey(), ByteString.EMPTY);
        }
    }

    public void checkDeleteRange(AuthInfo who, DeleteRangeRequest r) {
        auth.checkWrite(who, r.getKey(), r.getRangeEnd());
        if (r.getPrevKv()) {
            auth.checkRead(who, r.getKey(), r.getRangeEnd());
        }
    }

    public void checkTxn(AuthInfo who, TxnRequest r) {
        for (Compare c : r.getCompareList()) {
            auth.checkRead(who, c.getKey(), c.getRangeEnd());
        }
        checkOps(who, r.getSuccessList());
        checkOps(who, r.getFailureList());
    }

    private void checkOps(AuthInfo who, Iterable<RequestOp> ops) {
        for (RequestOp op : ops) {
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> checkRange(who, op.getRequestRange());
                case REQUEST_PUT -> checkPut(who, op.getRequestPut());
                case REQUEST_DELETE_RANGE -> checkDeleteRange(who, op.getRequestDeleteRange());
                case REQUEST_TXN -> checkTxn(who, op.getRequestTxn());
                case REQUEST_NOT_SET -> { }
            }
        }
    }

    public void requireUser(AuthInfo who) {
        auth.requireUser(who);
    }

    /** Revoking a lease deletes its keys: the caller must be allowed to write every one (admins always are). */
    public void checkLeaseKeys(AuthInfo who, long leaseId) {
        if (leaseId == 0 || !auth.enabled() || auth.isAdmin(who)) {
            return;
        }
        for (ByteString key : lessor.keys(leaseId)) {
            auth.checkWrite(who, key, ByteString.EMPTY);
        }
    }

    /** LeaseTimeToLive with keys and LeaseLeases show keys: the caller must be allowed to read them. */
    public void checkLeaseKeysReadable(AuthInfo who, long leaseId) {
        if (!auth.enabled() || auth.isAdmin(who)) {
            return;
        }
        for (ByteString key : lessor.keys(leaseId)) {
            auth.checkRead(who, key, ByteString.EMPTY);
        }
    }
}
