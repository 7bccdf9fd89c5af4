package io.exactlyonce.testkit.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exactlyonce.pipeline.config.JobOptions;
import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.testkit.run.ClusterJobRunner.ClusterJob;
import io.exactlyonce.testkit.verify.VisitTraffic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The commands the cluster runner gives the {@code flink} CLI, recorded instead of run. */
class ClusterJobRunnerTest {

    private static final String JOB_ID = "0123456789abcdef0123456789abcdef";
    private static final JobSettings CONFIG =
            JobSettings.of(
                    OptionValues.of(JobOptions.JOB_ID, "run-1")
                            .with(JobOptions.BOOTSTRAP_SERVERS, "kafka:9092")
                            .with(JobOptions.SCHEMA_REGISTRY_URL, "http://registry:8081")
                            .with(JobOptions.JDBC_URL, "jdbc:mysql://mariadb:3306/run_1")
                            .with(JobOptions.JDBC_USER, "job")
                            .with(JobOptions.PARALLELISM, 2),
                    "secret");
    private static final VerifiedRun.Plan PLAN =
            new VerifiedRun.Plan(
                    "run_1",
                    2,
                    VisitTraffic.Settings.forTest(1L, 100, Duration.ofSeconds(1)),
                    100,
                    Duration.ofSeconds(2),
                    0,
                    OptionValues.of());

    private final List<List<String>> commands = new ArrayList<>();
    private final ClusterJobRunner.FlinkCli cli =
            (args, timeout) -> {
                commands.add(args);
                return args.get(0).equals("run")
                        ? "Job has been submitted with JobID " + JOB_ID
                        : "";
            };

    @Test
    void submitsWithFlinkRunAndDrainsWithAStop() throws Exception {
        ClusterJob job =
                new ClusterJobRunner(cli, "/jobs/job.jar", "file:///savepoints")
                        .submit(CONFIG, PLAN);
        job.drainWithSavepoint(Duration.ofMinutes(1));

        assertThat(job.jobId()).isEqualTo(JOB_ID);
        assertThat(commands.get(0))
                .startsWith("run", "--detached", "/jobs/job.jar")
                .containsSubsequence("--" + JobOptions.JOB_ID.key(), "run-1")
                .containsSubsequence("--" + JobOptions.PARALLELISM.key(), "2")
                .doesNotContain("--fromSavepoint", "secret");
        assertThat(commands.get(1))
                .containsExactly(
                        "stop", "--drain", "--savepointPath", "file:///savepoints/run_1", JOB_ID);
    }

    @Test
    void resumesFromASavepointWithTheChangedOptions() throws Exception {
        new ClusterJobRunner(cli, "/jobs/job.jar", "file:///savepoints")
                .submit(CONFIG, PLAN)
                .resumeFrom(
                        "file:///savepoints/run_1/chk-3",
                        OptionValues.of(JobOptions.PARALLELISM, 1));

        assertThat(commands.get(1))
                .startsWith(
                        "run",
                        "--detached",
                        "--fromSavepoint",
                        "file:///savepoints/run_1/chk-3",
                        "/jobs/job.jar")
                .containsSubsequence("--" + JobOptions.PARALLELISM.key(), "1")
                .doesNotContainSubsequence("--" + JobOptions.PARALLELISM.key(), "2");
    }

    @Test
    void aSubmitScriptGetsTheOptionsAndTheSavepoint() throws Exception {
        List<OptionValues> options = new ArrayList<>();
        List<String> savepoints = new ArrayList<>();
        ClusterJobRunner runner =
                new ClusterJobRunner(
                        cli,
                        (given, savepoint) -> {
                            options.add(given);
                            savepoints.add(savepoint);
                            return "submit-job: Job has been submitted with JobID " + JOB_ID;
                        },
                        "file:///savepoints");

        runner.submit(CONFIG, PLAN)
                .resumeFrom("file:///sp/chk-3", OptionValues.of(JobOptions.PARALLELISM, 3));

        assertThat(options.get(0).get(JobOptions.JOB_ID)).isEqualTo("run-1");
        assertThat(options.get(0).get(JobOptions.PARALLELISM)).isEqualTo(2);
        assertThat(options.get(1).get(JobOptions.PARALLELISM)).isEqualTo(3);
        assertThat(savepoints).containsExactly(null, "file:///sp/chk-3");
        assertThat(commands).as("the script submits; nothing else ran").isEmpty();
    }

    @Test
    void refusesASubmissionThatNamesNoJob() {
        ClusterJobRunner runner =
                new ClusterJobRunner(
                        cli, (options, savepoint) -> "Could not connect", "file:///savepoints");

        assertThatThrownBy(() -> runner.submit(CONFIG, PLAN))
                .hasMessageContaining("printed no job id")
                .hasMessageContaining("Could not connect");
    }
}
