package io.exactlyonce.bench;

import io.exactlyonce.testkit.embedded.ExitWithParent;
import java.io.IOException;
import java.io.Reader;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** Starts one run's JVM ({@link SystemRun}) on this JVM's class path and collects its figures. */
final class ForkedRun {

    private static final Duration TIMEOUT = Duration.ofMinutes(30);

    /** What the forked JVM measured, and the services' CPU time around it. */
    record Measured(Properties figures, long servicesCpuNanos, String failure) {}

    private ForkedRun() {}

    static Measured run(RunSpec spec, Path dir, String heap, boolean flightRecording)
            throws IOException, InterruptedException {
        Path resultFile = dir.resolve(spec.name() + ".result");
        Path log = dir.resolve(spec.name() + ".log");
        long servicesBefore = servicesCpuNanos(-1);
        Process process = start(spec, dir, heap, flightRecording);
        boolean exited = process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (!exited) {
            process.destroyForcibly().waitFor();
        }
        long servicesCpu = servicesCpuNanos(process.pid()) - servicesBefore;
        if (!exited || process.exitValue() != 0 || !Files.exists(resultFile)) {
            return new Measured(
                    new Properties(),
                    servicesCpu,
                    (exited ? "exited with " + process.exitValue() : "did not finish in " + TIMEOUT)
                            + ", see "
                            + log);
        }
        Properties figures = new Properties();
        try (Reader in = Files.newBufferedReader(resultFile)) {
            figures.load(in);
        }
        return new Measured(figures, servicesCpu, "");
    }

    /**
     * Starts the run's JVM, its output going to {@code <name>.log} in {@code dir}, its figures to
     * {@code <name>.result} when it ends.
     */
    static Process start(RunSpec spec, Path dir, String heap, boolean flightRecording)
            throws IOException {
        Files.createDirectories(dir);
        Path specFile = dir.resolve(spec.name() + ".properties");
        spec.write(specFile);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Flink needs the same --add-opens as this JVM was given.
        for (String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (argument.startsWith("--add-opens") || argument.startsWith("--add-exports")) {
                command.add(argument);
            }
        }
        command.add("-Xmx" + heap);
        if (flightRecording) {
            command.add(
                    "-XX:StartFlightRecording=settings=profile,filename="
                            + dir.resolve(spec.name() + ".jfr").toAbsolutePath());
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        // The run's JVM halts when this one is gone, however this one ended.
        command.add(ExitWithParent.class.getName());
        command.add(Long.toString(ProcessHandle.current().pid()));
        command.add(SystemRun.class.getName());
        command.add(specFile.toString());
        command.add(dir.resolve(spec.name() + ".result").toString());
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(spec.name() + ".log").toFile())
                .start();
    }

    /** CPU time so far of this JVM's child processes (the broker, the database), but one. */
    private static long servicesCpuNanos(long except) {
        return ProcessHandle.current()
                .descendants()
                .filter(p -> p.pid() != except)
                .mapToLong(p -> p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L))
                .sum();
    }
}
