package io.exactlyonce.it.containers;

import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.testkit.run.ClusterJobRunner;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.ExecConfig;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.lifecycle.Startable;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * A Flink session cluster in containers: one JobManager and TaskManagers of one slot each, so a job
 * of parallelism n occupies n TaskManagers and loses work whenever one of them dies. All of them
 * mount one volume for checkpoints and savepoints, as they would share a file system or object
 * store in production: a replacement TaskManager restores what the killed one wrote.
 */
final class FlinkCluster implements AutoCloseable {

    static final DockerImageName IMAGE = DockerImageName.parse("eo-flink:local");

    private static final String JOB_MANAGER_ALIAS = "jobmanager";
    private static final int REST_PORT = 8081;

    /** The TaskManagers' RPC ports count up from here, one of their own each. */
    private static final int TASK_MANAGER_RPC_PORT = 6200;

    private static final String JOB_JAR = "/opt/flink/usrlib/visit-count-job.jar";
    private static final String DATA = "/opt/flink/data";

    /** The runbook for a cluster without high availability, where the README runs it. */
    private static final Path RESUME_SCRIPT =
            Path.of("..", "deploy", "cluster", "resume-latest.sh");

    private static final String RESUME_SCRIPT_IN_CONTAINER =
            "/opt/visit-count/deploy/cluster/resume-latest.sh";

    /** The Prometheus reporter's port in every Flink container. */
    static final int PROMETHEUS_PORT = 9249;

    /**
     * A lost TaskManager is declared dead after this; Flink's default (50 s) would dominate every
     * recovery time measured here.
     */
    static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(15);

    private static final String CONFIG =
            String.join(
                    "\n",
                    "execution.checkpointing.dir: file://" + DATA + "/checkpoints",
                    "execution.checkpointing.savepoint-dir: file://" + DATA + "/savepoints",
                    "heartbeat.interval: 2 s",
                    // Checkpoint statistics fresh on every read: scenarios wait for a checkpoint
                    // to show as in progress (the default caches them for the web refresh, 3 s).
                    "rest.cache.checkpoint-statistics.timeout: 100 ms",
                    "heartbeat.timeout: " + HEARTBEAT_TIMEOUT.toSeconds() + " s",
                    // As in production (deploy/kubernetes): what the alert rules read.
                    "metrics.reporter.prom.factory.class: "
                            + "org.apache.flink.metrics.prometheus.PrometheusReporterFactory",
                    "metrics.reporter.prom.port: " + PROMETHEUS_PORT);

    /** A TaskManager container, and how the JobManager knows it. */
    record TaskManager(String resourceId, GenericContainer<?> container) {}

    private final Network network;
    private final ContainerLogs logs;
    private final String jdbcPassword;
    private final DockerClient docker = DockerClientFactory.instance().client();
    private final String volume = "eo-flink-data-" + UUID.randomUUID();
    private final FixedPortContainer jobManager;
    private final List<TaskManager> taskManagers = new ArrayList<>();
    private final List<TaskManager> everyTaskManager = new ArrayList<>();
    private final ExecutorService cli =
            Executors.newSingleThreadExecutor(
                    r -> {
                        Thread thread = new Thread(r, "flink-cli");
                        thread.setDaemon(true);
                        return thread;
                    });

