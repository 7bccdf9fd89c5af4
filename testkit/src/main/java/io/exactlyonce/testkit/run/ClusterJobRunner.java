package io.exactlyonce.testkit.run;

import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.pipeline.config.OptionValues;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the job on a real Flink cluster the way an operator does: {@code flink run -d} with the job
 * jar and its options as {@code --key value} arguments (or a deployment's own submit script that
 * runs it, see {@link Submitter}), and {@code flink stop --drain} with a savepoint at the end. The
 * job's {@code main()} builds its config in the CLI's JVM, so the CLI's environment must hold
 * {@value JobSettings#PASSWORD_ENVIRONMENT_VARIABLE}; the password is never an argument
 * (JobSettings refuses it there).
 */
public final class ClusterJobRunner implements JobRunner {

    /** The {@code flink} command line, run where it reaches the cluster and can read the jar. */
    @FunctionalInterface
    public interface FlinkCli {

        /** Runs {@code flink ARGS}; returns its standard output, or throws on a non-zero exit. */
        String run(List<String> args, Duration timeout) throws Exception;
    }

    /** How a job is submitted, detached: {@code flink run -d}, or a script that runs it. */
    @FunctionalInterface
    public interface Submitter {

        /**
         * Submits the job and returns what was printed, which names the job's id as {@code flink
         * run} does.
         *
         * @param options the job's options
         * @param savepoint the savepoint or retained checkpoint to resume from; null for none
         */
        String submit(OptionValues options, String savepoint) throws Exception;
    }

    private static final Duration SUBMIT_TIMEOUT = Duration.ofMinutes(2);
    private static final Pattern SUBMITTED = Pattern.compile("JobID ([0-9a-f]{32})");
    private static final Pattern SAVEPOINT_PATH =
            Pattern.compile("Savepoint completed\\. Path: (\\S+)");

    private final FlinkCli cli;
    private final Submitter submitter;
    private final String savepointDir;

    /**
     * Submits with {@code flink run -d JAR --key value...}.
     *
     * @param jobJar the job jar's path as the CLI sees it
     * @param savepointDir where savepoints go, as the JobManager and TaskManagers see it
     */
    public ClusterJobRunner(FlinkCli cli, String jobJar, String savepointDir) {
        this(
                cli,
                (options, savepoint) -> {
                    List<String> args = new ArrayList<>(List.of("run", "--detached"));
                    if (savepoint != null) {
                        args.addAll(List.of("--fromSavepoint", savepoint));
                    }
                    args.add(jobJar);
                    args.addAll(options.toArguments());
                    return cli.run(args, SUBMIT_TIMEOUT);
                },
                savepointDir);
    }

    /**
     * Submits with {@code submitter}; {@code cli} stops the job.
     *
     * @param savepointDir where savepoints go, as the JobManager and TaskManagers see it
     */
    public ClusterJobRunner(FlinkCli cli, Submitter submitter, String savepointDir) {
        this.cli = cli;
        this.submitter = submitter;
        this.savepointDir = savepointDir;
    }

    @Override
    public ClusterJob submit(JobSettings config, VerifiedRun.Plan plan) throws Exception {
        if (plan.failAfterCheckpoint() > 0) {
            throw new IllegalArgumentException(
                    "a failure injected from inside the job needs its"
                            + " tasks in this JVM; on a cluster, inject faults from outside");
        }
        return run(config, plan.name(), null, OptionValues.of());
    }

    /** Submits the job with the config's options, {@code changed} ones replaced. */
    private ClusterJob run(
            JobSettings config, String runName, String savepoint, OptionValues changed)
            throws Exception {
        String output = submitter.submit(config.options().with(changed), savepoint);
        Matcher submitted = SUBMITTED.matcher(output);
        if (!submitted.find()) {
            throw new IllegalStateException("the submission printed no job id:\n" + output);
        }
        return new ClusterJob(submitted.group(1), config, runName);
    }

    /** A job on the cluster, which can be stopped with a savepoint and resumed, as operators do. */
    public final class ClusterJob implements SubmittedJob {

        private final String jobId;
        private final JobSettings config;
        private final String runName;

        private ClusterJob(String jobId, JobSettings config, String runName) {
            this.jobId = jobId;
            this.config = config;
            this.runName = runName;
        }

        @Override
        public String jobId() {
            return jobId;
        }

        @Override
        public void drainWithSavepoint(Duration timeout) throws Exception {
            // Returns once the savepoint is complete and the job has finished.
            cli.run(
                    List.of("stop", "--drain", "--savepointPath", savepointTarget(), jobId),
                    timeout);
        }

        /**
         * {@code flink stop} without draining: the sinks commit what the savepoint covers, the job
         * finishes, and open windows stay in the savepoint's state. Returns its path.
         */
        public String stopWithSavepoint(Duration timeout) throws Exception {
            String output =
                    cli.run(List.of("stop", "--savepointPath", savepointTarget(), jobId), timeout);
            Matcher path = SAVEPOINT_PATH.matcher(output);
            if (!path.find()) {
                throw new IllegalStateException("flink stop printed no savepoint path:\n" + output);
            }
            return path.group(1);
        }

        /**
         * A new job of the same run from a savepoint or retained checkpoint ({@code flink run -s}),
         * with {@code changed} options, e.g. another parallelism. Same transactional-id and XID
         * prefixes: it takes over what the old job left prepared.
         */
        public ClusterJob resumeFrom(String path, OptionValues changed) throws Exception {
            return run(config, runName, path, changed);
        }

        private String savepointTarget() {
            return savepointDir + "/" + runName;
        }
    }
}
