package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.apache.flink.api.common.JobID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.MountableFile;

/**
 * The project's Kafka, MariaDB and Flink images started with nothing but the environment variables
 * and commands of the official images (apache/kafka, mariadb, flink), each checked for having taken
 * effect from the outside: Kafka's cluster id, node id, advertised listener and partition default
 * as a client sees them; the MariaDB database, user, secrets read from files and init scripts as a
 * client sees them; Flink's configuration as its REST API reports it, and a job run by {@code
 * standalone-job}. A compose file or manifest written for the official images therefore runs on
 * these.
 */
@Tag("containers")
class OfficialImageVariablesITCase {

    private static final Duration STARTUP = ContainerServices.STARTUP_TIMEOUT;
    private static final Duration WAIT = Duration.ofMinutes(2);

    private static ContainerLogs logs;

    @BeforeAll
    static void requireImages() throws IOException {
        ContainerEnvironment.requireDocker();
        logs = new ContainerLogs(Path.of("target", "container-logs", "official-variables"));
    }

    @AfterAll
    static void closeLogs() {
        if (logs != null) {
            logs.close();
        }
    }

    @Test
    void kafkaBuildsItsServerPropertiesFromApacheKafkaVariables() throws Exception {
        String clusterId = Uuid.randomUuid().toString();
        String topic = "official-variables";
        try (Network network = Network.newNetwork();
                FixedPortContainer kafka =
                        new FixedPortContainer(ContainerServices.KAFKA_IMAGE, 29092)) {
            kafka.withNetwork(network)
                    .withNetworkAliases("broker")
                    .withEnv(
                            Map.ofEntries(
                                    Map.entry("KAFKA_NODE_ID", "7"),
                                    Map.entry("KAFKA_PROCESS_ROLES", "broker,controller"),
                                    Map.entry(
                                            "KAFKA_LISTENERS",
                                            "PLAINTEXT://:9092,CONTROLLER://:9093,PLAINTEXT_HOST://:29092"),
                                    Map.entry(
                                            "KAFKA_ADVERTISED_LISTENERS",
                                            "PLAINTEXT://broker:9092,"
                                                    + "PLAINTEXT_HOST://localhost:"
                                                    + kafka.hostPort()),
                                    Map.entry(
                                            "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
                                            "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT"),
                                    Map.entry("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER"),
                                    Map.entry("KAFKA_CONTROLLER_QUORUM_VOTERS", "7@localhost:9093"),
                                    Map.entry("KAFKA_INTER_BROKER_LISTENER_NAME", "PLAINTEXT"),
                                    Map.entry("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1"),
                                    Map.entry(
                                            "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1"),
                                    Map.entry("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1"),
                                    Map.entry("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0"),
                                    Map.entry("KAFKA_NUM_PARTITIONS", "3"),
                                    Map.entry("CLUSTER_ID", clusterId)))
                    .withLogConsumer(logs.to("kafka"))
                    // The image's healthcheck, on listeners it did not name itself.
                    .waitingFor(Wait.forHealthcheck().withStartupTimeout(STARTUP));
            kafka.start();
            String bootstrap = "localhost:" + kafka.hostPort();

            try (Admin admin =
                    Admin.create(
                            Map.<String, Object>of(
                                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                DescribeClusterResult cluster = admin.describeCluster();
                assertThat(cluster.clusterId().get()).as("CLUSTER_ID").isEqualTo(clusterId);
                assertThat(cluster.nodes().get())
                        .as("KAFKA_NODE_ID and the PLAINTEXT_HOST advertised listener")
                        .extracting(Node::id, Node::host, Node::port)
                        .containsExactly(tuple(7, "localhost", kafka.hostPort()));
                // No partition count given: the broker's num.partitions decides.
                admin.createTopics(List.of(new NewTopic(topic, Optional.empty(), Optional.empty())))
                        .all()
                        .get();
                assertThat(
                                admin.describeTopics(List.of(topic))
                                        .allTopicNames()
                                        .get()
                                        .get(topic)
                                        .partitions())
                        .as("KAFKA_NUM_PARTITIONS")
                        .hasSize(3);
            }

            String value = "round trip " + UUID.randomUUID();
            try (KafkaProducer<String, String> producer =
                    new KafkaProducer<>(
                            Map.<String, Object>of(
                                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                            new StringSerializer(),
                            new StringSerializer())) {
                producer.send(new ProducerRecord<>(topic, "key", value)).get();
            }
            assertThat(consumeValues(bootstrap, topic, 3, 1)).containsExactly(value);

            // The listener for containers on the network, with apache/kafka's tool names.
            Container.ExecResult listing =
                    kafka.execInContainer(
                            "/opt/kafka/bin/kafka-topics.sh",
                            "--bootstrap-server",
                            "broker:9092",
                            "--list");
            assertThat(listing.getStdout().lines()).as(listing.getStderr()).contains(topic);
        }
    }

    @Test
    void mariaDbCreatesDatabaseAndUserFromSecretFilesAndRunsItsInitScripts() throws Exception {
        String rootPassword = "root-" + UUID.randomUUID();
        String appPassword = "app-" + UUID.randomUUID();
        try (GenericContainer<?> mariaDb =
                new GenericContainer<>(ContainerServices.MARIADB_IMAGE)) {
            mariaDb.withExposedPorts(3306)
                    .withCopyToContainer(
                            Transferable.of(rootPassword), "/run/secrets/root-password")
                    .withCopyToContainer(Transferable.of(appPassword), "/run/secrets/app-password")
                    .withEnv("MARIADB_ROOT_PASSWORD_FILE", "/run/secrets/root-password")
                    .withEnv("MARIADB_DATABASE", "official_db")
                    // The MySQL image's name, which the MariaDB image takes too.
                    .withEnv("MYSQL_USER", "app")
                    .withEnv("MARIADB_PASSWORD_FILE", "/run/secrets/app-password")
                    .withCopyToContainer(
                            Transferable.of(
                                    """
                            CREATE TABLE greetings (id INT PRIMARY KEY, origin VARCHAR(64) NOT NULL);
                            INSERT INTO greetings VALUES (1, '10-greetings.sql');
                            """),
                            "/docker-entrypoint-initdb.d/10-greetings.sql")
                    // Not executable: sourced, with the official image's docker_process_sql.
                    .withCopyToContainer(
                            Transferable.of(
                                    """
                            docker_process_sql <<< "INSERT INTO greetings VALUES (2, '20-sourced.sh')"
                            """,
                                    0644),
                            "/docker-entrypoint-initdb.d/20-sourced.sh")
                    // Executable: run, and it sees the root password read from its file.
                    .withCopyToContainer(
                            Transferable.of(
                                    """
                            #!/bin/bash
                            set -e
                            MYSQL_PWD="$MARIADB_ROOT_PASSWORD" mariadb -uroot "$MARIADB_DATABASE" \\
                                <<< "INSERT INTO greetings VALUES (3, '30-executed.sh')"
                            """,
                                    0755),
                            "/docker-entrypoint-initdb.d/30-executed.sh")
                    .withLogConsumer(logs.to("mariadb"))
                    .waitingFor(Wait.forHealthcheck().withStartupTimeout(STARTUP));
            mariaDb.start();
            String server = "jdbc:mysql://localhost:" + mariaDb.getMappedPort(3306) + "/";

            try (Connection app =
                            DriverManager.getConnection(
                                    server + "official_db?useSSL=false", "app", appPassword);
                    Statement statement = app.createStatement()) {
                List<String> origins = new ArrayList<>();
                try (ResultSet rows =
                        statement.executeQuery("SELECT origin FROM greetings ORDER BY id")) {
                    while (rows.next()) {
                        origins.add(rows.getString(1));
                    }
                }
                assertThat(origins)
                        .as("rows the init scripts wrote, in order")
                        .containsExactly("10-greetings.sql", "20-sourced.sh", "30-executed.sh");
                assertThat(column(statement, "SHOW GRANTS"))
                        .as("the user's grant is for MARIADB_DATABASE only ('_' escaped)")
                        .contains("GRANT ALL PRIVILEGES ON `official\\_db`.* TO `app`@`%`");
            }
            try (Connection root =
                            DriverManager.getConnection(
                                    server + "?useSSL=false", "root", rootPassword);
                    Statement statement = root.createStatement()) {
                assertThat(column(statement, "SELECT CURRENT_USER()"))
                        .as("root from another host, with the password from its file")
                        .containsExactly("root@%");
            }
        }
    }

    @Test
    void flinkSessionClusterTakesFlinkPropertiesAndTheOfficialVariables() throws Exception {
        String literal = "literal-" + UUID.randomUUID();
        String substituted = "substituted-" + UUID.randomUUID();
        try (Network network = Network.newNetwork();
                GenericContainer<?> jobManager = flink(network, "flink-jobmanager");
                GenericContainer<?> taskManager = flink(network, "flink-taskmanager")) {
            jobManager
                    .withNetworkAliases("session-jm")
                    .withEnv("JOB_MANAGER_RPC_ADDRESS", "session-jm")
                    .withEnv("PROBE_VALUE", substituted)
                    .withEnv(
                            "FLINK_PROPERTIES",
                            String.join(
                                    "\n",
                                    "eo.probe.literal: " + literal,
                                    "eo.probe.substituted: ${PROBE_VALUE}",
                                    "parallelism.default: 3"))
                    .withCommand("jobmanager");
            // Registers only if JOB_MANAGER_RPC_ADDRESS took: the image's default is "jobmanager".
            taskManager
                    .withEnv("JOB_MANAGER_RPC_ADDRESS", "session-jm")
                    .withEnv("TASK_MANAGER_NUMBER_OF_TASK_SLOTS", "3")
                    .withEnv("FLINK_PROPERTIES", "taskmanager.resource-id: official-variables-tm")
                    .withCommand("taskmanager");
            jobManager.start();
            taskManager.start();
            FlinkRest rest = new FlinkRest("http://localhost:" + jobManager.getMappedPort(8081));

            assertThat(rest.jobManagerConfig())
                    .containsEntry("eo.probe.literal", literal)
                    .containsEntry("eo.probe.substituted", substituted)
                    .containsEntry("parallelism.default", "3")
                    .containsEntry("jobmanager.rpc.address", "session-jm")
                    .containsEntry("web.submit.enable", "false");
            assertThat(rest.status("/jars"))
                    .as("jar upload and run through the web UI, off unless FLINK_PROPERTIES asks")
                    .isEqualTo(404);
            await("the TaskManager to register")
                    .atMost(WAIT)
                    .ignoreExceptions()
                    .until(() -> !rest.taskManagerSlots().isEmpty());
            assertThat(rest.taskManagerSlots())
                    .as(
                            "resource id from FLINK_PROPERTIES, slots"
                                    + " from TASK_MANAGER_NUMBER_OF_TASK_SLOTS")
                    .containsExactly(entry("official-variables-tm", 3));
        }
    }

    @Test
    void flinkStandaloneJobRunsTheJobInUsrlib() throws Exception {
        Path jar = probeJar(Files.createDirectories(Path.of("target", "standalone-job-probe")));
        String jobId = JobID.generate().toHexString();
        String jobName = "standalone-" + UUID.randomUUID();
        try (Network network = Network.newNetwork();
                GenericContainer<?> jobManager = flink(network, "flink-standalone-job");
                GenericContainer<?> taskManager = flink(network, "flink-standalone-taskmanager")) {
            jobManager
                    .withNetworkAliases("application-jm")
                    .withEnv("JOB_MANAGER_RPC_ADDRESS", "application-jm")
                    // Keeps the finished job visible in the REST API.
                    .withEnv("FLINK_PROPERTIES", "execution.shutdown-on-application-finish: false")
                    .withCopyFileToContainer(
                            MountableFile.forHostPath(jar, 0644),
                            "/opt/flink/usrlib/standalone-job-probe.jar")
                    .withCommand(
                            "standalone-job",
                            "--job-classname",
                            StandaloneJobProbe.class.getName(),
                            "--job-id",
                            jobId,
                            jobName);
            taskManager
                    .withEnv("JOB_MANAGER_RPC_ADDRESS", "application-jm")
                    .withEnv("TASK_MANAGER_NUMBER_OF_TASK_SLOTS", "1")
                    .withCommand("taskmanager");
            jobManager.start();
            taskManager.start();
            FlinkRest rest = new FlinkRest("http://localhost:" + jobManager.getMappedPort(8081));

            await("job " + jobId + " to finish")
                    .atMost(WAIT)
                    .ignoreExceptions()
                    .until(() -> rest.state(jobId).equals("FINISHED"));
            assertThat(rest.jobName(jobId)).as("the job's argument").isEqualTo(jobName);
        }
    }

    /** An eo-flink container; command, network alias and environment are the caller's. */
    private static GenericContainer<?> flink(Network network, String name) {
        GenericContainer<?> container =
                new GenericContainer<>(FlinkCluster.IMAGE)
                        .withNetwork(network)
                        .withLogConsumer(logs.to(name));
        if (name.endsWith("taskmanager")) {
            return container.waitingFor(
                    Wait.forLogMessage(".*Successful registration at resource manager.*", 1)
                            .withStartupTimeout(STARTUP));
        }
        return container
                .withExposedPorts(8081)
                .waitingFor(Wait.forHttp("/overview").forPort(8081).withStartupTimeout(STARTUP));
    }

    /** A jar holding {@link StandaloneJobProbe}, the only class it needs besides Flink. */
    private static Path probeJar(Path directory) throws IOException {
        String entry = StandaloneJobProbe.class.getName().replace('.', '/') + ".class";
        Path jar = directory.resolve("standalone-job-probe.jar");
        try (InputStream in = StandaloneJobProbe.class.getClassLoader().getResourceAsStream(entry);
                JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            if (in == null) {
                throw new IllegalStateException(entry + " is not on the test class path");
            }
            out.putNextEntry(new JarEntry(entry));
            in.transferTo(out);
            out.closeEntry();
        }
        return jar;
    }

    private static List<String> consumeValues(
            String bootstrap, String topic, int partitions, int expected)
            throws InterruptedException {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(
                        properties, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> all = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                all.add(new TopicPartition(topic, p));
            }
            consumer.assign(all);
            consumer.seekToBeginning(all);
            // In this thread: a KafkaConsumer is for one thread at a time.
            await(expected + " record(s) in " + topic)
                    .atMost(WAIT)
                    .pollInSameThread()
                    .ignoreExceptions()
                    .until(
                            () -> {
                                for (ConsumerRecord<String, String> record :
                                        consumer.poll(Duration.ofMillis(500))) {
                                    values.add(record.value());
                                }
                                return values.size() >= expected;
                            });
        }
        return values;
    }

    private static List<String> column(Statement statement, String query) throws SQLException {
        List<String> values = new ArrayList<>();
        try (ResultSet rows = statement.executeQuery(query)) {
            while (rows.next()) {
                values.add(rows.getString(1));
            }
        }
        return values;
    }
}
