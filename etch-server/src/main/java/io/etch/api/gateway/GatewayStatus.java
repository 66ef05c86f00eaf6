package io.etch.api.gateway;

import io.grpc.Status;
import io.netty.handler.codec.http.HttpResponseStatus;

/** How etcd's gateway turns a gRPC status into an HTTP status and an error body. */
final class GatewayStatus {

    private GatewayStatus() {
    }

    static HttpResponseStatus httpStatus(Status.Code code) {
        return switch (code) {
            case OK -> HttpResponseStatus.OK;
            case CANCELLED -> HttpResponseStatus.REQUEST_TIMEOUT;
            case INVALID_ARGUMENT, OUT_OF_RANGE -> HttpResponseStatus.BAD_REQUEST;
            case DEADLINE_EXCEEDED -> HttpResponseStatus.GATEWAY_TIMEOUT;
            case NOT_FOUND -> HttpResponseStatus.NOT_FOUND;
            case ALREADY_EXISTS, ABORTED -> HttpResponseStatus.CONFLICT;
            case PERMISSION_DENIED -> HttpResponseStatus.FORBIDDEN;
            case UNAUTHENTICATED -> HttpResponseStatus.UNAUTHORIZED;
            case RESOURCE_EXHAUSTED -> HttpResponseStatus.TOO_MANY_REQUESTS;
            case FAILED_PRECONDITION -> HttpResponseStatus.PRECONDITION_FAILED;
            case UNIMPLEMENTED -> HttpResponseStatus.NOT_IMPLEMENTED;
            case UNAVAILABLE -> HttpResponseStatus.SERVICE_UNAVAILABLE;
            default -> HttpResponseStatus.INTERNAL_SERVER_ERROR; // UNKNOWN, INTERNAL, DATA_LOSS
        };
    }

    /** The error object of a plain (non-stream) answer: {"error":..,"message":..,"code":..}. */
    static String errorBody(Status.Code code, String message) {
        String m = JsonCodec.quote(message == null ? "" : message);
        return "{\"error\":" + m + ",\"message\":" + m + ",\"code\":" + code.value() + "}";
    }

    /** The error object that ends a stream: {"error":{"grpc_code":..,"http_code":..,"message":..,"http_status":..}}. */
    static String streamErrorBody(Status.Code code, String message) {
        HttpResponseStatus http = httpStatus(code);
        return "{\"error\":{\"grpc_code\":" + code.value() + ",\"http_code\":" + http.code()
                + ",\"message\":" + JsonCodec.quote(message == null ? "" : message)
                + ",\"http_status\":" + JsonCodec.quote(http.reasonPhrase()) + "}}";
    }
}
