package io.exactlyonce.pipeline.planted;

import io.exactlyonce.testkit.embedded.EmbeddedKafkaBroker;

/** A planted violation for the layering rules' own test: production code using the testkit. */
public final class JobThatStartsAnEmbeddedBroker {

    public String bootstrapServers(EmbeddedKafkaBroker broker) {
        return broker.bootstrapServers();
    }
}
