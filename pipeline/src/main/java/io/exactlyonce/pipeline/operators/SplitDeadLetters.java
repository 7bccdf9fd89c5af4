package io.exactlyonce.pipeline.operators;

import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** Sends visits on and dead letters to a side output, counting dead letters by reason. */
public final class SplitDeadLetters extends ProcessFunction<DecodedRecord, Visit> {

    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

    private transient Counter visits;
    private transient Map<DeadLetterReason, Counter> deadLettersByReason;

    @Override
    public void open(OpenContext openContext) {
        visits = getRuntimeContext().getMetricGroup().counter("visitsDecoded");
        deadLettersByReason = new EnumMap<>(DeadLetterReason.class);
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            deadLettersByReason.put(
                    reason,
                    getRuntimeContext()
                            .getMetricGroup()
                            .addGroup("deadLetterReason", reason.name())
                            .counter("deadLetters"));
        }
    }

    @Override
    public void processElement(DecodedRecord record, Context context, Collector<Visit> out) {
        if (record.isVisit()) {
            visits.inc();
            out.collect(record.visit());
        } else {
            deadLettersByReason.get(record.deadLetter().reason()).inc();
            context.output(DEAD_LETTERS, record.deadLetter());
        }
    }
}
