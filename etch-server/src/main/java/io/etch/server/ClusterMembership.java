package io.etch.server;

import io.etch.api.raftpb.ClusterMembers;
import io.etch.api.raftpb.MemberAttributes;
import io.etch.api.raftpb.MemberChange;
import io.etch.api.raftpb.RaftEntry;
import io.etch.api.raftpb.StoredMember;
import io.etch.errors.EtcdError;
import io.etch.membership.MemberStore;
import io.etch.raft.RaftMember;
import io.etch.raft.RaftNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runtime membership, as etcd 3.5 does it: the checks a configuration change must pass before it
 * is proposed (made on the leader, which alone knows how far each member is and which members it
 * hears from), the members as clients see them, and the leader's duty of keeping Ratis'
 * configuration in line with the recorded membership.
 *
 * <p>Why the membership and Ratis' configuration are two steps: etcd's {@code member add} only
 * records the new member and answers at once; the operator starts the member afterwards with the
 * settings it printed. Ratis' {@code setConfiguration}, on the other hand, first brings every new
 * member up to date and gives up when one does not answer, so it cannot be the answer to
 * {@code member add}. A change is therefore an ordinary Raft entry (applied by every member alike,
 * stored in the members column family) and answered once applied; the leader then brings Ratis'
 * configuration to match it, on every tick, until it does: a voter that is not running yet is tried
 * again until it starts and catches up (replaying the log from its start), a removed member leaves
 * the configuration, a learner is a Ratis listener, a promoted one a voter. Until Ratis has taken a
 * new voter in, it does not count towards the quorum, which is safer than etcd, where a voter that
 * was added but never started already counts.
 */
final class ClusterMembership {
    private static final Logger log = LoggerFactory.getLogger(ClusterMembership.class);
    /** etcd's readyPercent: a learner is in sync when it has at least this share of the leader's log. */
    private static final double READY_PERCENT = 0.9;

    private final ServerSettings settings;
    private final MemberStore store;
    private final RaftNode raft;
    private final Function<RaftEntry, CompletableFuture<Void>> propose;
    private final Consumer<String> stop;
    private final ExecutorService background;
    /** On the leader: since when (System.nanoTime) each member has answered without a gap. */
    private final Map<Long, Long> activeSince = new HashMap<>();
    private boolean reconfiguring;
    private long nextReconfigureNanos;
    private long removedSeenNanos = -1;
    private boolean stopping;
    private long leaderlessSinceNanos = -1;
    private long nextRemovalQueryNanos;
    private boolean removalQueryRunning;

    ClusterMembership(ServerSettings settings, MemberStore store, RaftNode raft,
                      Function<RaftEntry, CompletableFuture<Void>> propose, Consumer<String> stop) {
        this.settings = settings;
        this.store = store;
        this.raft = raft;
        this.propose = propose;
        this.stop = stop;
        this.background = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "etch-membership");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * The members, sorted by id as etcd lists them: the recorded membership with what members
     * published, or, before the bootstrap entry is applied, the --initial-cluster this member
     * started with.
     */
    List<Member> members() {
        MemberStore.Membership m = store.current();
        List<Member> out = new ArrayList<>();
        if (m.members().isEmpty()) {
            for (Member b : settings.members()) {
                MemberAttributes a = m.attributes().get(b.id());
                out.add(b.id() == settings.memberId() || a == null ? b
                        : new Member(b.id(), a.getName(), b.peerUrls(), List.copyOf(a.getClientUrlsList())));
            }
        } else {
            for (StoredMember s : m.members().values()) {
                MemberAttributes a = m.attributes().get(s.getId());
                String name = a == null ? "" : a.getName();
                List<String> clientUrls = a == null ? List.of() : List.copyOf(a.getClientUrlsList());
                out.add(new Member(s.getId(), name, List.copyOf(s.getPeerUrlsList()), clientUrls, s.getIsLearner()));
            }
        }
        out.sort((x, y) -> Long.compareUnsigned(x.id(), y.id()));
        return out;
    }

    /** Whether this member is a learner in the recorded membership (etcd's IsLearner). */
    boolean isLearner() {
        return store.current().isLearner(settings.memberId());
    }

