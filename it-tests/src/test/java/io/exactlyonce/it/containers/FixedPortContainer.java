package io.exactlyonce.it.containers;

import java.io.IOException;
import java.net.ServerSocket;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A container whose port is mapped to a host port chosen before it starts, and kept when the same
 * container is started again after a kill: a random mapping would change on every start, and a
 * broker must advertise its host-side address before it starts.
 */
final class FixedPortContainer extends GenericContainer<FixedPortContainer> {

    private final int hostPort;

    FixedPortContainer(DockerImageName image, int containerPort) throws IOException {
        super(image);
        this.hostPort = freePort();
        addFixedExposedPort(hostPort, containerPort);
    }

    int hostPort() {
        return hostPort;
    }

    /** A free port on this machine, taken now and bound when the container starts. */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
