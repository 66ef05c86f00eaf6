/**
 * etcd's multi-version KV store: {@link io.etch.mvcc.Revision} (main, sub), per-key generations of
 * revisions ({@code KeyIndex}) in a lock-free sorted index rebuilt at start, revision → KeyValue in
 * the {@code kv} column family, write transactions ({@link io.etch.mvcc.WriteTxn}, one per Raft
 * entry) published atomically to concurrent readers, and compaction (logical at once, physical in
 * the background, resumed after a restart).
 */
package io.etch.mvcc;
