package io.etch.api;

import io.etch.api.etcdserverpb.CompactionRequest;
import io.etch.api.etcdserverpb.CompactionResponse;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.DeleteRangeResponse;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.PutResponse;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.etcdserverpb.RangeStreamResponse;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.TxnResponse;
import io.etch.auth.AuthInfo;
import io.etch.server.EtchServer;
import io.etch.server.StreamedRange;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/** etcd's KV service: a thin adapter over {@link EtchServer}. */
final class KvService extends KVGrpc.KVImplBase {

    private final EtchServer server;
    /** Where RangeStreams read and send. */
    private final Executor executor;

    KvService(EtchServer server, Executor executor) {
        this.server = server;
        this.executor = executor;
    }

    @Override
    public void range(RangeRequest request, StreamObserver<RangeResponse> observer) {
        GrpcErrors.reply(observer, () -> server.range(Callers.who(server), request));
    }

    /**
     * etcd 3.7's streamed Range. Like etcd's, it has no JSON gateway route: the gateway maps unary
     * calls and watch, and etcd keeps this one gRPC-only.
     */
    @Override
    public void rangeStream(RangeRequest request, StreamObserver<RangeStreamResponse> observer) {
        ServerCallStreamObserver<RangeStreamResponse> call = (ServerCallStreamObserver<RangeStreamResponse>) observer;
        RangeStreamSender sender = new RangeStreamSender(call, executor, server.metrics());
        CompletableFuture<StreamedRange> range;
        try {
            AuthInfo who = Callers.who(server);
            range = server.rangeStream(who, request);
        } catch (RuntimeException e) {
            range = CompletableFuture.failedFuture(e);
        }
        sender.start(range);
    }

    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> observer) {
        GrpcErrors.reply(observer, () -> server.put(Callers.who(server), request));
    }

    @Override
    public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> observer) {
        GrpcErrors.reply(observer, () -> server.deleteRange(Callers.who(server), request));
    }

    @Override
    public void txn(TxnRequest request, StreamObserver<TxnResponse> observer) {
        GrpcErrors.reply(observer, () -> server.txn(Callers.who(server), request));
    }

    @Override
    public void compact(CompactionRequest request, StreamObserver<CompactionResponse> observer) {
        GrpcErrors.reply(observer, () -> server.compact(Callers.who(server), request));
    }
}
