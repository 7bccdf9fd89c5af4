package io.exactlyonce.model.serde;

import io.exactlyonce.model.avro.UserVisitCount;
import io.exactlyonce.model.avro.UserVisitEvent;
import java.time.Instant;

/** Records the serde tests encode. */
final class SampleRecords {

    static final Instant EVENT_TIME = Instant.ofEpochMilli(1_700_000_000_123L);

    private SampleRecords() {}

    static UserVisitEvent eventWithAllOptionalFields() {
        return UserVisitEvent.newBuilder()
                .setEventId("6f1c2d3e-0000-4000-8000-000000000001")
                .setUserId("user-42")
                .setPage("/products/42")
                .setEventTime(EVENT_TIME)
                .setReferrer("https://search.example/?q=widgets")
                .setUserAgent("Mozilla/5.0 (X11; Linux x86_64)")
                .setSessionId("session-7")
                .setCountry("DE")
                .setDeviceType("desktop")
                .build();
    }

    static UserVisitEvent eventWithoutOptionalFields() {
        return UserVisitEvent.newBuilder()
                .setEventId("6f1c2d3e-0000-4000-8000-000000000002")
                .setUserId("user-42")
                .setPage("/")
                .setEventTime(EVENT_TIME)
                .build();
    }

    static UserVisitCount visitCount() {
        return UserVisitCount.newBuilder()
                .setUserId("u1")
                .setWindowStart(Instant.ofEpochMilli(0))
                .setWindowEnd(Instant.ofEpochMilli(60_000))
                .setVisitCount(3)
                .build();
    }
}
