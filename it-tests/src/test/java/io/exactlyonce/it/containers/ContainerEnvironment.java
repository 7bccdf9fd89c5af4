package io.exactlyonce.it.containers;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.utility.DockerImageName;

/**
 * Everything one fault scenario runs against: the services and a Flink cluster on a network of
 * their own, started together. Refuses to start, with the reason, when Docker, an image or the job
 * jar is missing: the suite fails then, it never skips.
 */
final class ContainerEnvironment implements AutoCloseable {

    private final Network network;
    private final ContainerLogs logs;
    private final ContainerServices services;
    private final FlinkCluster flink;
    private final Duration startup;

    private ContainerEnvironment(
            Network network,
            ContainerLogs logs,
            ContainerServices services,
            FlinkCluster flink,
            Duration startup) {
        this.network = network;
        this.logs = logs;
        this.services = services;
        this.flink = flink;
        this.startup = startup;
    }

    static ContainerEnvironment start(String name, int taskManagers) throws Exception {
        return start(name, taskManagers, ServiceSecurity.NONE);
    }

    /** The same with a SASL_SSL-only broker or a database that requires TLS, or both. */
    static ContainerEnvironment start(String name, int taskManagers, ServiceSecurity security)
            throws Exception {
        requireDocker();
        Path jobJar = jobJar();
        Network network = Network.newNetwork();
        ContainerLogs logs = new ContainerLogs(Path.of("target", "container-logs", name));
        ContainerServices services = new ContainerServices(network, logs, security);
        FlinkCluster flink =
                new FlinkCluster(network, logs, jobJar, taskManagers, services.jdbcPassword());
        long begin = System.nanoTime();
        try {
            Startables.deepStart(
                            Stream.concat(
                                    services.containers().stream(), flink.containers().stream()))
                    .join();
        } catch (RuntimeException e) {
            flink.close();
            services.close();
            network.close();
            throw new IllegalStateException(
                    "the containers did not start; their output is in "
                            + logs.directory().toAbsolutePath(),
                    e);
        }
        List<String> exposed =
                Stream.concat(services.containers().stream(), flink.containers().stream())
                        .map(GenericContainer.class::cast)
                        .flatMap(
                                c ->
                                        LoopbackPorts.publishedElsewhere(c.getContainerInfo())
                                                .stream())
                        .toList();
        if (!exposed.isEmpty()) {
            flink.close();
            services.close();
            network.close();
            throw new IllegalStateException(
                    "ports published beyond the loopback address: " + exposed);
        }
        if (security.kafka() != null) {
            // Where flink run runs main(), which reads it.
            flink.copyToJobManager(security.kafka().jobSecurityFile());
            flink.copyToJobManager(security.kafka().wrongPasswordSecurityFile());
        }
        if (security.database() != null) {
            // Every TaskManager's XA connections open it.
            services.databaseCaForTheJob(
                    flink.copyToSharedStorage(services.databaseCaTruststore(), "database-ca.p12"));
        }
        return new ContainerEnvironment(
                network, logs, services, flink, Duration.ofNanos(System.nanoTime() - begin));
    }

    /** The Docker network every container of the scenario is on. */
    String networkId() {
        return network.getId();
    }

    ContainerServices services() {
        return services;
    }

    FlinkCluster flink() {
        return flink;
    }

    /** From creating the containers to every one of them being ready. */
    Duration startup() {
        return startup;
    }

    @Override
    public void close() {
        try (logs;
                network;
                services;
                flink) {
            // Closed in reverse: the cluster, the services, the network, the log streams.
        }
    }

    static void requireDocker() {
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            throw new IllegalStateException(
                    "the container suite needs a Docker engine and none"
                            + " answers: start one with tools/ensure-docker.sh, or leave the"
                            + " suite out on this machine with ./mvnw verify -Pwithout-docker");
        }
        DockerClient docker = DockerClientFactory.instance().client();
        for (DockerImageName image :
                List.of(
                        ContainerServices.KAFKA_IMAGE,
                        ContainerServices.MARIADB_IMAGE,
                        ContainerServices.REGISTRY_IMAGE,
                        FlinkCluster.IMAGE)) {
            try {
                docker.inspectImageCmd(image.asCanonicalNameString()).exec();
            } catch (NotFoundException e) {
                throw new IllegalStateException(
                        "image "
                                + image.asCanonicalNameString()
                                + " is missing: ./mvnw verify builds it, deploy/docker/build-images.sh"
                                + " too",
                        e);
            }
        }
    }

    static Path jobJar() {
        String property = System.getProperty("it.job-jar");
        if (property == null) {
            throw new IllegalStateException(
                    "system property it.job-jar is not set: run the"
                            + " suite through Maven (./mvnw verify)");
        }
        Path jar = Path.of(property);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(
                    "no job jar at "
                            + jar
                            + "; build it with"
                            + " ./mvnw -pl deploy/job-jar -am package -DskipTests");
        }
        return jar;
    }
}
