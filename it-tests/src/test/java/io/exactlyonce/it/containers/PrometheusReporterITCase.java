package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.exactlyonce.it.monitoring.Promtool;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.testkit.run.JobRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job on the container cluster with Flink's Prometheus reporter, as deployed: once it has
 * completed checkpoints, the reporters of the JobManager and of each TaskManager are scraped, and
 * every series the alert rules ({@code deploy/monitoring/prometheus/rules.yaml}) and the dashboard
 * read must be there, under the names the rules use. No fault: the run must also end exactly-once.
 */
@Tag("containers")
class PrometheusReporterITCase {

    private static final String SCENARIO = "prometheus-reporter";
    private static final int PARALLELISM = 2;
    private static final Pattern SERIES_NAME = Pattern.compile("\\bflink_[A-Za-z0-9_]+");

    /** The job's four committers, each with the counters that tell recovery from loss. */
    private static final List<String> COMMITTERS =
            List.of(
                    "counts-to-kafka",
                    "counts-to-database",
                    "late-visits-to-kafka",
                    "dead-letters-to-kafka");

    @RegisterExtension
    static final ContainerEnvironmentExtension CONTAINERS =
            new ContainerEnvironmentExtension(SCENARIO, PARALLELISM);

    @Test
    void theReportersServeEverySeriesTheAlertRulesRead() throws Exception {
        FaultScenario.run(
                CONTAINERS.environment(),
                SCENARIO,
                FaultScenario.plan("prom", PARALLELISM, 6_000, 200, OptionValues.of()),
                new Scrape());
    }

    /** The reporter writes "-" and " " in label values as "_". */
    private static String labelValue(String value) {
        return value.replace('-', '_').replace(' ', '_');
    }

    static Set<String> seriesNames(String text) {
        Set<String> names = new TreeSet<>();
        Matcher matcher = SERIES_NAME.matcher(text);
        while (matcher.find()) {
            names.add(matcher.group());
        }
        return names;
    }

    /**
     * No fault: scrapes the reporters while the job runs, after it has completed two checkpoints.
     * Its proof: every series the rules and the dashboard read is served.
     */
    private static final class Scrape extends ContainerFault {
        private String jobManager = "";
        private final List<String> taskManagers = new ArrayList<>();
        private Path scraped;
        private Set<String> served = Set.of();
        private final Set<String> read = new TreeSet<>();

        @Override
        JobRunner.SubmittedJob inject(FaultScenario scenario, JobRunner.SubmittedJob job)
                throws Exception {
            FlinkCluster flink = scenario.environment().flink();
            FlinkRest rest = flink.rest();
            await("two completed checkpoints")
                    .atMost(FaultScenario.WAIT)
                    .ignoreExceptions()
                    .until(() -> rest.completedCheckpoints(job.jobId()) >= 2);
            // The JobManager reports checkpoint metrics once the job runs; wait for them to show.
            await("the JobManager reporting the job's last completed checkpoint")
                    .atMost(FaultScenario.WAIT)
                    .ignoreExceptions()
                    .until(
                            () ->
                                    flink.jobManagerMetrics()
                                            .contains(
                                                    "flink_jobmanager_job_lastCheckpointCompletedTimestamp"));
            jobManager = flink.jobManagerMetrics();
            for (FlinkCluster.TaskManager taskManager : flink.taskManagers()) {
                taskManagers.add(FlinkCluster.metrics(taskManager));
            }
            scenario.say(
                    "scraped the JobManager ("
                            + jobManager.lines().count()
                            + " lines) and "
                            + taskManagers.size()
                            + " TaskManagers ("
                            + taskManagers.stream()
                                    .map(t -> Long.toString(t.lines().count()))
                                    .collect(Collectors.joining(", "))
                            + " lines)");

            scraped = Files.createDirectories(Path.of("target", "container-logs", SCENARIO));
            Files.writeString(scraped.resolve("jobmanager.prom"), jobManager);
            Files.writeString(
                    scraped.resolve("taskmanagers.prom"), String.join("\n", taskManagers));
            served = seriesNames(jobManager + "\n" + String.join("\n", taskManagers));
            read.addAll(
                    seriesNames(
                            Files.readString(Promtool.RULES)
                                    .lines()
                                    .filter(line -> !line.strip().startsWith("#"))
                                    .collect(Collectors.joining("\n"))));
            read.addAll(
                    seriesNames(
                            Files.readString(
                                    Promtool.MONITORING
                                            .resolve("grafana")
                                            .resolve("visit-count.json"))));
            return job;
        }

        @Override
        String outcome() {
            return "rules and dashboard read "
                    + read.size()
                    + " series; the reporters serve "
                    + served.size()
                    + "; scrapes in "
                    + scraped.toAbsolutePath();
        }

        @Override
        void assertStruck() {
            assertThat(read)
                    .as("series names in the rules and the dashboard")
                    .hasSizeGreaterThan(10);
            assertThat(served)
                    .as("series served by the reporters (scrapes in %s)", scraped.toAbsolutePath())
                    .containsAll(read);
            String allTaskManagers = String.join("\n", taskManagers);
            for (String committer : COMMITTERS) {
                for (String counter :
                        List.of(
                                "commitsLost",
                                "commitOutcomeUnknown",
                                "recommitsOfCommittedTransactions")) {
                    assertThat(allTaskManagers)
                            .as("%s of %s", counter, committer)
                            .containsPattern(
                                    "flink_taskmanager_job_task_operator_"
                                            + counter
                                            + "\\{[^}]*operator_name=\""
                                            + Pattern.quote(labelValue(committer + ": Committer"))
                                            + "\"");
                }
            }
        }
    }
}
