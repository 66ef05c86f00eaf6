package io.etch.auth;

/**
 * Makes and reads the tokens Authenticate hands out ({@code --auth-token}). Tokens are made at
 * apply, on every member, so any member can check a token another one issued.
 */
public interface TokenProvider {

    /** What the proposing member puts into an Authenticate entry (simple tokens: a random prefix). */
    String newPrefix();

    /** The token for {@code user}, made when the Authenticate entry at {@code index} is applied. */
    String assign(String prefix, long index, String user, long revision);

    /**
     * Who the token stands for, or null when it is unknown, expired or forged.
     *
     * @param currentRevision the store's revision now (simple tokens carry none of their own)
     */
    AuthInfo info(String token, long currentRevision);

    /** Drops the user's tokens (deleted user, new password). */
    void invalidateUser(String user);

    void enable();

    /** Drops every token. */
    void disable();
}
