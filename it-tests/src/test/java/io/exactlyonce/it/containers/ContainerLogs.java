package io.exactlyonce.it.containers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;
import org.testcontainers.containers.output.OutputFrame;

/** Each container's output in a file of its own, to read after a failed run. */
final class ContainerLogs {

    private final Path directory;

    ContainerLogs(Path directory) throws IOException {
        this.directory = Files.createDirectories(directory);
    }

    Path directory() {
        return directory;
    }

    Consumer<OutputFrame> to(String name) {
        Path file = directory.resolve(name + ".log");
        return frame -> {
            if (frame.getType() == OutputFrame.OutputType.END) {
                return;
            }
            try {
                Files.write(file, frame.getBytes(), StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }
}
