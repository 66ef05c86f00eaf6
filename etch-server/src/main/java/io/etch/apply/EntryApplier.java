package io.etch.apply;

import io.etch.api.raftpb.RaftEntry;
import io.etch.api.raftpb.RaftReply;

/**
 * The deterministic state machine behind Raft: turns one committed entry into state changes.
 * Called by one thread, in log order. An entry at or below {@link #appliedIndex()} was applied
 * before and must not be applied again.
 */
public interface EntryApplier {

    RaftReply apply(RaftEntry entry, long term, long index);

    /** Records that an entry without state changes (a Raft no-op or configuration entry) was applied. */
    void applyEmpty(long term, long index);

    long appliedTerm();

    long appliedIndex();

    /** Makes everything applied so far durable on its own, so the Raft log before it may be dropped. */
    void flush();
}
