package io.etch.mvcc;

import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;

/**
 * Reads at one revision of the store: the state a txn's compares and ranges see. A {@link WriteTxn}
 * is one (it also sees its own changes); {@link MvccStore#readView()} gives one for read-only txns.
 */
public interface KvReadView {
    /** A range as of this view (or the requested older revision); the header holds only the revision. */
    RangeResponse range(RangeRequest r);

    /** etcd's check of a Range op inside a Txn before anything runs: FUTURE_REV or COMPACTED. */
    void checkRangeRevision(long revision);

    /** The revision a response reports. */
    long revision();
}
