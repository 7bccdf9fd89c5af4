package io.exactlyonce.it.containers;

import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.Ports.Binding;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.testcontainers.core.CreateContainerCmdModifier;

/**
 * Publishes every port of every container the suite starts on the loopback address only. Docker
 * publishes on all interfaces by default, which would hand the scenarios' brokers, databases and
 * Flink REST APIs, with their test passwords, to anyone on the machine's networks. Registered for
 * all Testcontainers containers through {@code META-INF/services}; {@link #check} proves it took.
 */
public final class LoopbackPorts implements CreateContainerCmdModifier {

    static final String LOOPBACK = "127.0.0.1";

    @Override
    public CreateContainerCmd modify(CreateContainerCmd command) {
        HostConfig host = command.getHostConfig();
        if (host == null) {
            return command;
        }
        Ports loopback = new Ports();
        if (host.getPortBindings() != null) {
            host.getPortBindings()
                    .getBindings()
                    .forEach(
                            (port, bindings) -> {
                                for (Binding binding :
                                        bindings == null ? new Binding[0] : bindings) {
                                    loopback.bind(port, onLoopback(binding));
                                }
                            });
        }
        // Ports exposed without a binding are published at random host ports.
        if (Boolean.TRUE.equals(host.getPublishAllPorts()) && command.getExposedPorts() != null) {
            for (ExposedPort port : command.getExposedPorts()) {
                if (!loopback.getBindings().containsKey(port)) {
                    loopback.bind(port, Binding.bindIp(LOOPBACK));
                }
            }
        }
        host.withPortBindings(loopback).withPublishAllPorts(false);
        return command;
    }

    private static Binding onLoopback(Binding binding) {
        String hostPort = binding == null ? null : binding.getHostPortSpec();
        return hostPort == null || hostPort.isEmpty()
                ? Binding.bindIp(LOOPBACK)
                : new Binding(LOOPBACK, hostPort);
    }

    /** Every published port of {@code container} that is not on the loopback address. */
    static List<String> publishedElsewhere(InspectContainerResponse container) {
        List<String> elsewhere = new ArrayList<>();
        Map<ExposedPort, Binding[]> bindings =
                container.getNetworkSettings().getPorts().getBindings();
        bindings.forEach(
                (port, published) -> {
                    for (Binding binding : published == null ? new Binding[0] : published) {
                        if (!LOOPBACK.equals(binding.getHostIp())) {
                            elsewhere.add(
                                    container.getName()
                                            + " "
                                            + port
                                            + " on "
                                            + binding.getHostIp()
                                            + ":"
                                            + binding.getHostPortSpec());
                        }
                    }
                });
        return elsewhere;
    }
}
