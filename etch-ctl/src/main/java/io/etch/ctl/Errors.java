package io.etch.ctl;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Set;

/** How clientv3 turns a gRPC error into the text etcdctl prints. */
final class Errors {
    /** rpctypes' errStringToError: the server errors clientv3 knows and prints by their text alone. */
    private static final Set<String> KNOWN = Set.of(
        "etcdserver: key is not provided", "etcdserver: key not found", "etcdserver: value is provided",
        "etcdserver: lease is provided", "etcdserver: too many operations in txn request",
        "etcdserver: duplicate key given in txn request", "etcdserver: mvcc: required revision has been compacted",
        "etcdserver: mvcc: required revision is a future revision", "etcdserver: mvcc: database space exceeded",
        "etcdserver: requested lease not found", "etcdserver: lease already exists", "etcdserver: too large lease TTL",
        "etcdserver: watch canceled", "etcdserver: member ID already exist", "etcdserver: Peer URLs already exists",
        "etcdserver: re-configuration failed due to not enough started members", "etcdserver: given member URLs are invalid",
        "etcdserver: member not found", "etcdserver: can only promote a learner member",
        "etcdserver: can only promote a learner member which is in sync with leader",
        "etcdserver: too many learner members in cluster", "etcdserver: cluster ID mismatch",
        "etcdserver: request is too large", "etcdserver: too many requests", "etcdserver: root user does not exist",
        "etcdserver: root user does not have root role", "etcdserver: user name already exists",
        "etcdserver: user name is empty", "etcdserver: user name not found", "etcdserver: role name already exists",
        "etcdserver: role name not found", "etcdserver: role name is empty",
        "etcdserver: authentication failed, invalid user ID or password", "etcdserver: permission not given",
        "etcdserver: permission denied", "etcdserver: role is not granted to the user",
        "etcdserver: permission is not granted to the role", "etcdserver: authentication is not enabled",
        "etcdserver: invalid auth token", "etcdserver: invalid auth management", "etcdserver: revision of auth store is old",
        "etcdserver: no leader", "etcdserver: not leader", "etcdserver: leader changed", "etcdserver: not capable",
        "etcdserver: server stopped", "etcdserver: request timed out",
        "etcdserver: request timed out, possibly due to previous leader failure",
        "etcdserver: request timed out, possibly due to connection lost",
        "etcdserver: request timed out, waiting for the applied index took too long", "etcdserver: unhealthy cluster",
        "etcdserver: corrupt cluster", "etcdserver: rpc not supported for learner", "etcdserver: bad leader transferee",
        "etcdserver: cluster version not found during downgrade", "etcdserver: wrong downgrade target version format",
        "etcdserver: invalid downgrade target version", "etcdserver: cluster has a downgrade job in progress",
        "etcdserver: no inflight downgrade job", "etcdserver: request canceled", "etcdserver: context deadline exceeded");

    private Errors() {
    }

    static final String DEADLINE = "context deadline exceeded";

    /** The text etcdctl prints for this error. */
    static String text(Throwable t) {
        if (t instanceof StatusRuntimeException e) {
            Status s = e.getStatus();
            String desc = s.getDescription() == null ? "" : s.getDescription();
            if (KNOWN.contains(desc)) {
                return desc;
            }
            if (s.getCode() == Status.Code.DEADLINE_EXCEEDED && (desc.isEmpty() || desc.equals(DEADLINE) || desc.startsWith("deadline exceeded")
                || desc.startsWith("ClientCall started after") || desc.contains("CallOptions deadline exceeded"))) {
                return DEADLINE;
            }
            if (s.getCode() == Status.Code.CANCELLED && desc.contains("context canceled")) {
                return "context canceled";
            }
            return "rpc error: code = " + goCode(s.getCode()) + " desc = " + desc;
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    static boolean is(Throwable t, String etcdText) {
        return t instanceof StatusRuntimeException e && etcdText.equals(e.getStatus().getDescription());
    }

    /** grpc-go's names of the codes. */
    static String goCode(Status.Code c) {
        return switch (c) {
            case OK -> "OK";
            case CANCELLED -> "Canceled";
            case UNKNOWN -> "Unknown";
            case INVALID_ARGUMENT -> "InvalidArgument";
            case DEADLINE_EXCEEDED -> "DeadlineExceeded";
            case NOT_FOUND -> "NotFound";
            case ALREADY_EXISTS -> "AlreadyExists";
            case PERMISSION_DENIED -> "PermissionDenied";
            case RESOURCE_EXHAUSTED -> "ResourceExhausted";
            case FAILED_PRECONDITION -> "FailedPrecondition";
            case ABORTED -> "Aborted";
            case OUT_OF_RANGE -> "OutOfRange";
            case UNIMPLEMENTED -> "Unimplemented";
            case INTERNAL -> "Internal";
            case UNAVAILABLE -> "Unavailable";
            case DATA_LOSS -> "DataLoss";
            case UNAUTHENTICATED -> "Unauthenticated";
        };
    }
}
