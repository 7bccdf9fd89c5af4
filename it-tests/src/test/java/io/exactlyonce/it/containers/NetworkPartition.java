package io.exactlyonce.it.containers;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Capability;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * Cuts the network between one container and some peers, as a partition would: a sidecar that
 * shares the container's network namespace drops their packets both ways with iptables. Open TCP
 * connections are not reset, they hang, and they carry on if the cut heals before a timeout ends
 * them. Everything else, the host's access through mapped ports included, keeps working.
 */
final class NetworkPartition implements AutoCloseable {

    /** Test tooling, built once from the base image; Docker's cache keeps it afterwards. */
    private static final ImageFromDockerfile IMAGE =
            new ImageFromDockerfile("eo-it-netfilter:local", false)
                    .withDockerfileFromBuilder(
                            dockerfile ->
                                    dockerfile
                                            .from("debian:trixie-slim")
                                            .run(
                                                    "apt-get update && apt-get install -y --no-install-recommends"
                                                            + " iptables && rm -rf /var/lib/apt/lists/*")
                                            .build());

    private final GenericContainer<?> sidecar;

    /** A sidecar in the network namespace of container {@code containerId}. */
    NetworkPartition(String containerId) {
        sidecar =
                new GenericContainer<>(IMAGE)
                        .withNetworkMode("container:" + containerId)
                        .withCreateContainerCmdModifier(
                                cmd -> cmd.getHostConfig().withCapAdd(Capability.NET_ADMIN))
                        .withCommand("sleep", "infinity");
        sidecar.start();
    }

    /** The container's address on {@code networkId}. */
    static String address(DockerClient docker, String containerId, String networkId) {
        return docker
                .inspectContainerCmd(containerId)
                .exec()
                .getNetworkSettings()
                .getNetworks()
                .values()
                .stream()
                .filter(n -> networkId.equals(n.getNetworkID()))
                .map(n -> n.getIpAddress())
                .findFirst()
                .orElseThrow(
                        () ->
                                new IllegalStateException(
                                        containerId + " is not on network " + networkId));
    }

    /** Drops every packet from and to {@code peers} (IP addresses) from now on. */
    void cut(Collection<String> peers) throws IOException, InterruptedException {
        for (String peer : peers) {
            iptables("-I", "INPUT", "-s", peer, "-j", "DROP");
            iptables("-I", "OUTPUT", "-d", peer, "-j", "DROP");
        }
    }

    /**
     * Packets dropped so far by the rules of {@link #cut}, as the kernel counted them: more than
     * zero shows that the peers tried to talk through the cut.
     */
    long droppedPackets() throws IOException, InterruptedException {
        long dropped = 0;
        for (String chain : List.of("INPUT", "OUTPUT")) {
            // Columns of "-L -v -x -n": pkts bytes target prot opt in out source destination
            for (String line : iptables("-L", chain, "-v", "-x", "-n").split("\n")) {
                String[] columns = line.trim().split("\\s+");
                if (columns.length > 2 && columns[2].equals("DROP")) {
                    dropped += Long.parseLong(columns[0]);
                }
            }
        }
        return dropped;
    }

    /** Lets every packet through again. */
    void heal() throws IOException, InterruptedException {
        iptables("-F", "INPUT");
        iptables("-F", "OUTPUT");
    }

    private String iptables(String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 1];
        command[0] = "iptables";
        System.arraycopy(args, 0, command, 1, args.length);
        Container.ExecResult result = sidecar.execInContainer(command);
        if (result.getExitCode() != 0) {
            throw new IllegalStateException(
                    "iptables "
                            + List.of(args)
                            + " exited with "
                            + result.getExitCode()
                            + ": "
                            + result.getStderr());
        }
        return result.getStdout();
    }

    @Override
    public void close() {
        sidecar.stop();
    }
}
