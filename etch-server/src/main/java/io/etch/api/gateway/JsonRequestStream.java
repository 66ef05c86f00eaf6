package io.etch.api.gateway;

import com.google.protobuf.Message;
import io.grpc.ClientCall;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import java.util.Arrays;

/**
 * The request side of a streaming route: the body is a sequence of JSON values, each one request
 * on the gRPC stream, sent as soon as it is complete. As in etcd's gateway, a first request that
 * cannot be read fails the whole call (500, code 2); a later one ends the sending side and the
 * answers go on; the end of the body ends the sending side.
 */
final class JsonRequestStream {

    private final ChannelHandlerContext ctx;
    private final boolean keepAlive;
    private final GatewayRoutes.Route route;
    private final ClientCall<Message, Message> call;
    private final ChunkedReply reply;
    private StreamObserver<Message> requests;
    private byte[] buf = new byte[256];
    private int start;
    private int limit;
    private boolean done;

    JsonRequestStream(ChannelHandlerContext ctx, boolean keepAlive, GatewayRoutes.Route route, ClientCall<Message, Message> call) {
        this.ctx = ctx;
        this.keepAlive = keepAlive;
        this.route = route;
        this.call = call;
        this.reply = new ChunkedReply(ctx, keepAlive);
    }

    /** More of the body; {@code end} when it is the last of it. */
    void feed(ByteBuf bytes, boolean end) {
        if (done) {
            return;
        }
        append(bytes);
        try {
            while (true) {
                int at = JsonScanner.skipBlanks(buf, start, limit);
                if (at < 0) {
                    start = limit;
                    break;
                }
                int valueEnd = JsonScanner.valueEnd(buf, at, limit, end);
                if (valueEnd < 0) {
                    break;
                }
                Message request = JsonCodec.decode(buf, at, valueEnd, route.requestPrototype());
                start = valueEnd;
                send(request);
            }
        } catch (JsonScanner.SyntaxError | JsonCodec.BadRequest e) {
            refuse(e.getMessage());
            return;
        }
        if (end) {
            finishSending();
        }
    }

    void cancel() {
        reply.cancel();
    }

    private void send(Message request) {
        if (requests == null) {
            requests = ClientCalls.asyncBidiStreamingCall(call, reply);
        }
        requests.onNext(request);
    }

    private void refuse(String message) {
        if (requests == null) {
            done = true;
            HttpReplies.json(ctx, keepAlive, GatewayStatus.httpStatus(Status.Code.UNKNOWN),
                    GatewayStatus.errorBody(Status.Code.UNKNOWN, message), false);
            return;
        }
        finishSending();
    }

    private void finishSending() {
        done = true;
        buf = null;
        if (requests == null) {
            requests = ClientCalls.asyncBidiStreamingCall(call, reply);
        }
        requests.onCompleted();
    }

    private void append(ByteBuf bytes) {
        int n = bytes.readableBytes();
        if (start > 0 && start == limit) {
            start = 0;
            limit = 0;
        }
        if (limit + n > buf.length) {
            if (start > 0) {
                System.arraycopy(buf, start, buf, 0, limit - start);
                limit -= start;
                start = 0;
            }
            if (limit + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, limit + n));
            }
        }
        bytes.getBytes(bytes.readerIndex(), buf, limit, n);
        limit += n;
    }
}
