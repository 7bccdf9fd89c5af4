package io.exactlyonce.pipeline.operators;

import static io.exactlyonce.pipeline.operators.TestVisits.RECORD_TIME;
import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.model.avro.UserVisitEvent;
import io.exactlyonce.model.serde.AvroSerdeConfig;
import io.exactlyonce.model.serde.ConfluentAvroDeserializer;
import io.exactlyonce.model.serde.ConfluentWireFormat;
import io.exactlyonce.model.serde.GenericWireFormat;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryData;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of {@link VisitDecoder}: valid visits, written with the job's schema and with
 * compatible writer schemas that use every Avro type, are cut, bit-flipped, given oversized length
 * fields, corrupted field by field, or replaced by arbitrary bytes. Every input must come out as
 * exactly one visit or one dead letter with a reason, within a few seconds, and never as an
 * exception or an Error: any of those would restart the job on the same record forever.
 *
 * <p>The seed is fixed, so a failure names an input that reproduces it. The registry is in-memory,
 * so an outage is out of scope (the decoder fails on purpose then).
 */
class VisitDecoderFuzzTest {

    private static final long SEED = 0x5eed_dec0deL;
    private static final int INPUTS = 30_000;

    /** Far above any honest decode (microseconds), far below a stuck partition. */
    private static final Duration LIMIT_PER_INPUT = Duration.ofSeconds(10);

    /** A decode that never returns keeps its thread busy; give up after this many. */
    private static final int MAX_STUCK_INPUTS = 2;

    private static final Set<DeadLetterReason> FIELD_REASONS =
            EnumSet.of(
                    DeadLetterReason.MISSING_EVENT_ID,
                    DeadLetterReason.MISSING_USER_ID,
                    DeadLetterReason.EVENT_TIME_OUT_OF_RANGE);

    private static final Schema STEP = GenericWireFormat.recursiveStep("io.exactlyonce.fuzz");

    /** A compatible writer: the job's fields plus one field of every other Avro type. */
    private static final Schema WIDE_WRITER = wideWriter();

    /**
     * A compatible writer whose extra record holds itself with no union between: no value of it is
     * finite, so every record it writes is refused as UNUSABLE_SCHEMA, mutated or not.
     */
    private static final Schema LOOPING_WRITER = loopingWriter();

    private final Random random = new Random(SEED);
    private final TestVisits visits = new TestVisits();
    private int loopingWriterId = -1;

    private enum Mutation {
        NONE,
        TRUNCATE,
        FLIP_BITS,
        FLIP_BODY_BITS,
        OVERSIZED_LENGTH,
        CORRUPT_FIELD,
        TRAILING_BYTES,
        OTHER_SCHEMA_ID,
        ARBITRARY_BYTES
    }

    @Test
    void everyInputBecomesExactlyOneVisitOrOneDeadLetterWithAReason() throws InterruptedException {
        // No second lookup of an unknown id: an in-memory registry cannot lag, and thousands of
        // flipped ids would otherwise each wait out the backoff.
        ConfluentAvroDeserializer<UserVisitEvent> deserializer =
                new ConfluentAvroDeserializer<>(UserVisitEvent.class, visits.registry);
        deserializer.configure(Map.of(AvroSerdeConfig.UNKNOWN_SCHEMA_ID_RETRIES, 0), false);
        VisitDecoder decoder = new VisitDecoder(deserializer, EventTimeBounds.DEFAULT);

        Map<String, Integer> outcomes = new TreeMap<>();
        List<String> findings = new ArrayList<>();
        int inputsRun = 0;
        int stuck = 0;
        ExecutorService worker = newWorker();
        try {
            for (int i = 0; i < INPUTS && stuck < MAX_STUCK_INPUTS; i++) {
                Mutation mutation = Mutation.values()[random.nextInt(Mutation.values().length)];
                byte[] input = mutate(mutation, validRecord());
                inputsRun++;
                Future<DecodedRecord> decoding =
                        worker.submit(() -> decoder.decode(visits.raw(input)));
                try {
                    DecodedRecord decoded =
                            decoding.get(LIMIT_PER_INPUT.toMillis(), TimeUnit.MILLISECONDS);
                    String problem = problemWith(decoded, input, mutation, loopingWriterId);
                    if (problem != null) {
                        findings.add(describe(i, mutation, input, problem));
                    } else {
                        outcomes.merge(outcomeOf(decoded), 1, Integer::sum);
                    }
                } catch (ExecutionException e) {
                    findings.add(describe(i, mutation, input, "threw " + e.getCause()));
                } catch (TimeoutException e) {
                    findings.add(
                            describe(
                                    i,
                                    mutation,
                                    input,
                                    "did not return within " + LIMIT_PER_INPUT));
                    stuck++;
                    worker.shutdownNow();
                    worker = newWorker();
                }
            }
        } finally {
            worker.shutdownNow();
        }

        String summary =
                inputsRun
                        + " inputs (seed "
                        + SEED
                        + "), outcomes "
                        + outcomes
                        + ", "
                        + findings.size()
                        + " findings";
        System.out.println("VisitDecoderFuzzTest: " + summary);
        assertThat(findings).as(summary).isEmpty();
        assertThat(inputsRun).isEqualTo(INPUTS);
        // The generator must reach past the header into every kind of outcome, or it proves little.
        assertThat(outcomes)
                .as(summary)
                .containsKeys(
                        "VISIT",
                        "TRUNCATED",
                        "BAD_MAGIC_BYTE",
                        "UNKNOWN_SCHEMA_ID",
                        "MALFORMED_AVRO",
                        "UNUSABLE_SCHEMA",
                        "MISSING_EVENT_ID",
                        "MISSING_USER_ID",
                        "EVENT_TIME_OUT_OF_RANGE");
    }

