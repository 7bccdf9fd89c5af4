package io.exactlyonce.sinks.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;

/**
 * The broker's view of a transactional id ({@code Admin.describeTransactions}), through an admin
 * client with the sink's own connection settings. Needs only what the producer already has: {@code
 * DESCRIBE} on the transactional id is implied by {@code WRITE}.
 */
final class BrokerTransactionStates implements OutcomeReportingKafkaCommitter.TransactionStates {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final KafkaSinkSettings settings;
    private Admin admin;

    BrokerTransactionStates(KafkaSinkSettings settings) {
        this.settings = settings;
    }

    @Override
    public String stateOf(String transactionalId) throws Exception {
        try {
            TransactionDescription description =
                    admin().describeTransactions(List.of(transactionalId))
                            .description(transactionalId)
                            .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return description.state().name();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TransactionalIdNotFoundException) {
                return NOT_FOUND;
            }
            throw e;
        }
    }

    private Admin admin() {
        if (admin == null) {
            Properties properties = new Properties();
            // The producer's security and network settings; producer-only keys would be warned
            // about.
            settings.producerProperties()
                    .forEach(
                            (key, value) -> {
                                if (AdminClientConfig.configNames().contains((String) key)) {
                                    properties.put(key, value);
                                }
                            });
            properties.setProperty(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
            admin = Admin.create(properties);
        }
        return admin;
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close(TIMEOUT);
            admin = null;
        }
    }
}
