package io.etch.api;

import io.etch.errors.EtcdError;
import io.etch.errors.EtchException;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place where failures become the gRPC status a client sees. */
final class GrpcErrors {

    private static final Logger log = LoggerFactory.getLogger(GrpcErrors.class);

    private GrpcErrors() {
    }

    static StatusRuntimeException toStatus(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof EtchException e) {
            return e.error().status().asRuntimeException();
        }
        if (cause instanceof StatusRuntimeException s) {
            return s;
        }
        if (cause instanceof java.util.concurrent.CancellationException) {
            return io.grpc.Status.CANCELLED.withDescription(cause.getMessage()).asRuntimeException();
        }
        log.error("unexpected failure serving a request", cause);
        return EtcdError.INTERNAL.status().asRuntimeException();
    }

    /** A status as Go's status.Error prints it ("rpc error: code = PermissionDenied desc = ..."), as etcd puts it in texts. */
    static String goText(EtcdError error) {
        StringBuilder code = new StringBuilder();
        for (String part : error.code().name().split("_")) {
            code.append(part.charAt(0)).append(part.substring(1).toLowerCase(java.util.Locale.ROOT));
        }
        return "rpc error: code = " + code + " desc = " + error.message();
    }

    /** Runs a call that returns a future and sends its single result or error to the client. */
    static <T> void reply(StreamObserver<T> observer, Supplier<CompletableFuture<T>> call) {
        CompletableFuture<T> future;
        try {
            future = call.get();
        } catch (RuntimeException e) {
            observer.onError(toStatus(e));
            return;
        }
        future.whenComplete((result, error) -> {
            if (error != null) {
                observer.onError(toStatus(error));
            } else {
                observer.onNext(result);
                observer.onCompleted();
            }
        });
    }

    /** Sends a long-running call's single result or error, unless the client went away meanwhile. */
    static <T> void replyUnlessCancelled(ServerCallStreamObserver<T> call, CompletableFuture<T> result) {
        result.whenComplete((r, error) -> {
            if (call.isCancelled()) {
                return;
            }
            if (error == null) {
                call.onNext(r);
                call.onCompleted();
            } else {
                call.onError(toStatus(error));
            }
        });
    }
}
