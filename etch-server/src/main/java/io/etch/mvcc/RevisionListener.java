package io.etch.mvcc;

import io.etch.api.mvccpb.Event;
import java.util.List;

/**
 * Told of every committed revision, once, in revision order, on the apply thread, after the
 * revision is visible to readers. Events are in change order (sub revision). They are built only
 * when asked for, so a member without watchers does no work for them; ask before the call returns.
 */
@FunctionalInterface
public interface RevisionListener {
    void onCommit(long revision, Events events);

    /**
     * The store was replaced with another member's checkpoint at {@code revision}: the revisions
     * between the last one told and it arrive by no {@link #onCommit}. Apply thread.
     */
    default void onRestore(long revision) {
    }

    /** The revision's events, built on demand. */
    @FunctionalInterface
    interface Events {
        /**
         * With {@code prevKv}, events carry the key's value before the revision (none for a
         * creation), as etcd's watch delivers it; without, that read is skipped.
         */
        List<Event> get(boolean prevKv);
    }
}