    /** Null when the record is exactly one well-formed visit or dead letter for this input. */
    private static String problemWith(
            DecodedRecord decoded, byte[] input, Mutation mutation, int loopingWriterId) {
        if (decoded == null) {
            return "returned null";
        }
        if ((decoded.visit() == null) == (decoded.deadLetter() == null)) {
            return "is not exactly one of visit and dead letter: " + decoded;
        }
        if (decoded.isVisit()) {
            Visit visit = decoded.visit();
            boolean complete =
                    visit.eventId() != null
                            && !visit.eventId().isBlank()
                            && visit.userId() != null
                            && !visit.userId().isBlank()
                            && Arrays.equals(visit.payload(), input);
            return complete ? null : "visit lacks an id or its original bytes: " + visit;
        }
        DeadLetter deadLetter = decoded.deadLetter();
        if (deadLetter.reason() == null
                || deadLetter.detail() == null
                || deadLetter.detail().isBlank()) {
            return "dead letter without reason or detail: " + deadLetter;
        }
        if (!Arrays.equals(deadLetter.value(), input) || deadLetter.sourceOffset() != 7L) {
            return "dead letter does not carry the original record: " + deadLetter;
        }
        // An unmutated record is well-formed Avro: only its field values may be refused.
        boolean unusableWriter =
                deadLetter.reason() == DeadLetterReason.UNUSABLE_SCHEMA
                        && input.length >= 5
                        && ByteBuffer.wrap(input, 1, 4).getInt() == loopingWriterId;
        if (mutation == Mutation.NONE
                && !FIELD_REASONS.contains(deadLetter.reason())
                && !unusableWriter) {
            return "well-formed record dead-lettered: " + deadLetter;
        }
        return null;
    }

    private static String outcomeOf(DecodedRecord decoded) {
        return decoded.isVisit() ? "VISIT" : decoded.deadLetter().reason().name();
    }

    private static String describe(int index, Mutation mutation, byte[] input, String problem) {
        String hex = HexFormat.of().formatHex(input, 0, Math.min(input.length, 64));
        return "input "
                + index
                + " ("
                + mutation
                + ", "
                + input.length
                + " bytes: "
                + hex
                + (input.length > 64 ? "..." : "")
                + ") "
                + problem;
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(
                runnable -> {
                    Thread thread = new Thread(runnable, "fuzz-decode");
                    thread.setDaemon(true);
                    return thread;
                });
    }

    // ---- valid records ----

