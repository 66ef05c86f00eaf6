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
