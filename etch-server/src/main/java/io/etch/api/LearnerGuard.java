package io.etch.api;

import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.errors.EtcdError;
import io.etch.server.EtchServer;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * What etcd's learners refuse ({@code etcdserver: rpc not supported for learner}): everything but
 * Status, serializable Range and the Snapshot stream.
 */
final class LearnerGuard implements ServerInterceptor {

    private final EtchServer server;

    LearnerGuard(EtchServer server) {
        this.server = server;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        if (!server.isLearner()) {
            return next.startCall(call, headers);
        }
        String method = call.getMethodDescriptor().getFullMethodName();
        if (method.equals("etcdserverpb.Maintenance/Status") || method.equals("etcdserverpb.Maintenance/Snapshot")) {
            return next.startCall(call, headers);
        }
        if (!method.equals("etcdserverpb.KV/Range")) {
            call.close(EtcdError.NOT_SUPPORTED_FOR_LEARNER.status(), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        // Serializable ranges only: decided once the request is read.
        ServerCall.Listener<Q> delegate = next.startCall(call, headers);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
            private boolean refused;

            @Override
            public void onMessage(Q message) {
                if (message instanceof RangeRequest r && !r.getSerializable()) {
                    refused = true;
                    call.close(EtcdError.NOT_SUPPORTED_FOR_LEARNER.status(), new Metadata());
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
}
