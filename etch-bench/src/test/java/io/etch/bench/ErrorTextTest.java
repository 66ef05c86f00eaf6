package io.etch.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

class ErrorTextTest {
    @Test
    void goNamesOfGrpcCodes() {
        assertThat(ErrorText.goCodeName(Status.Code.UNAVAILABLE)).isEqualTo("Unavailable");
        assertThat(ErrorText.goCodeName(Status.Code.DEADLINE_EXCEEDED)).isEqualTo("DeadlineExceeded");
        assertThat(ErrorText.goCodeName(Status.Code.CANCELLED)).isEqualTo("Canceled");
        assertThat(ErrorText.goCodeName(Status.Code.RESOURCE_EXHAUSTED)).isEqualTo("ResourceExhausted");
    }

    @Test
    void etcdErrorsByTheirTextOthersAsGoGrpcPrintsThem() {
        assertThat(ErrorText.of(Status.UNAVAILABLE.withDescription("etcdserver: leader changed").asRuntimeException()))
            .isEqualTo("etcdserver: leader changed");
        assertThat(ErrorText.of(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded after 2s").asRuntimeException()))
            .isEqualTo("rpc error: code = DeadlineExceeded desc = deadline exceeded after 2s");
        assertThat(ErrorText.of(new ErrorText.BenchException("etcdserver: requested lease not found")))
            .isEqualTo("etcdserver: requested lease not found");
    }
}
