package io.exactlyonce.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;

class WindowResultsTest {

    /** Window ending at 10,000: user 0 visited twice, user 1 never, user 2 once. */
    private static final Map<Long, int[]> WRITTEN = Map.of(10_000L, new int[] {2, 0, 1});

    private final WindowResults results = new WindowResults("reader");

    @Test
    void exactlyTheUsersThatVisitedWithTheirCountsPass() {
        results.add(10_000, "u0", 2, 1);
        results.add(10_000, "u2", 1, 1);
        results.add(20_000, "u1", 7, 1); // a window not measured

        assertThat(results.problems(WRITTEN)).isEmpty();
    }

    @Test
    void theRightNumberOfRowsWithTheWrongUsersFails() {
        results.add(10_000, "u0", 2, 1);
        results.add(10_000, "u1", 1, 1);

        assertThat(results.problems(WRITTEN))
                .singleElement(InstanceOfAssertFactories.STRING)
                .contains("1 rows missing, 1 extra");
    }

    @Test
    void aWrongCountFails() {
        results.add(10_000, "u0", 3, 1);
        results.add(10_000, "u2", 1, 1);

        assertThat(results.problems(WRITTEN))
                .singleElement(InstanceOfAssertFactories.STRING)
                .contains("1 with a wrong count")
                .contains("u0 @10000: 3, written 2");
    }

    @Test
    void aRowReceivedTwiceOrWrittenTwiceFails() {
        results.add(10_000, "u0", 2, 1);
        results.add(10_000, "u0", 2, 1);
        results.add(10_000, "u2", 1, 2);

        assertThat(results.problems(WRITTEN))
                .singleElement(InstanceOfAssertFactories.STRING)
                .contains("2 written more than once");
    }
}