    private byte[] validRecord() {
        String eventId = text(random.nextInt(10) == 0 ? 0 : 1 + random.nextInt(40));
        String userId = text(random.nextInt(10) == 0 ? 0 : 1 + random.nextInt(40));
        long eventTime = eventTime();
        if (random.nextBoolean()) {
            return visits.bytes(eventId, userId, eventTime);
        }
        if (random.nextInt(20) == 0) {
            return loopingWriterRecord(eventId, userId, eventTime);
        }
        GenericRecord wide = new GenericData.Record(WIDE_WRITER);
        wide.put("event_id", eventId);
        wide.put("user_id", userId);
        wide.put("page", "/" + text(random.nextInt(20)));
        wide.put("event_time", eventTime);
        for (String optional :
                List.of("referrer", "user_agent", "session_id", "country", "device_type")) {
            wide.put(optional, random.nextBoolean() ? null : text(random.nextInt(30)));
        }
        List<Object> tags = new ArrayList<>();
        for (int i = random.nextInt(5); i > 0; i--) {
            tags.add(null);
        }
        wide.put("tags", tags);
        Map<String, String> attributes = new TreeMap<>();
        for (int i = random.nextInt(4); i > 0; i--) {
            attributes.put(text(1 + random.nextInt(8)), text(random.nextInt(8)));
        }
        wide.put("attributes", attributes);
        wide.put("trail", trail(random.nextInt(6)));
        wide.put(
                "blob",
                random.nextBoolean() ? null : ByteBuffer.wrap(randomBytes(random.nextInt(16))));
        wide.put(
                "kind",
                new GenericData.EnumSymbol(
                        WIDE_WRITER.getField("kind").schema(),
                        random.nextBoolean() ? "PAGE" : "API"));
        wide.put(
                "digest",
                new GenericData.Fixed(WIDE_WRITER.getField("digest").schema(), randomBytes(4)));
        wide.put("score", random.nextDouble());
        wide.put("ratio", random.nextFloat());
        wide.put("flag", random.nextBoolean());
        wide.put("hops", random.nextInt());
        return visits.bytes(wide);
    }

    private byte[] loopingWriterRecord(String eventId, String userId, long eventTime) {
        GenericRecord record = new GenericData.Record(LOOPING_WRITER);
        record.put("event_id", eventId);
        record.put("user_id", userId);
        record.put("page", "/");
        record.put("event_time", eventTime);
        record.put("loop", null);
        byte[] bytes = visits.bytes(record);
        loopingWriterId = ByteBuffer.wrap(bytes, 1, 4).getInt();
        if (random.nextBoolean()) {
            bytes[bytes.length - 1] = 0x02; // the loop's union branch: a Loop, which never ends
        }
        return bytes;
    }

    private long eventTime() {
        return switch (random.nextInt(6)) {
            case 0 -> random.nextLong();
            case 1 -> RECORD_TIME + Duration.ofHours(2).toMillis();
            default -> RECORD_TIME - random.nextInt(3_600_000);
        };
    }

    private GenericRecord trail(int depth) {
        GenericRecord step = new GenericData.Record(STEP);
        step.put("next", depth == 0 ? null : trail(depth - 1));
        return step;
    }

