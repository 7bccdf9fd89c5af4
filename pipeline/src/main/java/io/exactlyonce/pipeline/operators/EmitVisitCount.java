package io.exactlyonce.pipeline.operators;

import io.exactlyonce.model.avro.UserVisitCount;
import java.time.Instant;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/** Adds the user and the window bounds to the pre-aggregated count. */
public final class EmitVisitCount
        extends ProcessWindowFunction<Long, UserVisitCount, String, TimeWindow> {

    private static final long serialVersionUID = 1L;

    @Override
    public void process(
            String userId, Context context, Iterable<Long> counts, Collector<UserVisitCount> out) {
        TimeWindow window = context.window();
        out.collect(
                UserVisitCount.newBuilder()
                        .setUserId(userId)
                        .setWindowStart(Instant.ofEpochMilli(window.getStart()))
                        .setWindowEnd(Instant.ofEpochMilli(window.getEnd()))
                        .setVisitCount(counts.iterator().next())
                        .build());
    }
}
