package io.exactlyonce.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Inspects the shaded jar that {@code package} built. A Failsafe test because it needs that jar, so
 * it runs after {@code package}; the build passes the jar's path as the system property jobJar.
 */
class JobJarContentsITCase {

    private static JarFile jar;
    private static List<String> entries;

    @BeforeAll
    static void openJar() throws IOException {
        String location = System.getProperty("jobJar");
        assertThat(location).as("system property jobJar").isNotBlank();
        Path path = Path.of(location);
        assertThat(path).as("the shaded job jar; run through mvn verify").isRegularFile();
        System.out.printf("Job jar %s: %,d bytes%n", path.getFileName(), Files.size(path));
        jar = new JarFile(path.toFile());
        entries = jar.stream().map(JarEntry::getName).toList();
    }

    @AfterAll
    static void closeJar() throws IOException {
        jar.close();
    }

    @Test
    void manifestNamesTheJobAsMainClass() throws IOException {
        assertThat(jar.getManifest().getMainAttributes().getValue(Attributes.Name.MAIN_CLASS))
                .isEqualTo("io.exactlyonce.pipeline.VisitCountJob");
    }

    @Test
    void bundlesTheJobItsConnectorsAndTheirClients() {
        assertThat(entries)
                .contains(
                        "io/exactlyonce/pipeline/VisitCountJob.class",
                        "io/exactlyonce/sinks/jdbc/XaJdbcSink.class",
                        "io/exactlyonce/model/serde/ConfluentAvroSerializer.class",
                        "io/exactlyonce/model/avro/UserVisitEvent.class",
                        "org/apache/flink/connector/kafka/source/KafkaSource.class",
                        "org/apache/flink/connector/kafka/sink/KafkaSink.class",
                        "org/apache/flink/connector/base/DeliveryGuarantee.class",
                        "org/apache/flink/formats/avro/typeutils/AvroSerializer.class",
                        "org/apache/kafka/clients/producer/KafkaProducer.class",
                        "org/apache/avro/specific/SpecificRecordBase.class",
                        "com/fasterxml/jackson/databind/ObjectMapper.class",
                        "com/mysql/cj/jdbc/MysqlXADataSource.class");
    }

    @Test
    void leavesOutWhatTheClusterProvides() {
        // Flink itself, Scala and logging load from the cluster's lib/; a copy here would shadow
        // the cluster's classes or split its logging configuration.
        List<String> providedByTheCluster =
                entriesUnder(
                        "org/apache/flink/runtime/",
                        "org/apache/flink/streaming/api/environment/",
                        "org/apache/flink/configuration/",
                        "org/apache/flink/shaded/",
                        "org/slf4j/",
                        "org/apache/logging/log4j/",
                        "scala/");
        assertThat(providedByTheCluster).isEmpty();
    }

    @Test
    void registersTheMySqlDriverAsAService() throws IOException {
        JarEntry services = jar.getJarEntry("META-INF/services/java.sql.Driver");
        assertThat(services).as("META-INF/services/java.sql.Driver").isNotNull();
        try (InputStream in = jar.getInputStream(services)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8).lines())
                    .contains("com.mysql.cj.jdbc.Driver");
        }
    }

    @Test
    void carriesNoSignatureFiles() {
        // A signature copied from one signed dependency would not verify against the merged jar.
        assertThat(entries)
                .filteredOn(name -> name.matches("META-INF/[^/]+\\.(SF|DSA|RSA)"))
                .isEmpty();
    }

    /** The entries under any of the prefixes: on failure, only the offenders get printed. */
    private static List<String> entriesUnder(String... prefixes) {
        return entries.stream()
                .filter(name -> Stream.of(prefixes).anyMatch(name::startsWith))
                .toList();
    }
}
