package io.exactlyonce.testkit.embedded;

/** Where the services of a run answer, as seen from one side: this JVM, or the job's tasks. */
public interface ServiceAddresses {

    String bootstrapServers();

    /** A Confluent-compatible schema registry. */
    String registryUrl();

    String jdbcUrl(String database);
}
