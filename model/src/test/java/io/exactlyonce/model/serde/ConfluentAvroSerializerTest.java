package io.exactlyonce.model.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exactlyonce.model.avro.UserVisitCount;
import io.exactlyonce.model.avro.UserVisitEvent;
import io.exactlyonce.model.registry.CountingSchemaRegistry;
import io.exactlyonce.model.registry.InMemorySchemaRegistry;
import io.exactlyonce.model.registry.SchemaNotFoundException;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class ConfluentAvroSerializerTest {

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    /**
     * Pins the exact bytes, derived by hand from the Avro 1.11 specification, so that a change to
     * the framing or the encoding cannot go unnoticed (other languages' consumers depend on them).
     */
    @Test
    void writesTheExactWireFormatBytes() {
        // UserVisitCount{user_id="u1", window_start=0, window_end=60000, visit_count=3}, schema id
        // 1.
        // Avro writes a record as its fields in schema order, with no field tags or lengths:
        // ints and longs as zig-zag varints ((n << 1) ^ (n >> 63), then 7 bits per byte, least
        // significant group first, high bit set on every byte but the last); strings as a long byte
        // length followed by the UTF-8 bytes. timestamp-millis is a plain long.
        byte[] expected = {
            0x00, // magic byte
            0x00,
            0x00,
            0x00,
            0x01, // schema id 1, big-endian
            0x04,
            0x75,
            0x31, // user_id: length 2 -> zig-zag 4; 'u', '1'
            0x00, // window_start: 0 -> zig-zag 0
            (byte) 0xC0,
            (byte) 0xA9,
            0x07, // window_end: 60000 -> zig-zag 120000 = 0b0000111_0101001_1000000
            //   groups low first: 1000000|0x80, 0101001|0x80, 0000111
            0x06 // visit_count: 3 -> zig-zag 6
        };
        ConfluentAvroSerializer<UserVisitCount> serializer =
                new ConfluentAvroSerializer<>(registry, Map.of(), false);

        byte[] actual = serializer.serialize("visit-counts", SampleRecords.visitCount());

        assertThat(actual).containsExactly(expected);
    }

    @Test
    void registersTheSchemaUnderTheTopicValueSubject() {
        ConfluentAvroSerializer<UserVisitEvent> serializer =
                new ConfluentAvroSerializer<>(registry, Map.of(), false);

        byte[] payload = serializer.serialize("visits", SampleRecords.eventWithoutOptionalFields());

        int id = registry.idOf("visits-value", UserVisitEvent.getClassSchema());
        assertThat(ConfluentWireFormat.readSchemaId(payload)).isEqualTo(id);
        assertThatThrownBy(() -> registry.idOf("visits-key", UserVisitEvent.getClassSchema()))
                .isInstanceOf(SchemaNotFoundException.class);
    }

    @Test
    void registersAKeySchemaUnderTheTopicKeySubject() {
        ConfluentAvroSerializer<UserVisitEvent> serializer =
                new ConfluentAvroSerializer<>(registry, Map.of(), true);

        serializer.serialize("visits", SampleRecords.eventWithoutOptionalFields());

        assertThat(registry.idOf("visits-key", UserVisitEvent.getClassSchema())).isEqualTo(1);
    }

    @Test
    void resolvesTheSchemaIdOncePerTopic() {
        CountingSchemaRegistry counting = new CountingSchemaRegistry(registry);
        ConfluentAvroSerializer<UserVisitEvent> serializer =
                new ConfluentAvroSerializer<>(counting, Map.of(), false);

        serializer.serialize("visits", SampleRecords.eventWithAllOptionalFields());
        serializer.serialize("visits", SampleRecords.eventWithoutOptionalFields());
        serializer.serialize("visits-replay", SampleRecords.eventWithoutOptionalFields());

        assertThat(counting.registerCalls()).isEqualTo(2);
    }

    @Test
    void withoutAutoRegistrationAnUnregisteredSchemaFailsNamingSubjectAndSetting() {
        ConfluentAvroSerializer<UserVisitEvent> serializer =
                new ConfluentAvroSerializer<>(
                        registry, Map.of("auto.register.schemas", "false"), false);

        assertThatThrownBy(
                        () ->
                                serializer.serialize(
                                        "visits", SampleRecords.eventWithoutOptionalFields()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("io.exactlyonce.model.avro.UserVisitEvent")
                .hasMessageContaining("'visits-value'")
                .hasMessageContaining("auto.register.schemas=false")
                .hasCauseInstanceOf(SchemaNotFoundException.class);
        assertThatThrownBy(() -> registry.idOf("visits-value", UserVisitEvent.getClassSchema()))
                .as("nothing was registered")
                .isInstanceOf(SchemaNotFoundException.class);
    }

    @Test
    void withoutAutoRegistrationAPreRegisteredSchemaIsUsed() {
        registry.register("other-value", UserVisitCount.getClassSchema()); // takes id 1
        int id = registry.register("visits-value", UserVisitEvent.getClassSchema());
        ConfluentAvroSerializer<UserVisitEvent> serializer =
                new ConfluentAvroSerializer<>(
                        registry, Map.of("auto.register.schemas", false), false);

        byte[] payload = serializer.serialize("visits", SampleRecords.eventWithoutOptionalFields());

        assertThat(id).isEqualTo(2);
        assertThat(ConfluentWireFormat.readSchemaId(payload)).isEqualTo(id);
    }

    @Test
    void serializesNullAsNull() {
        ConfluentAvroSerializer<UserVisitEvent> serializer =
                new ConfluentAvroSerializer<>(registry, Map.of(), false);

        assertThat(serializer.serialize("visits", null)).isNull();
    }

    @Test
    void kafkaStyleConfigurationWithoutAUrlFailsNamingTheKey() {
        ConfluentAvroSerializer<UserVisitEvent> serializer = new ConfluentAvroSerializer<>();

        assertThatThrownBy(
                        () -> serializer.configure(Map.of("auto.register.schemas", "true"), false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema.registry.url");
    }

    @Test
    void anUnconfiguredSerializerSaysSo() {
        ConfluentAvroSerializer<UserVisitEvent> serializer = new ConfluentAvroSerializer<>();

        assertThatThrownBy(
                        () ->
                                serializer.serialize(
                                        "visits", SampleRecords.eventWithoutOptionalFields()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not configured");
    }

    @Test
    void aRecordThatCannotBeEncodedFailsAsSerializationException() {
        ConfluentAvroSerializer<UserVisitEvent> serializer =
                new ConfluentAvroSerializer<>(registry, Map.of(), false);
        UserVisitEvent missingPage = SampleRecords.eventWithoutOptionalFields();
        missingPage.setPage(null); // the generated setter does not validate; the builder would

        assertThatThrownBy(() -> serializer.serialize("visits", missingPage))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("topic 'visits'");
    }
}
