package io.exactlyonce.pipeline.operators;

import static io.exactlyonce.pipeline.operators.TestVisits.RECORD_TIME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.exactlyonce.model.UserIds;
import io.exactlyonce.model.avro.UserVisitEvent;
import io.exactlyonce.model.registry.SchemaRegistryClient;
import io.exactlyonce.model.registry.SchemaRegistryException;
import io.exactlyonce.model.registry.SchemaRegistryHttpServer;
import io.exactlyonce.model.registry.SchemaRegistryUnavailableException;
import io.exactlyonce.model.serde.AvroSerdeConfig;
import io.exactlyonce.model.serde.ConfluentAvroDeserializer;
import io.exactlyonce.pipeline.config.JobSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VisitDecoderTest {

    private final TestVisits visits = new TestVisits();
    private final VisitDecoder decoder = visits.decoder();

    @Test
    void decodesAValidVisitKeepingItsOriginalBytes() {
        byte[] bytes = visits.bytes("e1", "alice", RECORD_TIME - 1_000);

        DecodedRecord decoded = decoder.decode(visits.raw(bytes));

        assertThat(decoded.isVisit()).isTrue();
        Visit visit = decoded.visit();
        assertThat(visit.eventId()).isEqualTo("e1");
        assertThat(visit.userId()).isEqualTo("alice");
        assertThat(visit.eventTime()).isEqualTo(RECORD_TIME - 1_000);
        assertThat(visit.sourceOffset()).isEqualTo(7L);
        assertThat(visit.payload()).isEqualTo(bytes);
    }

    @Test
    void deadLettersAWrongMagicByte() {
        byte[] bytes = visits.bytes("e1", "alice", RECORD_TIME);
        bytes[0] = 1;

        assertDeadLetter(bytes, DeadLetterReason.BAD_MAGIC_BYTE);
    }

    @Test
    void deadLettersAnUnknownSchemaId() {
        byte[] bytes = visits.bytes("e1", "alice", RECORD_TIME);
        bytes[4] = 99;

        assertDeadLetter(bytes, DeadLetterReason.UNKNOWN_SCHEMA_ID);
    }

    @Test
    void deadLettersAvroCutShort() {
        byte[] bytes = visits.bytes("e1", "alice", RECORD_TIME);

        assertDeadLetter(Arrays.copyOf(bytes, bytes.length - 3), DeadLetterReason.TRUNCATED);
    }

    @Test
    void deadLettersAnEmptyValue() {
        assertDeadLetter(new byte[0], DeadLetterReason.TRUNCATED);
    }

    @Test
    void deadLettersANullValue() {
        assertDeadLetter(null, DeadLetterReason.NULL_PAYLOAD);
    }

    @Test
    void deadLettersAMissingUserId() {
        assertDeadLetter(visits.bytes("e1", " ", RECORD_TIME), DeadLetterReason.MISSING_USER_ID);
    }

    @Test
    void deadLettersAUserIdOneCharacterLongerThanTheColumn() {
        String tooLong = "a".repeat(UserIds.MAX_LENGTH + 1);

        assertDeadLetter(
                visits.bytes("e1", tooLong, RECORD_TIME), DeadLetterReason.USER_ID_TOO_LONG);
    }

    @Test
    void countsASupplementaryCharacterOfTheUserIdAsOneLikeTheColumn() {
        // One code point, two Java chars, four bytes of UTF-8: utf8mb4 counts it as one.
        String smiley = "\uD83D\uDE00";
        String longest = smiley.repeat(UserIds.MAX_LENGTH);

        DecodedRecord fits = decoder.decode(visits.raw(visits.bytes("e1", longest, RECORD_TIME)));

        assertThat(fits.isVisit()).as("128 code points, 256 chars").isTrue();
        assertThat(fits.visit().userId()).isEqualTo(longest);
        assertDeadLetter(
                visits.bytes("e1", longest + smiley, RECORD_TIME),
                DeadLetterReason.USER_ID_TOO_LONG);
    }

    @Test
    void deadLettersAMissingEventId() {
        assertDeadLetter(visits.bytes("", "alice", RECORD_TIME), DeadLetterReason.MISSING_EVENT_ID);
    }

    @Test
    void deadLettersAnEventTimeBeforeTheEarliestBound() {
        assertDeadLetter(visits.bytes("e1", "alice", 0L), DeadLetterReason.EVENT_TIME_OUT_OF_RANGE);
    }

    @Test
    void deadLettersAnEventTimeFarAheadOfItsRecord() {
        long tooFar = RECORD_TIME + Duration.ofHours(2).toMillis();

        assertDeadLetter(
                visits.bytes("e1", "alice", tooFar), DeadLetterReason.EVENT_TIME_OUT_OF_RANGE);
    }

    @Test
    void deadLettersAVisitWhoseRecordHasNoUsableTimestamp() {
        // Kafka accepts -1 (no timestamp) and other negatives; without a record timestamp the
        // max-ahead bound cannot be checked, and a year-2200 count would be refused by the broker.
        long year2200 = Instant.parse("2200-01-01T00:00:00Z").toEpochMilli();
        for (long recordTimestamp : new long[] {-1L, -2L}) {
            byte[] bytes = visits.bytes("e1", "alice", year2200);
            DecodedRecord decoded =
                    decoder.decode(
                            new RawRecord(TestVisits.TOPIC, 0, 7L, recordTimestamp, null, bytes));

            assertThat(decoded.isVisit()).as("record timestamp %s", recordTimestamp).isFalse();
            assertThat(decoded.deadLetter().reason())
                    .isEqualTo(DeadLetterReason.EVENT_TIME_OUT_OF_RANGE);
            assertThat(decoded.deadLetter().detail()).contains("no usable timestamp");
        }
    }

    @Test
    void deadLettersAStringLengthOfTwoGigabytesInAnElevenByteValue() {
        byte[] valid = visits.bytes("e1", "alice", RECORD_TIME);
        // The header, then event_id's length 2^31 - 16 as a zig-zag varint, then one byte.
        byte[] bytes = {
            0,
            valid[1],
            valid[2],
            valid[3],
            valid[4],
            (byte) 0xe0,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            0x0f,
            'x'
        };

        assertDeadLetter(bytes, DeadLetterReason.MALFORMED_AVRO);
    }

    @Test
    void deadLettersBytesLeftOverAfterTheVisitAsMalformed() {
        byte[] bytes = visits.bytes("e1", "alice", RECORD_TIME);

        assertDeadLetter(Arrays.copyOf(bytes, bytes.length + 2), DeadLetterReason.MALFORMED_AVRO);
    }

    @Test
    void deadLettersAUnionBranchThatDoesNotExistAsMalformed() {
        byte[] bytes = visits.bytes("e1", "alice", RECORD_TIME);
        // The last byte is device_type's union branch, 0 (null); the union has two branches.
        bytes[bytes.length - 1] = 0x06;

        assertDeadLetter(bytes, DeadLetterReason.MALFORMED_AVRO);
    }

    @Test
    void deadLettersAVisitWrittenWithASchemaThatLacksTheUserId() {
        Schema withoutUserId =
                SchemaBuilder.record("UserVisitEvent")
                        .namespace("io.exactlyonce.model.avro")
                        .fields()
                        .requiredString("event_id")
                        .requiredString("page")
                        .requiredLong("event_time")
                        .endRecord();
        GenericRecord record = new GenericData.Record(withoutUserId);
        record.put("event_id", "e1");
        record.put("page", "/home");
        record.put("event_time", RECORD_TIME);

        DeadLetter deadLetter =
                assertDeadLetter(visits.bytes(record), DeadLetterReason.INCOMPATIBLE_SCHEMA);
        assertThat(deadLetter.detail()).contains("user_id");
    }

    @Test
    void deadLettersASchemaIdTheRegistryHoldsAsProtobuf() throws IOException {
        HttpServer protobufRegistry =
                HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        protobufRegistry.createContext(
                "/schemas/ids/",
                exchange -> {
                    byte[] answer =
                            "{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\";\"}"
                                    .getBytes(StandardCharsets.UTF_8);
                    exchange.sendResponseHeaders(200, answer.length);
                    exchange.getResponseBody().write(answer);
                    exchange.close();
                });
        protobufRegistry.start();
        try {
            String url = "http://127.0.0.1:" + protobufRegistry.getAddress().getPort();
            VisitDecoder overHttp =
                    new VisitDecoder(
                            Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, url),
                            EventTimeBounds.DEFAULT);
            overHttp.open();
            byte[] bytes = visits.bytes("e1", "alice", RECORD_TIME);

            DecodedRecord decoded = overHttp.decode(visits.raw(bytes));

            assertThat(decoded.isVisit()).isFalse();
            assertThat(decoded.deadLetter().reason()).isEqualTo(DeadLetterReason.UNUSABLE_SCHEMA);
            assertThat(decoded.deadLetter().detail()).contains("PROTOBUF");
        } finally {
            protobufRegistry.stop(0);
        }
    }

    @Test
    void readsThroughARegistryBehindBasicAuthWithTheJobsCredentialsFile(@TempDir Path dir)
            throws Exception {
        byte[] bytes = visits.bytes("e1", "alice", RECORD_TIME);
        try (SchemaRegistryHttpServer registry =
                new SchemaRegistryHttpServer(visits.registry)
                        .start()
                        .requireBasicAuth("visit-count", "s3cret")) {
            Path credentials = Files.writeString(dir.resolve("registry"), "visit-count:s3cret\n");
            JobSettings withCredentials =
                    JobSettings.fromArgs(
                            new String[] {
                                "--kafka.bootstrap-servers",
                                "broker:9092",
                                "--schema-registry.url",
                                registry.url(),
                                "--schema-registry.credentials-file",
                                credentials.toString(),
                                "--jdbc.url",
                                "jdbc:mysql://db:3306/visits",
                                "--jdbc.user",
                                "visit_count",
                                "--job.id",
                                "shop-eu"
                            },
                            Map.of());
            VisitDecoder decoder =
                    new VisitDecoder(withCredentials.serdeConfig(), EventTimeBounds.DEFAULT);
            decoder.open();
            VisitDecoder withoutCredentials =
                    new VisitDecoder(
                            Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry.url()),
                            EventTimeBounds.DEFAULT);
            withoutCredentials.open();

            assertThat(decoder.decode(visits.raw(bytes)).isVisit()).isTrue();
            // Every record would fail alike: the job fails, nothing is dead-lettered.
            assertThatThrownBy(() -> withoutCredentials.decode(visits.raw(bytes)))
                    .isInstanceOf(SchemaRegistryException.class)
                    .hasMessageContaining("401");
        }
    }

    @Test
    void anUnreachableRegistryFailsInsteadOfDeadLettering() {
        byte[] bytes = visits.bytes("e1", "alice", RECORD_TIME);
        VisitDecoder offline =
                new VisitDecoder(
                        new ConfluentAvroDeserializer<>(
                                UserVisitEvent.class, new OfflineRegistry()),
                        EventTimeBounds.DEFAULT);

        assertThatThrownBy(() -> offline.decode(visits.raw(bytes)))
                .isInstanceOf(SchemaRegistryUnavailableException.class);
    }

    private DeadLetter assertDeadLetter(byte[] bytes, DeadLetterReason reason) {
        DecodedRecord decoded = decoder.decode(visits.raw(bytes));

        assertThat(decoded.isVisit()).isFalse();
        DeadLetter deadLetter = decoded.deadLetter();
        assertThat(deadLetter.reason()).isEqualTo(reason);
        assertThat(deadLetter.detail()).isNotBlank();
        assertThat(deadLetter.value()).isEqualTo(bytes);
        assertThat(deadLetter.sourceTopic()).isEqualTo(TestVisits.TOPIC);
        assertThat(deadLetter.sourceOffset()).isEqualTo(7L);
        return deadLetter;
    }

    /** A registry that is down. */
    private static final class OfflineRegistry implements SchemaRegistryClient {
        @Override
        public int register(String subject, Schema schema) {
            throw new SchemaRegistryUnavailableException("registry down");
        }

        @Override
        public int idOf(String subject, Schema schema) {
            throw new SchemaRegistryUnavailableException("registry down");
        }

        @Override
        public Schema schemaById(int id) {
            throw new SchemaRegistryUnavailableException("registry down");
        }
    }
}
