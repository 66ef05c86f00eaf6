package io.etch.auth;

import java.security.SecureRandom;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * etcd's "simple" tokens: 16 random letters and the Raft index of the Authenticate entry, kept in
 * memory on each member. A token lives {@code --auth-token-ttl} seconds from its last use.
 */
public final class SimpleTokens implements TokenProvider {

    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private static final int PREFIX_LENGTH = 16;

    private record Entry(String user, long expiresAt) {
    }

    private final long ttlNanos;
    private final LongSupplier clock;
    private final SecureRandom random = new SecureRandom();
    /** In access order, so the least recently used (first to expire) come first. */
    private final LinkedHashMap<String, Entry> tokens = new LinkedHashMap<>(16, 0.75f, true);

    public SimpleTokens(long ttlSeconds, LongSupplier nanoClock) {
        this.ttlNanos = (ttlSeconds <= 0 ? 300 : ttlSeconds) * 1_000_000_000L;
        this.clock = nanoClock;
    }

    @Override
    public String newPrefix() {
        StringBuilder b = new StringBuilder(PREFIX_LENGTH);
        for (int i = 0; i < PREFIX_LENGTH; i++) {
            b.append(LETTERS.charAt(random.nextInt(LETTERS.length())));
        }
        return b.toString();
    }

    @Override
    public synchronized String assign(String prefix, long index, String user, long revision) {
        String token = prefix + "." + index;
        long now = clock.getAsLong();
        expire(now);
        tokens.put(token, new Entry(user, now + ttlNanos));
        return token;
    }

    @Override
    public synchronized AuthInfo info(String token, long currentRevision) {
        long now = clock.getAsLong();
        expire(now);
        Entry e = tokens.get(token);
        if (e == null) {
            return null;
        }
        tokens.put(token, new Entry(e.user(), now + ttlNanos)); // each use extends its life
        return new AuthInfo(e.user(), currentRevision);
    }

    private void expire(long now) {
        Iterator<Map.Entry<String, Entry>> it = tokens.entrySet().iterator();
        while (it.hasNext()) {
            if (it.next().getValue().expiresAt() - now > 0) {
                return;
            }
            it.remove();
        }
    }

    @Override
    public synchronized void invalidateUser(String user) {
        tokens.values().removeIf(e -> e.user().equals(user));
    }

    @Override
    public void enable() {
    }

    @Override
    public synchronized void disable() {
        tokens.clear();
    }
}
