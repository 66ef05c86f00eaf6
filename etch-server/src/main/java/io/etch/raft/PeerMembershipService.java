package io.etch.raft;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.ratis.thirdparty.io.grpc.CallOptions;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.MethodDescriptor;
import org.apache.ratis.thirdparty.io.grpc.ServerServiceDefinition;
import org.apache.ratis.thirdparty.io.grpc.netty.NegotiationType;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyChannelBuilder;
import org.apache.ratis.thirdparty.io.grpc.stub.ClientCalls;
import org.apache.ratis.thirdparty.io.grpc.stub.ServerCalls;

/**
 * etcd's {@code /members} on the peer port: a member that joins a running cluster
 * ({@code --initial-cluster-state existing}) asks the members it was told of for the membership,
 * to learn the cluster id and its own member id (the one {@code member add} gave its peer URLs).
 * Served next to Ratis' services on Ratis' gRPC server, so it takes the peer port's TLS.
 * The payload is an {@code etchraftpb.ClusterMembers}, carried as bytes.
 */
final class PeerMembershipService {
    private static final String SERVICE = "etchraftpb.PeerMembership";

    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private static final MethodDescriptor<byte[], byte[]> MEMBERS = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Members"))
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();

    private PeerMembershipService() {
    }

    static ServerServiceDefinition definition(Supplier<byte[]> membership) {
        return ServerServiceDefinition.builder(SERVICE)
                .addMethod(MEMBERS, ServerCalls.asyncUnaryCall((request, observer) -> {
                    observer.onNext(membership.get());
                    observer.onCompleted();
                }))
                .build();
    }

    /** Asks the member at {@code hostPort} for its membership; throws when it does not answer in time. */
    static byte[] fetch(String hostPort, PeerTls tls, long timeoutMs) {
        NettyChannelBuilder b = NettyChannelBuilder.forTarget(hostPort);
        if (tls != null) {
            b.useTransportSecurity().sslContext(tls.forClient);
        } else {
            b.negotiationType(NegotiationType.PLAINTEXT);
        }
        ManagedChannel channel = b.build();
        try {
            return ClientCalls.blockingUnaryCall(channel, MEMBERS,
                    CallOptions.DEFAULT.withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS), new byte[0]);
        } finally {
            channel.shutdownNow();
        }
    }
}
