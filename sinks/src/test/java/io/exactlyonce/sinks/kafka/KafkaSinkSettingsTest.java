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
            new CheckpointTiming(Duration.ofSeconds(5), Duration.ofSeconds(60));

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
    void refusesATransactionTimeoutThatACheckpointCanOutlast() {
        assertThatThrownBy(() -> valid().transactionTimeout(Duration.ofSeconds(65)).build(CHECKPOINTS))
                .isInstanceOf(InvalidSinkSettingsException.class)
                .hasMessageContaining("must exceed checkpoint interval + checkpoint timeout");
    }

    @Test
    void refusesATransactionTimeoutAboveTheBrokersMaximum() {
        assertThatThrownBy(() -> valid().transactionTimeout(Duration.ofHours(1)).build(CHECKPOINTS))
                .isInstanceOf(InvalidSinkSettingsException.class)
                .hasMessageContaining("transaction.max.timeout.ms");
    }

    @Test
    void acceptsALongerTimeoutOnceTheBrokerMaximumIsDeclared() {
        KafkaSinkSettings settings = valid()
                .transactionTimeout(Duration.ofHours(1))
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
        assertThatThrownBy(() -> valid().producerProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false"))
                .isInstanceOf(InvalidSinkSettingsException.class)
                .hasMessageContaining("managed by the sink");
    }

    @Test
    void refusesDeliveryGuaranteeNone() {
        assertThatThrownBy(() -> valid().deliveryGuarantee(DeliveryGuarantee.NONE).build(CHECKPOINTS))
                .isInstanceOf(InvalidSinkSettingsException.class);
    }
}
