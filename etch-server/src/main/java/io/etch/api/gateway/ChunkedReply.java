package io.etch.api.gateway;

import com.google.protobuf.Message;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;

/**
 * Forwards a gRPC response stream as etcd's gateway does: a chunked answer, one
 * {"result":...} line per response, flushed at once. A stream that fails before its first response
 * gets a plain error answer; one that fails later ends with a {"error":{...}} object. The next
 * response is asked of the service only once the previous one was written, so a slow HTTP client
 * slows its stream down instead of filling memory.
 */
final class ChunkedReply implements ClientResponseObserver<Message, Message> {

    private final ChannelHandlerContext ctx;
    private final boolean keepAlive;
    private volatile ClientCallStreamObserver<Message> call;
    private boolean headerSent;

    ChunkedReply(ChannelHandlerContext ctx, boolean keepAlive) {
        this.ctx = ctx;
        this.keepAlive = keepAlive;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<Message> requestStream) {
        this.call = requestStream;
        requestStream.disableAutoRequestWithInitial(1);
    }

    /** The HTTP client went away: end the call so the service lets go of its stream. */
    void cancel() {
        ClientCallStreamObserver<Message> c = call;
        if (c != null) {
            c.cancel("HTTP client closed the connection", null);
        }
    }

    @Override
    public synchronized void onNext(Message response) {
        sendHeader();
        String line = "{\"result\":" + JsonCodec.encode(response) + "}\n";
        ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(line, StandardCharsets.UTF_8)))
                .addListener(f -> {
                    if (f.isSuccess()) {
                        call.request(1);
                    } else {
                        cancel();
                    }
                });
    }

    @Override
    public synchronized void onError(Throwable error) {
        Status status = Status.fromThrowable(error);
        if (status.getCode() == Status.Code.CANCELLED && !ctx.channel().isActive()) {
            return; // we canceled it: nobody is listening
        }
        if (!headerSent) {
            HttpReplies.json(ctx, keepAlive, GatewayStatus.httpStatus(status.getCode()),
                    GatewayStatus.errorBody(status.getCode(), status.getDescription()), false);
            headerSent = true;
            return;
        }
        String body = GatewayStatus.streamErrorBody(status.getCode(), status.getDescription());
        ctx.write(new DefaultHttpContent(Unpooled.copiedBuffer(body, StandardCharsets.UTF_8)));
        end();
    }

    @Override
    public synchronized void onCompleted() {
        sendHeader();
        end();
    }

    private void sendHeader() {
        if (headerSent) {
            return;
        }
        headerSent = true;
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpReplies.JSON);
        response.headers().set(HttpReplies.GRPC_METADATA_CONTENT_TYPE, "application/grpc");
        response.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        HttpReplies.keepAliveHeaders(response, keepAlive);
        ctx.write(response);
    }

    private void end() {
        if (keepAlive) {
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        } else {
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
