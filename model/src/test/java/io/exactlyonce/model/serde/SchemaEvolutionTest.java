package io.exactlyonce.model.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.model.avro.UserVisitEvent;
import io.exactlyonce.model.registry.InMemorySchemaRegistry;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/**
 * A producer on v2 of UserVisitEvent (v1 plus an optional {@code campaign}) and consumers on v1
 * must understand each other in both directions, so producers and consumers can be upgraded in any
 * order.
 */
class SchemaEvolutionTest {

    private static final String TOPIC = "visits";
    private static final Schema V1 = UserVisitEvent.getClassSchema();
    private static final Schema V2 = GenericWireFormat.loadSchema("schemas/UserVisitEvent-v2.avsc");

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    @Test
    void v2IsExactlyV1PlusAnOptionalCampaign() {
        List<Schema.Field> v2FieldsButLast = V2.getFields().subList(0, V2.getFields().size() - 1);
        Schema.Field campaign = V2.getFields().get(V2.getFields().size() - 1);

        assertThat(describe(v2FieldsButLast)).isEqualTo(describe(V1.getFields()));
        assertThat(campaign.name()).isEqualTo("campaign");
        assertThat(campaign.hasDefaultValue()).isTrue();
        assertThat(campaign.defaultVal()).isEqualTo(JsonProperties.NULL_VALUE);
    }

    @Test
    void v1AndV2AreMutuallyCompatible() {
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(V1, V2).getType())
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(V2, V1).getType())
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }

    @Test
    void v1ReaderIgnoresTheFieldAddedByAV2Writer() {
        GenericRecord v2Event = new GenericData.Record(V2);
        v2Event.put("event_id", "e-1");
        v2Event.put("user_id", "user-42");
        v2Event.put("page", "/pricing");
        v2Event.put("event_time", SampleRecords.EVENT_TIME.toEpochMilli());
        v2Event.put("country", "FR");
        v2Event.put("campaign", "spring-sale");
        byte[] payload =
                GenericWireFormat.serialize(v2Event, registry.register(TOPIC + "-value", V2));
        var v1Deserializer = new ConfluentAvroDeserializer<>(UserVisitEvent.class, registry);

        UserVisitEvent decoded = v1Deserializer.deserialize(TOPIC, payload);

        assertThat(decoded)
                .isEqualTo(
                        UserVisitEvent.newBuilder()
                                .setEventId("e-1")
                                .setUserId("user-42")
                                .setPage("/pricing")
                                .setEventTime(SampleRecords.EVENT_TIME)
                                .setCountry("FR")
                                .build());
    }

    @Test
    void v2ReaderFillsTheNewFieldWithItsDefaultForAV1Writer() {
        var v1Serializer = new ConfluentAvroSerializer<UserVisitEvent>(registry, Map.of(), false);
        UserVisitEvent v1Event = SampleRecords.eventWithAllOptionalFields();
        byte[] payload = v1Serializer.serialize(TOPIC, v1Event);
        Schema writerSchema = registry.schemaById(ConfluentWireFormat.readSchemaId(payload));

        GenericRecord decoded = GenericWireFormat.deserialize(payload, writerSchema, V2);

        assertThat(decoded.get("campaign")).isNull();
        assertThat(decoded.get("event_id")).hasToString(v1Event.getEventId());
        assertThat(decoded.get("referrer")).hasToString(v1Event.getReferrer());
        assertThat(decoded.get("event_time")).isEqualTo(SampleRecords.EVENT_TIME.toEpochMilli());
    }

    /** Name, type (docs and Java-specific properties aside) and default of each field. */
    private static List<String> describe(List<Schema.Field> fields) {
        return fields.stream()
                .map(
                        f ->
                                f.name()
                                        + " "
                                        + SchemaNormalization.toParsingForm(f.schema())
                                        + " "
                                        + f.defaultVal())
                .collect(Collectors.toList());
    }
}