    /**
     * @param jdbcPassword for {@code flink run}: the job's main() builds its config, with the
     *     password, in the CLI's JVM
     */
    FlinkCluster(
            Network network, ContainerLogs logs, Path jobJar, int taskManagers, String jdbcPassword)
            throws IOException {
        this.network = network;
        this.logs = logs;
        this.jdbcPassword = jdbcPassword;
        docker.createVolumeCmd().withName(volume).exec();
        // A fixed REST port, so that it stays the same when the JobManager is started again.
        jobManager = new FixedPortContainer(IMAGE, REST_PORT);
        configure(jobManager, "jobmanager", CONFIG);
        jobManager
                .withNetworkAliases(JOB_MANAGER_ALIAS)
                .withCopyFileToContainer(MountableFile.forHostPath(jobJar, 0644), JOB_JAR)
                .withCopyFileToContainer(
                        MountableFile.forHostPath(RESUME_SCRIPT, 0755), RESUME_SCRIPT_IN_CONTAINER)
                .withCommand("jobmanager")
                // The HTTP wait strategy only knows randomly mapped ports.
                .waitingFor(
                        Wait.forLogMessage(".*Web frontend listening at.*", 1)
                                .withStartupTimeout(ContainerServices.STARTUP_TIMEOUT));
        for (int i = 0; i < taskManagers; i++) {
            this.taskManagers.add(newTaskManager());
        }
    }

    /** The containers of the cluster, to start together with the services. */
    List<Startable> containers() {
        return Stream.concat(
                        Stream.of(jobManager), taskManagers.stream().map(TaskManager::container))
                .map(c -> (Startable) c)
                .toList();
    }

    /**
     * Copies {@code file} into the JobManager container at the same path, for {@code flink run}
     * (e.g. a security file the job's main() reads, named by the same option here and there).
     */
    void copyToJobManager(Path file) {
        jobManager.copyFileToContainer(
                MountableFile.forHostPath(file, 0644), file.toAbsolutePath().toString());
    }

    /**
     * Copies {@code file} into the volume every JobManager and TaskManager mounts, replacements
     * included, and returns its path there.
     */
    String copyToSharedStorage(Path file, String name) {
        String path = DATA + "/shared/" + name;
        jobManager.copyFileToContainer(MountableFile.forHostPath(file, 0644), path);
        return path;
    }

    FlinkRest rest() {
        return new FlinkRest("http://localhost:" + jobManager.hostPort());
    }

    /** Submits with the real {@code flink} command line, run inside the JobManager container. */
    ClusterJobRunner jobRunner() {
        return new ClusterJobRunner(this::flink, JOB_JAR, "file://" + DATA + "/savepoints");
    }

    /** The TaskManagers' addresses on {@code networkId}. */
    List<String> taskManagerAddresses(String networkId) {
        return taskManagers.stream()
                .map(
                        t ->
                                NetworkPartition.address(
                                        docker, t.container().getContainerId(), networkId))
                .toList();
    }

    List<TaskManager> taskManagers() {
        return List.copyOf(taskManagers);
    }

    /** {@code kill -9} of the JobManager from outside ({@link HardKill}); the container stays. */
    HardKill.Killed killJobManager() {
        return HardKill.kill(docker, JOB_MANAGER_ALIAS, jobManager.getContainerId());
    }

    /**
     * {@code docker start} of the killed JobManager container; returns once its REST API answers
     * and {@code taskManagers} TaskManagers have registered with it again. Without high
     * availability it remembers no job: the job is gone until it is submitted again.
     */
    void restartJobManager(int taskManagers, Duration timeout) {
        HardKill.startAgain(docker, jobManager.getContainerId(), JOB_MANAGER_ALIAS, logs);
        FlinkRest rest = rest();
        await("the restarted JobManager with " + taskManagers + " TaskManagers")
                .atMost(timeout)
                .ignoreExceptions()
                .until(() -> rest.taskManagers() >= taskManagers);
    }

    /** What the JobManager's Prometheus reporter serves, read inside its container. */
    String jobManagerMetrics() throws IOException, InterruptedException {
        return scrape(jobManager);
    }

    /** What a TaskManager's Prometheus reporter serves, read inside its container. */
    static String metrics(TaskManager taskManager) throws IOException, InterruptedException {
        return scrape(taskManager.container());
    }

