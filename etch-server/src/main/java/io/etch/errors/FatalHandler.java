package io.etch.errors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a member does when it cannot go on safely: its storage failed, or a committed entry cannot
 * be read. Going on would let it serve stale data or diverge from its peers, so it stops, as etcd
 * panics; the others keep the cluster, and a restart recovers from the Raft log.
 */
@FunctionalInterface
public interface FatalHandler {

    void stop(String reason, Throwable cause);

    /** The process's handler: log why, then end the process at once (exit code 2, as a Go panic). */
    FatalHandler HALT = (reason, cause) -> {
        Logger log = LoggerFactory.getLogger(FatalHandler.class);
        log.error("stopping the member: {}", reason, cause);
        // halt, not exit: shutdown hooks would close the very storage that just failed.
        Runtime.getRuntime().halt(2);
    };
}