    /** What a member that joins is told: the recorded membership (or the bootstrap one, before it is applied). */
    byte[] forPeers() {
        MemberStore.Membership m = store.current();
        if (!m.members().isEmpty()) {
            return m.toProto(settings.clusterId()).toByteArray();
        }
        return bootstrapMembers().toByteArray();
    }

    private ClusterMembers bootstrapMembers() {
        ClusterMembers.Builder b = ClusterMembers.newBuilder().setClusterId(settings.clusterId());
        for (Member m : settings.members()) {
            b.addMembers(StoredMember.newBuilder().setId(m.id()).addAllPeerUrls(m.peerUrls()).setIsLearner(m.isLearner()));
        }
        return b.build();
    }

    /** The bootstrap entry every bootstrapping member proposes before it publishes itself (see MemberChange). */
    RaftEntry bootstrapEntry() {
        return RaftEntry.newBuilder().setMemberChange(MemberChange.newBuilder().setBootstrap(bootstrapMembers())).build();
    }

    /**
     * On the leader: etcd's checks before a configuration change (mayAddMember, mayRemoveMember,
     * isLearnerReady and mayPromoteMember), then the change through Raft. Completes once this member
     * applied it; fails with etcd's error when a check or the apply refused it.
     */
    CompletableFuture<Void> changeAsLeader(MemberChange change) {
        CompletableFuture<Void> bootstrapped = store.current().members().isEmpty()
                ? propose.apply(bootstrapEntry()) : CompletableFuture.completedFuture(null);
        return bootstrapped.thenCompose(v -> {
            check(change);
            MemberChange withLimit = change.toBuilder().setMaxLearners(settings.reconfig().maxLearners()).build();
            return propose.apply(RaftEntry.newBuilder().setMemberChange(withLimit).build());
        });
    }

    private void check(MemberChange change) {
        MemberStore.Membership m = store.current();
        boolean strict = settings.reconfig().strictCheck();
        switch (change.getChangeCase()) {
            case ADD -> {
                if (!strict) {
                    return;
                }
                if (!change.getAdd().getIsLearner() && !readyToAddVoter(m)) {
                    log.warn("rejecting member add request; not enough healthy members");
                    throw EtcdError.MEMBER_NOT_ENOUGH_STARTED.exception();
                }
                List<Long> voters = voters(m);
                if (voters.size() > 1 && connected(voters) < quorum(voters.size() + 1)) {
                    log.warn("rejecting member add request; local member has not been connected to majority peers,"
                            + " reconfigure breaks active quorum");
                    throw EtcdError.UNHEALTHY_CLUSTER.exception();
                }
            }
            case REMOVE -> {
                long id = change.getRemove();
                if (!strict || m.isLearner(id)) {
                    return;
                }
                if (!readyToRemoveVoter(m, id)) {
                    log.warn("rejecting member remove request; not enough healthy members");
                    throw EtcdError.MEMBER_NOT_ENOUGH_STARTED.exception();
                }
                if (id != settings.memberId() && !isConnected(id)) {
                    return; // a member that is down is not part of the active quorum
                }
                List<Long> voters = voters(m);
                if (connected(voters) - 1 < 1 + (voters.size() - 1) / 2) {
                    log.warn("rejecting member remove request; local member has not been connected to all peers,"
                            + " reconfigure breaks active quorum");
                    throw EtcdError.UNHEALTHY_CLUSTER.exception();
                }
            }
            case PROMOTE -> {
                long id = change.getPromote();
                if (m.isLearner(id)) {
                    long learner = raft.commitIndexOf(id);
                    long leader = raft.committedIndex();
                    if (learner < 0 || learner < leader * READY_PERCENT) {
                        throw EtcdError.LEARNER_NOT_READY.exception();
                    }
                }
                if (strict && !readyToPromote(m)) {
                    log.warn("rejecting member promote request; not enough healthy members");
                    throw EtcdError.MEMBER_NOT_ENOUGH_STARTED.exception();
                }
            }
            default -> { }
        }
    }

    private static int quorum(int n) {
        return n / 2 + 1;
    }

