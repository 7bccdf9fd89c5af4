package io.exactlyonce.model.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exactlyonce.model.avro.UserVisitCount;
import io.exactlyonce.model.avro.UserVisitEvent;
import io.exactlyonce.model.registry.CountingSchemaRegistry;
import io.exactlyonce.model.registry.HttpSchemaRegistryClient;
import io.exactlyonce.model.registry.InMemorySchemaRegistry;
import io.exactlyonce.model.registry.SchemaRegistryHttpServer;
import io.exactlyonce.model.registry.SchemaRegistryUnavailableException;
import java.util.Arrays;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
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

        UserVisitEvent decoded = deserializer.deserialize(TOPIC, serializer.serialize(TOPIC, event));

        assertThat(decoded).isEqualTo(event);
        assertThat(decoded.getCountry()).isEqualTo("DE");
        assertThat(decoded.getEventTime()).isEqualTo(SampleRecords.EVENT_TIME);
    }

    @Test
    void roundTripsAnEventWithNoOptionalFieldsSet() {
        UserVisitEvent event = SampleRecords.eventWithoutOptionalFields();

        UserVisitEvent decoded = deserializer.deserialize(TOPIC, serializer.serialize(TOPIC, event));

        assertThat(decoded).isEqualTo(event);
        assertThat(decoded.getReferrer()).isNull();
        assertThat(decoded.getDeviceType()).isNull();
    }

    @Test
    void roundTripsAVisitCount() {
        var countSerializer = new ConfluentAvroSerializer<UserVisitCount>(registry, Map.of(), false);
        var countDeserializer = new ConfluentAvroDeserializer<>(UserVisitCount.class, registry);

        byte[] payload = countSerializer.serialize("visit-counts", SampleRecords.visitCount());

        assertThat(countDeserializer.deserialize("visit-counts", payload)).isEqualTo(SampleRecords.visitCount());
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
        assertFailsWith(DecodingFailure.TRUNCATED, () -> deserializer.deserialize(TOPIC, new byte[] {0, 0, 1}));
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

        assertFailsWith(DecodingFailure.BAD_MAGIC_BYTE, () -> deserializer.deserialize(TOPIC, payload));
    }

    @Test
    void schemaIdTheRegistryDoesNotKnow() {
        byte[] payload = serializer.serialize(TOPIC, SampleRecords.eventWithAllOptionalFields());
        payload[4] = 42; // schema id 1 -> 42

        assertFailsWith(DecodingFailure.UNKNOWN_SCHEMA_ID, () -> deserializer.deserialize(TOPIC, payload));
    }

    @Test
    void writerSchemaLackingARequiredReaderField() {
        // Same record name, but no user_id/page/event_time: the reader has no default to fill them with.
        Schema idOnly = SchemaBuilder.record("UserVisitEvent").namespace("io.exactlyonce.model.avro")
                .fields().requiredString("event_id").endRecord();
        GenericRecord record = new GenericData.Record(idOnly);
        record.put("event_id", "e-1");
        byte[] payload = GenericWireFormat.serialize(record, registry.register("visits-value", idOnly));

        assertFailsWith(DecodingFailure.INCOMPATIBLE_SCHEMA, () -> deserializer.deserialize(TOPIC, payload))
                .hasMessageContaining("user_id");
    }

    @Test
    void bytesLeftOverAfterTheRecordAreMalformed() {
        byte[] payload = serializer.serialize(TOPIC, SampleRecords.eventWithAllOptionalFields());
        byte[] withTrailingByte = Arrays.copyOf(payload, payload.length + 1);

        assertFailsWith(DecodingFailure.MALFORMED_AVRO, () -> deserializer.deserialize(TOPIC, withTrailingByte))
                .hasMessageContaining("left over");
    }

    @Test
    void negativeStringLengthIsMalformed() {
        int id = registry.register("visits-value", UserVisitEvent.getClassSchema());
        // Header, then event_id's length as zig-zag varint 0x01 = -1.
        byte[] payload = {0, 0, 0, 0, (byte) id, 0x01, 'x'};

        assertFailsWith(DecodingFailure.MALFORMED_AVRO, () -> deserializer.deserialize(TOPIC, payload));
    }

    @Test
    void unionBranchOutOfRangeIsMalformed() {
        byte[] payload = serializer.serialize(TOPIC, SampleRecords.eventWithoutOptionalFields());
        // The last byte is device_type's union branch (0 = null); the union has only branches 0 and 1.
        payload[payload.length - 1] = 0x08; // zig-zag 4

        assertFailsWith(DecodingFailure.MALFORMED_AVRO, () -> deserializer.deserialize(TOPIC, payload));
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

            UserVisitEvent decoded = kafkaDeserializer.deserialize(TOPIC, kafkaSerializer.serialize(TOPIC, event));

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

    private static AbstractThrowableAssert<?, ? extends Throwable> assertFailsWith(
            DecodingFailure reason, ThrowingCallable call) {
        return assertThatThrownBy(call)
                .isInstanceOf(RecordDecodingException.class)
                .satisfies(e -> assertThat(((RecordDecodingException) e).reason()).isEqualTo(reason))
                .hasMessageStartingWith(reason.name());
    }
}
