package io.exactlyonce.testkit.verify;

import io.exactlyonce.model.UserIds;
import io.exactlyonce.model.avro.UserVisitEvent;
import io.exactlyonce.model.serde.ConfluentAvroSerializer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Seeded visit traffic with a known answer: valid visits spread over a number of windows, visits
 * that arrive long after their window closed, and one or more records of every kind the job must
 * reject. The same seed gives the same traffic (event times relative to {@link Settings#start}).
 */
public final class VisitTraffic {

    /**
     * @param start first window start; keep it recent, brokers delete records past retention
     * @param outOfOrderness valid visits arrive at most this far out of order (below the job's
     *     bound)
     * @param latePerMille visits per thousand that arrive for a window closed long ago
     * @param rejectsPerKind records of each rejectable kind
     */
    public record Settings(
            long seed,
            int events,
            int users,
            int windows,
            Duration windowSize,
            Instant start,
            Duration outOfOrderness,
            int latePerMille,
            int rejectsPerKind) {

        /** Defaults for a test: small, fast, every path exercised. */
        public static Settings forTest(long seed, int events, Duration windowSize) {
            return new Settings(
                    seed,
                    events,
                    20,
                    8,
                    windowSize,
                    alignedStart(windowSize),
                    Duration.ofSeconds(2),
                    10,
                    2);
        }

        public Settings withWindows(int windows) {
            return new Settings(
                    seed,
                    events,
                    users,
                    windows,
                    windowSize,
                    start,
                    outOfOrderness,
                    latePerMille,
                    rejectsPerKind);
        }

        /** A recent window boundary, an hour back, so record timestamps lie in the retention. */
        public static Instant alignedStart(Duration windowSize) {
            long now = System.currentTimeMillis() - Duration.ofHours(1).toMillis();
            return Instant.ofEpochMilli(now - now % windowSize.toMillis());
        }
    }

    private static final int UNKNOWN_SCHEMA_ID = 999_999;

    private final Settings settings;

    public VisitTraffic(Settings settings) {
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    /** Plans every record in producing order; values are serialized with {@code serializer}. */
    public List<PlannedRecord> plan(
            ConfluentAvroSerializer<UserVisitEvent> serializer, String topic) {
        Random random = new Random(settings.seed());
        long start = settings.start().toEpochMilli();
        long span = settings.windowSize().toMillis() * settings.windows();
        long jitter = settings.outOfOrderness().toMillis();
        List<PlannedRecord> planned = new ArrayList<>(settings.events() + 64);
        for (int i = 0; i < settings.events(); i++) {
            // Event times advance through the windows with bounded jitter, so none is late...
            long base = start + span * i / settings.events();
            long eventTime = Math.max(start, base - (long) (random.nextDouble() * jitter));
            long recordTime = base + 100;
            String userId = "user-" + random.nextInt(settings.users());
            boolean late =
                    i > settings.events() / 2 && random.nextInt(1000) < settings.latePerMille();
            if (late) {
                // ...except these, dated to a window that closed long before they arrive.
                eventTime =
                        start
                                - Duration.ofMinutes(30).toMillis()
                                + random.nextInt((int) settings.windowSize().toMillis());
            }
            String eventId = "evt-" + settings.seed() + "-" + i;
            UserVisitEvent event = event(eventId, userId, eventTime, random);
            planned.add(
                    new PlannedRecord(
                            userId.getBytes(StandardCharsets.UTF_8),
                            serializer.serialize(topic, event),
                            recordTime,
                            new Expectation.Valid(
                                    eventId,
                                    userId,
                                    eventTime,
                                    late ? Expectation.Timing.LATE : Expectation.Timing.ON_TIME)));
        }
        List<PlannedRecord> rejects = rejects(serializer, topic, random, start);
        // Spread the rejects through the stream, never at the very start.
        for (PlannedRecord reject : rejects) {
            int at = planned.size() / 10 + random.nextInt(planned.size() * 9 / 10);
            PlannedRecord neighbour = planned.get(at);
            planned.add(
                    at,
                    new PlannedRecord(
                            reject.key(),
                            reject.value(),
                            neighbour.timestamp(),
                            reject.expectation()));
        }
        return Collections.unmodifiableList(planned);
    }

    private List<PlannedRecord> rejects(
            ConfluentAvroSerializer<UserVisitEvent> serializer,
            String topic,
            Random random,
            long start) {
        List<PlannedRecord> rejects = new ArrayList<>();
        byte[] key = "rejected".getBytes(StandardCharsets.UTF_8);
        for (int n = 0; n < settings.rejectsPerKind(); n++) {
            String id = "bad-" + settings.seed() + "-" + n;
            byte[] valid = serializer.serialize(topic, event(id, "user-0", start, random));

            byte[] badMagic = valid.clone();
            badMagic[0] = 1;
            rejects.add(reject(key, badMagic, "BAD_MAGIC_BYTE"));

            byte[] unknownSchema = valid.clone();
            unknownSchema[1] = (byte) (UNKNOWN_SCHEMA_ID >>> 24);
            unknownSchema[2] = (byte) (UNKNOWN_SCHEMA_ID >>> 16);
            unknownSchema[3] = (byte) (UNKNOWN_SCHEMA_ID >>> 8);
            unknownSchema[4] = (byte) UNKNOWN_SCHEMA_ID;
            rejects.add(reject(key, unknownSchema, "UNKNOWN_SCHEMA_ID"));

            rejects.add(reject(key, Arrays.copyOf(valid, 3), "TRUNCATED"));
            rejects.add(reject(key, null, "NULL_PAYLOAD"));
            rejects.add(
                    reject(
                            key,
                            serializer.serialize(topic, event(id + "-nouser", "", start, random)),
                            "MISSING_USER_ID"));
            // Emoji: one character each for the column, two Java chars each.
            rejects.add(
                    reject(
                            key,
                            serializer.serialize(
                                    topic,
                                    event(
                                            id + "-longuser",
                                            "\uD83D\uDE00".repeat(UserIds.MAX_LENGTH + 1),
                                            start,
                                            random)),
                            "USER_ID_TOO_LONG"));
            rejects.add(
                    reject(
                            key,
                            serializer.serialize(
                                    topic,
                                    event(
                                            id + "-1990",
                                            "user-0",
                                            Instant.parse("1990-01-01T00:00:00Z").toEpochMilli(),
                                            random)),
                            "EVENT_TIME_OUT_OF_RANGE"));
        }
        return rejects;
    }

    private static PlannedRecord reject(byte[] key, byte[] value, String reason) {
        return new PlannedRecord(key, value, 0L, new Expectation.Rejected(reason));
    }

    /** A valid visit with a random page and country, as every generator of visits here makes. */
    public static UserVisitEvent event(
            String eventId, String userId, long eventTime, Random random) {
        return UserVisitEvent.newBuilder()
                .setEventId(eventId)
                .setUserId(userId)
                .setPage("/page/" + random.nextInt(50))
                .setEventTime(Instant.ofEpochMilli(eventTime))
                .setCountry(random.nextBoolean() ? "DE" : null)
                .build();
    }

    /** Serializer settings for the generator's producer. */
    public static Map<String, String> serdeConfig(String registryUrl) {
        return Map.of("schema.registry.url", registryUrl, "auto.register.schemas", "true");
    }
}
