package io.etch.auth;

/**
 * Who sent a request, as the member that took it authenticated them: a user name and the auth
 * store revision that identity was checked at.
 *
 * @param user empty for a request without credentials
 * @param revision 0 for a request without credentials
 */
public record AuthInfo(String user, long revision) {

    /** A client that sent neither a token nor a certificate (or auth is disabled). */
    public static final AuthInfo NONE = new AuthInfo("", 0);

    /**
     * The member itself (lease expiry, auto-compaction): its requests carry no header and need no
     * permission, as etcd's own requests run as root.
     */
    public static final AuthInfo MEMBER = new AuthInfo("", -1);

    public boolean isMember() {
        return this == MEMBER;
    }
}
