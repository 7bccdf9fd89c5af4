package io.exactlyonce.local;

/** The services a run of the job needs, and how to prepare a fresh namespace in them. */
public interface Infrastructure {

    String bootstrapServers();

    /** A Confluent-compatible schema registry. */
    String registryUrl();

    String jdbcUrl(String database);

    String jdbcUser();

    String jdbcPassword();

    void createTopic(String name, int partitions) throws Exception;

    /** Creates the database and the {@code visit_counts} table in it. */
    void createDatabase(String database) throws Exception;
}
