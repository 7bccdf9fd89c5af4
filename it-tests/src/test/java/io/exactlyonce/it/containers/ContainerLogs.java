package io.exactlyonce.it.containers;

import com.github.dockerjava.api.DockerClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.testcontainers.containers.output.FrameConsumerResultCallback;
import org.testcontainers.containers.output.OutputFrame;

/** Each container's output in a file of its own, to read after a failed run. */
final class ContainerLogs implements AutoCloseable {

    private final Path directory;
    private final List<FrameConsumerResultCallback> followed = new ArrayList<>();

    ContainerLogs(Path directory) throws IOException {
        this.directory = Files.createDirectories(directory);
    }

    Path directory() {
        return directory;
    }

    /**
     * Follows the output of a container that was started again: the stream Testcontainers followed
     * ended when it was killed.
     */
    synchronized void followRestarted(
            DockerClient docker, String containerId, String name, Instant since) {
        FrameConsumerResultCallback callback = new FrameConsumerResultCallback();
        callback.addConsumer(OutputFrame.OutputType.STDOUT, to(name));
        callback.addConsumer(OutputFrame.OutputType.STDERR, to(name));
        docker.logContainerCmd(containerId)
                .withStdOut(true)
                .withStdErr(true)
                .withFollowStream(true)
                .withSince((int) since.getEpochSecond())
                .exec(callback);
        followed.add(callback);
    }

    @Override
    public synchronized void close() {
        for (FrameConsumerResultCallback callback : followed) {
            try {
                callback.close();
            } catch (IOException e) {
                // Only a log stream.
            }
        }
        followed.clear();
    }

    Consumer<OutputFrame> to(String name) {
        Path file = directory.resolve(name + ".log");
        return frame -> {
            if (frame.getType() == OutputFrame.OutputType.END) {
                return;
            }
            try {
                Files.write(
                        file,
                        frame.getBytes(),
                        StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }
}
