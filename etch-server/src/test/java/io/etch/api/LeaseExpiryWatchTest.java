package io.etch.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.etch.api.etcdserverpb.LeaseGrantRequest;
import io.etch.api.etcdserverpb.LeaseGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.WatchResponse;
import io.etch.api.mvccpb.Event;
import io.etch.testing.EtchCluster;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A lease that runs out deletes its keys through Raft, so every member's watchers see the DELETE
 * events, in one revision, exactly as for an explicit delete.
 */
class LeaseExpiryWatchTest {

    @Test
    void expiredLeaseDeletesItsKeysAndWatchersOnEveryMemberSeeIt() throws Exception {
        try (EtchCluster cluster = EtchCluster.start(3)) {
            List<ManagedChannel> channels = new ArrayList<>();
            List<WatchTesting> watchers = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(i)).usePlaintext().build();
                    channels.add(ch);
                    WatchTesting w = new WatchTesting(ch);
                    w.create(WatchTesting.on("/svc/").setRangeEnd(WatchTesting.bs("/svc0")));
                    assertThat(w.next().getCreated()).isTrue();
                    watchers.add(w);
                }
                ManagedChannel first = channels.get(0);
                long lease = LeaseGrpc.newBlockingStub(first)
                        .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(1).build()).getID();
                var kv = KVGrpc.newBlockingStub(first);
                kv.put(PutRequest.newBuilder().setKey(WatchTesting.bs("/svc/a")).setValue(WatchTesting.bs("1")).setLease(lease).build());
                kv.put(PutRequest.newBuilder().setKey(WatchTesting.bs("/svc/b")).setValue(WatchTesting.bs("2")).setLease(lease).build());

                for (WatchTesting w : watchers) {
                    List<Event> events = new ArrayList<>();
                    while (events.size() < 4) {
                        WatchResponse r = w.next();
                        events.addAll(r.getEventsList());
                    }
                    assertThat(events).extracting(Event::getType)
                            .containsExactly(Event.EventType.PUT, Event.EventType.PUT, Event.EventType.DELETE, Event.EventType.DELETE);
                    assertThat(events.get(2).getKv().getKey().toStringUtf8()).isEqualTo("/svc/a");
                    assertThat(events.get(3).getKv().getKey().toStringUtf8()).isEqualTo("/svc/b");
                    // one revoke, one revision for both deletes
                    assertThat(events.get(2).getKv().getModRevision()).isEqualTo(events.get(3).getKv().getModRevision());
                }
            } finally {
                watchers.forEach(WatchTesting::close);
                channels.forEach(ManagedChannel::shutdownNow);
            }
        }
    }
}
