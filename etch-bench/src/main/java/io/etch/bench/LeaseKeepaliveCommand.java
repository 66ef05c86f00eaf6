package io.etch.bench;

import io.etch.api.etcdserverpb.LeaseGrantRequest;
import io.etch.api.etcdserverpb.LeaseGrpc;
import io.etch.api.etcdserverpb.LeaseKeepAliveRequest;
import io.etch.api.etcdserverpb.LeaseKeepAliveResponse;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code lease-keepalive}: as etcd's tool, every client first grants itself a lease with a TTL of
 * 100 s, then sends {@code --total} keep-alives between them, each as etcd's client does a single
 * keep-alive ({@code KeepAliveOnce}): open a LeaseKeepAlive stream, send one request, wait for its
 * response, cancel the stream. A response with TTL 0 (lease gone) counts as an error.
 */
@Command(name = "lease-keepalive", mixinStandardHelpOptions = true, description = "Benchmark lease keepalive")
final class LeaseKeepaliveCommand implements Callable<Integer> {
    static final long LEASE_TTL_SECONDS = 100;

    @ParentCommand
    BenchMain main;

    @Option(names = "--total", defaultValue = "10000",
        description = "Total number of lease keepalive requests (default: ${DEFAULT-VALUE})")
    int total;

    @Override
    public Integer call() throws Exception {
        if (total < 0) {
            System.err.println("expected non-negative --total");
            return 1;
        }
        BenchSettings settings = main.settings();
        LoadRunner.Results results = new LoadRunner(settings, System.err).run(total, null, (channel, client) -> {
            long id = LeaseGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(LEASE_TTL_SECONDS).build()).getID();
            LeaseGrpc.LeaseStub stub = LeaseGrpc.newStub(channel);
            LeaseKeepAliveRequest req = LeaseKeepAliveRequest.newBuilder().setID(id).build();
            return (index, done) -> {
                StreamObserver<LeaseKeepAliveRequest> requests = stub.leaseKeepAlive(new KeepAliveOnce(done));
                try {
                    requests.onNext(req);
                } catch (IllegalStateException e) {
                    // The call already ended; its observer has reported it.
                }
            };
        });
        Report report = results.report(settings);
        System.out.print(report);
        System.out.print(results.cpuLine());
        if (settings.resultLine()) {
            System.out.println(report.resultLine("lease-keepalive", results.cpuNanos, results.wallNanos));
        }
        return 0;
    }

    /** One keep-alive on a stream of its own; reports the first response (or error), then cancels the stream. */
    private static final class KeepAliveOnce implements ClientResponseObserver<LeaseKeepAliveRequest, LeaseKeepAliveResponse> {
        private final StreamObserver<Object> done;
        private ClientCallStreamObserver<LeaseKeepAliveRequest> call;
        private boolean reported;

        KeepAliveOnce(StreamObserver<Object> done) {
            this.done = done;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<LeaseKeepAliveRequest> requestStream) {
            this.call = requestStream;
        }

        @Override
        public void onNext(LeaseKeepAliveResponse r) {
            if (reported) {
                return;
            }
            reported = true;
            call.cancel("keep-alive answered", null);
            if (r.getTTL() <= 0) {
                done.onError(new ErrorText.BenchException("etcdserver: requested lease not found"));
            } else {
                done.onCompleted();
            }
        }

        @Override
        public void onError(Throwable t) {
            if (!reported) {
                reported = true;
                done.onError(t);
            }
        }

        @Override
        public void onCompleted() {
            if (!reported) {
                reported = true;
                done.onError(new ErrorText.BenchException("keep-alive stream ended without a response"));
            }
        }
    }
}
