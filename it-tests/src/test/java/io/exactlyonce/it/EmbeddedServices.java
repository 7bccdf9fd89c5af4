package io.exactlyonce.it;

import io.exactlyonce.local.EmbeddedKafkaBroker;
import io.exactlyonce.local.EmbeddedMariaDb;
import io.exactlyonce.model.registry.InMemorySchemaRegistry;
import io.exactlyonce.model.registry.SchemaRegistryHttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real services of the in-JVM tier, started once per test JVM and shared: a KRaft Kafka
 * broker and a MariaDB server, each a child process started from Maven Central jars, and the
 * in-memory schema registry behind the Confluent REST API. Every test takes its own topics and
 * database, so tests never see each other's data.
 */
final class EmbeddedServices {

    private static EmbeddedServices instance;
    private static final AtomicInteger NAMES = new AtomicInteger();

    final EmbeddedKafkaBroker kafka;
    final EmbeddedMariaDb mariaDb;
    final SchemaRegistryHttpServer registry;

    private EmbeddedServices(Path workDir) throws IOException {
        kafka = EmbeddedKafkaBroker.builder(workDir.resolve("kafka"))
                .transactionMaxTimeout(Duration.ofMinutes(15))
                .start();
        mariaDb = EmbeddedMariaDb.start(workDir.resolve("mariadb"));
        registry = new SchemaRegistryHttpServer(new InMemorySchemaRegistry()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "embedded-services-stop"));
    }

    static synchronized EmbeddedServices get() {
        if (instance == null) {
            try {
                instance = new EmbeddedServices(Path.of("target", "embedded-services"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    /** A name no other test in this JVM uses, for topics and databases. */
    static String uniqueName(String base) {
        return base + "_" + NAMES.incrementAndGet() + "_" + ProcessHandle.current().pid();
    }

    private void close() {
        registry.close();
        mariaDb.close();
        kafka.close();
    }
}
