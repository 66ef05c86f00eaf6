package io.etch.server;

/**
 * The etcd API version Etch speaks; clients gate features on it. SERVER is the newest etcd 3.5
 * release whose behaviour Etch is checked against (its e2e suite, its auth rules).
 */
public final class Version {
    public static final String SERVER = "3.5.30";
    /** Etch's own release. */
    public static final String ETCH = "0.1.0";
    public static final String CLUSTER = "3.5.0";
    /** The capability level etcd logs and clients check ("enabled capabilities for version"). */
    public static final String CAPABILITY = "3.5";
    /**
     * The version of the data format Status reports (etcd 3.6's storageVersion). etcd 3.6 records
     * the cluster version it runs at, as major.minor.0, in its backend; Etch's backend holds what an
     * etcd 3.5 member's does and its cluster runs at 3.5, so it declares the cluster version.
     */
    public static final String STORAGE = CLUSTER;

    private Version() {
    }
}
