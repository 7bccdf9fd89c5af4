package io.exactlyonce.it.containers;

import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.mysql.cj.jdbc.MysqlXADataSource;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.pipeline.connect.VisitCountTable;
import io.exactlyonce.sinks.jdbc.CommitMarkerTable;
import io.exactlyonce.sinks.jdbc.SinkXid;
import io.exactlyonce.testkit.embedded.Infrastructure;
import io.exactlyonce.testkit.embedded.ServiceAddresses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import javax.sql.XAConnection;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.lifecycle.Startable;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * Kafka, MariaDB and the schema registry in containers on one network. This JVM reaches them
 * through mapped ports (the {@link Infrastructure} addresses); the job's tasks through their
 * network aliases ({@link #jobFacing()}). Not started here: {@link #containers()} are started
 * together with the Flink cluster.
 */
final class ContainerServices implements Infrastructure, AutoCloseable {

    static final DockerImageName KAFKA_IMAGE = DockerImageName.parse("eo-kafka:local");
    static final DockerImageName MARIADB_IMAGE = DockerImageName.parse("eo-mariadb:local");
    static final DockerImageName REGISTRY_IMAGE = DockerImageName.parse("eo-schema-registry:local");

    /** Six JVMs starting at once on two cores take their time. */
    static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(3);

    private static final String KAFKA_ALIAS = "kafka";
    private static final int KAFKA_EXTERNAL_PORT = 9092;
    private static final int KAFKA_INTERNAL_PORT = 19092;
    private static final String MARIADB_ALIAS = "mariadb";
    private static final int MARIADB_PORT = 3306;
    private static final String REGISTRY_ALIAS = "schema-registry";
    private static final int REGISTRY_PORT = 8080;
    private static final String REGISTRY_PATH = "/apis/ccompat/v7";

    private final FixedPortContainer kafka;
    private final ContainerLogs logs;
    private final DockerClient docker = DockerClientFactory.instance().client();
    private final FixedPortContainer mariaDb;
    private final GenericContainer<?> registry;
    private final String rootPassword = UUID.randomUUID().toString();

    /** Null for a plaintext broker. */
    private final SaslSslBroker kafkaSecurity;

    /** Null for a database without TLS. */
    private final TestCertificates databaseTls;

    /** Where the job's tasks find the database's CA (a truststore); null without TLS. */
    private String jobFacingDatabaseCa;

    ContainerServices(Network network, ContainerLogs logs) throws IOException {
        this(network, logs, ServiceSecurity.NONE);
    }

    ContainerServices(Network network, ContainerLogs logs, ServiceSecurity security)
            throws IOException {
        this.logs = logs;
        this.kafkaSecurity = security.kafka();
        this.databaseTls = security.database();
        kafka = new FixedPortContainer(KAFKA_IMAGE, KAFKA_EXTERNAL_PORT);
        kafka.withNetwork(network)
                .withNetworkAliases(KAFKA_ALIAS)
                .withEnv(
                        "KAFKA_ADVERTISED_LISTENERS",
                        "EXTERNAL://localhost:"
                                + kafka.hostPort()
                                + ",INTERNAL://"
                                + KAFKA_ALIAS
                                + ":"
                                + KAFKA_INTERNAL_PORT)
                .withLogConsumer(logs.to("kafka"))
                .waitingFor(
                        Wait.forLogMessage(".*Kafka Server started.*", 1)
                                .withStartupTimeout(STARTUP_TIMEOUT));
        if (kafkaSecurity != null) {
            kafkaSecurity.configure(kafka);
        }
        mariaDb =
                new FixedPortContainer(MARIADB_IMAGE, MARIADB_PORT)
                        .withNetwork(network)
                        .withNetworkAliases(MARIADB_ALIAS)
                        .withEnv("MARIADB_ROOT_PASSWORD", rootPassword)
                        .withLogConsumer(logs.to("mariadb"))
                        .waitingFor(Wait.forHealthcheck().withStartupTimeout(STARTUP_TIMEOUT));
        if (databaseTls != null) {
            requireSecureTransport(mariaDb, databaseTls);
        }
        registry =
                new GenericContainer<>(REGISTRY_IMAGE)
                        .withNetwork(network)
                        .withNetworkAliases(REGISTRY_ALIAS)
                        .withExposedPorts(REGISTRY_PORT)
                        .withLogConsumer(logs.to("schema-registry"))
                        .waitingFor(
                                Wait.forHttp(REGISTRY_PATH + "/subjects")
                                        .forPort(REGISTRY_PORT)
                                        .withStartupTimeout(STARTUP_TIMEOUT));
    }

    List<Startable> containers() {
        return List.of(kafka, mariaDb, registry);
    }

    @Override
    public String bootstrapServers() {
        return "localhost:" + kafka.hostPort();
    }

    @Override
    public String registryUrl() {
        return "http://localhost:" + registry.getMappedPort(REGISTRY_PORT) + REGISTRY_PATH;
    }

    @Override
    public String jdbcUrl(String database) {
        return jdbcUrl(
                "localhost:" + mariaDb.hostPort(),
                database,
                databaseTls == null ? null : databaseTls.caTruststore().toString());
    }

    private static final String TLS_DIR = "/etc/mysql/tls";

    /**
     * MariaDB with the test CA's server key, refusing every connection without TLS ({@code
     * require_secure_transport=ON}). The image's health check still works: MariaDB 11.8's client
     * speaks TLS by default.
     */
    private static void requireSecureTransport(GenericContainer<?> mariaDb, TestCertificates tls) {
        mariaDb.withCopyFileToContainer(
                        MountableFile.forHostPath(tls.serverCertificatePem(), 0644),
                        TLS_DIR + "/server.crt")
                .withCopyFileToContainer(
                        MountableFile.forHostPath(tls.serverKeyPem(), 0644),
                        TLS_DIR + "/server.key")
                .withCopyFileToContainer(
                        MountableFile.forHostPath(tls.caPem(), 0644), TLS_DIR + "/ca.pem")
                .withCommand(
                        "mariadbd",
                        "--ssl-cert=" + TLS_DIR + "/server.crt",
                        "--ssl-key=" + TLS_DIR + "/server.key",
                        "--ssl-ca=" + TLS_DIR + "/ca.pem",
                        "--require-secure-transport=ON");
    }

    /** The job's tasks find the database's CA truststore at {@code path}. */
    void databaseCaForTheJob(String path) {
        jobFacingDatabaseCa = path;
    }

    Path databaseCaTruststore() {
        return databaseTls.caTruststore();
    }

    @Override
    public ServiceAddresses jobFacing() {
        return new ServiceAddresses() {
            @Override
            public String bootstrapServers() {
                return KAFKA_ALIAS + ":" + KAFKA_INTERNAL_PORT;
            }

            @Override
            public String registryUrl() {
                return "http://" + REGISTRY_ALIAS + ":" + REGISTRY_PORT + REGISTRY_PATH;
            }

            @Override
            public String jdbcUrl(String database) {
                return ContainerServices.jdbcUrl(
                        MARIADB_ALIAS + ":" + MARIADB_PORT, database, jobFacingDatabaseCa);
            }
        };
    }

    /**
     * @param caTruststore verify the server against this CA; null for no TLS
     */
    private static String jdbcUrl(String hostAndPort, String database, String caTruststore) {
        String url = "jdbc:mysql://" + hostAndPort + "/" + database;
        return caTruststore == null
                ? url + "?useSSL=false"
                : url
                        + "?sslMode=VERIFY_IDENTITY&trustCertificateKeyStoreType=PKCS12"
                        + "&trustCertificateKeyStoreUrl=file:"
                        + caTruststore;
    }

    @Override
    public Map<String, String> kafkaSecurity() {
        return kafkaSecurity == null ? Map.of() : kafkaSecurity.clientSecurity();
    }

    @Override
    public OptionValues jobOptions() {
        try {
            return kafkaSecurity == null ? OptionValues.of() : kafkaSecurity.jobOptions();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String jdbcUser() {
        // Root sees every prepared XA transaction in XA RECOVER, not only its own.
        return "root";
    }

    @Override
    public String jdbcPassword() {
        return rootPassword;
    }

    @Override
    public void createTopic(String name, int partitions, Map<String, String> topicConfig)
            throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(
                            List.of(new NewTopic(name, partitions, (short) 1).configs(topicConfig)))
                    .all()
                    .get();
        }
    }

    @Override
    public void createDatabase(String database) throws Exception {
        try (Connection connection =
                        DriverManager.getConnection(jdbcUrl(""), jdbcUser(), jdbcPassword());
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE `" + database + "`");
            statement.execute("USE `" + database + "`");
            statement.execute(VisitCountTable.CREATE_TABLE);
            statement.execute(CommitMarkerTable.createTable(CommitMarkerTable.DEFAULT_TABLE));
        }
    }

    /** Records in {@code topic} so far: the sum of its partitions' end offsets. */
    long recordsIn(String topic, int partitions) throws Exception {
        try (Admin admin = admin()) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            return admin.listOffsets(latest).all().get().values().stream()
                    .mapToLong(ListOffsetsResultInfo::offset)
                    .sum();
        }
    }

    /** The id the broker's storage was formatted with; it survives a restart with its data. */
    String kafkaClusterId() throws Exception {
        try (Admin admin = admin()) {
            return admin.describeCluster().clusterId().get();
        }
    }

    String mariaDbContainerId() {
        return mariaDb.getContainerId();
    }

    /** Freezes MariaDB (cgroup freezer): connections stay open, nothing is answered. */
    void pauseMariaDb() {
        docker.pauseContainerCmd(mariaDb.getContainerId()).exec();
    }

    void unpauseMariaDb() {
        docker.unpauseContainerCmd(mariaDb.getContainerId()).exec();
    }

    String kafkaContainerId() {
        return kafka.getContainerId();
    }

    Instant kafkaStartedAt() {
        return HardKill.startedAt(docker, kafka.getContainerId());
    }

    /** {@code kill -9} of the broker from outside ({@link HardKill}); the container stays. */
    HardKill.Killed killKafka() {
        return HardKill.kill(docker, KAFKA_ALIAS, kafka.getContainerId());
    }

    /**
     * {@code docker start} of the same, killed broker container: its data volume (log segments, the
     * transaction state log, committed offsets) and its fixed host port are kept, so the advertised
     * addresses stay valid. Returns once the broker answers clients.
     */
    void restartKafka(Duration timeout) {
        HardKill.startAgain(docker, kafka.getContainerId(), KAFKA_ALIAS, logs);
        await("the restarted broker to answer")
                .atMost(timeout)
                .ignoreExceptions()
                .until(
                        () -> {
                            try (Admin admin = admin()) {
                                return !admin.describeCluster(
                                                new DescribeClusterOptions().timeoutMs(5_000))
                                        .nodes()
                                        .get()
                                        .isEmpty();
                            }
                        });
    }

    /** {@code kill -9} of MariaDB from outside ({@link HardKill}); the container stays. */
    HardKill.Killed killMariaDb() {
        return HardKill.kill(docker, MARIADB_ALIAS, mariaDb.getContainerId());
    }

    /**
     * {@code docker start} of the same, killed MariaDB container, with its data (prepared XA
     * transactions included: InnoDB recovers them). Returns once it accepts connections.
     */
    void restartMariaDb(Duration timeout) {
        HardKill.startAgain(docker, mariaDb.getContainerId(), MARIADB_ALIAS, logs);
        await("the restarted database to answer")
                .atMost(timeout)
                .ignoreExceptions()
                .until(
                        () -> {
                            try (Connection connection =
                                            DriverManager.getConnection(
                                                    jdbcUrl(""), jdbcUser(), jdbcPassword());
                                    Statement statement = connection.createStatement()) {
                                return statement.execute("SELECT 1");
                            }
                        });
    }

    /** The XA transactions left prepared whose XIDs the sink of run {@code prefix} made. */
    List<SinkXid> preparedXids(String prefix) throws SQLException {
        MysqlXADataSource dataSource = new MysqlXADataSource();
        dataSource.setUrl(jdbcUrl(""));
        dataSource.setUser(jdbcUser());
        dataSource.setPassword(jdbcPassword());
        XAConnection connection = dataSource.getXAConnection();
        try {
            return Arrays.stream(
                            connection
                                    .getXAResource()
                                    .recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN))
                    .map(SinkXid::parse)
                    .flatMap(Optional::stream)
                    .filter(xid -> xid.prefix().equals(prefix))
                    .toList();
        } catch (XAException e) {
            throw new SQLException("XA RECOVER failed with XA error " + e.errorCode, e);
        } finally {
            connection.close();
        }
    }

    private Admin admin() {
        Properties properties = new Properties();
        properties.putAll(kafkaSecurity());
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return Admin.create(properties);
    }

    @Override
    public void close() {
        registry.stop();
        mariaDb.stop();
        kafka.stop();
    }
}
