package io.etch.api;

import io.etch.auth.AuthInfo;
import io.etch.server.EtchServer;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * What a call says about its caller: the token metadata etcd's clients send ("token", or
 * "authorization" from the JSON gateway) and the common name of a client certificate verified
 * during the TLS handshake. Kept in the call's gRPC context; {@link #who} turns it into the caller.
 */
final class Callers implements ServerInterceptor {

    private static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<Credentials> CREDENTIALS = Context.key("etch-credentials");

    /** {@code token} and {@code commonName} are null when absent. */
    record Credentials(String token, String commonName) {
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String token = headers.get(TOKEN);
        if (token == null) {
            token = headers.get(AUTHORIZATION);
        }
        Credentials c = new Credentials(token, TlsPeers.commonName(call));
        return Contexts.interceptCall(Context.current().withValue(CREDENTIALS, c), call, headers, next);
    }

    /** The caller of the current call (INVALID_AUTH_TOKEN for a token that is not valid). */
    static AuthInfo who(EtchServer server) {
        return who(server, credentials());
    }

    /** For calls that start long work: the caller, or null after ending the call with the error. */
    static AuthInfo whoOrFail(EtchServer server, io.grpc.stub.StreamObserver<?> observer) {
        try {
            return who(server);
        } catch (RuntimeException e) {
            observer.onError(GrpcErrors.toStatus(e));
            return null;
        }
    }

    static AuthInfo who(EtchServer server, Credentials c) {
        return server.identify(c.token(), c.commonName());
    }

    /** What the current call brought; nothing outside a call. */
    static Credentials credentials() {
        Credentials c = CREDENTIALS.get();
        return c == null ? new Credentials(null, null) : c;
    }
}
