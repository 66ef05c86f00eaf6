package io.etch.mvcc;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The revisions of one key, as generations: a generation runs from a creation to a deletion
 * (tombstone, its last revision); the last generation is the current one and is empty while the
 * key does not exist.
 *
 * <p>Immutable: every change returns a new instance, so readers holding an older one are never
 * disturbed (see {@link RevisionList} for how appends stay cheap).
 *
 * <p>Example: put(1.0) put(2.0) tombstone(3.0) put(4.0) tombstone(5.0) gives
 * {@code [{1.0 2.0 3.0(t)}, {4.0 5.0(t)}, {}]}. Compacting at 2 gives {@code [{2.0 3.0(t)}, {4.0
 * 5.0(t)}, {}]}, at 4 {@code [{4.0 5.0(t)}, {}]}, at 5 or more the key is gone.
 */
final class KeyIndex {
    /** Result of {@link #get}: the revision holding the key's value at a revision. */
    record Found(Revision modified, long createRevision, long version) {
    }

    private record Generation(long version, Revision created, RevisionList revs) {
        static final Generation EMPTY = new Generation(0, null, RevisionList.EMPTY);

        boolean isEmpty() {
            return revs.isEmpty();
        }

        Revision tomb() {
            return revs.last();
        }

        /** Index of the newest revision with main <= atRev, or -1. */
        int newestAtOrBefore(long atRev) {
            for (int i = revs.size() - 1; i >= 0; i--) {
                if (revs.get(i).main() <= atRev) {
                    return i;
                }
            }
            return -1;
        }
    }

    private final ByteString key;
    private final long modMain;
    private final long modSub;
    /**
     * Null in the compact form: one generation holding one revision, {@code modified}, the shape of
     * nearly every key after a restart or a compaction, and of every key written once. It is kept in
     * four fields instead of six small objects (about 170 bytes a key less, most of the index).
     */
    private final Generation[] generations;
    /** Compact form only. */
    private final long createMain;
    private final long version;

    private KeyIndex(ByteString key, long modMain, long modSub, Generation[] generations, long createMain, long version) {
        this.key = key;
        this.modMain = modMain;
        this.modSub = modSub;
        this.generations = generations;
        this.createMain = createMain;
        this.version = version;
    }

    /** The index of {@code key} with these generations, in the compact form when they allow it. */
    private static KeyIndex of(ByteString key, Revision modified, Generation[] gens) {
        if (gens.length == 1 && gens[0].revs().size() == 1) {
            Generation g = gens[0];
            return new KeyIndex(key, modified.main(), modified.sub(), null, g.created().main(), g.version());
        }
        return new KeyIndex(key, modified.main(), modified.sub(), gens, 0, 0);
    }

    /** A key created at {@code rev}. */
    static KeyIndex created(ByteString key, Revision rev) {
        return new KeyIndex(key, rev.main(), rev.sub(), null, rev.main(), 1);
    }

    /**
     * A key found at restore with only its latest revision {@code modified} at hand (older ones
     * compacted away); {@code createRevision} and {@code version} come from the stored value.
     */
    static KeyIndex restored(ByteString key, long createRevision, Revision modified, long version) {
        return new KeyIndex(key, modified.main(), modified.sub(), null, createRevision, version);
    }

    private boolean isCompactForm() {
        return generations == null;
    }

    /** The generations, built for a key in the compact form. */
    private Generation[] generations() {
        if (generations != null) {
            return generations;
        }
        return new Generation[] {new Generation(version, new Revision(createMain, 0), RevisionList.of(modified()))};
    }

    ByteString key() {
        return key;
    }

    Revision modified() {
        return new Revision(modMain, modSub);
    }

    /** True when the key has no revision left at all (only after compaction). */
    boolean isEmpty() {
        return !isCompactForm() && generations.length == 1 && generations[0].isEmpty();
    }

    /** True when the key does not exist now (deleted, or never created). */
    boolean isDeleted() {
        return !isCompactForm() && last().isEmpty();
    }

    private Generation last() {
        return generations[generations.length - 1];
    }

    /** Adds a revision holding a new value. */
    KeyIndex put(Revision rev) {
        Revision modified = modified();
        if (!rev.greaterThan(modified)) {
            throw new IllegalStateException("put of " + key.toStringUtf8() + " at " + rev + " not after " + modified);
        }
        Generation[] gens = isCompactForm() ? generations() : generations.clone();
        Generation g = gens[gens.length - 1];
        gens[gens.length - 1] = g.isEmpty()
                ? new Generation(1, rev, RevisionList.of(rev))
                : new Generation(g.version() + 1, g.created(), g.revs().append(rev));
        return of(key, rev, gens);
    }

