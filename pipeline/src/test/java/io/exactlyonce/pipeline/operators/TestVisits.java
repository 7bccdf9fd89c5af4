package io.exactlyonce.pipeline.operators;

import io.exactlyonce.model.avro.UserVisitEvent;
import io.exactlyonce.model.registry.InMemorySchemaRegistry;
import io.exactlyonce.model.serde.ConfluentAvroDeserializer;
import io.exactlyonce.model.serde.ConfluentAvroSerializer;
import io.exactlyonce.model.serde.GenericWireFormat;
import java.time.Instant;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;

/** Visit events in their wire format, through an in-memory registry (unit-test stand-in). */
final class TestVisits {

    static final String TOPIC = "visits";
    static final long RECORD_TIME = Instant.parse("2026-11-23T10:00:30Z").toEpochMilli();

    final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final ConfluentAvroSerializer<UserVisitEvent> serializer =
            new ConfluentAvroSerializer<>(registry, Map.of(), false);

    byte[] bytes(String eventId, String userId, long eventTime) {
        return serializer.serialize(
                TOPIC,
                UserVisitEvent.newBuilder()
                        .setEventId(eventId)
                        .setUserId(userId)
                        .setPage("/home")
                        .setEventTime(Instant.ofEpochMilli(eventTime))
                        .build());
    }

    /**
     * A record of another writer schema (registered on the way), as a producer on that schema
     * writes it.
     */
    byte[] bytes(GenericRecord record) {
        return GenericWireFormat.serialize(
                record, registry.register(TOPIC + "-value", record.getSchema()));
    }

    RawRecord raw(byte[] value) {
        return new RawRecord(TOPIC, 0, 7L, RECORD_TIME, null, value);
    }

    VisitDecoder decoder() {
        return new VisitDecoder(
                new ConfluentAvroDeserializer<>(UserVisitEvent.class, registry),
                EventTimeBounds.DEFAULT);
    }

    static Visit visit(String eventId, String userId, long eventTime) {
        return new Visit(eventId, userId, eventTime, 0, 0L, new byte[] {0});
    }
}