    private static List<Long> voters(MemberStore.Membership m) {
        return m.members().values().stream().filter(s -> !s.getIsLearner()).map(StoredMember::getId).toList();
    }

    /** etcd's IsReadyToAddVotingMember: the started voters stay a quorum with one more voter. */
    private static boolean readyToAddVoter(MemberStore.Membership m) {
        int members = 1;
        int started = 0;
        for (long id : voters(m)) {
            if (m.isStarted(id)) {
                started++;
            }
            members++;
        }
        if (started == 1 && members == 2) {
            return true; // growing a one-member cluster
        }
        return started >= quorum(members);
    }

    /** etcd's IsReadyToRemoveVotingMember. */
    private static boolean readyToRemoveVoter(MemberStore.Membership m, long removed) {
        int members = 0;
        int started = 0;
        for (long id : voters(m)) {
            if (id == removed) {
                continue;
            }
            if (m.isStarted(id)) {
                started++;
            }
            members++;
        }
        return started >= quorum(members);
    }

    /** etcd's IsReadyToPromoteMember: the learner counts as a started voter. */
    private static boolean readyToPromote(MemberStore.Membership m) {
        int members = 1;
        int started = 1;
        for (long id : voters(m)) {
            if (m.isStarted(id)) {
                started++;
            }
            members++;
        }
        return started >= quorum(members);
    }

    /** How many of these members this leader has heard from for a health interval, itself included. */
    private synchronized int connected(List<Long> members) {
        int n = 0;
        for (long id : members) {
            if (id == settings.memberId() || isConnected(id)) {
                n++;
            }
        }
        return n;
    }

    private synchronized boolean isConnected(long id) {
        Long since = activeSince.get(id);
        return since != null && System.nanoTime() - since >= settings.reconfig().healthInterval().toNanos();
    }

    /** Runs every leader-lease tick, on every member. */
    void tick() {
        long now = System.nanoTime();
        trackActivity(now);
        watchRemoval(now);
        if (raft.isLeader()) {
            reconfigure(now);
        }
    }

    private synchronized void trackActivity(long now) {
        if (!raft.isLeader()) {
            activeSince.clear();
            return;
        }
        long limit = Math.max(settings.election().toMillis(), 100);
        Map<Long, Long> contact = raft.lastContactMillis();
        activeSince.keySet().removeIf(id -> !contact.containsKey(id) || contact.get(id) > limit);
        contact.forEach((id, ms) -> {
            if (ms <= limit) {
                activeSince.putIfAbsent(id, now);
            }
        });
    }

    /**
     * Keeps Ratis' configuration in line with the recorded membership (see the class comment). One
     * change at a time; a failed one (a new member that is not running yet) is tried again a little
     * later. A leader that is to leave hands leadership over first, and its successor makes the change.
     */
    private void reconfigure(long now) {
        MemberStore.Membership m = store.current();
        if (m.members().isEmpty()) {
            return;
        }
        List<RaftMember> voters = new ArrayList<>();
        List<RaftMember> listeners = new ArrayList<>();
        Map<Long, String> wantVoters = new HashMap<>();
        Map<Long, String> wantListeners = new HashMap<>();
        for (StoredMember s : m.members().values()) {
            String address = hostPort(s.getPeerUrls(0));
            if (s.getIsLearner()) {
                listeners.add(new RaftMember(s.getId(), address));
                wantListeners.put(s.getId(), address);
            } else {
                voters.add(new RaftMember(s.getId(), address));
                wantVoters.put(s.getId(), address);
            }
        }
        if (voters.isEmpty()) {
            return;
        }
        RaftNode.PeerConfiguration conf = raft.configuration();
        if (!conf.stable() || (conf.voters().equals(wantVoters) && conf.listeners().equals(wantListeners))) {
            return;
        }
        synchronized (this) {
            if (reconfiguring || now < nextReconfigureNanos) {
                return;
            }
            reconfiguring = true;
        }
        if (!wantVoters.containsKey(settings.memberId())) {
            long target = voters.stream().map(RaftMember::id).filter(this::isConnected).findFirst()
                    .orElse(voters.get(0).id());
            log.info("leader is removed from the membership; handing leadership to {} first", Long.toHexString(target));
            raft.transferLeadership(target, settings.requestTimeout().toMillis())
                    .whenComplete((v, error) -> reconfigured(error, "leadership transfer"));
            return;
        }
        // A promoted learner leaves the configuration first and comes back as a voter: Ratis (3.2)
        // never counts a listener as caught up, and turning one into a voter in place leaves its
        // server "starting" for good (no ReadIndex, no elections). Brought in anew, it is.
        List<Long> promoted = wantVoters.keySet().stream().filter(conf.listeners()::containsKey).toList();
        if (!promoted.isEmpty()) {
            voters.removeIf(v -> promoted.contains(v.id()));
            promoted.forEach(wantVoters::remove);
            log.info("promoting {}: out of the raft configuration first, then in as a voter", promoted.stream()
                    .map(Long::toHexString).toList());
        }
        log.info("changing the raft configuration: voters={} learners={} (was voters={} learners={})",
                hex(wantVoters), hex(wantListeners), hex(conf.voters()), hex(conf.listeners()));
        raft.setConfiguration(voters, listeners).whenComplete((v, error) -> reconfigured(error, "configuration change"));
    }

