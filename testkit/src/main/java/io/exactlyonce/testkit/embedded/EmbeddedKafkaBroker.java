package io.exactlyonce.testkit.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Uuid;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka broker for local runs and tests: KRaft, one process in the
 * combined controller and broker roles, run as a child JVM from the Kafka jars on this JVM's class
 * path.
 *
 * <p>A child process rather than a server inside this JVM, so that a test can crash it like {@code
 * kill -9} or the OOM killer would ({@link #kill()}: no shutdown hook, no clean-shutdown marker,
 * its logs recovered on the next start) and {@link #restart()} it on the same log directory; and so
 * that the broker's Scala and Jackson class path never meets Flink's at run time.
 *
 * <p>Each broker gets a fresh directory under the caller's work dir holding {@code
 * server.properties}, the log directory {@code data/} and {@code broker.log} (stdout and stderr of
 * every run, appended). Both listeners bind 127.0.0.1 on ephemeral ports chosen once and kept
 * across restarts, so clients simply reconnect.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    private static final String HOST = "127.0.0.1";
    private static final int NODE_ID = 1;
    private static final int LOG_TAIL_LINES = 30;
    private static final Duration POLL_INTERVAL = Duration.ofMillis(200);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    /** How long start, restart and createTopic wait for the broker. */
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

    private static final String MAX_HEAP = "512m";

    /** Kafka's own default for {@code transaction.max.timeout.ms}. */
    private static final Duration DEFAULT_TRANSACTION_MAX_TIMEOUT = Duration.ofMinutes(15);

    private static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(30);

    private final Path directory;
    private final Path dataDir;
    private final Path serverProperties;
    private final Path log4jConfig;
    private final Path logFile;
    private final int brokerPort;
    private final int controllerPort;
    private final Thread shutdownHook;

    /** The running broker process, or the last one. */
    private volatile Process process;

    private boolean closed;

    private EmbeddedKafkaBroker(Path workDir, Duration transactionMaxTimeout) throws IOException {
        Files.createDirectories(workDir);
        this.directory = Files.createTempDirectory(workDir, "kafka-");
        this.dataDir = directory.resolve("data");
        this.serverProperties = directory.resolve("server.properties");
        this.log4jConfig = directory.resolve("log4j2.properties");
        this.logFile = directory.resolve("broker.log");

        int[] ports = freeLoopbackPorts(2);
        this.brokerPort = ports[0];
        this.controllerPort = ports[1];

        writeLines(serverProperties, brokerConfig(transactionMaxTimeout));
        writeLines(log4jConfig, LOG4J_CONFIG);

        // Kills the broker when this JVM exits normally; ExitWithParent covers a killed JVM.
        this.shutdownHook =
                new Thread(
                        () -> {
                            Process current = process;
                            if (current != null) {
                                current.destroyForcibly();
                            }
                        },
                        "kafka-broker-" + brokerPort + "-killer");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * The child runs in its own directory, so relative class path entries must be resolved here.
     */
    private static String absoluteClassPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(entry -> Path.of(entry).toAbsolutePath().toString())
                .collect(Collectors.joining(File.pathSeparator));
    }

    /** Starts a broker with Kafka's default settings in a new directory under {@code workDir}. */
    public static EmbeddedKafkaBroker start(Path workDir) {
        return start(workDir, DEFAULT_TRANSACTION_MAX_TIMEOUT);
    }

    /**
     * Starts a broker whose {@code transaction.max.timeout.ms} is {@code transactionMaxTimeout}:
     * producers asking for a longer {@code transaction.timeout.ms} fail in {@code
     * initTransactions}. Creates its directory, formats the storage and waits until it is ready.
     */
    public static EmbeddedKafkaBroker start(Path workDir, Duration transactionMaxTimeout) {
        long startNanos = System.nanoTime();
        EmbeddedKafkaBroker broker;
        try {
            broker = new EmbeddedKafkaBroker(workDir.toAbsolutePath(), transactionMaxTimeout);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare a Kafka broker under " + workDir, e);
        }
        try {
            broker.format();
            broker.launchBroker(startNanos);
            return broker;
        } catch (RuntimeException | Error e) {
            broker.close();
            throw e;
        }
    }

    /** {@code 127.0.0.1:<port>}; the same for the lifetime of this object, restarts included. */
    public String bootstrapServers() {
        return HOST + ":" + brokerPort;
    }

    public boolean isRunning() {
        Process current = process;
        return current != null && current.isAlive();
    }

    /** The pid of the running broker process, or of the last one if it is no longer running. */
    public long pid() {
        return process.pid();
    }

    /**
     * Creates a topic with one replica per partition and returns once this broker serves every
     * partition: a client that asked earlier could see UNKNOWN_TOPIC_OR_PARTITION.
     */
    public void createTopic(String name, int partitions, Map<String, String> topicConfig) {
        try (Admin admin = newAdmin()) {
            admin.createTopics(
                            List.of(new NewTopic(name, partitions, (short) 1).configs(topicConfig)))
                    .all()
                    .get(STARTUP_TIMEOUT.toMillis(), MILLISECONDS);

            // The controller has committed the topic; the broker learns of it from the metadata
            // log an instant later.
            await("topic " + name + " served")
                    .atMost(STARTUP_TIMEOUT)
                    .pollInterval(POLL_INTERVAL)
                    .ignoreExceptions()
                    .until(() -> servesAllPartitions(admin, name, partitions));
        } catch (ConditionTimeoutException e) {
            throw failure("Topic " + name + " not served within " + STARTUP_TIMEOUT, e);
        } catch (ExecutionException | TimeoutException e) {
            throw failure("Cannot create topic " + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topic " + name, e);
        }
    }

    /**
     * Crashes the broker: SIGKILL, then waits until the process is gone. Does nothing if the broker
     * is not running.
     */
    public synchronized void kill() {
        Process current = process;
        if (current == null || !current.isAlive()) {
            return;
        }
        current.destroyForcibly();
        awaitExit(current, KILL_TIMEOUT, "kill");
    }

    /**
     * Starts the broker again on the same log directory and ports, after a {@link #kill()}, and
     * waits until it is ready.
     *
     * <p>After a kill, the restart takes up to {@code broker.session.timeout.ms} (9 s by default)
     * longer: the controller, recovered from its log, refuses the new broker's registration until
     * the session of the killed one has expired. A real broker crash behaves the same way.
     */
    public synchronized void restart() {
        if (closed || isRunning()) {
            throw new IllegalStateException(
                    "Broker at "
                            + bootstrapServers()
                            + " is "
                            + (closed ? "closed" : "running; kill() it first"));
        }
        launchBroker(System.nanoTime());
    }

    /** Kills the broker (SIGKILL) and forgets it. Its directory is kept for inspection. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        kill();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shutdownInProgress) {
            // The hook is running or about to; it finds the process dead.
        }
    }

    @Override
    public String toString() {
        return "EmbeddedKafkaBroker{" + bootstrapServers() + ", dir=" + directory + "}";
    }

    // ---------------------------------------------------------------------------------------
    // Lifecycle
    // ---------------------------------------------------------------------------------------

    private void format() {
        List<String> args =
                List.of(
                        "format",
                        "--config",
                        serverProperties.toString(),
                        "--cluster-id",
                        Uuid.randomUuid().toString(),
                        // A dynamic quorum with this node as its only voter: it elects itself.
                        "--standalone");

        // A short-lived tool: the C1 compiler and serial GC start it about a second sooner.
        Process storageTool =
                launch(
                        List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
                        "kafka.tools.StorageTool",
                        args);
        awaitExit(storageTool, FORMAT_TIMEOUT, "storage format");
        if (storageTool.exitValue() != 0) {
            throw failure(
                    "Formatting " + dataDir + " failed with exit code " + storageTool.exitValue(),
                    null);
        }
    }

    /** Starts the broker process, waits until it is ready and logs how long that took. */
    private void launchBroker(long sinceNanos) {
        Process broker =
                launch(
                        List.of("-Xmx" + MAX_HEAP),
                        "kafka.Kafka",
                        List.of(serverProperties.toString()));
        process = broker;
        awaitReady(broker);
        LOG.info(
                "Kafka broker at {} ready after {} ms (pid {}, log {})",
                bootstrapServers(),
                Duration.ofNanos(System.nanoTime() - sinceNanos).toMillis(),
                broker.pid(),
                logFile);
    }

    private Process launch(List<String> jvmOptions, String mainClass, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-Djava.awt.headless=true");
        command.add("-Dlog4j2.configurationFile=" + log4jConfig);
        command.add("-cp");
        command.add(absoluteClassPath());
        command.add(ExitWithParent.class.getName());
        command.add(Long.toString(ProcessHandle.current().pid()));
        command.add(mainClass);
        command.addAll(args);
        try {
            Files.writeString(
                    logFile,
                    String.format("%n===== %s: starting %s =====%n", Instant.now(), mainClass),
                    UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            return new ProcessBuilder(command)
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + mainClass + "; log: " + logFile, e);
        }
    }

    /**
     * Polls until the broker answers DescribeCluster and lists itself. In KRaft only registered,
     * unfenced brokers are listed, so from then on it accepts produce, fetch and transaction
     * requests. Fails at once if the process exits.
     */
    private void awaitReady(Process broker) {
        try (Admin admin = newAdmin()) {
            await("the Kafka broker to list itself")
                    .atMost(STARTUP_TIMEOUT)
                    .pollInterval(POLL_INTERVAL)
                    .ignoreExceptions()
                    .failFast("the broker process exited", () -> !broker.isAlive())
                    .until(
                            () ->
                                    admin
                                            .describeCluster()
                                            .nodes()
                                            .get(REQUEST_TIMEOUT.toMillis(), MILLISECONDS)
                                            .stream()
                                            .anyMatch(node -> node.id() == NODE_ID));
        } catch (TerminalFailureException e) {
            throw failure("Kafka broker exited with code " + broker.exitValue() + " on start", e);
        } catch (ConditionTimeoutException e) {
            broker.destroyForcibly();
            throw failure("Kafka broker not ready within " + STARTUP_TIMEOUT + "; killed it", e);
        }
    }

    private void awaitExit(Process child, Duration timeout, String what) {
        try {
            if (!child.waitFor(timeout.toMillis(), MILLISECONDS)) {
                throw failure(
                        "Process " + child.pid() + " still alive " + timeout + " after " + what,
                        null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for " + what, e);
        }
    }

    private static boolean servesAllPartitions(Admin admin, String topic, int partitions)
            throws ExecutionException, TimeoutException, InterruptedException {
        TopicDescription description =
                admin.describeTopics(List.of(topic))
                        .allTopicNames()
                        .get(REQUEST_TIMEOUT.toMillis(), MILLISECONDS)
                        .get(topic);
        return description.partitions().size() == partitions
                && description.partitions().stream().allMatch(p -> p.leader() != null);
    }

    private Admin newAdmin() {
        int timeoutMs = (int) REQUEST_TIMEOUT.toMillis();
        return Admin.create(
                Map.of(
                        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers(),
                        AdminClientConfig.CLIENT_ID_CONFIG,
                        "embedded-kafka-broker-admin",
                        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                        timeoutMs,
                        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                        timeoutMs));
    }

    // ---------------------------------------------------------------------------------------
    // Configuration
    // ---------------------------------------------------------------------------------------

    private Map<String, String> brokerConfig(Duration transactionMaxTimeout) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("process.roles", "broker,controller");
        config.put("node.id", Integer.toString(NODE_ID));
        config.put(
                "listeners",
                String.format(
                        "PLAINTEXT://%s:%d,CONTROLLER://%s:%d",
                        HOST, brokerPort, HOST, controllerPort));
        config.put("advertised.listeners", "PLAINTEXT://" + bootstrapServers());
        config.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        config.put("inter.broker.listener.name", "PLAINTEXT");
        config.put("controller.listener.names", "CONTROLLER");
        // Not controller.quorum.voters: the storage is formatted with --standalone, which
        // refuses a static voter set.
        config.put("controller.quorum.bootstrap.servers", HOST + ":" + controllerPort);
        config.put("log.dirs", dataDir.toString());
        // One broker: no topic can have more than one replica, internal topics included.
        config.put("num.partitions", "1");
        config.put("default.replication.factor", "1");
        config.put("offsets.topic.replication.factor", "1");
        config.put("transaction.state.log.replication.factor", "1");
        config.put("transaction.state.log.min.isr", "1");
        config.put("share.coordinator.state.topic.replication.factor", "1");
        config.put("share.coordinator.state.topic.min.isr", "1");
        // Consumers join at once instead of waiting for more members.
        config.put("group.initial.rebalance.delay.ms", "0");
        // A typo in a topic name fails instead of silently creating a topic.
        config.put("auto.create.topics.enable", "false");
        // The cap on a producer's transaction.timeout.ms; Flink's sink asks for more than
        // Kafka's 15-minute default unless told otherwise.
        config.put("transaction.max.timeout.ms", Long.toString(transactionMaxTimeout.toMillis()));
        return config;
    }

    private static final List<String> LOG4J_CONFIG =
            List.of(
                    "status = warn",
                    "appender.stdout.type = Console",
                    "appender.stdout.name = STDOUT",
                    "appender.stdout.layout.type = PatternLayout",
                    "appender.stdout.layout.pattern = [%d] %p %m (%c)%n",
                    "rootLogger.level = INFO",
                    "rootLogger.appenderRef.stdout.ref = STDOUT",
                    "logger.request.name = kafka.request.logger",
                    "logger.request.level = WARN",
                    "logger.statechange.name = state.change.logger",
                    "logger.statechange.level = WARN");

    private static void writeLines(Path file, Map<String, String> properties) throws IOException {
        writeLines(
                file,
                properties.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue())
                        .collect(Collectors.toList()));
    }

    private static void writeLines(Path file, List<String> lines) throws IOException {
        List<String> content = new ArrayList<>();
        content.add("# Written by " + EmbeddedKafkaBroker.class.getName());
        content.addAll(lines);
        Files.write(file, content, UTF_8);
    }

    /** Holds all sockets open until every port is chosen, so the ports are distinct. */
    private static int[] freeLoopbackPorts(int count) throws IOException {
        InetAddress loopback = InetAddress.getByName(HOST);
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, loopback);
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Diagnostics and clean-up
    // ---------------------------------------------------------------------------------------

    private IllegalStateException failure(String message, Throwable cause) {
        return new IllegalStateException(
                message
                        + " ["
                        + bootstrapServers()
                        + "]. Last "
                        + LOG_TAIL_LINES
                        + " lines of "
                        + logFile
                        + ":\n"
                        + tail(logFile, LOG_TAIL_LINES),
                cause);
    }

    /** The last lines of a file that may be large: reads only its final 64 KiB. */
    private static String tail(Path file, int lines) {
        try (RandomAccessFile log = new RandomAccessFile(file.toFile(), "r")) {
            long start = Math.max(0, log.length() - 64 * 1024);
            byte[] bytes = new byte[(int) (log.length() - start)];
            log.seek(start);
            log.readFully(bytes);
            List<String> all = new String(bytes, UTF_8).lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }
}
