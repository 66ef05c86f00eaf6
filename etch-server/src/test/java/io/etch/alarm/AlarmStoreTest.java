package io.etch.alarm;

import static org.assertj.core.api.Assertions.assertThat;

import io.etch.api.etcdserverpb.AlarmMember;
import io.etch.api.etcdserverpb.AlarmRequest;
import io.etch.api.etcdserverpb.AlarmResponse;
import io.etch.api.etcdserverpb.AlarmType;
import io.etch.storage.Backend;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.WriteBatch;

/** etcd's alarm store semantics, kept in the backend's write batches. */
class AlarmStoreTest {
    @TempDir
    Path dir;

    @Test
    void activateDeactivateAndGetAnswerAsEtcd() {
        try (Backend backend = Backend.open(dir)) {
            AlarmStore alarms = AlarmStore.open(backend);
            assertThat(apply(backend, alarms, AlarmRequest.AlarmAction.ACTIVATE, 2, AlarmType.NONE).getAlarmsList()).isEmpty();
            assertThat(apply(backend, alarms, AlarmRequest.AlarmAction.ACTIVATE, 2, AlarmType.NOSPACE).getAlarmsList())
                    .containsExactly(alarm(2, AlarmType.NOSPACE));
            assertThat(apply(backend, alarms, AlarmRequest.AlarmAction.ACTIVATE, 2, AlarmType.NOSPACE).getAlarmsList())
                    .containsExactly(alarm(2, AlarmType.NOSPACE));
            apply(backend, alarms, AlarmRequest.AlarmAction.ACTIVATE, -1, AlarmType.NOSPACE);
            apply(backend, alarms, AlarmRequest.AlarmAction.ACTIVATE, 1, AlarmType.CORRUPT);
            assertThat(alarms.all()).as("by type, then unsigned member id").containsExactly(
                    alarm(2, AlarmType.NOSPACE), alarm(-1, AlarmType.NOSPACE), alarm(1, AlarmType.CORRUPT));
            assertThat(apply(backend, alarms, AlarmRequest.AlarmAction.GET, 0, AlarmType.CORRUPT).getAlarmsList())
                    .containsExactly(alarm(1, AlarmType.CORRUPT));
            assertThat(apply(backend, alarms, AlarmRequest.AlarmAction.DEACTIVATE, 3, AlarmType.NOSPACE).getAlarmsList()).isEmpty();
            assertThat(apply(backend, alarms, AlarmRequest.AlarmAction.DEACTIVATE, 2, AlarmType.NOSPACE).getAlarmsList())
                    .containsExactly(alarm(2, AlarmType.NOSPACE));
            assertThat(alarms.isRaised(AlarmType.NOSPACE)).as("member -1's is still there").isTrue();
            apply(backend, alarms, AlarmRequest.AlarmAction.DEACTIVATE, -1, AlarmType.NOSPACE);
            assertThat(alarms.isRaised(AlarmType.NOSPACE)).isFalse();
            assertThat(AlarmStore.open(backend).all()).as("what a reopened store reads")
                    .containsExactly(alarm(1, AlarmType.CORRUPT));
        }
    }

    @Test
    void aChangeThatWasNotWrittenIsForgottenByRestore() {
        try (Backend backend = Backend.open(dir)) {
            AlarmStore alarms = AlarmStore.open(backend);
            try (WriteBatch batch = new WriteBatch()) {
                alarms.apply(batch, request(AlarmRequest.AlarmAction.ACTIVATE, 5, AlarmType.NOSPACE));
                assertThat(alarms.isRaised(AlarmType.NOSPACE)).isTrue();
            }
            alarms.restore();
            assertThat(alarms.all()).isEmpty();
        }
    }

    private static AlarmResponse apply(Backend backend, AlarmStore alarms, AlarmRequest.AlarmAction action, long member,
                                       AlarmType type) {
        try (WriteBatch batch = new WriteBatch()) {
            AlarmResponse r = alarms.apply(batch, request(action, member, type));
            backend.write(batch);
            return r;
        }
    }

    private static AlarmRequest request(AlarmRequest.AlarmAction action, long member, AlarmType type) {
        return AlarmRequest.newBuilder().setAction(action).setMemberID(member).setAlarm(type).build();
    }

    private static AlarmMember alarm(long member, AlarmType type) {
        return AlarmMember.newBuilder().setMemberID(member).setAlarm(type).build();
    }
}
