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
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.TxnResponse;
import io.etch.server.EtchServer;
import io.grpc.stub.StreamObserver;

/** etcd's KV service: a thin adapter over {@link EtchServer}. */
final class KvService extends KVGrpc.KVImplBase {

    private final EtchServer server;

    KvService(EtchServer server) {
        this.server = server;
    }

    @Override
    public void range(RangeRequest request, StreamObserver<RangeResponse> observer) {
        GrpcErrors.reply(observer, () -> server.range(Callers.who(server), request));
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
