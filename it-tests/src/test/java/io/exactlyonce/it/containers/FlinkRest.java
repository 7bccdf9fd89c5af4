package io.exactlyonce.it.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/** The few reads of Flink's REST API the fault scenarios need, and a cancel. */
final class FlinkRest {

    /** One checkpoint from the job's checkpoint history; times are epoch milliseconds. */
    record Checkpoint(long id, String status, long triggeredAt, long completedAt) {}

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final String baseUrl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final ObjectMapper json = new ObjectMapper();

    FlinkRest(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    /**
     * How often the job restored a checkpoint, i.e. restarted. (The {@code numRestarts} metric says
     * the same, but the REST API serves metrics from a cache that was seen to stop refreshing after
     * a TaskManager was killed.)
     */
    long restores(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId + "/checkpoints").path("counts").path("restored").asLong();
    }

    /**
     * The job's failures from {@code epochMillis} on: exception and the TaskManager reporting it.
     */
    List<String> failuresSince(String jobId, long epochMillis)
            throws IOException, InterruptedException {
        JsonNode entries =
                get("/jobs/" + jobId + "/exceptions").path("exceptionHistory").path("entries");
        return StreamSupport.stream(entries.spliterator(), false)
                .filter(e -> e.path("timestamp").asLong() >= epochMillis)
                .map(
                        e ->
                                e.path("exceptionName").asText()
                                        + " on "
                                        + e.path("taskManagerId").asText("?"))
                .toList();
    }

    /**
     * The checkpoint the job last restored and when (epoch milliseconds); empty before its first
     * restore.
     */
    Optional<Checkpoint> latestRestored(String jobId) throws IOException, InterruptedException {
        JsonNode restored = get("/jobs/" + jobId + "/checkpoints").path("latest").path("restored");
        if (restored.isMissingNode() || restored.isNull()) {
            return Optional.empty();
        }
        long at = restored.path("restore_timestamp").asLong();
        return Optional.of(new Checkpoint(restored.path("id").asLong(), "RESTORED", at, at));
    }

    long completedCheckpoints(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId + "/checkpoints").path("counts").path("completed").asLong();
    }

    /** Checkpoints that failed: expired, declined, or aborted by a failover. */
    long failedCheckpoints(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId + "/checkpoints").path("counts").path("failed").asLong();
    }

    /**
     * Checkpoints in the job's recent history that failed at or after {@code epochMillis}, each as
     * "id: failure message".
     */
    List<String> failedCheckpointsSince(String jobId, long epochMillis)
            throws IOException, InterruptedException {
        JsonNode history = get("/jobs/" + jobId + "/checkpoints").path("history");
        return StreamSupport.stream(history.spliterator(), false)
                .filter(
                        c ->
                                c.path("status").asText().equals("FAILED")
                                        && c.path("failure_timestamp").asLong() >= epochMillis)
                .map(c -> c.path("id").asLong() + ": " + c.path("failure_message").asText())
                .toList();
    }

    /** A checkpoint triggered at or after {@code epochMillis} that is still in progress. */
    Optional<Checkpoint> inProgressTriggeredAfter(String jobId, long epochMillis)
            throws IOException, InterruptedException {
        return history(jobId)
                .filter(c -> c.status().equals("IN_PROGRESS") && c.triggeredAt() >= epochMillis)
                .min((a, b) -> Long.compare(a.id(), b.id()));
    }

    /** The first completed checkpoint that was triggered at or after {@code epochMillis}. */
    Optional<Checkpoint> firstCompletedTriggeredAfter(String jobId, long epochMillis)
            throws IOException, InterruptedException {
        return firstCompletedAfter(jobId, epochMillis, 0);
    }

    /**
     * The first completed checkpoint triggered at or after {@code triggeredFrom} that completed at
     * or after {@code completedFrom} (epoch milliseconds).
     */
    Optional<Checkpoint> firstCompletedAfter(String jobId, long triggeredFrom, long completedFrom)
            throws IOException, InterruptedException {
        return history(jobId)
                .filter(
                        c ->
                                c.status().equals("COMPLETED")
                                        && c.triggeredAt() >= triggeredFrom
                                        && c.completedAt() >= completedFrom)
                .min((a, b) -> Long.compare(a.id(), b.id()));
    }

    /** The job's recent checkpoints, newest first. */
    private Stream<Checkpoint> history(String jobId) throws IOException, InterruptedException {
        JsonNode history = get("/jobs/" + jobId + "/checkpoints").path("history");
        return StreamSupport.stream(history.spliterator(), false)
                .map(
                        c ->
                                new Checkpoint(
                                        c.path("id").asLong(),
                                        c.path("status").asText(),
                                        c.path("trigger_timestamp").asLong(),
                                        c.path("latest_ack_timestamp").asLong()));
    }

    /** The job's parallelism: the highest of its operators'. */
    int parallelism(String jobId) throws IOException, InterruptedException {
        return StreamSupport.stream(get("/jobs/" + jobId).path("vertices").spliterator(), false)
                .mapToInt(v -> v.path("parallelism").asInt())
                .max()
                .orElse(0);
    }

    /** The job's state: RUNNING, FAILING, RESTARTING, FINISHED, ... */
    String state(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId).path("state").asText();
    }

    /** TaskManagers registered with the JobManager. */
    int taskManagers() throws IOException, InterruptedException {
        return get("/overview").path("taskmanagers").asInt();
    }

    /** The job's name, as it was submitted. */
    String jobName(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId).path("name").asText();
    }

    /** The configuration the JobManager runs with: every key and its value. */
    Map<String, String> jobManagerConfig() throws IOException, InterruptedException {
        return StreamSupport.stream(get("/jobmanager/config").spliterator(), false)
                .collect(
                        Collectors.toMap(
                                e -> e.path("key").asText(), e -> e.path("value").asText()));
    }

    /** The registered TaskManagers: each one's resource id and its number of slots. */
    Map<String, Integer> taskManagerSlots() throws IOException, InterruptedException {
        return StreamSupport.stream(get("/taskmanagers").path("taskmanagers").spliterator(), false)
                .collect(
                        Collectors.toMap(
                                t -> t.path("id").asText(), t -> t.path("slotsNumber").asInt()));
    }

    /** Id of the job's newest completed checkpoint; 0 before the first. */
    long latestCompletedCheckpointId(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId + "/checkpoints")
                .path("latest")
                .path("completed")
                .path("id")
                .asLong();
    }

    /** Slots of registered TaskManagers that no job occupies. */
    int availableSlots() throws IOException, InterruptedException {
        return get("/overview").path("slots-available").asInt();
    }

    /** Asks the JobManager to cancel the job; it answers at once and cancels in the background. */
    void cancel(String jobId) throws IOException, InterruptedException {
        HttpResponse<String> response =
                http.send(
                        HttpRequest.newBuilder(
                                        URI.create(baseUrl + "/jobs/" + jobId + "?mode=cancel"))
                                .timeout(TIMEOUT)
                                .method("PATCH", HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 202) {
            throw new IOException(
                    "cancel " + jobId + ": HTTP " + response.statusCode() + " " + response.body());
        }
    }

    /** The HTTP status of a GET, for endpoints that must not be there. */
    int status(String path) throws IOException, InterruptedException {
        return http.send(
                        HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(TIMEOUT).build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response =
                http.send(
                        HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(TIMEOUT).build(),
                        HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(
                    "GET " + path + ": HTTP " + response.statusCode() + " " + response.body());
        }
        return json.readTree(response.body());
    }
}
