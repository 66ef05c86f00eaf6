package io.etch.api;

import com.google.protobuf.MessageLite;
import io.etch.metrics.EtchMetrics;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Counts every RPC as etcd does (it uses go-grpc-prometheus): started, handled by status code,
 * messages received and sent, by type, service and method; the bytes of client messages; and with
 * {@code --metrics extensive} the handling time.
 */
final class GrpcMetricsInterceptor implements ServerInterceptor {

    /** One method's labels and its counters that need no status code. */
    private record MethodCounters(String type, String service, String method, CounterDataPoint started,
                                  CounterDataPoint received, CounterDataPoint sent, CounterDataPoint handledOk) {
    }

    private final EtchMetrics metrics;
    private final Map<String, MethodCounters> methods = new ConcurrentHashMap<>();

    GrpcMetricsInterceptor(EtchMetrics metrics) {
        this.metrics = metrics;
    }

    /** Every method and status code starts at zero, as go-grpc-prometheus initializes them. */
    void initialize(List<ServerServiceDefinition> services) {
        for (ServerServiceDefinition service : services) {
            for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
                MethodCounters c = countersOf(m.getMethodDescriptor());
                for (Status.Code code : Status.Code.values()) {
                    metrics.grpcHandled.labelValues(c.type(), c.service(), c.method(), goName(code));
                }
            }
        }
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        MethodCounters c = countersOf(call.getMethodDescriptor());
        c.started().inc();
        long start = System.nanoTime();
        AtomicBoolean handled = new AtomicBoolean();
        ServerCall<ReqT, RespT> counted = new SimpleForwardingServerCall<>(call) {
            @Override
            public void sendMessage(RespT message) {
                c.sent().inc();
                if (message instanceof MessageLite m) {
                    metrics.clientSentBytes.inc(m.getSerializedSize());
                }
                super.sendMessage(message);
            }

            @Override
            public void close(Status status, Metadata trailers) {
                done(c, status.getCode(), start, handled);
                super.close(status, trailers);
            }
        };
        ServerCall.Listener<ReqT> listener = next.startCall(counted, headers);
        return new SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onMessage(ReqT message) {
                c.received().inc();
                if (message instanceof MessageLite m) {
                    metrics.clientReceivedBytes.inc(m.getSerializedSize());
                }
                super.onMessage(message);
            }

            @Override
            public void onCancel() {
                // The client went away before an answer: the call ends as cancelled.
                done(c, Status.Code.CANCELLED, start, handled);
                super.onCancel();
            }
        };
    }

    private void done(MethodCounters c, Status.Code code, long start, AtomicBoolean handled) {
        if (!handled.compareAndSet(false, true)) {
            return;
        }
        (code == Status.Code.OK ? c.handledOk()
                : metrics.grpcHandled.labelValues(c.type(), c.service(), c.method(), goName(code))).inc();
        if (c.type().equals("unary")) {
            metrics.unaryDuration.observe((System.nanoTime() - start) / 1e9);
        }
        if (metrics.grpcHandling != null) {
            metrics.grpcHandling.labelValues(c.type(), c.service(), c.method())
                    .observe((System.nanoTime() - start) / 1e9);
        }
    }

    private MethodCounters countersOf(MethodDescriptor<?, ?> m) {
        return methods.computeIfAbsent(m.getFullMethodName(), name -> {
            String type = switch (m.getType()) {
                case UNARY -> "unary";
                case CLIENT_STREAMING -> "client_stream";
                case SERVER_STREAMING -> "server_stream";
                case BIDI_STREAMING -> "bidi_stream";
                case UNKNOWN -> "unknown";
            };
            String service = m.getServiceName();
            String method = m.getBareMethodName();
            return new MethodCounters(type, service, method,
                    metrics.grpcStarted.labelValues(type, service, method),
                    metrics.grpcReceived.labelValues(type, service, method),
                    metrics.grpcSent.labelValues(type, service, method),
                    metrics.grpcHandled.labelValues(type, service, method, goName(Status.Code.OK)));
        });
    }

    /** Status codes as Go's grpc spells them in the grpc_code label. */
    static String goName(Status.Code code) {
        return switch (code) {
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
