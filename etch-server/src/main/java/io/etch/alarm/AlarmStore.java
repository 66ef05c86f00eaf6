package io.etch.alarm;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.protobuf.InvalidProtocolBufferException;
import io.etch.api.etcdserverpb.AlarmMember;
import io.etch.api.etcdserverpb.AlarmRequest;
import io.etch.api.etcdserverpb.AlarmResponse;
import io.etch.api.etcdserverpb.AlarmType;
import io.etch.storage.Backend;
import io.etch.storage.StorageException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The alarms raised in the cluster, one per member and type, as etcd's alarm store keeps them. Changed
 * only by apply (an alarm is an ordinary Raft entry), so every member holds the same alarms at the
 * same point of the log, and kept in the {@code meta} column family in the apply's write batch, so
 * they survive restarts and travel in checkpoints. Readers get an immutable list that apply replaces.
 */
public final class AlarmStore {
    private static final Logger log = LoggerFactory.getLogger(AlarmStore.class);
    private static final String PREFIX = "alarm/";
    private static final Comparator<AlarmMember> ORDER = Comparator.comparingInt(AlarmMember::getAlarmValue)
            .thenComparing(AlarmMember::getMemberID, Long::compareUnsigned);

    private final Backend backend;
    private volatile List<AlarmMember> current;

    private AlarmStore(Backend backend) {
        this.backend = backend;
        this.current = load(backend);
    }

    public static AlarmStore open(Backend backend) {
        return new AlarmStore(backend);
    }

    /** Loads the alarms again after the backend was replaced with another member's checkpoint. */
    public void restore() {
        current = load(backend);
    }

    private static List<AlarmMember> load(Backend backend) {
        List<AlarmMember> alarms = new ArrayList<>();
        byte[] from = PREFIX.getBytes(UTF_8);
        backend.forEach(Backend.Column.META, from, end(), (k, v) -> {
            try {
                alarms.add(AlarmMember.parseFrom(v));
            } catch (InvalidProtocolBufferException e) {
                throw new StorageException("unreadable alarm record under " + new String(k, UTF_8), e);
            }
            return true;
        });
        alarms.sort(ORDER);
        return List.copyOf(alarms);
    }

    private static byte[] end() {
        byte[] end = PREFIX.getBytes(UTF_8);
        end[end.length - 1]++;
        return end;
    }

    /** Every raised alarm, by type, then member id. */
    public List<AlarmMember> all() {
        return current;
    }

    /** The alarms of one type; every alarm for {@link AlarmType#NONE}, as etcd's Get. */
    public List<AlarmMember> get(AlarmType type) {
        List<AlarmMember> all = current;
        return type == AlarmType.NONE ? all : all.stream().filter(a -> a.getAlarm() == type).toList();
    }

    /** Whether any member raised an alarm of this type. */
    public boolean isRaised(AlarmType type) {
        for (AlarmMember a : current) {
            if (a.getAlarm() == type) {
                return true;
            }
        }
        return false;
    }

    /**
     * Applies an alarm request as etcd does: ACTIVATE records the alarm (unless it is NONE) and answers
     * it, also when it was raised already; DEACTIVATE removes it and answers it, or answers nothing when
     * it was not raised; GET answers the alarms of the type asked for. Changes go into {@code batch}.
     */
    public AlarmResponse apply(WriteBatch batch, AlarmRequest r) {
        AlarmResponse.Builder reply = AlarmResponse.newBuilder();
        AlarmMember alarm = AlarmMember.newBuilder().setMemberID(r.getMemberID()).setAlarm(r.getAlarm()).build();
        switch (r.getAction()) {
            case GET -> reply.addAllAlarms(get(r.getAlarm()));
            case ACTIVATE -> {
                if (r.getAlarm() == AlarmType.NONE || r.getAlarm() == AlarmType.UNRECOGNIZED) {
                    break;
                }
                reply.addAlarms(alarm);
                if (current.contains(alarm)) {
                    break;
                }
                boolean first = !isRaised(r.getAlarm());
                backend.put(batch, Backend.Column.META, key(alarm), alarm.toByteArray());
                List<AlarmMember> next = new ArrayList<>(current);
                next.add(alarm);
                next.sort(ORDER);
                current = List.copyOf(next);
                if (first) {
                    log.warn("alarm raised alarm={} from={}", r.getAlarm(), Long.toHexString(r.getMemberID()));
                }
            }
            case DEACTIVATE -> {
                if (!current.contains(alarm)) {
                    break;
                }
                reply.addAlarms(alarm);
                backend.delete(batch, Backend.Column.META, key(alarm));
                List<AlarmMember> next = new ArrayList<>(current);
                next.remove(alarm);
                current = List.copyOf(next);
                if (!isRaised(r.getAlarm())) {
                    log.warn("alarm disarmed alarm={} from={}", r.getAlarm(), Long.toHexString(r.getMemberID()));
                }
            }
            default -> { }
        }
        return reply.build();
    }

    private static byte[] key(AlarmMember a) {
        return (PREFIX + String.format("%016x/%d", a.getMemberID(), a.getAlarmValue())).getBytes(UTF_8);
    }
}
