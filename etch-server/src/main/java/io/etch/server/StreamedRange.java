package io.etch.server;

import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.etcdserverpb.ResponseHeader;
import io.etch.mvcc.RangeChunks;

/**
 * A RangeStream that passed validation, the read barrier and the permission check: the header
 * message first, then the pieces of the range, each read when the sender asks for it. Merged in
 * order, the messages equal the unary Range response.
 *
 * <p>Not thread-safe: one sender at a time.
 */
public final class StreamedRange {
    /** Largest piece: big enough that framing costs nothing, small enough to bound a slow client's share of memory. */
    static final long MAX_PIECE_BYTES = 1024 * 1024;

    private final RangeChunks chunks;
    private final ResponseHeader header;
    private final long pieceBytes;
    /** etcd's check after the first read: the caller's rights did not change while it ran. */
    private Runnable afterFirstRead;

    StreamedRange(RangeChunks chunks, ResponseHeader header, long maxRequestBytes, Runnable afterFirstRead) {
        this.chunks = chunks;
        this.header = header;
        this.pieceBytes = Math.max(1, Math.min(MAX_PIECE_BYTES, maxRequestBytes));
        this.afterFirstRead = afterFirstRead;
    }

    /**
     * The first message, sent before any key is read: the unary header's cluster id, member id and
     * Raft term. Its revision comes with the first piece.
     */
    public RangeResponse headerMessage() {
        return RangeResponse.newBuilder().setHeader(header.toBuilder().clearRevision()).build();
    }

    public boolean finished() {
        return chunks.finished();
    }

    /** The next piece of at most about {@link #MAX_PIECE_BYTES} (or --max-request-bytes, if less). */
    public RangeResponse next() {
        RangeResponse piece = chunks.next(pieceBytes);
        if (afterFirstRead != null) {
            Runnable check = afterFirstRead;
            afterFirstRead = null;
            check.run();
        }
        return piece;
    }
}