    /** Ends the current generation with a tombstone at {@code rev}; the key must exist. */
    KeyIndex tombstone(Revision rev) {
        if (isDeleted()) {
            throw new IllegalStateException("tombstone of missing key " + key.toStringUtf8());
        }
        KeyIndex withTomb = put(rev);
        Generation[] gens = Arrays.copyOf(withTomb.generations(), withTomb.generations().length + 1);
        gens[gens.length - 1] = Generation.EMPTY;
        return new KeyIndex(key, rev.main(), rev.sub(), gens, 0, 0);
    }

    /** The revision holding the key's value as of {@code atRev}, or null if it did not exist then. */
    Found get(long atRev) {
        if (isCompactForm()) {
            return modMain <= atRev ? new Found(modified(), createMain, version) : null;
        }
        Generation g = findGeneration(atRev);
        if (g == null) {
            return null;
        }
        int n = g.newestAtOrBefore(atRev);
        if (n == -1) {
            return null;
        }
        return new Found(g.revs().get(n), g.created().main(), g.version() - (g.revs().size() - n - 1));
    }

    /** The generation alive at {@code rev}, or null if the key did not exist at {@code rev}. */
    private Generation findGeneration(long rev) {
        int lastIdx = generations.length - 1;
        for (int i = lastIdx; i >= 0; i--) {
            Generation g = generations[i];
            if (g.isEmpty()) {
                continue;
            }
            if (i != lastIdx && g.tomb().main() <= rev) {
                return null;
            }
            if (g.revs().get(0).main() <= rev) {
                return g;
            }
        }
        return null;
    }

    /**
     * Revisions with main >= {@code rev}, in order; of several revisions with the same main only the
     * one with the highest sub is kept (the others were never visible).
     */
    List<Revision> since(long rev) {
        if (isCompactForm()) {
            return modMain >= rev ? List.of(modified()) : List.of();
        }
        Revision since = new Revision(rev, 0);
        int gi = generations.length - 1;
        for (; gi > 0; gi--) {
            Generation g = generations[gi];
            if (g.isEmpty()) {
                continue;
            }
            if (since.greaterThan(g.created())) {
                break;
            }
        }
        List<Revision> out = new ArrayList<>();
        long lastMain = 0;
        for (; gi < generations.length; gi++) {
            RevisionList revs = generations[gi].revs();
            for (int i = 0; i < revs.size(); i++) {
                Revision r = revs.get(i);
                if (since.greaterThan(r)) {
                    continue;
                }
                if (r.main() == lastMain && !out.isEmpty()) {
                    out.set(out.size() - 1, r);
                    continue;
                }
                out.add(r);
                lastMain = r.main();
            }
        }
        return out;
    }

    /**
     * Drops the revisions with main <= {@code atRev} except the newest of them, which is dropped too
     * if it is a tombstone; empty generations before the current one go. Returns this when nothing
     * changes, null when nothing is left (the key can leave the index).
     */
    KeyIndex compact(long atRev) {
        if (isCompactForm()) {
            // Its one revision is the newest at or before atRev, or after it: kept either way.
            return this;
        }
        int genIdx = 0;
        Generation g = generations[0];
        // The first generation that holds atRev or was created after it.
        while (genIdx < generations.length - 1) {
            if (g.tomb().main() > atRev) {
                break;
            }
            genIdx++;
            g = generations[genIdx];
        }
        int revIndex = g.newestAtOrBefore(atRev);
        Generation kept = g;
        if (!g.isEmpty()) {
            if (revIndex > 0) {
                kept = new Generation(g.version(), g.created(), g.revs().dropFirst(revIndex));
            }
            // Only a tombstone left of a finished generation: drop it.
            if (kept.revs().size() == 1 && genIdx != generations.length - 1) {
                genIdx++;
                kept = generations[genIdx];
            }
        }
        if (genIdx == 0 && kept == generations[0]) {
            return this;
        }
        Generation[] gens = Arrays.copyOfRange(generations, genIdx, generations.length);
        gens[0] = kept;
        KeyIndex result = of(key, modified(), gens);
        return result.isEmpty() ? null : result;
    }

    /** Whether {@code rev} is one of this key's revisions (i.e. not compacted away). */
    boolean contains(Revision rev) {
        if (isCompactForm()) {
            return rev.main() == modMain && rev.sub() == modSub;
        }
        for (Generation g : generations) {
            if (!g.isEmpty() && g.revs().indexOf(rev) >= 0) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(key.toStringUtf8()).append(' ');
        for (Generation g : generations()) {
            sb.append("{created=").append(g.created()).append(" ver=").append(g.version())
                    .append(' ').append(g.revs()).append('}');
        }
        return sb.toString();
    }
}
