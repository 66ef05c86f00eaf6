package io.etch.raft;

import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;

/** One voting member of the Raft group: its etcd-style id and the host:port its peers reach it on. */
public record RaftMember(long id, String peerAddress) {

    /** Ratis names peers by string; the etcd member id in hex keeps logs and ids aligned. */
    public static RaftPeerId peerId(long memberId) {
        return RaftPeerId.valueOf(Long.toHexString(memberId));
    }

    public static long memberId(RaftPeerId peerId) {
        return Long.parseUnsignedLong(peerId.toString(), 16);
    }

    RaftPeer toPeer() {
        return RaftPeer.newBuilder().setId(peerId(id)).setAddress(peerAddress).build();
    }
}
