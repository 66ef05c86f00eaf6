package io.etch.apply;

/** Tells the KV applier whether a lease exists (a put with a missing lease fails with LEASE_NOT_FOUND). */
@FunctionalInterface
public interface LeaseLookup {
    /** No leases at all: every lease id is unknown. */
    LeaseLookup NONE = leaseId -> false;

    boolean exists(long leaseId);
}
