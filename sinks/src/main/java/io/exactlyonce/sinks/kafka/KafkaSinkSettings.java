package io.exactlyonce.sinks.kafka;

import io.exactlyonce.sinks.CheckpointTiming;
import io.exactlyonce.sinks.InvalidSinkSettingsException;
import io.exactlyonce.sinks.TransactionalIds;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.util.TimeUtils;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Where and how a transactional Kafka sink writes. {@link Builder#build(CheckpointTiming)} refuses
 * the combinations that silently lose or duplicate data.
 */
public final class KafkaSinkSettings implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Kafka's default {@code transaction.max.timeout.ms}: the broker refuses longer timeouts. */
    public static final Duration KAFKA_DEFAULT_MAX_TRANSACTION_TIMEOUT = Duration.ofMinutes(15);

    /** Producer settings the sink owns; overriding them would break the transaction protocol. */
    private static final Set<String> RESERVED_PRODUCER_SETTINGS =
            Set.of(
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                    ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                    ProducerConfig.ACKS_CONFIG,
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG);

    private final String name;
    private final String bootstrapServers;
    private final String topic;
    private final DeliveryGuarantee deliveryGuarantee;
    private final String transactionalIdPrefix;
    private final Duration transactionTimeout;
    private final Properties producerProperties;

    private KafkaSinkSettings(Builder builder) {
        this.name = builder.name;
        this.bootstrapServers = builder.bootstrapServers;
        this.topic = builder.topic;
        this.deliveryGuarantee = builder.deliveryGuarantee;
        this.transactionalIdPrefix = builder.transactionalIdPrefix;
        this.transactionTimeout = builder.transactionTimeout;
        this.producerProperties = new Properties();
        this.producerProperties.putAll(builder.producerProperties);
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public String topic() {
        return topic;
    }

    public DeliveryGuarantee deliveryGuarantee() {
        return deliveryGuarantee;
    }

    public String transactionalIdPrefix() {
        return transactionalIdPrefix;
    }

    public Duration transactionTimeout() {
        return transactionTimeout;
    }

    /** A copy of the producer properties the sink is built with, its own settings included. */
    public Properties producerProperties() {
        Properties properties = new Properties();
        properties.putAll(producerProperties);
        properties.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        properties.setProperty(
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                Long.toString(transactionTimeout.toMillis()));
        return properties;
    }

    /** Settings built from the same values are equal. */
    @Override
    public boolean equals(Object other) {
        return other instanceof KafkaSinkSettings that
                && Objects.equals(name, that.name)
                && Objects.equals(bootstrapServers, that.bootstrapServers)
                && Objects.equals(topic, that.topic)
                && deliveryGuarantee == that.deliveryGuarantee
                && Objects.equals(transactionalIdPrefix, that.transactionalIdPrefix)
                && Objects.equals(transactionTimeout, that.transactionTimeout)
                && Objects.equals(producerProperties, that.producerProperties);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                name,
                bootstrapServers,
                topic,
                deliveryGuarantee,
                transactionalIdPrefix,
                transactionTimeout,
                producerProperties);
    }

    @Override
    public String toString() {
        return "KafkaSinkSettings{name="
                + name
                + ", topic="
                + topic
                + ", guarantee="
                + deliveryGuarantee
                + ", transactionalIdPrefix="
                + transactionalIdPrefix
                + ", transactionTimeout="
                + transactionTimeout
                + '}';
    }

    /** Builds validated settings. */
    public static final class Builder {
        private final String name;
        private String bootstrapServers;
        private String topic;
        private DeliveryGuarantee deliveryGuarantee = DeliveryGuarantee.EXACTLY_ONCE;
        private String transactionalIdPrefix;
        private Duration transactionTimeout = KAFKA_DEFAULT_MAX_TRANSACTION_TIMEOUT;
        private Duration brokerMaxTransactionTimeout = KAFKA_DEFAULT_MAX_TRANSACTION_TIMEOUT;
        private Duration restartAllowance = Duration.ZERO;
        private final Properties producerProperties = new Properties();

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        public Builder bootstrapServers(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
            return this;
        }

        public Builder topic(String topic) {
            this.topic = topic;
            return this;
        }

        public Builder deliveryGuarantee(DeliveryGuarantee deliveryGuarantee) {
            this.deliveryGuarantee = Objects.requireNonNull(deliveryGuarantee);
            return this;
        }

        public Builder transactionalIdPrefix(String transactionalIdPrefix) {
            this.transactionalIdPrefix = transactionalIdPrefix;
            return this;
        }

        /** How long the broker keeps an open transaction before aborting it. */
        public Builder transactionTimeout(Duration transactionTimeout) {
            this.transactionTimeout = Objects.requireNonNull(transactionTimeout);
            return this;
        }

        /** The broker's {@code transaction.max.timeout.ms}, if it was raised above the default. */
        public Builder brokerMaxTransactionTimeout(Duration brokerMaxTransactionTimeout) {
            this.brokerMaxTransactionTimeout = Objects.requireNonNull(brokerMaxTransactionTimeout);
            return this;
        }

        /**
         * The longest a restart takes from the failure to the restored job committing again: the
         * restart strategy's longest delay plus the time to redeploy and restore. A failure right
         * after a checkpoint completed leaves its transactions to the restored job.
         */
        public Builder restartAllowance(Duration restartAllowance) {
            this.restartAllowance = Objects.requireNonNull(restartAllowance);
            return this;
        }

        /** Extra producer settings (security, compression, ...); not the transactional ones. */
        public Builder producerProperty(String key, String value) {
            if (RESERVED_PRODUCER_SETTINGS.contains(key)) {
                throw new InvalidSinkSettingsException(
                        name
                                + ": producer setting '"
                                + key
                                + "' is managed by the sink; use the dedicated setting instead.");
            }
            producerProperties.setProperty(key, value);
            return this;
        }

        public KafkaSinkSettings build(CheckpointTiming checkpoints) {
            require(bootstrapServers, "bootstrap servers");
            require(topic, "topic");
            if (deliveryGuarantee == DeliveryGuarantee.EXACTLY_ONCE) {
                TransactionalIds.requireValidKafkaPrefix(name, transactionalIdPrefix);
                Duration needed = checkpoints.longestOpenTransaction().plus(restartAllowance);
                if (transactionTimeout.compareTo(needed) <= 0) {
                    throw new InvalidSinkSettingsException(
                            String.format(
                                    "%s: transaction timeout %s must exceed %s, the longest a"
                                            + " transaction stays open: max(checkpoint interval"
                                            + " %s, checkpoint timeout %s + min pause %s) +"
                                            + " checkpoint timeout %s + restart allowance %s."
                                            + " If the broker aborts a transaction before the"
                                            + " checkpoint after it commits it, committed output"
                                            + " is lost. Raise the transaction timeout, or lower"
                                            + " the checkpoint timeout, min pause or restart"
                                            + " backoff.",
                                    name,
                                    format(transactionTimeout),
                                    format(needed),
                                    format(checkpoints.interval()),
                                    format(checkpoints.timeout()),
                                    format(checkpoints.minPause()),
                                    format(checkpoints.timeout()),
                                    format(restartAllowance)));
                }
                if (transactionTimeout.compareTo(brokerMaxTransactionTimeout) > 0) {
                    throw new InvalidSinkSettingsException(
                            String.format(
                                    "%s: transaction timeout %s exceeds the broker's"
                                            + " transaction.max.timeout.ms (%s); the producer would"
                                            + " fail at start. Lower the timeout, or raise"
                                            + " transaction.max.timeout.ms on the brokers and"
                                            + " declare it here.",
                                    name, transactionTimeout, brokerMaxTransactionTimeout));
                }
            } else if (deliveryGuarantee == DeliveryGuarantee.NONE) {
                throw new InvalidSinkSettingsException(
                        name + ": delivery guarantee NONE may lose data; use EXACTLY_ONCE.");
            }
            return new KafkaSinkSettings(this);
        }

        private static String format(Duration duration) {
            return TimeUtils.formatWithHighestUnit(duration);
        }

        private void require(String value, String what) {
            if (value == null || value.isBlank()) {
                throw new InvalidSinkSettingsException(name + ": " + what + " must be set.");
            }
        }
    }
}
