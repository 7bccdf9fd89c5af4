package io.exactlyonce.testkit.embedded;

import io.exactlyonce.model.registry.InMemorySchemaRegistry;
import io.exactlyonce.model.registry.SchemaRegistryHttpServer;
import io.exactlyonce.pipeline.connect.VisitCountTable;
import io.exactlyonce.sinks.jdbc.CommitMarkerTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Everything the job needs, on this machine with nothing but a JDK: a KRaft Kafka broker and a
 * MariaDB server, each a child process started from Maven Central jars, and the in-memory schema
 * registry (a stand-in, named as such) behind the Confluent REST API.
 */
public final class EmbeddedInfrastructure implements Infrastructure, AutoCloseable {

    private final EmbeddedKafkaBroker kafka;
    private final EmbeddedMariaDb mariaDb;
    private final SchemaRegistryHttpServer registry;

    private EmbeddedInfrastructure(
            EmbeddedKafkaBroker kafka, EmbeddedMariaDb mariaDb, SchemaRegistryHttpServer registry) {
        this.kafka = kafka;
        this.mariaDb = mariaDb;
        this.registry = registry;
    }

    public static EmbeddedInfrastructure start(Path workDir) throws IOException {
        // Builds point java.io.tmpdir into target/ (see EmbeddedMariaDb); it may not exist yet.
        Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start(workDir.resolve("kafka"));
        try {
            EmbeddedMariaDb mariaDb = EmbeddedMariaDb.start(workDir.resolve("mariadb"));
            return new EmbeddedInfrastructure(
                    kafka,
                    mariaDb,
                    new SchemaRegistryHttpServer(new InMemorySchemaRegistry()).start());
        } catch (IOException | RuntimeException e) {
            kafka.close();
            throw e;
        }
    }

    public EmbeddedKafkaBroker kafka() {
        return kafka;
    }

    public EmbeddedMariaDb mariaDb() {
        return mariaDb;
    }

    @Override
    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    @Override
    public String registryUrl() {
        return registry.url();
    }

    @Override
    public String jdbcUrl(String database) {
        return mariaDb.jdbcUrl(database);
    }

    @Override
    public String jdbcUser() {
        return "root";
    }

    @Override
    public String jdbcPassword() {
        return "";
    }

    @Override
    public void createTopic(String name, int partitions, Map<String, String> topicConfig) {
        kafka.createTopic(name, partitions, topicConfig);
    }

    @Override
    public void createDatabase(String database) throws Exception {
        createDatabase(database, VisitCountTable.CREATE_TABLE);
    }

    /**
     * Creates the database, the XA sink's commit marker table and a job's own tables in it.
     *
     * @param createTables the job's {@code CREATE TABLE} statements
     */
    public void createDatabase(String database, String... createTables) throws Exception {
        mariaDb.createDatabase(database);
        for (String createTable : createTables) {
            mariaDb.execute(database, createTable);
        }
        mariaDb.execute(database, CommitMarkerTable.createTable(CommitMarkerTable.DEFAULT_TABLE));
    }

    @Override
    public void close() {
        registry.close();
        mariaDb.close();
        kafka.close();
    }
}
