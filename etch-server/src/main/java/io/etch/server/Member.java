package io.etch.server;

import java.util.List;

/** A member of the cluster as clients see it in MemberList and Status. */
public record Member(long id, String name, List<String> peerUrls, List<String> clientUrls, boolean isLearner) {

    public Member(long id, String name, List<String> peerUrls, List<String> clientUrls) {
        this(id, name, peerUrls, clientUrls, false);
    }
}
