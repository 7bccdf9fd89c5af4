package io.exactlyonce.it.containers;

import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import io.exactlyonce.pipeline.config.JobOptions;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.pipeline.connect.VisitCountTable;
import io.exactlyonce.testkit.embedded.Infrastructure;
import io.exactlyonce.testkit.embedded.ServiceAddresses;
import io.exactlyonce.testkit.run.ClusterJobRunner;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.ConfigOption;
import org.testcontainers.DockerClientFactory;

/**
 * The local cluster of {@code deploy/compose/compose.yaml}, run the way its README tells a user to:
 * {@code docker-compose up -d}, topics made with {@code kafka-topics} in the broker's container,
 * the job submitted with {@code deploy/cluster/submit-job.sh} in the JobManager's. Its own project
 * name, free host ports and its own job config directory keep it apart from any other cluster on
 * the machine.
 *
 * <p>This JVM reaches the services through the published ports; the job reaches them through the
 * addresses in the compose directory's {@code config/job.properties}, which are thereby tested too.
 * The cluster has one database, {@code visits}, made at the first start from {@code
 * deploy/cluster/sql/mariadb.sql} together with a job user that may touch nothing but its table. So
 * every run writes there, and this JVM reads back as that user.
 */
final class ComposeCluster implements Infrastructure, AutoCloseable {

    /** Every service of the compose file; each has a healthcheck. */
    static final List<String> SERVICES =
            List.of(
                    "kafka",
                    "mariadb",
                    "schema-registry",
                    "zookeeper",
                    "jobmanager",
                    "taskmanager-1",
                    "taskmanager-2");

    private static final Path COMPOSE_DIRECTORY = Path.of("..", "deploy", "compose");
    private static final String INSTALL_HINT =
            "install docker-compose 1.29 or newer"
                    + " (Debian 12: apt-get install -y docker-compose)";

    /** Image start-up plus healthcheck intervals, on two busy cores. */
    private static final Duration UP_TIMEOUT = Duration.ofMinutes(5);

    private static final Duration HEALTHY_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(2);

    /** submit-job.sh starts two CLI JVMs (flink list, flink run): a minute on two busy cores. */
    private static final Duration SUBMIT_TIMEOUT = Duration.ofMinutes(4);

    private static final Duration DOWN_TIMEOUT = Duration.ofMinutes(2);
    private static final String SUBMIT_SCRIPT = "/opt/visit-count/deploy/cluster/submit-job.sh";
    private static final String CONFIG_IN_CONTAINER = "/opt/visit-count/config/job.properties";
    private static final String SAVEPOINTS = "file:///opt/flink/data/savepoints";
    private static final String REGISTRY_PATH = "/apis/ccompat/v7";

    private final String project;
    private final Path composeFile;
    private final Path workDirectory;
    private final Path configDirectory;
    private final Path emptyEnvFile;
    private final Path logDirectory;
    private final Properties jobProperties;
    private final Map<String, String> variables;
    private final String jdbcPassword = password();
    private final int flinkPort;
    private final int kafkaPort;
    private final int mariaDbPort;
    private final int registryPort;
    private Duration startup;

    private ComposeCluster(String project) throws IOException {
        this.project = project;
        composeFile = COMPOSE_DIRECTORY.resolve("compose.yaml").toAbsolutePath().normalize();
        if (!Files.isRegularFile(composeFile)) {
            throw new IllegalStateException("no compose file at " + composeFile);
        }
        workDirectory =
                Files.createDirectories(Path.of("target", "compose", project)).toAbsolutePath();
        configDirectory = Files.createDirectories(workDirectory.resolve("config"));
        // docker-compose 1.29 refuses --env-file /dev/null ("is not a file").
        emptyEnvFile = Files.writeString(workDirectory.resolve("empty.env"), "");
        logDirectory = Path.of("target", "container-logs", project).toAbsolutePath();
        flinkPort = FixedPortContainer.freePort();
        kafkaPort = FixedPortContainer.freePort();
        mariaDbPort = FixedPortContainer.freePort();
        registryPort = FixedPortContainer.freePort();
        jobProperties = new Properties();
        try (InputStream in =
                Files.newInputStream(
                        COMPOSE_DIRECTORY.resolve("config").resolve("job.properties"))) {
            jobProperties.load(in);
        }
        // Every variable the compose file reads, so none comes from the caller's environment.
        variables =
                Map.of(
                        "VISIT_COUNT_JDBC_PASSWORD_FILE", passwordFile().toString(),
                        "VISIT_COUNT_DATABASE_TLS_DIR", databaseTlsDirectory().toString(),
                        "VISIT_COUNT_CONFIG_DIR", configDirectory.toString(),
                        "EO_BIND_ADDRESS", "127.0.0.1",
                        "EO_FLINK_PORT", Integer.toString(flinkPort),
                        "EO_KAFKA_HOST", "localhost",
                        "EO_KAFKA_PORT", Integer.toString(kafkaPort),
                        "EO_MARIADB_PORT", Integer.toString(mariaDbPort),
                        "EO_REGISTRY_PORT", Integer.toString(registryPort));
    }

