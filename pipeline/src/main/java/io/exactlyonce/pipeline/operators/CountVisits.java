package io.exactlyonce.pipeline.operators;

import org.apache.flink.api.common.functions.AggregateFunction;

/** Counts incrementally: the window keeps one long per key, never the visits themselves. */
public final class CountVisits implements AggregateFunction<Visit, Long, Long> {

    private static final long serialVersionUID = 1L;

    @Override
    public Long createAccumulator() {
        return 0L;
    }

    @Override
    public Long add(Visit visit, Long count) {
        return count + 1;
    }

    @Override
    public Long getResult(Long count) {
        return count;
    }

    @Override
    public Long merge(Long a, Long b) {
        return a + b;
    }
}
