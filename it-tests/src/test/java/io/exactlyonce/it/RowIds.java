package io.exactlyonce.it;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The input of the XA sink's own tests: the ids 0 to {@code rows - 1}, one row each, 100 a second
 * so that several checkpoints fall into a run. Restored from a checkpoint it goes on where it was.
 */
final class RowIds {

    private RowIds() {}

    static DataStream<Long> source(StreamExecutionEnvironment env, int rows) {
        return env.fromSource(
                        new DataGeneratorSource<>(
                                index -> index,
                                rows,
                                RateLimiterStrategy.perSecond(100),
                                Types.LONG),
                        WatermarkStrategy.noWatermarks(),
                        "ids")
                .uid("ids");
    }
}
