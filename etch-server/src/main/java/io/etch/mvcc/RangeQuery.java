package io.etch.mvcc;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.etcdserverpb.ResponseHeader;
import io.etch.api.mvccpb.KeyValue;
import io.etch.errors.EtcdError;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * A RangeRequest evaluated against an index and a value source at a given current revision, with
 * etcd 3.5's semantics (mvcc rangeKeys + the applier's filter/sort/limit), including its quirks:
 * {@code count} ignores the min/max filters, a sort target other than KEY with order NONE sorts
 * ascending but does not lift the limit, the header carries the current revision.
 */
final class RangeQuery {
    /** Reads the stored value of a revision. */
    interface Values {
        KeyValue value(Revision rev);
    }

    private static final ByteString GTE_MARK = ByteString.copyFrom(new byte[] {0});

    private RangeQuery() {
    }

    /**
     * The upper bound etcd derives from a request's range_end: null for a single key, empty for "all
     * keys >= key" (range_end "\0"), else range_end itself.
     */
    static ByteString rangeEnd(ByteString rangeEnd) {
        if (rangeEnd.isEmpty()) {
            return null;
        }
        if (rangeEnd.equals(GTE_MARK)) {
            return ByteString.EMPTY;
        }
        return rangeEnd;
    }

    /** The key indexes a range touches: one key, or keys in [key, end). */
    static Iterable<KeyIndex> keys(IndexView index, ByteString key, ByteString end) {
        if (end == null) {
            KeyIndex ki = index.get(key);
            return ki == null ? List.of() : List.of(ki);
        }
        return index.range(key, end);
    }

    /**
     * Validates the requested revision the way mvcc does: future → FUTURE_REV, 0 or less → current,
     * below the compacted revision → COMPACTED. Returns the revision to read at.
     */
    static long readRevision(long requested, long currentRev, long compactMainRev) {
        if (requested > currentRev) {
            throw EtcdError.FUTURE_REV.exception();
        }
        long rev = requested <= 0 ? currentRev : requested;
        if (rev < compactMainRev) {
            throw EtcdError.COMPACTED.exception();
        }
        return rev;
    }

    static RangeResponse execute(RangeRequest r, long currentRev, long compactMainRev, IndexView index, Values values) {
        long limit = r.getLimit();
        if (r.getSortOrderValue() != RangeRequest.SortOrder.NONE_VALUE
                || r.getMinModRevision() != 0 || r.getMaxModRevision() != 0
                || r.getMinCreateRevision() != 0 || r.getMaxCreateRevision() != 0) {
            limit = 0; // fetch everything; sort and truncate afterwards
        }
        if (limit > 0) {
            limit = limit + 1; // one extra for 'more'
        }

        long rev = readRevision(r.getRevision(), currentRev, compactMainRev);
        ByteString end = rangeEnd(r.getRangeEnd());
        List<Revision> revs = new ArrayList<>();
        long total = 0;
        for (KeyIndex ki : keys(index, r.getKey(), end)) {
            KeyIndex.Found f = ki.get(rev);
            if (f == null) {
                continue;
            }
            total++;
            if (!r.getCountOnly() && (limit <= 0 || revs.size() < limit)) {
                revs.add(f.modified());
            }
        }

        List<KeyValue> kvs = new ArrayList<>(revs.size());
        for (Revision rv : revs) {
            kvs.add(values.value(rv));
        }

        if (r.getMaxModRevision() != 0) {
            prune(kvs, kv -> kv.getModRevision() > r.getMaxModRevision());
        }
        if (r.getMinModRevision() != 0) {
            prune(kvs, kv -> kv.getModRevision() < r.getMinModRevision());
        }
        if (r.getMaxCreateRevision() != 0) {
            prune(kvs, kv -> kv.getCreateRevision() > r.getMaxCreateRevision());
        }
        if (r.getMinCreateRevision() != 0) {
            prune(kvs, kv -> kv.getCreateRevision() < r.getMinCreateRevision());
        }

        sort(kvs, r.getSortOrderValue(), r.getSortTargetValue());

        RangeResponse.Builder resp = RangeResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(currentRev))
                .setCount(total);
        List<KeyValue> out = kvs;
        if (r.getLimit() > 0 && kvs.size() > r.getLimit()) {
            out = kvs.subList(0, (int) r.getLimit());
            resp.setMore(true);
        }
        for (KeyValue kv : out) {
            resp.addKvs(r.getKeysOnly() ? kv.toBuilder().clearValue().build() : kv);
        }
        return resp.build();
    }

    private static void prune(List<KeyValue> kvs, Predicate<KeyValue> prunable) {
        kvs.removeIf(prunable);
    }

    /**
     * etcd's sort: a target other than KEY with order NONE means ascending; ties keep key order in
     * both directions (what Go's insertion sort does on the small inputs it uses it for).
     */
    private static void sort(List<KeyValue> kvs, int order, int target) {
        if (target != RangeRequest.SortTarget.KEY_VALUE && order == RangeRequest.SortOrder.NONE_VALUE) {
            order = RangeRequest.SortOrder.ASCEND_VALUE;
        }
        if (order != RangeRequest.SortOrder.ASCEND_VALUE && order != RangeRequest.SortOrder.DESCEND_VALUE) {
            return;
        }
        Comparator<KeyValue> cmp = switch (target) {
            case RangeRequest.SortTarget.KEY_VALUE -> (a, b) -> TreeIndex.KEY_ORDER.compare(a.getKey(), b.getKey());
            case RangeRequest.SortTarget.VERSION_VALUE -> Comparator.comparingLong(KeyValue::getVersion);
            case RangeRequest.SortTarget.CREATE_VALUE -> Comparator.comparingLong(KeyValue::getCreateRevision);
            case RangeRequest.SortTarget.MOD_VALUE -> Comparator.comparingLong(KeyValue::getModRevision);
            case RangeRequest.SortTarget.VALUE_VALUE -> (a, b) -> TreeIndex.KEY_ORDER.compare(a.getValue(), b.getValue());
            default -> null;
        };
        if (cmp == null) {
            return;
        }
        kvs.sort(order == RangeRequest.SortOrder.ASCEND_VALUE ? cmp : cmp.reversed());
    }
}
