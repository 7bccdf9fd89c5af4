package io.exactlyonce.pipeline.operators;

import static io.exactlyonce.pipeline.operators.TestVisits.RECORD_TIME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exactlyonce.model.UserIds;
import io.exactlyonce.model.avro.UserVisitEvent;
import io.exactlyonce.model.registry.SchemaRegistryClient;
import io.exactlyonce.model.registry.SchemaRegistryUnavailableException;
import io.exactlyonce.model.serde.ConfluentAvroDeserializer;
import java.time.Duration;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class VisitDecoderTest {

    private final TestVisits visits = new TestVisits();
    private final VisitDecoder decoder = visits.decoder();

    @Test
    void decodesAValidVisitKeepingItsOriginalBytes() {
        byte[] bytes = visits.bytes("e1", "alice", RECORD_TIME - 1_000);

        DecodedRecord decoded = decoder.decode(visits.raw(bytes));

        assertThat(decoded.isVisit()).isTrue();
        Visit visit = decoded.getVisit();
        assertThat(visit.getEventId()).isEqualTo("e1");
        assertThat(visit.getUserId()).isEqualTo("alice");
        assertThat(visit.getEventTime()).isEqualTo(RECORD_TIME - 1_000);
        assertThat(visit.getSourceOffset()).isEqualTo(7L);
        assertThat(visit.getPayload()).isEqualTo(bytes);
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

        assertDeadLetter(visits.bytes("e1", tooLong, RECORD_TIME), DeadLetterReason.USER_ID_TOO_LONG);
    }

    @Test
    void countsASupplementaryCharacterOfTheUserIdAsOneLikeTheColumn() {
        // One code point, two Java chars, four bytes of UTF-8: utf8mb4 counts it as one.
        String smiley = "\uD83D\uDE00";
        String longest = smiley.repeat(UserIds.MAX_LENGTH);

        DecodedRecord fits = decoder.decode(visits.raw(visits.bytes("e1", longest, RECORD_TIME)));

        assertThat(fits.isVisit()).as("128 code points, 256 chars").isTrue();
        assertThat(fits.getVisit().getUserId()).isEqualTo(longest);
        assertDeadLetter(
                visits.bytes("e1", longest + smiley, RECORD_TIME), DeadLetterReason.USER_ID_TOO_LONG);
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
    void anUnreachableRegistryFailsInsteadOfDeadLettering() {
        byte[] bytes = visits.bytes("e1", "alice", RECORD_TIME);
        VisitDecoder offline =
                new VisitDecoder(
                        new ConfluentAvroDeserializer<>(UserVisitEvent.class, new OfflineRegistry()),
                        EventTimeBounds.DEFAULT);

        assertThatThrownBy(() -> offline.decode(visits.raw(bytes)))
                .isInstanceOf(SchemaRegistryUnavailableException.class);
    }

    private void assertDeadLetter(byte[] bytes, DeadLetterReason reason) {
        DecodedRecord decoded = decoder.decode(visits.raw(bytes));

        assertThat(decoded.isVisit()).isFalse();
        DeadLetter deadLetter = decoded.getDeadLetter();
        assertThat(deadLetter.getReason()).isEqualTo(reason);
        assertThat(deadLetter.getDetail()).isNotBlank();
        assertThat(deadLetter.getValue()).isEqualTo(bytes);
        assertThat(deadLetter.getSourceTopic()).isEqualTo(TestVisits.TOPIC);
        assertThat(deadLetter.getSourceOffset()).isEqualTo(7L);
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
