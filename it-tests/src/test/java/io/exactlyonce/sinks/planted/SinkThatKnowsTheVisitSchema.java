package io.exactlyonce.sinks.planted;

import io.exactlyonce.model.avro.UserVisitCount;

/** A planted violation for the layering rules' own test: a sink that knows the job's schema. */
public final class SinkThatKnowsTheVisitSchema {

    public long count(UserVisitCount count) {
        return count.getVisitCount();
    }
}
