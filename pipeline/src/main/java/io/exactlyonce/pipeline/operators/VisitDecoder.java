package io.exactlyonce.pipeline.operators;

import io.exactlyonce.model.UserIds;
import io.exactlyonce.model.avro.UserVisitEvent;
import io.exactlyonce.model.serde.ConfluentAvroDeserializer;
import io.exactlyonce.model.serde.RecordDecodingException;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Turns a raw input record into a visit or a dead letter; it never drops one and never fails on bad
 * input. A registry that cannot be reached is not bad input: that error propagates so the job
 * restarts and reads the record again instead of dead-lettering a valid event.
 *
 * <p>Decoding is a pure function of the record (its bytes and its own timestamp) and of the
 * registry's answer for its schema id, so a replay after a failure decides every record exactly as
 * the first run did, with one exception: an id the registry did not know yet (a replica still
 * catching up) is looked up again a few times before the record is dead-lettered as {@code
 * UNKNOWN_SCHEMA_ID}, and a replay after the registry caught up turns that record into a visit.
 * That cannot count it twice: what a failed attempt emitted after the last checkpoint is never
 * committed, and what a checkpoint committed is not replayed.
 */
public final class VisitDecoder implements Serializable {

    private static final long serialVersionUID = 1L;

    private final HashMap<String, String> serdeConfig;
    private final EventTimeBounds bounds;
    private transient Deserializer<UserVisitEvent> deserializer;

    public VisitDecoder(Map<String, String> serdeConfig, EventTimeBounds bounds) {
        this.serdeConfig = new HashMap<>(serdeConfig);
        this.bounds = bounds;
    }

    /** For tests: decode with a deserializer built elsewhere (an in-memory registry). */
    public VisitDecoder(Deserializer<UserVisitEvent> deserializer, EventTimeBounds bounds) {
        this.serdeConfig = new HashMap<>();
        this.bounds = bounds;
        this.deserializer = deserializer;
    }

    /** Creates the deserializer on the task; call once before {@link #decode}. */
    public void open() {
        if (deserializer == null) {
            ConfluentAvroDeserializer<UserVisitEvent> created =
                    new ConfluentAvroDeserializer<>(UserVisitEvent.class);
            created.configure(serdeConfig, false);
            deserializer = created;
        }
    }

    public DecodedRecord decode(RawRecord raw) {
        UserVisitEvent event;
        try {
            event = deserializer.deserialize(raw.topic(), raw.value());
        } catch (RecordDecodingException e) {
            return dead(DeadLetterReason.of(e.reason()), e.getMessage(), raw);
        }
        if (event == null) {
            return dead(DeadLetterReason.NULL_PAYLOAD, "record has no value", raw);
        }
        if (isBlank(event.getEventId())) {
            return dead(DeadLetterReason.MISSING_EVENT_ID, "event_id is empty", raw);
        }
        if (isBlank(event.getUserId())) {
            return dead(DeadLetterReason.MISSING_USER_ID, "user_id is empty", raw);
        }
        if (!UserIds.fits(event.getUserId())) {
            return dead(
                    DeadLetterReason.USER_ID_TOO_LONG,
                    "user_id has "
                            + UserIds.length(event.getUserId())
                            + " characters, at most "
                            + UserIds.MAX_LENGTH
                            + " fit the table",
                    raw);
        }
        long eventTime = event.getEventTime().toEpochMilli();
        String violation = bounds.violation(eventTime, raw.timestamp());
        if (!violation.isEmpty()) {
            return dead(DeadLetterReason.EVENT_TIME_OUT_OF_RANGE, violation, raw);
        }
        return DecodedRecord.visit(
                new Visit(
                        event.getEventId(),
                        event.getUserId(),
                        eventTime,
                        raw.partition(),
                        raw.offset(),
                        raw.value()));
    }

    private static DecodedRecord dead(DeadLetterReason reason, String detail, RawRecord raw) {
        return DecodedRecord.deadLetter(new DeadLetter(reason, detail, raw));
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }
}
