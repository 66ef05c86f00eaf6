package io.etch.bench;

import io.grpc.Status;

/**
 * Error messages as etcd's tool prints them in the error distribution: etcd's own errors (whose
 * description starts with {@code etcdserver:}) by their text, as etcd's client turns them into
 * plain errors; any other gRPC error as Go's gRPC prints it, {@code rpc error: code = Unavailable
 * desc = ...}.
 */
final class ErrorText {
    private ErrorText() {
    }

    /** An error of the benchmark itself (not a gRPC status), printed by its message alone. */
    static final class BenchException extends RuntimeException {
        BenchException(String message) {
            super(message, null, false, false);
        }
    }

    static String of(Throwable t) {
        if (t instanceof BenchException) {
            return t.getMessage();
        }
        Status s = Status.fromThrowable(t);
        String desc = s.getDescription();
        if (desc == null && s.getCause() != null) {
            desc = s.getCause().toString();
        }
        if (desc != null && desc.startsWith("etcdserver: ")) {
            return desc;
        }
        return "rpc error: code = " + goCodeName(s.getCode()) + " desc = " + (desc == null ? "" : desc);
    }

    /** Go's name of a gRPC code: {@code DEADLINE_EXCEEDED} is {@code DeadlineExceeded}, {@code CANCELLED} is {@code Canceled}. */
    static String goCodeName(Status.Code code) {
        if (code == Status.Code.CANCELLED) {
            return "Canceled";
        }
        StringBuilder s = new StringBuilder();
        for (String part : code.name().split("_")) {
            s.append(part.charAt(0)).append(part.substring(1).toLowerCase(java.util.Locale.ROOT));
        }
        return s.toString();
    }
}