    /**
     * Brings the cluster up and returns once every service is healthy. Fails, never skips, when
     * docker-compose, the Docker engine, an image or the job jar is missing.
     */
    static ComposeCluster up(String project) throws Exception {
        ComposeCluster cluster = new ComposeCluster(project);
        cluster.requireDockerCompose();
        // README step 1: the database's TLS files, made by the script a user runs.
        cluster.run(
                "make-database-tls.sh",
                List.of(
                        "bash",
                        COMPOSE_DIRECTORY.resolve("make-database-tls.sh").toString(),
                        cluster.databaseTlsDirectory().toString()),
                COMMAND_TIMEOUT);
        ContainerEnvironment.requireDocker();
        // The jar the compose file mounts from deploy/job-jar.
        ContainerEnvironment.jobJar();
        long begin = System.nanoTime();
        try {
            // Returns once the services the cluster depends on are healthy and all containers
            // started (the compose file's depends_on conditions).
            cluster.compose(UP_TIMEOUT, "up", "-d");
            cluster.awaitHealthy();
        } catch (Exception | Error e) {
            try {
                cluster.close();
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        cluster.startup = Duration.ofNanos(System.nanoTime() - begin);
        return cluster;
    }

    /** From {@code docker-compose up} to every service healthy. */
    Duration startup() {
        return startup;
    }

    FlinkRest rest() {
        return new FlinkRest("http://localhost:" + flinkPort);
    }

    /** The id of the service's container. */
    String containerId(String service) {
        return containers().stream()
                .filter(c -> service.equals(c.getLabels().get("com.docker.compose.service")))
                .map(Container::getId)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no container of " + service));
    }

    /** {@code docker-compose start SERVICE}: starts its stopped container again. */
    void start(String service) throws Exception {
        compose(COMMAND_TIMEOUT, "start", service);
    }

    /**
     * {@code kill -9} of the service's main process, the child of the container's init (tini), as a
     * crash or the kernel's OOM killer would end it. Unlike {@code docker kill}, which Docker
     * counts as an operator's stop, this leaves the container to its restart policy.
     */
    void killMainProcess(String service) throws Exception {
        try {
            compose(
                    COMMAND_TIMEOUT,
                    "exec",
                    "-T",
                    service,
                    "sh",
                    "-c",
                    "kill -KILL \"$(cat /proc/1/task/1/children)\"");
        } catch (IllegalStateException e) {
            // The exec'd shell dies with the container when it is faster than its own exit;
            // whether the kill struck, the caller tells from the container's restart.
            FaultScenario.say(project, "kill in " + service + ": " + e.getMessage().strip());
        }
    }

    /** How often Docker restarted the service's container by its restart policy. */
    int restartCount(String service) {
        return DockerClientFactory.instance()
                .client()
                .inspectContainerCmd(containerId(service))
                .exec()
                .getRestartCount();
    }

    /**
     * Submits with {@code submit-job.sh} in the JobManager container, as the README does, and stops
     * with the {@code flink} command line there.
     */
    ClusterJobRunner jobRunner() {
        return new ClusterJobRunner(
                (args, timeout) -> {
                    List<String> command =
                            new ArrayList<>(List.of("exec", "-T", "jobmanager", "flink"));
                    command.addAll(args);
                    return compose(timeout, command.toArray(String[]::new));
                },
                this::submitWithScript,
                SAVEPOINTS);
    }

    private String submitWithScript(OptionValues options, String savepoint) throws Exception {
        writeJobProperties(options);
        List<String> command =
                new ArrayList<>(
                        List.of(
                                "exec",
                                "-T",
                                "jobmanager",
                                SUBMIT_SCRIPT,
                                "--config",
                                CONFIG_IN_CONTAINER,
                                "-p",
                                Integer.toString(options.get(JobOptions.PARALLELISM))));
        if (savepoint != null) {
            command.addAll(List.of("-s", savepoint));
        }
        return compose(SUBMIT_TIMEOUT, command.toArray(String[]::new));
    }

    @Override
    public String bootstrapServers() {
        return "localhost:" + kafkaPort;
    }

    @Override
    public String registryUrl() {
        return "http://localhost:" + registryPort + REGISTRY_PATH;
    }

    /** The cluster's one database, whatever the run is called (see the class comment). */
    @Override
    public String jdbcUrl(String database) {
        URI job = URI.create(jobProperty(JobOptions.JDBC_URL).substring("jdbc:".length()));
        return "jdbc:mysql://localhost:"
                + mariaDbPort
                + job.getRawPath()
                + (job.getRawQuery() == null ? "" : "?" + onThisHost(job.getRawQuery()));
    }

    /**
     * The job's URL options, with its truststore (a secret mounted into the Flink containers)
     * replaced by the same file here. The certificate names localhost too.
     */
    private String onThisHost(String query) {
        return query.replaceAll(
                "trustCertificateKeyStoreUrl=file:[^&]*",
                "trustCertificateKeyStoreUrl=file:"
                        + databaseTlsDirectory().resolve("ca-truststore.p12"));
    }

    /** The URL to the cluster's database without TLS, which the server must refuse. */
    String plaintextJdbcUrl(String database) {
        return "jdbc:mysql://localhost:" + mariaDbPort + "/" + database + "?sslMode=DISABLED";
    }

    @Override
    public ServiceAddresses jobFacing() {
        return new ServiceAddresses() {
            @Override
            public String bootstrapServers() {
                return jobProperty(JobOptions.BOOTSTRAP_SERVERS);
            }

            @Override
            public String registryUrl() {
                return jobProperty(JobOptions.SCHEMA_REGISTRY_URL);
            }

            @Override
            public String jdbcUrl(String database) {
                return jobProperty(JobOptions.JDBC_URL);
            }
        };
    }

    @Override
    public String jdbcUser() {
        return jobProperty(JobOptions.JDBC_USER);
    }

    @Override
    public String jdbcPassword() {
        return jdbcPassword;
    }

    /** With {@code kafka-topics} in the broker's container, as the README does. */
    @Override
    public void createTopic(String name, int partitions, Map<String, String> topicConfig)
            throws Exception {
        List<String> command =
                new ArrayList<>(
                        List.of(
                                "exec",
                                "-T",
                                "kafka",
                                "kafka-topics",
                                "--bootstrap-server",
                                "localhost:19092",
                                "--create",
                                "--topic",
                                name,
                                "--partitions",
                                Integer.toString(partitions),
                                "--replication-factor",
                                "1"));
        topicConfig.forEach((key, value) -> command.addAll(List.of("--config", key + "=" + value)));
        compose(COMMAND_TIMEOUT, command.toArray(String[]::new));
    }

    /**
     * The database and its table were made at the first start, and the job user cannot create
     * another: checks that the table is there, readable by that user, and empty.
     */
    @Override
    public void createDatabase(String database) throws Exception {
        try (Connection connection =
                        DriverManager.getConnection(jdbcUrl(database), jdbcUser(), jdbcPassword);
                Statement statement = connection.createStatement();
                ResultSet rows =
                        statement.executeQuery("SELECT COUNT(*) FROM " + VisitCountTable.TABLE)) {
            rows.next();
            if (rows.getLong(1) != 0) {
                throw new IllegalStateException(
                        VisitCountTable.TABLE
                                + " already holds "
                                + rows.getLong(1)
                                + " rows: one run per cluster");
            }
        }
    }

    /** Every service's output to {@code target/container-logs/<project>/compose.log}, then down. */
    @Override
    public void close() {
        try {
            writeLogs();
        } catch (Exception e) {
            System.err.println("[" + project + "] could not save the container logs: " + e);
        }
        try {
            compose(DOWN_TIMEOUT, "down", "--volumes", "--remove-orphans", "--timeout", "10");
        } catch (Exception e) {
            throw new IllegalStateException(
                    "docker-compose down failed; remove the project by"
                            + " hand: docker-compose -p "
                            + project
                            + " -f "
                            + composeFile
                            + " down --volumes",
                    e);
        }
    }

    private void awaitHealthy() {
        await("every service of " + project + " to be healthy")
                .atMost(HEALTHY_TIMEOUT)
                .ignoreExceptions()
                .until(
                        () -> {
                            Map<String, String> status = new TreeMap<>();
                            containers()
                                    .forEach(
                                            c ->
                                                    status.put(
                                                            c.getLabels()
                                                                    .get(
                                                                            "com.docker.compose.service"),
                                                            c.getStatus()));
                            boolean healthy =
                                    status.keySet().containsAll(SERVICES)
                                            && status.values().stream()
                                                    .allMatch(s -> s.contains("(healthy)"));
                            if (!healthy) {
                                // The timeout names the last of these as its cause.
                                throw new IllegalStateException("not yet: " + status);
                            }
                            return true;
                        });
    }

    private List<Container> containers() {
        // Not a field: without a Docker engine, up() must fail with requireDocker's message.
        DockerClient docker = DockerClientFactory.instance().client();
        return docker.listContainersCmd()
                .withShowAll(true)
                .withLabelFilter(Map.of("com.docker.compose.project", project))
                .exec();
    }

    /** One file, each line with its service and time, to follow a run across services. */
    private void writeLogs() throws Exception {
        Files.createDirectories(logDirectory);
        Files.writeString(
                logDirectory.resolve("compose.log"),
                compose(COMMAND_TIMEOUT, "logs", "--no-color", "--timestamps"));
    }

    /**
     * The run's options as the properties file submit-job.sh reads (mounted into the JobManager),
     * with no password, and the parallelism left to {@code -p}.
     */
    private void writeJobProperties(OptionValues options) throws IOException {
        List<String> lines = new ArrayList<>();
        // The password comes from the compose secret, as the compose config file says.
        options.without(JobOptions.PARALLELISM)
                .with(JobOptions.JDBC_PASSWORD_FILE, jobProperty(JobOptions.JDBC_PASSWORD_FILE))
                .toProperties()
                .forEach(
                        (key, value) -> {
                            if (value.contains("\\") || value.contains("\n")) {
                                // submit-job.sh reads plain key=value lines only.
                                throw new IllegalArgumentException(
                                        key + " needs escaping: " + value);
                            }
                            lines.add(key + "=" + value);
                        });
        Files.write(configDirectory.resolve("job.properties"), lines, StandardCharsets.UTF_8);
    }

    private String jobProperty(ConfigOption<String> option) {
        String value = jobProperties.getProperty(option.key());
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(
                    option.key()
                            + " is missing from "
                            + COMPOSE_DIRECTORY.resolve("config/job.properties"));
        }
        return value;
    }

    /** Runs docker-compose on this project; returns its output, or throws on failure. */
    private String compose(Duration timeout, String... args) throws Exception {
        List<String> command =
                new ArrayList<>(
                        List.of(
                                "docker-compose",
                                "--project-name",
                                project,
                                "--file",
                                composeFile.toString(),
                                // Not a developer's deploy/compose/.env: every variable is set
                                // below.
                                "--env-file",
                                emptyEnvFile.toString()));
        command.addAll(List.of(args));
        return run("docker-compose " + String.join(" ", args), command, timeout);
    }

    private void requireDockerCompose() throws Exception {
        try {
            String version =
                    run(
                            "docker-compose version",
                            List.of("docker-compose", "version", "--short"),
                            COMMAND_TIMEOUT);
            FaultScenario.say(project, "docker-compose " + version.strip());
        } catch (IOException e) {
            throw new IllegalStateException(
                    "the compose test needs docker-compose on the PATH,"
                            + " and there is none: "
                            + INSTALL_HINT,
                    e);
        }
    }

    /** Output goes to a file, so a chatty command never blocks on a full pipe. */
    private String run(String what, List<String> command, Duration timeout) throws Exception {
        Path output = Files.createTempFile(workDirectory, "command", ".out");
        ProcessBuilder builder =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile());
        builder.environment().putAll(variables);
        Process process = builder.start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(
                    what + " took over " + timeout + ":\n" + Files.readString(output));
        }
        String text = Files.readString(output);
        Files.delete(output);
        if (process.exitValue() != 0) {
            throw new IllegalStateException(
                    what + " exited with " + process.exitValue() + ":\n" + text);
        }
        return text;
    }

    /**
     * The compose secret's file. Readable by all: the containers' users (mysql, flink) read the
     * bind mount with the file's own mode; the directory keeps it to this user.
     */
    private Path passwordFile() throws IOException {
        Path directory = workDirectory.resolve("secrets");
        Files.createDirectories(directory);
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
        Path file = directory.resolve("jdbc-password");
        Files.writeString(file, jdbcPassword + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        return file;
    }

    /** Where make-database-tls.sh puts the database's TLS files for this cluster. */
    private Path databaseTlsDirectory() {
        return workDirectory.resolve("secrets").resolve("database-tls");
    }

    /** Letters and digits only, as deploy/cluster/sql/mariadb.sql wants, 32 of them. */
    private static String password() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
