package io.exactlyonce.sinks;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TransactionalIdsTest {

    @Test
    void refusesTwoSinksSharingAPrefix() {
        assertThatThrownBy(
                        () ->
                                TransactionalIds.requireDistinct(
                                        Map.of("counts", "visits", "late", "visits")))
                .isInstanceOf(InvalidSinkSettingsException.class)
                .hasMessageContaining("share the transactional id prefix 'visits'");
    }

    @Test
    void acceptsDistinctPrefixes() {
        assertThatCode(
                        () ->
                                TransactionalIds.requireDistinct(
                                        Map.of("counts", "visits-counts", "late", "visits-late")))
                .doesNotThrowAnyException();
    }
}
