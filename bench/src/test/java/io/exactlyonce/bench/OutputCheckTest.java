package io.exactlyonce.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OutputCheckTest {

    private static final long START = 600_000;
    private static final long WINDOW = 60_000;

    /** Two users, two windows: u0 has 2 visits in window 0 and 1 in window 1, u1 one in 1. */
    private static Oracle oracle() {
        Oracle oracle = new Oracle(new Scenario("t", 4, 2, 2), START, WINDOW);
        oracle.addVisit(0, "u0", START + 1);
        oracle.addVisit(0, "u0", START + 2);
        oracle.addVisit(0, "u0", START + WINDOW + 5);
        oracle.addVisit(1, "u1", START + WINDOW + 7);
        return oracle;
    }

    private static OutputCheck check() {
        return new OutputCheck(oracle(), "output");
    }

    @Test
    void acceptsOneCorrectResultPerUserAndWindowAndIgnoresFlushUsers() {
        OutputCheck check = check();
        check.add("u0", START, START + WINDOW, 2);
        check.add("u0", START + WINDOW, START + 2 * WINDOW, 1);
        check.add("u1", START + WINDOW, START + 2 * WINDOW, 1);
        check.add(Oracle.FLUSH_USER_PREFIX + "0", START + 9 * WINDOW, START + 10 * WINDOW, 1);

        assertThat(check.finish()).isEmpty();
    }

    @Test
    void catchesADuplicateResult() {
        OutputCheck check = check();
        check.add("u0", START, START + WINDOW, 2);
        check.add("u0", START, START + WINDOW, 2);
        check.add("u0", START + WINDOW, START + 2 * WINDOW, 1);
        check.add("u1", START + WINDOW, START + 2 * WINDOW, 1);

        assertThat(check.finish())
                .anyMatch(p -> p.contains("second result for u0 window 0"))
                .anyMatch(p -> p.contains("counts sum to 6"));
    }

    @Test
    void catchesAWrongCountAndAMissingResult() {
        OutputCheck check = check();
        check.add("u0", START, START + WINDOW, 3);
        check.add("u0", START + WINDOW, START + 2 * WINDOW, 1);

        assertThat(check.finish())
                .anyMatch(p -> p.contains("u0 window 0: count 3, input holds 2"))
                .anyMatch(p -> p.contains("1 of 3 (user, window) results missing"));
    }

    @Test
    void catchesAResultForAWindowTheInputDoesNotHave() {
        OutputCheck check = check();
        check.add("u0", START + WINDOW / 2, START + WINDOW / 2 + WINDOW, 2);

        assertThat(check.finish()).anyMatch(p -> p.contains("unexpected result u0"));
    }
}
