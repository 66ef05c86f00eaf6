package io.etch.api;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.InputStream;

/**
 * A request that is not valid protobuf gets grpc-go's answer, as etcd sends it: INTERNAL "grpc: error
 * unmarshalling request: ...". grpc-java would close such a call with UNKNOWN "Application error
 * processing RPC", because it parses the request inside the application's listener. Here the
 * request marshaller hands over null instead of throwing, with the reason kept for the listener
 * (parse and delivery run one after the other on the same thread), and the listener ends the call.
 */
final class UnmarshalErrors {
    private static final ThreadLocal<String> LAST_ERROR = new ThreadLocal<>();

    private UnmarshalErrors() {
    }

    static ServerServiceDefinition wrap(ServerServiceDefinition service) {
        ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(service.getServiceDescriptor().getName());
        for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
            add(b, m);
        }
        return b.build();
    }

    private static <Q, R> void add(ServerServiceDefinition.Builder b, ServerMethodDefinition<Q, R> m) {
        MethodDescriptor<Q, R> method = m.getMethodDescriptor().toBuilder()
                .setRequestMarshaller(lenient(m.getMethodDescriptor().getRequestMarshaller())).build();
        ServerCallHandler<Q, R> inner = m.getServerCallHandler();
        b.addMethod(ServerMethodDefinition.create(method, (call, headers) -> refuseUnparsed(call, headers, inner)));
    }

    private static <Q> MethodDescriptor.Marshaller<Q> lenient(MethodDescriptor.Marshaller<Q> real) {
        return new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(Q value) {
                return real.stream(value);
            }

            @Override
            public Q parse(InputStream stream) {
                try {
                    return real.parse(stream);
                } catch (RuntimeException e) {
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    LAST_ERROR.set(cause.getMessage() == null ? cause.toString() : cause.getMessage());
                    return null;
                }
            }
        };
    }

    private static <Q, R> ServerCall.Listener<Q> refuseUnparsed(ServerCall<Q, R> call, Metadata headers,
                                                              ServerCallHandler<Q, R> inner) {
        ServerCall.Listener<Q> delegate = inner.startCall(call, headers);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
            private boolean refused;

            @Override
            public void onMessage(Q message) {
                if (refused) {
                    return;
                }
                if (message == null) {
                    refused = true;
                    String reason = LAST_ERROR.get();
                    LAST_ERROR.remove();
                    call.close(Status.INTERNAL.withDescription("grpc: error unmarshalling request: " + reason), new Metadata());
                    return;
                }
                super.onMessage(message);
            }

            @Override
            public void onHalfClose() {
                if (!refused) {
                    super.onHalfClose();
                }
            }
        };
    }

    /** The services with this handling, then the given interceptors. */
    static ServerServiceDefinition intercept(ServerServiceDefinition service, io.grpc.ServerInterceptor... interceptors) {
        return ServerInterceptors.intercept(wrap(service), interceptors);
    }
}
