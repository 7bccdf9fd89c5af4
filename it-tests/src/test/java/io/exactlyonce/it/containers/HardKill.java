package io.exactlyonce.it.containers;

import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import java.time.Duration;
import java.time.Instant;

/**
 * {@code docker kill -s KILL} from outside, through the Docker engine: the container's main process
 * gets SIGKILL, no shutdown hook runs and no connection is closed in an orderly way. (SIGKILL sent
 * to PID 1 from inside its own container is ignored: see the field notes.)
 */
final class HardKill {

    /** What docker reported about a container that was killed. */
    record Killed(
            String resourceId,
            String containerId,
            Instant startedAt,
            Instant killedAt,
            boolean running,
            long exitCode) {}

    private HardKill() {}

    /** Kills the container and returns once docker reports it stopped. */
    static Killed kill(DockerClient docker, String name, String containerId) {
        Instant startedAt = startedAt(docker, containerId);
        Instant killedAt = Instant.now();
        docker.killContainerCmd(containerId).withSignal("KILL").exec();
        await(name + " to be dead")
                .atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> !running(docker, containerId));
        InspectContainerResponse.ContainerState state =
                docker.inspectContainerCmd(containerId).exec().getState();
        return new Killed(
                name,
                containerId,
                startedAt,
                killedAt,
                Boolean.TRUE.equals(state.getRunning()),
                state.getExitCodeLong());
    }

    /**
     * {@code docker start} of the same, killed container: its file system, volumes and fixed host
     * ports are kept. Its new output goes to {@code logs}.
     */
    static void startAgain(
            DockerClient docker, String containerId, String name, ContainerLogs logs) {
        Instant since = Instant.now();
        docker.startContainerCmd(containerId).exec();
        logs.followRestarted(docker, containerId, name, since);
    }

    static Instant startedAt(DockerClient docker, String containerId) {
        return Instant.parse(
                docker.inspectContainerCmd(containerId).exec().getState().getStartedAt());
    }

    static boolean running(DockerClient docker, String containerId) {
        return Boolean.TRUE.equals(
                docker.inspectContainerCmd(containerId).exec().getState().getRunning());
    }
}
