package io.etch.mvcc;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.etcdserverpb.ResponseHeader;
import io.etch.api.mvccpb.KeyValue;

/**
 * A range read in pieces at one pinned revision (etcd 3.7's RangeStream). Merged in order with
 * protobuf's merge, the pieces equal {@link RangeQuery#execute} for the same request: the first
 * piece carries the header revision, every piece some key-values in key order, the last one
 * {@code count} and {@code more}.
 *
 * <p>Each {@link #next} walks the key index afresh from the first key it has not visited: no
 * iterator or storage snapshot lives between pieces. That is safe because the index keeps every
 * revision above the compacted one, so reading at the pinned revision later gives what it gave
 * at the start, unless a compaction passed it; every piece checks that after reading (and the
 * stream then ends with COMPACTED, as etcd's does). A RocksDB snapshot would not help: the index,
 * not RocksDB, decides which revision a key has at the pinned revision, and compaction rewrites it.
 *
 * <p>{@code count} comes from the same walk: keys past the limit are counted without reading their
 * values. Filters (min/max mod and create revision) are decided from the index too, so values are
 * read only for the key-values sent. Only key order is served; the caller refuses other sorts.
 *
 * <p>Not thread-safe: one caller at a time (a stream's sender).
 */
public final class RangeChunks {
    /** Checks after each piece that the pinned revision is still readable; throws COMPACTED if not. */
    interface Readable {
        void check();
    }

    private final RangeRequest request;
    /** The revision every piece reads at. */
    private final long rev;
    /** The store's revision when the range began: what the unary Range reports in its header. */
    private final long headerRevision;
    /** Exclusive upper bound; empty for none. */
    private final ByteString end;
    private final IndexView index;
    private final RangeQuery.Values values;
    private final Readable readable;

    /** The first key not visited yet. */
    private ByteString from;
    private boolean started;
    private boolean finished;
    /** Keys that exist at {@code rev}, visited so far: the response's count. */
    private long total;
    private long sent;
    /** A key-value passing the filters was found beyond the limit. */
    private boolean more;

    RangeChunks(RangeRequest request, long rev, long headerRevision, IndexView index, RangeQuery.Values values,
                Readable readable) {
        this.request = request;
        this.rev = rev;
        this.headerRevision = headerRevision;
        this.index = index;
        this.values = values;
        this.readable = readable;
        this.from = request.getKey();
        ByteString e = RangeQuery.rangeEnd(request.getRangeEnd());
        // A single key is the range [key, key + "\0"): exactly that key.
        this.end = e == null ? request.getKey().concat(ZERO) : e;
    }

    private static final ByteString ZERO = ByteString.copyFrom(new byte[] {0});

    /** Whether the last piece has been returned. */
    public boolean finished() {
        return finished;
    }

    /**
     * The next piece: key-values until their encoded size reaches {@code byteBudget} (at least one,
     * however large), or the rest of the range with count and more. COMPACTED if the pinned revision
     * was compacted meanwhile.
     */
    public RangeResponse next(long byteBudget) {
        if (finished) {
            throw new IllegalStateException("range already finished");
        }
        RangeResponse.Builder piece = RangeResponse.newBuilder();
        if (!started) {
            piece.setHeader(ResponseHeader.newBuilder().setRevision(headerRevision));
            started = true;
        }
        long limit = request.getLimit();
        long bytes = 0;
        ByteString last = null;
        for (KeyIndex ki : index.range(from, end)) {
            KeyIndex.Found f = ki.get(rev);
            if (f == null) {
                continue;
            }
            total++;
            if (request.getCountOnly() || more || !passesFilters(f)) {
                continue;
            }
            if (limit > 0 && sent == limit) {
                more = true;
                continue;
            }
            KeyValue kv = values.value(f.modified());
            if (request.getKeysOnly()) {
                kv = kv.toBuilder().clearValue().build();
            }
            piece.addKvs(kv);
            sent++;
            bytes += CodedOutputStream.computeMessageSize(RangeResponse.KVS_FIELD_NUMBER, kv);
            if (bytes >= byteBudget) {
                last = ki.key();
                break;
            }
        }
        readable.check();
        if (last != null) {
            from = last.concat(ZERO);
            return piece.build();
        }
        finished = true;
        return piece.setCount(total).setMore(more).build();
    }

    /** etcd's min/max mod and create revision filters (0: no bound), as the unary Range applies them. */
    private boolean passesFilters(KeyIndex.Found f) {
        long mod = f.modified().main();
        long create = f.createRevision();
        RangeRequest r = request;
        return (r.getMaxModRevision() == 0 || mod <= r.getMaxModRevision())
                && (r.getMinModRevision() == 0 || mod >= r.getMinModRevision())
                && (r.getMaxCreateRevision() == 0 || create <= r.getMaxCreateRevision())
                && (r.getMinCreateRevision() == 0 || create >= r.getMinCreateRevision());
    }
}
