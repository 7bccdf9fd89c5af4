package io.exactlyonce.model.planted;

import org.apache.flink.api.common.functions.MapFunction;

/** A planted violation for the layering rules' own test: the data contract dragging Flink in. */
public final class ContractThatNeedsFlink implements MapFunction<String, String> {

    @Override
    public String map(String value) {
        return value;
    }
}