    private String text(int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(
                    switch (random.nextInt(8)) {
                        case 0 -> ' ';
                        case 1 -> (char) (0x00e0 + random.nextInt(32)); // two UTF-8 bytes
                        case 2 -> (char) (0x4e00 + random.nextInt(512)); // three UTF-8 bytes
                        default -> (char) ('a' + random.nextInt(26));
                    });
        }
        return text.toString();
    }

    // ---- mutations ----

    private byte[] mutate(Mutation mutation, byte[] valid) {
        int header = ConfluentWireFormat.HEADER_LENGTH;
        return switch (mutation) {
            case NONE -> valid;
            case TRUNCATE -> Arrays.copyOf(valid, random.nextInt(valid.length));
            case FLIP_BITS -> flipBits(valid, 0);
            case FLIP_BODY_BITS -> flipBits(valid, header);
            case OVERSIZED_LENGTH ->
                    splice(
                            valid,
                            header + random.nextInt(valid.length - header),
                            random.nextInt(3),
                            varint(oversizedLength()));
            case CORRUPT_FIELD -> corruptField(valid);
            case TRAILING_BYTES -> concat(valid, randomBytes(1 + random.nextInt(8)));
            case OTHER_SCHEMA_ID -> {
                byte[] other = valid.clone();
                ByteBuffer.wrap(other, 1, 4)
                        .putInt(random.nextBoolean() ? random.nextInt(4) : random.nextInt());
                yield other;
            }
            case ARBITRARY_BYTES -> {
                byte[] arbitrary = randomBytes(random.nextInt(64));
                if (arbitrary.length > 0 && random.nextBoolean()) {
                    arbitrary[0] = ConfluentWireFormat.MAGIC_BYTE;
                    if (arbitrary.length >= header && random.nextBoolean()) {
                        System.arraycopy(valid, 1, arbitrary, 1, 4); // a schema id that exists
                    }
                }
                yield arbitrary;
            }
        };
    }

    /** A length or count no record of this size can hold, negative, or at Avro's edges. */
    private long oversizedLength() {
        return switch (random.nextInt(7)) {
            case 0 -> Integer.MAX_VALUE - 15; // about 2 GiB, just below Java's largest array
            case 1 -> Integer.MAX_VALUE;
            case 2 -> 1L << 40;
            case 3 -> Long.MAX_VALUE;
            case 4 -> Long.MIN_VALUE;
            case 5 -> -1 - random.nextInt(1_000);
            default -> 1_000 + random.nextInt(Integer.MAX_VALUE - 1_000);
        };
    }

    private byte[] flipBits(byte[] valid, int from) {
        byte[] flipped = valid.clone();
        for (int flips = 1 + random.nextInt(8); flips > 0; flips--) {
            int at = from + random.nextInt(flipped.length - from);
            flipped[at] ^= (byte) (1 << random.nextInt(8));
        }
        return flipped;
    }

    private byte[] corruptField(byte[] valid) {
        int header = ConfluentWireFormat.HEADER_LENGTH;
        int at = header + random.nextInt(valid.length - header);
        BiFunction<Integer, byte[], byte[]> replace =
                (removed, with) -> splice(valid, at, removed, with);
        return switch (random.nextInt(4)) {
            case 0 -> replace.apply(1, new byte[] {(byte) random.nextInt(256)});
            case 1 -> replace.apply(0, randomBytes(1 + random.nextInt(6)));
            case 2 ->
                    replace.apply(Math.min(1 + random.nextInt(6), valid.length - at), new byte[0]);
            default ->
                    replace.apply(
                            1, varint(random.nextInt(64) - 32)); // a small, maybe wrong, value
        };
    }

    private static byte[] splice(byte[] bytes, int at, int removed, byte[] inserted) {
        int cut = Math.min(removed, bytes.length - at);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(bytes, 0, at);
        out.writeBytes(inserted);
        out.write(bytes, at + cut, bytes.length - at - cut);
        return out.toByteArray();
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] joined = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        return joined;
    }

    /** A long as Avro writes it (zig-zag varint), to place where a length or count belongs. */
    private static byte[] varint(long value) {
        byte[] buffer = new byte[10];
        return Arrays.copyOf(buffer, BinaryData.encodeLong(value, buffer, 0));
    }

    private byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    // ---- writer schemas ----

    private static Schema loopingWriter() {
        Schema loop = Schema.createRecord("Loop", null, "io.exactlyonce.fuzz", false);
        loop.setFields(List.of(new Schema.Field("x", loop)));
        Schema job = UserVisitEvent.getClassSchema();
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field field : job.getFields()) {
            fields.add(new Schema.Field(field, field.schema()));
        }
        fields.add(
                new Schema.Field(
                        "loop",
                        Schema.createUnion(Schema.create(Schema.Type.NULL), loop),
                        null,
                        Schema.Field.NULL_DEFAULT_VALUE));
        return Schema.createRecord(job.getName(), job.getDoc(), job.getNamespace(), false, fields);
    }

    private static Schema wideWriter() {
        Schema job = UserVisitEvent.getClassSchema();
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field field : job.getFields()) {
            fields.add(new Schema.Field(field, field.schema()));
        }
        fields.add(new Schema.Field("tags", Schema.createArray(Schema.create(Schema.Type.NULL))));
        fields.add(
                new Schema.Field(
                        "attributes", Schema.createMap(Schema.create(Schema.Type.STRING))));
        fields.add(new Schema.Field("trail", STEP));
        fields.add(
                new Schema.Field(
                        "blob",
                        Schema.createUnion(
                                Schema.create(Schema.Type.NULL),
                                Schema.create(Schema.Type.BYTES))));
        fields.add(
                new Schema.Field(
                        "kind",
                        Schema.createEnum(
                                "Kind", null, "io.exactlyonce.fuzz", List.of("PAGE", "API"))));
        fields.add(
                new Schema.Field(
                        "digest", Schema.createFixed("Digest", null, "io.exactlyonce.fuzz", 4)));
        fields.add(new Schema.Field("score", Schema.create(Schema.Type.DOUBLE)));
        fields.add(new Schema.Field("ratio", Schema.create(Schema.Type.FLOAT)));
        fields.add(new Schema.Field("flag", Schema.create(Schema.Type.BOOLEAN)));
        fields.add(new Schema.Field("hops", Schema.create(Schema.Type.INT)));
        return Schema.createRecord(job.getName(), job.getDoc(), job.getNamespace(), false, fields);
    }
}
