/**
 * Local storage: one RocksDB per member ({@link io.etch.storage.Backend}), a column family per
 * concern, written only in atomic batches, without RocksDB's WAL (the Raft log is the durability
 * source; the applied index is stored in the same batches).
 */
package io.etch.storage;
