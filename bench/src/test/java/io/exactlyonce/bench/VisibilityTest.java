package io.exactlyonce.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VisibilityTest {

    private final Visibility visibility = new Visibility("reader", 5_000);

    @Test
    void aDelayIsCountedFromTheWindowsEndPlusTheOutOfOrderness() {
        visibility.seen(10_000, 2, 15_700);
        visibility.seen(20_000, 1, 26_000);

        assertThat(visibility.delays(Set.of(10_000L))).containsExactly(700, 700);
        assertThat(visibility.delays(Set.of(10_000L, 20_000L))).containsExactly(700, 700, 1_000);
    }

    @Test
    void missingAndDuplicatedRowsAreMismatches() throws InterruptedException {
        visibility.seen(10_000, 3, 15_100);
        visibility.seen(20_000, 1, 25_100);
        Map<Long, Integer> expected = Map.of(10_000L, 2, 20_000L, 2);

        assertThat(visibility.awaitRows(expected, System.currentTimeMillis() + 50, () -> true))
                .isFalse();
        assertThat(visibility.awaitRows(expected, Long.MAX_VALUE, () -> false)).isFalse();
        assertThat(visibility.mismatch(expected))
                .contains("window ending 10000 has 3 rows, expected 2")
                .contains("window ending 20000 has 1 rows, expected 2");
        assertThat(visibility.mismatch(Map.of(10_000L, 3, 20_000L, 1))).isEmpty();
    }

    @Test
    void percentilesPickTheRankAtOrAboveTheShare() {
        long[] sorted = {100, 200, 300, 400};

        assertThat(LatencyBench.percentile(sorted, 0.5)).isEqualTo(200);
        assertThat(LatencyBench.percentile(sorted, 0.99)).isEqualTo(400);
        assertThat(LatencyBench.percentile(new long[0], 0.5)).isEqualTo(-1);
    }
}
