package io.exactlyonce.it.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus' {@code promtool}, from the PATH or from Debian's {@code prometheus} package ({@code
 * tools/ensure-promtool.sh}, which fails with a message when it can get neither).
 */
public final class Promtool {

    public static final Path MONITORING =
            Path.of("..", "deploy", "monitoring").toAbsolutePath().normalize();
    public static final Path RULES = MONITORING.resolve("prometheus").resolve("rules.yaml");

    private static Path executable;

    private Promtool() {}

    /** The output of {@code promtool args...}, stdout and stderr together, and its exit code. */
    public record Result(int exitCode, String output) {}

    public static Result run(Path workingDirectory, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(executable().toString());
        command.addAll(List.of(args));
        return exec(workingDirectory, command);
    }

    private static synchronized Path executable() throws IOException, InterruptedException {
        if (executable == null) {
            Path script = Path.of("..", "tools", "ensure-promtool.sh").toAbsolutePath().normalize();
            Result found =
                    exec(
                            MONITORING,
                            List.of(
                                    script.toString(),
                                    Path.of("target", "tools").toAbsolutePath().toString()));
            assertThat(found.exitCode())
                    .as("tools/ensure-promtool.sh found no promtool:%n%s", found.output())
                    .isZero();
            String[] lines = found.output().strip().split("\n");
            executable = Path.of(lines[lines.length - 1].strip());
        }
        return executable;
    }

    private static Result exec(Path workingDirectory, List<String> command)
            throws IOException, InterruptedException {
        Process process =
                new ProcessBuilder(command)
                        .directory(workingDirectory.toFile())
                        .redirectErrorStream(true)
                        .start();
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("%s ended", command).isTrue();
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }
}
