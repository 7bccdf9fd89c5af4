package io.exactlyonce.testkit.embedded;

import java.util.Map;

/** Where the services of a run answer, as seen from one side: this JVM, or the job's tasks. */
public interface ServiceAddresses {

    String bootstrapServers();

    /** A Confluent-compatible schema registry. */
    String registryUrl();

    String jdbcUrl(String database);

    /**
     * Kafka client security settings ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}) of
     * a client on this side; none for a plaintext broker.
     */
    default Map<String, String> kafkaSecurity() {
        return Map.of();
    }
}
