package io.exactlyonce.it.scripts;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/cluster/resume-latest.sh}, the runbook for a cluster without high availability, run
 * with bash on a checkpoint directory laid out as Flink lays it out ({@code <dir>/<job-id>/chk-<n>/
 * _metadata}) and with {@code --dry-run}, so that submit-job.sh prints the {@code flink run} it
 * would start instead of contacting a cluster.
 */
class ResumeLatestScriptTest {

    private static final Path SCRIPT = Path.of("..", "deploy", "cluster", "resume-latest.sh");
    private static final String OLD_JOB = "0123456789abcdef0123456789abcdef";
    private static final String NEW_JOB = "fedcba9876543210fedcba9876543210";

    @TempDir Path work;

    private Path checkpoints;
    private List<String> submitOptions;

    @BeforeEach
    void clusterFiles() throws IOException {
        checkpoints = Files.createDirectories(work.resolve("checkpoints"));
        Path config =
                Files.writeString(
                        work.resolve("job.properties"),
                        String.join(
                                "\n",
                                "job.id=visits",
                                "kafka.bootstrap-servers=kafka:9092",
                                "schema-registry.url=http://registry:8080",
                                "jdbc.url=jdbc:mysql://db:3306/visits",
                                "jdbc.user=visit_count",
                                ""));
        Path password = Files.writeString(work.resolve("jdbc-password"), "secret\n");
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
        Path flink = Files.writeString(work.resolve("flink"), "#!/bin/sh\nexit 1\n");
        Files.setPosixFilePermissions(flink, PosixFilePermissions.fromString("rwx------"));
        Path jar = Files.writeString(work.resolve("visit-count-job.jar"), "");
        submitOptions =
                List.of(
                        "--config",
                        config.toString(),
                        "--password-file",
                        password.toString(),
                        "--flink",
                        flink.toString(),
                        "--jar",
                        jar.toString(),
                        "-m",
                        "jobmanager:8081",
                        "--dry-run");
    }

    @Test
    void resumesFromTheNewestCompleteCheckpointOfAnyJob() throws Exception {
        checkpoint(OLD_JOB, 7, "2026-01-01T10:00:00Z");
        checkpoint(OLD_JOB, 9, "2026-01-01T10:01:00Z");
        checkpoint(NEW_JOB, 12, "2026-01-01T10:05:00Z");
        // Being written when the job died: no _metadata.
        Files.createDirectories(checkpoints.resolve(NEW_JOB).resolve("chk-13"));

        Result result = run("--checkpoint-dir", "file://" + checkpoints);

        Path picked = checkpoints.resolve(NEW_JOB).resolve("chk-12");
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output())
                .contains("newest complete checkpoint: " + picked)
                .contains("checkpoint 12, written 2026-01-01T10:05:00Z")
                .contains("among the checkpoints of 2 jobs")
                .contains(" run -d -m jobmanager:8081 -s file://" + picked + " ");
    }

    @Test
    void withAJobIdOnlyThatJobsCheckpointsCount() throws Exception {
        checkpoint(OLD_JOB, 7, "2026-01-01T10:00:00Z");
        checkpoint(OLD_JOB, 9, "2026-01-01T10:01:00Z");
        checkpoint(NEW_JOB, 12, "2026-01-01T10:05:00Z");

        Result result = run("--checkpoint-dir", checkpoints + "/", "--job-id", OLD_JOB);

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output())
                .contains("-s file://" + checkpoints.resolve(OLD_JOB).resolve("chk-9") + " ")
                .doesNotContain("chk-12");
    }

    @Test
    void withoutACompleteCheckpointItSaysSoInOneLine() throws Exception {
        Files.createDirectories(checkpoints.resolve(NEW_JOB).resolve("chk-3"));

        Result result = run("--checkpoint-dir", checkpoints.toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.output().strip())
                .isEqualTo(
                        "resume-latest.sh: no complete checkpoint (chk-<n>/_metadata) under '"
                                + checkpoints
                                + "'");
    }

    @Test
    void badOptionsGetOneLine() throws Exception {
        assertOneLineError(
                run("--checkpoint-dir", checkpoints.toString(), "--job-id", "1234"),
                "resume-latest.sh: --job-id needs 32 hex digits, got '1234'");
        assertOneLineError(
                run("--checkpoint-dir", "s3://bucket/checkpoints"),
                "resume-latest.sh: --checkpoint-dir 's3://bucket/checkpoints': only local or"
                        + " mounted paths; for an object store see --help");
        assertOneLineError(
                run("--checkpoint-dir", work.resolve("missing").toString()),
                "resume-latest.sh: checkpoint directory '"
                        + work.resolve("missing")
                        + "' does not exist or is not a directory");
    }

    private static void assertOneLineError(Result result, String line) {
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.output().strip()).isEqualTo(line);
    }

    private void checkpoint(String jobId, int number, String writtenAt) throws IOException {
        Path metadata =
                Files.createDirectories(checkpoints.resolve(jobId).resolve("chk-" + number))
                        .resolve("_metadata");
        Files.writeString(metadata, "metadata of checkpoint " + number);
        Files.setLastModifiedTime(metadata, FileTime.from(Instant.parse(writtenAt)));
    }

    private record Result(int exitCode, String output) {}

    private Result run(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        command.addAll(submitOptions);
        Path output = work.resolve("output.txt");
        Process process =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile())
                        .start();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("resume-latest.sh took over 30 s");
        }
        return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }
}