    private synchronized void reconfigured(Throwable error, String what) {
        reconfiguring = false;
        if (error != null) {
            log.info("{} not done yet (a new member may not be running): {}", what, error.toString());
            nextReconfigureNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        } else {
            log.info("{} done", what);
            nextReconfigureNanos = 0;
        }
    }

    /**
     * etcd stops a member a second after it applied its own removal. A member that was down when
     * it was removed never applies it (the leader no longer talks to it): while it has no leader it
     * asks its peers now and then, and stops when they say it was removed.
     */
    private void watchRemoval(long now) {
        if (stopping) {
            return;
        }
        if (store.current().removed().contains(settings.memberId())) {
            if (removedSeenNanos < 0) {
                removedSeenNanos = now;
            }
            long waited = now - removedSeenNanos;
            // A leader removing itself hands leadership over first (see reconfigure); give it time.
            if (waited >= TimeUnit.SECONDS.toNanos(1)
                    && (!raft.isLeader() || waited >= settings.requestTimeout().toNanos())) {
                stopping = true;
                stop.accept("the member has been permanently removed from the cluster");
            }
            return;
        }
        if (raft.leaderId() != 0) {
            leaderlessSinceNanos = -1;
            return;
        }
        if (leaderlessSinceNanos < 0) {
            leaderlessSinceNanos = now;
        }
        if (now - leaderlessSinceNanos < 3 * settings.election().toNanos() || now < nextRemovalQueryNanos
                || removalQueryRunning) {
            return;
        }
        removalQueryRunning = true;
        nextRemovalQueryNanos = now + TimeUnit.SECONDS.toNanos(2);
        List<String> peers = new ArrayList<>();
        for (Member member : members()) {
            if (member.id() != settings.memberId() && !member.peerUrls().isEmpty()) {
                peers.add(hostPort(member.peerUrls().get(0)));
            }
        }
        background.execute(() -> {
            try {
                for (String peer : peers) {
                    try {
                        ClusterMembers answer = ClusterMembers.parseFrom(
                                RaftNode.fetchMembership(List.of(peer), settings.peerTls(), 1000));
                        if (answer.getRemovedList().contains(settings.memberId())) {
                            stopping = true;
                            stop.accept("the member has been permanently removed from the cluster");
                            return;
                        }
                    } catch (RuntimeException | com.google.protobuf.InvalidProtocolBufferException e) {
                        log.debug("asking {} whether this member was removed failed: {}", peer, e.toString());
                    }
                }
            } finally {
                removalQueryRunning = false;
            }
        });
    }

    void close() {
        background.shutdownNow();
    }

    static String hostPort(String url) {
        URI uri = URI.create(url);
        return uri.getHost() + ":" + uri.getPort();
    }

    private static List<String> hex(Map<Long, String> members) {
        List<String> out = new ArrayList<>();
        members.forEach((id, address) -> out.add(Long.toHexString(id) + "=" + address));
        out.sort(null);
        return out;
    }
}
