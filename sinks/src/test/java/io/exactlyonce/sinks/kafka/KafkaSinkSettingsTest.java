package io.exactlyonce.sinks.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exactlyonce.sinks.CheckpointTiming;
import io.exactlyonce.sinks.InvalidSinkSettingsException;
import java.time.Duration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

class KafkaSinkSettingsTest {

    private static final CheckpointTiming CHECKPOINTS =
            new CheckpointTiming(
                    Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofSeconds(1));
    private static final Duration RESTART = Duration.ofMinutes(2);

    /** max(5 s, 60 s + 1 s) + 60 s + a 2 min restart. */
    private static final Duration LONGEST_OPEN = Duration.ofSeconds(61 + 60 + 120);

    private static KafkaSinkSettings.Builder valid() {
        return KafkaSinkSettings.builder("counts")
                .bootstrapServers("broker:9092")
                .topic("visit-counts")
                .transactionalIdPrefix("visit-count-counts")
                .transactionTimeout(Duration.ofMinutes(10));
    }

    @Test
    void acceptsSoundSettingsAndPassesTheTimeoutToTheProducer() {
        KafkaSinkSettings settings = valid().build(CHECKPOINTS);

        assertThat(settings.producerProperties())
                .containsEntry(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "600000")
                .containsEntry(ProducerConfig.ACKS_CONFIG, "all");
    }

    @Test
    void refusesATransactionTimeoutJustBelowTwoCheckpointsAPauseAndARestart() {
        Duration justBelow = LONGEST_OPEN.minusMillis(1);

        assertThatThrownBy(
                        () ->
                                valid().transactionTimeout(justBelow)
                                        .restartAllowance(RESTART)
                                        .build(CHECKPOINTS))
                .isInstanceOf(InvalidSinkSettingsException.class)
                .hasMessageContaining("transaction timeout 240999 ms must exceed 241 s")
                .hasMessageContaining(
                        "max(checkpoint interval 5 s, checkpoint timeout 1 min"
                                + " + min pause 1 s) + checkpoint timeout 1 min + restart allowance 2 min");
    }

    @Test
    void refusesATransactionTimeoutEqualToTheLongestOpenTransaction() {
        assertThatThrownBy(
                        () ->
                                valid().transactionTimeout(LONGEST_OPEN)
                                        .restartAllowance(RESTART)
                                        .build(CHECKPOINTS))
                .isInstanceOf(InvalidSinkSettingsException.class);
    }

    @Test
    void acceptsATransactionTimeoutJustAboveTheLongestOpenTransaction() {
        Duration justAbove = LONGEST_OPEN.plusMillis(1);

        KafkaSinkSettings settings =
                valid().transactionTimeout(justAbove).restartAllowance(RESTART).build(CHECKPOINTS);

        assertThat(settings.producerProperties())
                .containsEntry(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "241001");
    }

    @Test
    void waitsForTheIntervalWhenItIsLongerThanTimeoutPlusPause() {
        CheckpointTiming slowCadence =
                new CheckpointTiming(
                        Duration.ofMinutes(3), Duration.ofSeconds(60), Duration.ofSeconds(1));

        assertThat(slowCadence.longestOpenTransaction()).isEqualTo(Duration.ofMinutes(4));
        assertThatThrownBy(
                        () -> valid().transactionTimeout(Duration.ofMinutes(4)).build(slowCadence))
                .isInstanceOf(InvalidSinkSettingsException.class);
    }

    @Test
    void refusesATransactionTimeoutAboveTheBrokersMaximum() {
        assertThatThrownBy(() -> valid().transactionTimeout(Duration.ofHours(1)).build(CHECKPOINTS))
                .isInstanceOf(InvalidSinkSettingsException.class)
                .hasMessageContaining("transaction.max.timeout.ms");
    }

    @Test
    void acceptsALongerTimeoutOnceTheBrokerMaximumIsDeclared() {
        KafkaSinkSettings settings =
                valid().transactionTimeout(Duration.ofHours(1))
                        .brokerMaxTransactionTimeout(Duration.ofHours(2))
                        .build(CHECKPOINTS);

        assertThat(settings.transactionTimeout()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void refusesAMissingTransactionalIdPrefix() {
        assertThatThrownBy(() -> valid().transactionalIdPrefix(" ").build(CHECKPOINTS))
                .isInstanceOf(InvalidSinkSettingsException.class)
                .hasMessageContaining("stable across restarts");
    }

    @Test
    void refusesAPrefixWithCharactersOutsideTheSafeSet() {
        assertThatThrownBy(() -> valid().transactionalIdPrefix("a b").build(CHECKPOINTS))
                .isInstanceOf(InvalidSinkSettingsException.class);
    }

    @Test
    void refusesOverridingTheProducerSettingsTheSinkOwns() {
        assertThatThrownBy(
                        () ->
                                valid().producerProperty(
                                                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false"))
                .isInstanceOf(InvalidSinkSettingsException.class)
                .hasMessageContaining("managed by the sink");
    }

    @Test
    void refusesDeliveryGuaranteeNone() {
        assertThatThrownBy(
                        () -> valid().deliveryGuarantee(DeliveryGuarantee.NONE).build(CHECKPOINTS))
                .isInstanceOf(InvalidSinkSettingsException.class);
    }
}
