package io.exactlyonce.model.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.exactlyonce.model.avro.UserVisitCount;
import io.exactlyonce.model.avro.UserVisitEvent;
import io.exactlyonce.model.registry.CannedRegistryServer;
import io.exactlyonce.model.registry.CountingSchemaRegistry;
import io.exactlyonce.model.registry.HttpSchemaRegistryClient;
import io.exactlyonce.model.registry.InMemorySchemaRegistry;
import io.exactlyonce.model.registry.LaggingReplicaRegistry;
import io.exactlyonce.model.registry.SchemaRegistryException;
import io.exactlyonce.model.registry.SchemaRegistryHttpServer;
import io.exactlyonce.model.registry.SchemaRegistryUnavailableException;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryData;
import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class ConfluentAvroDeserializerTest {

    private static final String TOPIC = "visits";

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final ConfluentAvroSerializer<UserVisitEvent> serializer =
            new ConfluentAvroSerializer<>(registry, Map.of(), false);
    private final ConfluentAvroDeserializer<UserVisitEvent> deserializer =
            new ConfluentAvroDeserializer<>(UserVisitEvent.class, registry);

    @Test
    void roundTripsAnEventWithAllOptionalFieldsSet() {
        UserVisitEvent event = SampleRecords.eventWithAllOptionalFields();

        UserVisitEvent decoded =
                deserializer.deserialize(TOPIC, serializer.serialize(TOPIC, event));

        assertThat(decoded).isEqualTo(event);
        assertThat(decoded.getCountry()).isEqualTo("DE");
        assertThat(decoded.getEventTime()).isEqualTo(SampleRecords.EVENT_TIME);
    }

    @Test
    void roundTripsAnEventWithNoOptionalFieldsSet() {
        UserVisitEvent event = SampleRecords.eventWithoutOptionalFields();

        UserVisitEvent decoded =
                deserializer.deserialize(TOPIC, serializer.serialize(TOPIC, event));

        assertThat(decoded).isEqualTo(event);
        assertThat(decoded.getReferrer()).isNull();
        assertThat(decoded.getDeviceType()).isNull();
    }

    @Test
    void roundTripsAVisitCount() {
        var countSerializer =
                new ConfluentAvroSerializer<UserVisitCount>(registry, Map.of(), false);
        var countDeserializer = new ConfluentAvroDeserializer<>(UserVisitCount.class, registry);

        byte[] payload = countSerializer.serialize("visit-counts", SampleRecords.visitCount());

        assertThat(countDeserializer.deserialize("visit-counts", payload))
                .isEqualTo(SampleRecords.visitCount());
    }

    @Test
    void fetchesEachWriterSchemaOnce() {
        CountingSchemaRegistry counting = new CountingSchemaRegistry(registry);
        var countingDeserializer = new ConfluentAvroDeserializer<>(UserVisitEvent.class, counting);
        byte[] payload = serializer.serialize(TOPIC, SampleRecords.eventWithAllOptionalFields());

        countingDeserializer.deserialize(TOPIC, payload);
        countingDeserializer.deserialize(TOPIC, payload);

        assertThat(counting.schemaByIdCalls()).isEqualTo(1);
    }

    @Test
    void nullPayload() {
        assertFailsWith(DecodingFailure.NULL_PAYLOAD, () -> deserializer.deserialize(TOPIC, null));
    }

    @Test
    void payloadShorterThanTheHeaderIsTruncated() {
        assertFailsWith(
                DecodingFailure.TRUNCATED,
                () -> deserializer.deserialize(TOPIC, new byte[] {0, 0, 1}));
    }

    @Test
    void payloadCutInsideTheRecordIsTruncated() {
        byte[] payload = serializer.serialize(TOPIC, SampleRecords.eventWithAllOptionalFields());
        byte[] cut = Arrays.copyOf(payload, payload.length - 3); // inside device_type's "desktop"

        assertFailsWith(DecodingFailure.TRUNCATED, () -> deserializer.deserialize(TOPIC, cut));
    }

    @Test
    void payloadNotStartingWithTheMagicByte() {
        byte[] payload = serializer.serialize(TOPIC, SampleRecords.eventWithAllOptionalFields());
        payload[0] = '{'; // e.g. a JSON producer writing to the wrong topic

        assertFailsWith(
                DecodingFailure.BAD_MAGIC_BYTE, () -> deserializer.deserialize(TOPIC, payload));
    }

    @Test
    void schemaIdTheRegistryDoesNotKnow() {
        byte[] payload = serializer.serialize(TOPIC, SampleRecords.eventWithAllOptionalFields());
        payload[4] = 42; // schema id 1 -> 42

        assertFailsWith(
                DecodingFailure.UNKNOWN_SCHEMA_ID, () -> deserializer.deserialize(TOPIC, payload));
    }

    @Test
    void writerSchemaLackingARequiredReaderField() {
        // Same record name, but no user_id/page/event_time: the reader has no default to fill them
        // with.
        Schema idOnly =
                SchemaBuilder.record("UserVisitEvent")
                        .namespace("io.exactlyonce.model.avro")
                        .fields()
                        .requiredString("event_id")
                        .endRecord();
        GenericRecord record = new GenericData.Record(idOnly);
        record.put("event_id", "e-1");
        byte[] payload =
                GenericWireFormat.serialize(record, registry.register("visits-value", idOnly));

        assertFailsWith(
                        DecodingFailure.INCOMPATIBLE_SCHEMA,
                        () -> deserializer.deserialize(TOPIC, payload))
                .hasMessageContaining("user_id");
    }

    @Test
    void bytesLeftOverAfterTheRecordAreMalformed() {
        byte[] payload = serializer.serialize(TOPIC, SampleRecords.eventWithAllOptionalFields());
        byte[] withTrailingByte = Arrays.copyOf(payload, payload.length + 1);

        assertFailsWith(
                        DecodingFailure.MALFORMED_AVRO,
                        () -> deserializer.deserialize(TOPIC, withTrailingByte))
                .hasMessageContaining("left over");
    }

    @Test
    void negativeStringLengthIsMalformed() {
        int id = registry.register("visits-value", UserVisitEvent.getClassSchema());
        // Header, then event_id's length as zig-zag varint 0x01 = -1.
        byte[] payload = {0, 0, 0, 0, (byte) id, 0x01, 'x'};

        assertFailsWith(
                DecodingFailure.MALFORMED_AVRO, () -> deserializer.deserialize(TOPIC, payload));
    }

    @Test
    void unionBranchOutOfRangeIsMalformed() {
        byte[] payload = serializer.serialize(TOPIC, SampleRecords.eventWithoutOptionalFields());
        // The last byte is device_type's union branch (0 = null); the union has only branches 0 and
        // 1.
        payload[payload.length - 1] = 0x08; // zig-zag 4

        assertFailsWith(
                DecodingFailure.MALFORMED_AVRO, () -> deserializer.deserialize(TOPIC, payload));
    }

    @Test
    void registryOutageIsNotADecodingFailure() {
        byte[] payload = serializer.serialize(TOPIC, SampleRecords.eventWithAllOptionalFields());
        SchemaRegistryHttpServer server = new SchemaRegistryHttpServer(registry).start();
        String url = server.url();
        server.close();
        var disconnected = new ConfluentAvroDeserializer<>(UserVisitEvent.class);
        disconnected.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, url), false);

        assertThatThrownBy(() -> disconnected.deserialize(TOPIC, payload))
                .isInstanceOf(SchemaRegistryUnavailableException.class)
                .isNotInstanceOf(RecordDecodingException.class);
    }

    @Test
    void decodesOverHttpWhenConfiguredTheKafkaWay() {
        try (SchemaRegistryHttpServer server = new SchemaRegistryHttpServer(registry).start()) {
            Map<String, Object> configs = Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, server.url());
            var kafkaSerializer = new ConfluentAvroSerializer<UserVisitEvent>();
            kafkaSerializer.configure(configs, false);
            var kafkaDeserializer = new ConfluentAvroDeserializer<>(UserVisitEvent.class);
            kafkaDeserializer.configure(configs, false);
            UserVisitEvent event = SampleRecords.eventWithAllOptionalFields();

            UserVisitEvent decoded =
                    kafkaDeserializer.deserialize(TOPIC, kafkaSerializer.serialize(TOPIC, event));

            assertThat(decoded).isEqualTo(event);
            assertThat(registry.idOf("visits-value", UserVisitEvent.getClassSchema())).isEqualTo(1);
        }
    }

    @Test
    void aDeserializerWithoutRegistryNamesTheMissingKey() {
        var unconfigured = new ConfluentAvroDeserializer<>(UserVisitEvent.class);

        assertThatThrownBy(() -> unconfigured.configure(Map.of(), false))
                .hasMessageContaining("schema.registry.url");
    }

    @Test
    void aStringLengthOfTwoGigabytesInAnElevenByteValueIsMalformed() {
        int id = registry.register("visits-value", UserVisitEvent.getClassSchema());
        // event_id claims 2^31 - 16 bytes; one byte follows.
        byte[] payload = concat(header(id), zigZagVarint(Integer.MAX_VALUE - 15), new byte[] {'x'});
        assertThat(payload).hasSize(11);

        assertFailsWith(
                        DecodingFailure.MALFORMED_AVRO,
                        () -> deserializer.deserialize(TOPIC, payload))
                .hasMessageContaining("2147483632");
    }

    @Test
    void aBytesLengthBeyondTheRemainingBytesIsMalformed() {
        Schema withBlob =
                withExtraField(
                        UserVisitEvent.getClassSchema(),
                        "blob",
                        Schema.createUnion(
                                Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.BYTES)));
        int id = registry.register("visits-value", withBlob);
        // A valid v1 body, then the blob's union branch 1 (bytes) and a length of 2^40.
        byte[] payload = concat(header(id), v1Body(), new byte[] {0x02}, zigZagVarint(1L << 40));

        assertFailsWith(
                DecodingFailure.MALFORMED_AVRO, () -> deserializer.deserialize(TOPIC, payload));
    }

    @Test
    void anArrayItemCountBeyondTheRemainingBytesIsMalformed() {
        // A compatible writer with one more field, an array of nulls: each item takes no bytes at
        // all,
        // so only the item count says how long reading (or skipping) the array takes.
        Schema withTags =
                withExtraField(
                        UserVisitEvent.getClassSchema(),
                        "tags",
                        Schema.createArray(Schema.create(Schema.Type.NULL)));
        int id = registry.register("visits-value", withTags);
        byte[] payload = concat(header(id), v1Body(), zigZagVarint(1L << 40), new byte[] {0});

        assertTimeoutPreemptively(
                Duration.ofSeconds(10),
                () ->
                        assertFailsWith(
                                DecodingFailure.MALFORMED_AVRO,
                                () -> deserializer.deserialize(TOPIC, payload)));
    }

    @Test
    void emptyArraysAndMapsOfACompatibleWriterStillDecode() {
        Schema withTags =
                withExtraField(
                        UserVisitEvent.getClassSchema(),
                        "tags",
                        Schema.createArray(Schema.create(Schema.Type.STRING)));
        Schema withTagsAndLabels =
                withExtraField(
                        withTags, "labels", Schema.createMap(Schema.create(Schema.Type.STRING)));
        int id = registry.register("visits-value", withTagsAndLabels);
        // Each is one terminating block count 0: the end of the array is not the start of another
        // block.
        byte[] payload = concat(header(id), v1Body(), new byte[] {0}, new byte[] {0});

        assertThat(deserializer.deserialize(TOPIC, payload))
                .isEqualTo(SampleRecords.eventWithoutOptionalFields());
    }

    @Test
    void deeplyNestedDataOfARecursiveWriterStillDecodes() {
        // A compatible writer with one more field whose type refers to itself: the data decides how
        // deep
        // it nests.
        Schema step = GenericWireFormat.recursiveStep("io.exactlyonce.test");
        Schema withTrail = withExtraField(UserVisitEvent.getClassSchema(), "trail", step);
        int id = registry.register("visits-value", withTrail);
        byte[] deep = new byte[200_000];
        Arrays.fill(deep, (byte) 0x02); // union branch 1: one more Step
        byte[] payload = concat(header(id), v1Body(), deep, new byte[] {0});

        // Avro skips the writer-only field without recursing; the length check must not recurse
        // either.
        assertThat(deserializer.deserialize(TOPIC, payload))
                .isEqualTo(SampleRecords.eventWithoutOptionalFields());
    }

    @Test
    void aWriterWhoseRecordContainsItselfWithoutAUnionIsUnusableAndRefusedQuickly() {
        // Loop's only field is a Loop: no finite bytes hold one, and Avro cannot even build a
        // reader for
        // the schema. It is still compatible with the job's reader (the field has a null default).
        Schema loop = Schema.createRecord("Loop", null, "io.exactlyonce.test", false);
        loop.setFields(List.of(new Schema.Field("x", loop)));
        Schema withLoop =
                withExtraField(
                        UserVisitEvent.getClassSchema(),
                        "loop",
                        Schema.createUnion(Schema.create(Schema.Type.NULL), loop),
                        Schema.Field.NULL_DEFAULT_VALUE);
        int id = registry.register("visits-value", withLoop);
        byte[] takesTheBranch = concat(header(id), v1Body(), new byte[] {0x02});
        byte[] leavesItNull = concat(header(id), v1Body(), new byte[] {0x00});

        for (byte[] payload : List.of(takesTheBranch, leavesItNull)) {
            assertTimeoutPreemptively(
                    Duration.ofSeconds(10),
                    () ->
                            assertFailsWith(
                                            DecodingFailure.UNUSABLE_SCHEMA,
                                            () -> deserializer.deserialize(TOPIC, payload))
                                    .hasMessageContaining("io.exactlyonce.test.Loop"));
        }
    }

    @Test
    void aProtobufSchemaIsUnusable() {
        assertUnusable(
                200,
                "{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\"; message V { string id = 1; }\"}");
    }

    @Test
    void aJsonSchemaIsUnusable() {
        assertUnusable(
                200, "{\"schemaType\":\"JSON\",\"schema\":\"{\\\"type\\\":\\\"object\\\"}\"}");
    }

    @Test
    void anUnparsableAvroSchemaIsUnusable() {
        assertUnusable(200, "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\"}");
    }

    @Test
    void aFixedLargerThanAJavaArrayIsUnusable() {
        // Avro's parser refuses it with an UnsupportedOperationException, not an
        // AvroRuntimeException.
        assertUnusable(
                200,
                "{\"schema\":\"{\\\"type\\\":\\\"fixed\\\",\\\"name\\\":\\\"Huge\\\","
                        + "\\\"size\\\":2147483640}\"}");
    }

    @Test
    void aRegistryErrorAboutTheIdOtherThanNotFoundIsUnusable() {
        assertUnusable(422, "{\"error_code\":42201,\"message\":\"Invalid schema\"}");
    }

    @Test
    void aRegistryAnswerThatIsNotAboutTheIdFailsInsteadOfDeadLettering() {
        // A bare 404 is a wrong base URL and a 403 missing credentials: every record would fail
        // alike.
        for (var answer :
                List.of(
                        Map.entry(404, "Not Found"),
                        Map.entry(
                                403,
                                "{\"error_code\":40301,\"message\":\"User cannot access the resource\"}"),
                        Map.entry(401, "{\"error_code\":401,\"message\":\"Unauthorized\"}"))) {
            try (CannedRegistryServer server =
                    new CannedRegistryServer().answer(5, answer.getKey(), answer.getValue())) {
                var overHttp =
                        new ConfluentAvroDeserializer<>(
                                UserVisitEvent.class, new HttpSchemaRegistryClient(server.url()));
                byte[] payload = concat(header(5), v1Body());

                assertThatThrownBy(() -> overHttp.deserialize(TOPIC, payload))
                        .as("answer %s", answer.getKey())
                        .isInstanceOf(SchemaRegistryException.class)
                        .isNotInstanceOf(RecordDecodingException.class);
            }
        }
    }

    @Test
    void aRegistryServerErrorIsUnavailable() {
        try (CannedRegistryServer server =
                new CannedRegistryServer()
                        .answer(5, 503, "{\"error_code\":50301,\"message\":\"Not the leader\"}")) {
            var overHttp =
                    new ConfluentAvroDeserializer<>(
                            UserVisitEvent.class, new HttpSchemaRegistryClient(server.url()));

            assertThatThrownBy(() -> overHttp.deserialize(TOPIC, concat(header(5), v1Body())))
                    .isInstanceOf(SchemaRegistryUnavailableException.class);
        }
    }

    @Test
    void aSchemaNotYetOnALaggingReplicaIsLookedUpAgainBeforeItCountsAsUnknown() {
        UserVisitEvent event = SampleRecords.eventWithAllOptionalFields();
        byte[] payload = serializer.serialize(TOPIC, event);
        int id = ConfluentWireFormat.readSchemaId(payload);
        LaggingReplicaRegistry lagging = new LaggingReplicaRegistry(registry, 2);
        var patient = retryingTwice(lagging);

        assertThat(patient.deserialize(TOPIC, payload)).isEqualTo(event);
        assertThat(lagging.lookups(id)).isEqualTo(3);
    }

    @Test
    void aSchemaStillMissingAfterTheRetriesIsUnknown() {
        byte[] payload = serializer.serialize(TOPIC, SampleRecords.eventWithAllOptionalFields());
        int id = ConfluentWireFormat.readSchemaId(payload);
        LaggingReplicaRegistry lagging = new LaggingReplicaRegistry(registry, 10);
        var patient = retryingTwice(lagging);

        assertFailsWith(
                DecodingFailure.UNKNOWN_SCHEMA_ID, () -> patient.deserialize(TOPIC, payload));
        assertThat(lagging.lookups(id)).isEqualTo(3);
    }

    @Test
    void anIdThatStayedUnknownThroughItsRetriesIsLookedUpOncePerRecordUntilItAppears() {
        UserVisitEvent event = SampleRecords.eventWithAllOptionalFields();
        byte[] payload = serializer.serialize(TOPIC, event);
        int id = ConfluentWireFormat.readSchemaId(payload);
        LaggingReplicaRegistry lagging = new LaggingReplicaRegistry(registry, 4);
        var patient = retryingTwice(lagging);

        assertFailsWith(
                DecodingFailure.UNKNOWN_SCHEMA_ID, () -> patient.deserialize(TOPIC, payload));
        assertThat(lagging.lookups(id)).as("first record: one lookup and two retries").isEqualTo(3);
        assertFailsWith(
                DecodingFailure.UNKNOWN_SCHEMA_ID, () -> patient.deserialize(TOPIC, payload));
        assertThat(lagging.lookups(id))
                .as("second record: no retries for a known-unknown id")
                .isEqualTo(4);
        assertThat(patient.deserialize(TOPIC, payload)).as("replica caught up").isEqualTo(event);
        assertThat(lagging.lookups(id)).isEqualTo(5);
    }

    @Test
    void theDefaultRetriesRideOutAReplicaOneLookupBehind() {
        UserVisitEvent event = SampleRecords.eventWithAllOptionalFields();
        byte[] payload = serializer.serialize(TOPIC, event);
        var patient =
                new ConfluentAvroDeserializer<>(
                        UserVisitEvent.class, new LaggingReplicaRegistry(registry, 1));
        patient.configure(Map.of(), false);

        assertThat(patient.deserialize(TOPIC, payload)).isEqualTo(event);
    }

    /** A deserializer that looks an unknown id up twice more, 1 ms and 2 ms later. */
    private static ConfluentAvroDeserializer<UserVisitEvent> retryingTwice(
            LaggingReplicaRegistry lagging) {
        var patient = new ConfluentAvroDeserializer<>(UserVisitEvent.class, lagging);
        patient.configure(
                Map.of(
                        AvroSerdeConfig.UNKNOWN_SCHEMA_ID_RETRIES,
                        2,
                        AvroSerdeConfig.UNKNOWN_SCHEMA_ID_RETRY_BACKOFF_MS,
                        1),
                false);
        return patient;
    }

    private void assertUnusable(int status, String body) {
        try (CannedRegistryServer server = new CannedRegistryServer().answer(5, status, body)) {
            var overHttp =
                    new ConfluentAvroDeserializer<>(
                            UserVisitEvent.class, new HttpSchemaRegistryClient(server.url()));
            byte[] payload = concat(header(5), v1Body());

            assertFailsWith(
                            DecodingFailure.UNUSABLE_SCHEMA,
                            () -> overHttp.deserialize(TOPIC, payload))
                    .hasMessageContaining("schema id 5");
        }
    }

    /** The Avro body of a valid v1 event, without the header. */
    private byte[] v1Body() {
        byte[] payload = serializer.serialize(TOPIC, SampleRecords.eventWithoutOptionalFields());
        return Arrays.copyOfRange(payload, ConfluentWireFormat.HEADER_LENGTH, payload.length);
    }

    private static byte[] header(int schemaId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ConfluentWireFormat.writeHeader(out, schemaId);
        return out.toByteArray();
    }

    /** A long as Avro writes it (zig-zag varint), to place where a length or count belongs. */
    private static byte[] zigZagVarint(long value) {
        byte[] buffer = new byte[10];
        return Arrays.copyOf(buffer, BinaryData.encodeLong(value, buffer, 0));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /**
     * {@code base} with one more field at the end, of the given type, as a later writer might add.
     */
    private static Schema withExtraField(Schema base, String name, Schema type) {
        return withExtraField(base, name, type, null);
    }

    private static Schema withExtraField(
            Schema base, String name, Schema type, Object defaultValue) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field field : base.getFields()) {
            fields.add(new Schema.Field(field, field.schema()));
        }
        fields.add(new Schema.Field(name, type, null, defaultValue));
        return Schema.createRecord(
                base.getName(), base.getDoc(), base.getNamespace(), false, fields);
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertFailsWith(
            DecodingFailure reason, ThrowingCallable call) {
        return assertThatThrownBy(call)
                .isInstanceOf(RecordDecodingException.class)
                .satisfies(
                        e -> assertThat(((RecordDecodingException) e).reason()).isEqualTo(reason))
                .hasMessageStartingWith(reason.name());
    }
}
