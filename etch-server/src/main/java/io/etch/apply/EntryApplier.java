package io.etch.apply;

import io.etch.api.raftpb.RaftEntry;
import io.etch.api.raftpb.RaftReply;
import java.nio.file.Path;

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

    /** The term of the applied entry at {@code index}, kept after the Raft log dropped it; -1 if unknown. */
    long termAt(long index);

    /** Makes everything applied so far durable on its own, so the Raft log before it may be dropped. */
    void flush();

    /**
     * Writes a consistent copy of the applied state into the new directory {@code target}, for a
     * member whose log entries were purged here. Any thread; apply goes on meanwhile. The copy
     * says up to which entry it holds ({@link #appliedIn}).
     */
    void checkpoint(Path target);

    /** The {term, index} of the last entry applied into the checkpoint in {@code dir}. */
    long[] appliedIn(Path dir);

    /**
     * Replaces the state with the checkpoint in {@code dir} (made by {@link #checkpoint} on
     * another member), which is moved away. Apply thread, between entries.
     */
    void restore(Path dir);
}
