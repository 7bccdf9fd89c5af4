package io.exactlyonce.bench;

import io.exactlyonce.pipeline.config.JobOptions;
import io.exactlyonce.pipeline.config.JobSettings;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * One run of one system, as the forked JVM that runs it receives it. {@code name} is unique per run
 * and names its output topics, database, transactional ids and consumer group.
 *
 * @param unbounded the job reads on past the input's end, until its JVM is stopped (latency runs)
 * @param unaligned unaligned checkpoints, which the job pins off; only to measure what they change
 * @param checkpointStorage Flink's {@code execution.checkpointing.storage}: {@code filesystem} (as
 *     in production) or {@code jobmanager} (in the JobManager's memory)
 * @param checkpointDir where the job's checkpoints (on a file system) and their statistics go
 */
public record RunSpec(
        SystemUnderTest system,
        String name,
        String bootstrapServers,
        String registryUrl,
        String jdbcUrl,
        String inputTopic,
        int partitions,
        int parallelism,
        Duration interval,
        Duration windowSize,
        Duration outOfOrderness,
        int jdbcBatchSize,
        boolean unbounded,
        boolean unaligned,
        String checkpointStorage,
        String checkpointDir) {

    public String outputTopic() {
        return name + "-counts";
    }

    public String lateTopic() {
        return name + "-late";
    }

    public String deadLetterTopic() {
        return name + "-dead-letter";
    }

    /**
     * The job's options for this run: the job's defaults except the addresses, the window, the
     * checkpoint interval (with no pause, so checkpoints follow at the interval as Kafka Streams
     * commits do) and, for at-least-once, both sinks' guarantee.
     */
    public JobSettings jobSettings() {
        Map<String, String> options = new HashMap<>();
        options.put(JobOptions.JOB_ID.key(), name);
        options.put(JobOptions.BOOTSTRAP_SERVERS.key(), bootstrapServers);
        options.put(JobOptions.SCHEMA_REGISTRY_URL.key(), registryUrl);
        options.put(JobOptions.JDBC_URL.key(), jdbcUrl);
        options.put(JobOptions.JDBC_USER.key(), "root");
        options.put(JobOptions.INPUT_TOPIC.key(), inputTopic);
        options.put(JobOptions.OUTPUT_TOPIC.key(), outputTopic());
        options.put(JobOptions.LATE_TOPIC.key(), lateTopic());
        options.put(JobOptions.DEAD_LETTER_TOPIC.key(), deadLetterTopic());
        options.put(JobOptions.WINDOW_SIZE.key(), windowSize.toMillis() + " ms");
        options.put(JobOptions.OUT_OF_ORDERNESS.key(), outOfOrderness.toMillis() + " ms");
        options.put(JobOptions.CHECKPOINT_INTERVAL.key(), interval.toMillis() + " ms");
        options.put(JobOptions.CHECKPOINT_MIN_PAUSE.key(), "0 ms");
        options.put(JobOptions.JDBC_BATCH_SIZE.key(), Integer.toString(jdbcBatchSize));
        options.put(JobOptions.PARALLELISM.key(), Integer.toString(parallelism));
        if (system == SystemUnderTest.JOB_ALO) {
            options.put(JobOptions.KAFKA_GUARANTEE.key(), "AT_LEAST_ONCE");
            options.put(JobOptions.JDBC_GUARANTEE.key(), "AT_LEAST_ONCE");
        }
        return JobSettings.of(options, "");
    }

    void write(Path file) throws IOException {
        Properties p = new Properties();
        p.setProperty("system", system.name());
        p.setProperty("name", name);
        p.setProperty("bootstrapServers", bootstrapServers);
        p.setProperty("registryUrl", registryUrl);
        p.setProperty("jdbcUrl", jdbcUrl);
        p.setProperty("inputTopic", inputTopic);
        p.setProperty("partitions", Integer.toString(partitions));
        p.setProperty("parallelism", Integer.toString(parallelism));
        p.setProperty("intervalMs", Long.toString(interval.toMillis()));
        p.setProperty("windowMs", Long.toString(windowSize.toMillis()));
        p.setProperty("outOfOrdernessMs", Long.toString(outOfOrderness.toMillis()));
        p.setProperty("jdbcBatchSize", Integer.toString(jdbcBatchSize));
        p.setProperty("unbounded", Boolean.toString(unbounded));
        p.setProperty("unaligned", Boolean.toString(unaligned));
        p.setProperty("checkpointStorage", checkpointStorage);
        p.setProperty("checkpointDir", checkpointDir);
        try (Writer out = Files.newBufferedWriter(file)) {
            p.store(out, null);
        }
    }

    static RunSpec read(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        }
        return new RunSpec(
                SystemUnderTest.valueOf(p.getProperty("system")),
                p.getProperty("name"),
                p.getProperty("bootstrapServers"),
                p.getProperty("registryUrl"),
                p.getProperty("jdbcUrl"),
                p.getProperty("inputTopic"),
                Integer.parseInt(p.getProperty("partitions")),
                Integer.parseInt(p.getProperty("parallelism")),
                Duration.ofMillis(Long.parseLong(p.getProperty("intervalMs"))),
                Duration.ofMillis(Long.parseLong(p.getProperty("windowMs"))),
                Duration.ofMillis(Long.parseLong(p.getProperty("outOfOrdernessMs"))),
                Integer.parseInt(p.getProperty("jdbcBatchSize")),
                Boolean.parseBoolean(p.getProperty("unbounded")),
                Boolean.parseBoolean(p.getProperty("unaligned")),
                p.getProperty("checkpointStorage"),
                p.getProperty("checkpointDir"));
    }
}
