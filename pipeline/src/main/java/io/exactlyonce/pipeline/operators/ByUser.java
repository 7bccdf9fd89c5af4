package io.exactlyonce.pipeline.operators;

import org.apache.flink.api.java.functions.KeySelector;

/** Keys visits by user id. */
public final class ByUser implements KeySelector<Visit, String> {

    private static final long serialVersionUID = 1L;

    @Override
    public String getKey(Visit visit) {
        return visit.userId();
    }
}
