package io.exactlyonce.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Flink's own checkpoint statistics of a run ({@code GET /jobs/:id/checkpoints} of its
 * MiniCluster), copied to a file while the job runs, so they outlive a job that finished or a JVM
 * that was stopped.
 *
 * @param completed checkpoints completed
 * @param stateBytesMax the largest full state of a completed checkpoint
 * @param durationP50Millis trigger to last acknowledgement, median
 * @param durationP99Millis the same, 99th percentile
 * @param durationMaxMillis the same, slowest
 * @param persistedBytesMax in-flight data persisted by the largest unaligned checkpoint
 */
record CheckpointStats(
        long completed,
        long stateBytesMax,
        double durationP50Millis,
        double durationP99Millis,
        long durationMaxMillis,
        long persistedBytesMax) {

    static final CheckpointStats NONE = new CheckpointStats(0, -1, -1, -1, -1, -1);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration POLL = Duration.ofMillis(500);

    static Path file(RunSpec spec) {
        return Path.of(spec.checkpointDir(), spec.name() + "-checkpoints.json");
    }

    /** The figures last copied for this run; {@link #NONE} if there are none. */
    static CheckpointStats read(RunSpec spec) throws IOException {
        Path file = file(spec);
        if (!Files.exists(file)) {
            return NONE;
        }
        JsonNode stats = JSON.readTree(file.toFile());
        JsonNode summary = stats.path("summary");
        JsonNode duration = summary.path("end_to_end_duration");
        return new CheckpointStats(
                stats.path("counts").path("completed").asLong(),
                summary.path("state_size").path("max").asLong(-1),
                duration.path("p50").asDouble(-1),
                duration.path("p99").asDouble(-1),
                duration.path("max").asLong(-1),
                summary.path("persisted_data").path("max").asLong(-1));
    }

    /** Copies the statistics of the cluster's one job to {@code file} every half second. */
    static void pollInBackground(int restPort, Path file) {
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + restPort;
        AtomicReference<String> jobId = new AtomicReference<>();
        ScheduledExecutorService poller =
                Executors.newSingleThreadScheduledExecutor(
                        task -> {
                            Thread thread = new Thread(task, "checkpoint-stats");
                            thread.setDaemon(true);
                            return thread;
                        });
        poller.scheduleWithFixedDelay(
                () -> {
                    try {
                        if (jobId.get() == null) {
                            JsonNode jobs = JSON.readTree(get(http, base + "/jobs")).path("jobs");
                            if (!jobs.isEmpty()) {
                                jobId.set(jobs.get(0).path("id").asText());
                            }
                            return;
                        }
                        String body = get(http, base + "/jobs/" + jobId.get() + "/checkpoints");
                        Path next = file.resolveSibling(file.getFileName() + ".next");
                        Files.createDirectories(file.getParent());
                        Files.writeString(next, body);
                        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING);
                    } catch (IOException e) {
                        // The cluster is starting or stopping: the last copy stands.
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                0,
                POLL.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private static String get(HttpClient http, String url)
            throws IOException, InterruptedException {
        HttpResponse<String> response =
                http.send(
                        HttpRequest.newBuilder(URI.create(url)).build(),
                        HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(url + " answered " + response.statusCode());
        }
        return response.body();
    }
}