    private static String scrape(GenericContainer<?> container)
            throws IOException, InterruptedException {
        Container.ExecResult result =
                container.execInContainer(
                        "curl", "-sf", "http://localhost:" + PROMETHEUS_PORT + "/metrics");
        if (result.getExitCode() != 0) {
            throw new IllegalStateException(
                    "no answer from the Prometheus reporter of "
                            + container.getContainerName()
                            + ": curl exit "
                            + result.getExitCode()
                            + " "
                            + result.getStderr());
        }
        return result.getStdout();
    }

    String jobManagerContainerId() {
        return jobManager.getContainerId();
    }

    Instant jobManagerStartedAt() {
        return startedAt(jobManager.getContainerId());
    }

    /**
     * The newest retained checkpoint of {@code jobId} in the shared checkpoint storage: the highest
     * {@code chk-N} with its {@code _metadata} written, which is what makes it complete. Found the
     * way an operator finds it after losing the JobManager, by listing the storage.
     */
    String latestRetainedCheckpoint(String jobId) throws IOException, InterruptedException {
        Container.ExecResult listing =
                jobManager.execInContainer(
                        "sh", "-c", "ls -d " + DATA + "/checkpoints/" + jobId + "/chk-*/_metadata");
        return listing.getStdout()
                .lines()
                .map(line -> line.substring(0, line.length() - "/_metadata".length()))
                .max(
                        Comparator.comparingLong(
                                path ->
                                        Long.parseLong(
                                                path.substring(path.lastIndexOf("chk-") + 4))))
                .map(path -> "file://" + path)
                .orElseThrow(
                        () ->
                                new IllegalStateException(
                                        "no retained checkpoint of "
                                                + jobId
                                                + ": "
                                                + listing.getStdout()
                                                + listing.getStderr()));
    }

    /**
     * The newest complete checkpoint of any job in the cluster's checkpoint directory, as an
     * operator finds it after a JobManager restart without high availability: with {@code
     * resume-latest.sh --list} (deploy/cluster), run in the JobManager container.
     */
    String newestCheckpointByRunbook() throws IOException, InterruptedException {
        Container.ExecResult listing =
                jobManager.execInContainer(
                        "bash",
                        RESUME_SCRIPT_IN_CONTAINER,
                        "--list",
                        "--checkpoint-dir",
                        "file://" + DATA + "/checkpoints");
        String newest = listing.getStdout().lines().findFirst().orElse("");
        if (listing.getExitCode() != 0 || newest.isBlank()) {
            throw new IllegalStateException(
                    "resume-latest.sh --list exited with "
                            + listing.getExitCode()
                            + ": "
                            + listing.getStdout()
                            + listing.getStderr());
        }
        // "<written at>  checkpoint <n>  <path>"
        return "file://" + newest.substring(newest.lastIndexOf(' ') + 1);
    }

    /**
     * Freezes every TaskManager (cgroup freezer): their tasks stop where they are, commit nothing,
     * roll back nothing, and carry on when thawed. The kernel sometimes fails to freeze a busy JVM
     * ("unable to freeze"); then none stays frozen and this returns false.
     */
    boolean pauseTaskManagers() {
        List<String> frozen = new ArrayList<>();
        for (TaskManager taskManager : taskManagers) {
            String id = taskManager.container().getContainerId();
            try {
                docker.pauseContainerCmd(id).exec();
                frozen.add(id);
            } catch (DockerException e) {
                frozen.forEach(f -> docker.unpauseContainerCmd(f).exec());
                thawQuietly(id);
                return false;
            }
        }
        return true;
    }

    /**
     * Freezes the JobManager: it triggers, completes and notifies nothing, while what the
     * TaskManagers send it waits in its sockets. Keep it shorter than {@link #HEARTBEAT_TIMEOUT}.
     */
    void pauseJobManager() {
        docker.pauseContainerCmd(jobManager.getContainerId()).exec();
    }

    void unpauseJobManager() {
        docker.unpauseContainerCmd(jobManager.getContainerId()).exec();
    }

