package io.exactlyonce.sinks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The cleanup horizon: below it a missing commit marker tells nothing. */
class CommitMarkerTableTest {

    private static final int RETENTION = 100;

    @Test
    void aMarkerAtOrBelowTheNewestMinusTheRetentionMayBeGone() {
        assertThat(CommitMarkerTable.mayHaveBeenCleanedUp(400, OptionalLong.of(500), RETENTION))
                .as("the transaction of 500 deleted markers up to 400")
                .isTrue();
        assertThat(CommitMarkerTable.mayHaveBeenCleanedUp(10, OptionalLong.of(500), RETENTION))
                .isTrue();
    }

    @Test
    void aMarkerAboveTheHorizonIsNeverDeleted() {
        assertThat(CommitMarkerTable.mayHaveBeenCleanedUp(401, OptionalLong.of(500), RETENTION))
                .isFalse();
        assertThat(CommitMarkerTable.mayHaveBeenCleanedUp(500, OptionalLong.of(500), RETENTION))
                .isFalse();
    }

    @Test
    void withoutAnyMarkerNothingWasCleanedUp() {
        assertThat(CommitMarkerTable.mayHaveBeenCleanedUp(1, OptionalLong.empty(), RETENTION))
                .isFalse();
    }
}
