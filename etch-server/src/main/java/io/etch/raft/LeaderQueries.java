package io.etch.raft;

import java.util.concurrent.CompletableFuture;

/**
 * Answers questions that only the leader's in-memory state can answer (lease renewals and
 * remaining TTLs); other members send them to the leader with {@link RaftNode#askLeader}.
 */
@FunctionalInterface
public interface LeaderQueries {
    /** No such questions: every query is answered with an empty message. */
    LeaderQueries NONE = query -> CompletableFuture.completedFuture(new byte[0]);

    CompletableFuture<byte[]> answer(byte[] query);
}