    /** A failed freeze may leave the container half frozen, or not frozen at all. */
    private void thawQuietly(String containerId) {
        try {
            docker.unpauseContainerCmd(containerId).exec();
        } catch (DockerException notPaused) {
            // Nothing was left frozen.
        }
    }

    void unpauseTaskManagers() {
        taskManagers.forEach(
                t -> docker.unpauseContainerCmd(t.container().getContainerId()).exec());
    }

    /** {@code kill -9} of a TaskManager from outside ({@link HardKill}). */
    HardKill.Killed kill(TaskManager taskManager) {
        HardKill.Killed killed =
                HardKill.kill(
                        docker, taskManager.resourceId(), taskManager.container().getContainerId());
        taskManagers.remove(taskManager);
        return killed;
    }

    /** Starts a new TaskManager and returns once it registered with the JobManager. */
    TaskManager startTaskManager() {
        TaskManager taskManager = newTaskManager();
        taskManager.container().start();
        taskManagers.add(taskManager);
        return taskManager;
    }

    Instant startedAt(TaskManager taskManager) {
        return startedAt(taskManager.container().getContainerId());
    }

    private Instant startedAt(String containerId) {
        return HardKill.startedAt(docker, containerId);
    }

    private TaskManager newTaskManager() {
        int number = everyTaskManager.size() + 1;
        String resourceId = "taskmanager-" + number;
        GenericContainer<?> container = new GenericContainer<>(IMAGE);
        // A replacement often gets a killed TaskManager's IP. With the same RPC port it would
        // have the dead one's RPC address too, which the JobManager's RPC layer still holds:
        // it was seen to drop the replacement's heartbeats until it declared it dead.
        configure(
                container,
                resourceId,
                CONFIG
                        + "\ntaskmanager.resource-id: "
                        + resourceId
                        + "\ntaskmanager.rpc.port: "
                        + (TASK_MANAGER_RPC_PORT + number));
        container
                .withEnv("FLINK_TASK_SLOTS", "1")
                .withCommand("taskmanager")
                .waitingFor(
                        Wait.forLogMessage(".*Successful registration at resource manager.*", 1)
                                .withStartupTimeout(ContainerServices.STARTUP_TIMEOUT));
        TaskManager taskManager = new TaskManager(resourceId, container);
        everyTaskManager.add(taskManager);
        return taskManager;
    }

    private void configure(GenericContainer<?> container, String name, String properties) {
        container
                .withNetwork(network)
                .withEnv("FLINK_JOBMANAGER_HOST", JOB_MANAGER_ALIAS)
                .withEnv("FLINK_PROPERTIES", properties)
                .withCreateContainerCmdModifier(
                        cmd -> cmd.getHostConfig().withBinds(new Bind(volume, new Volume(DATA))))
                .withLogConsumer(logs.to(name));
    }

    private String flink(List<String> args, Duration timeout) throws Exception {
        ExecConfig exec =
                ExecConfig.builder()
                        .command(
                                Stream.concat(Stream.of("flink"), args.stream())
                                        .toArray(String[]::new))
                        .envVars(Map.of(JobSettings.PASSWORD_ENVIRONMENT_VARIABLE, jdbcPassword))
                        .build();
        Future<Container.ExecResult> running = cli.submit(() -> jobManager.execInContainer(exec));
        Container.ExecResult result;
        try {
            result = running.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            running.cancel(true);
            throw new IllegalStateException("flink " + args.get(0) + " took over " + timeout, e);
        }
        if (result.getExitCode() != 0) {
            throw new IllegalStateException(
                    "flink "
                            + args.get(0)
                            + " exited with "
                            + result.getExitCode()
                            + ":\n"
                            + result.getStdout()
                            + result.getStderr());
        }
        return result.getStdout();
    }

    @Override
    public void close() {
        cli.shutdownNow();
        everyTaskManager.forEach(t -> t.container().stop());
        jobManager.stop();
        docker.removeVolumeCmd(volume).exec();
    }
}
