package io.etch.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.etch.api.etcdserverpb.RangeRequest;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The request shapes of the commands, as etcd's tool makes them. */
class CommandsTest {
    @Test
    void txnPutWalksTheKeySpaceTxnOpsAtATime() {
        assertThat(TxnPutCommand.keyNumbers(0, 3, 10)).containsExactly(0, 1, 2);
        assertThat(TxnPutCommand.keyNumbers(3, 3, 10)).containsExactly(9, 0, 1);
        assertThat(TxnPutCommand.keyNumbers(7, 1, 1)).containsExactly(0);
    }

    @Test
    void txnMixedReadsWithProbabilityRatioOverOnePlusRatio() {
        boolean[] r = TxnMixedCommand.reads(100_000, 3, new Random(42));
        int reads = 0;
        for (boolean b : r) {
            reads += b ? 1 : 0;
        }
        assertThat(reads / 100_000.0).isCloseTo(0.75, within(0.01));
        boolean[] none = TxnMixedCommand.reads(1000, 0, new Random(1));
        for (boolean b : none) {
            assertThat(b).isFalse();
        }
    }

    @Test
    void txnMixedReadsTheWholeKeySpaceUnlessGivenAnEnd() {
        RangeRequest all = TxnMixedCommand.readRequest("", 1000, false);
        assertThat(all.getKey().toByteArray()).containsExactly(0);
        assertThat(all.getRangeEnd().toByteArray()).containsExactly(0);
        assertThat(all.getLimit()).isEqualTo(1000);
        assertThat(all.getSerializable()).isFalse();
        RangeRequest upTo = TxnMixedCommand.readRequest("m", 5, true);
        assertThat(upTo.getRangeEnd().toStringUtf8()).isEqualTo("m");
        assertThat(upTo.getSerializable()).isTrue();
    }

    @Test
    void keySizeMustHoldTheLargestKeyNumber() {
        assertThat(Keys.checkKeySize(8, 1_000_000)).isNull();
        assertThat(Keys.checkKeySize(2, 100_000)).contains("needs 3 bytes");
    }

    @Test
    void cpuTicksFromProcStat() {
        // pid (comm with spaces) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
        String stat = "4242 (java main) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 30 0";
        assertThat(CpuClock.parseProcStatCpuTicks(stat)).isEqualTo(325);
    }
}
