package io.exactlyonce.pipeline.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.util.clock.ManualClock;
import org.junit.jupiter.api.Test;

class VisitWatermarksTest {

    @Test
    void aDeadLetterWithAnAbsurdTimestampDoesNotMoveTime() {
        WatermarkGenerator<DecodedRecord> generator =
                VisitWatermarks.strategy(Duration.ofSeconds(5), Duration.ofMinutes(1))
                        .createWatermarkGenerator(context());
        RecordingOutput output = new RecordingOutput();
        DeadLetter farFuture =
                new DeadLetter(
                        DeadLetterReason.EVENT_TIME_OUT_OF_RANGE,
                        "year 2100",
                        new RawRecord("visits", 0, 0L, 0L, null, new byte[0]));

        generator.onEvent(DecodedRecord.visit(TestVisits.visit("e1", "a", 60_000L)), 60_000L, output);
        generator.onEvent(DecodedRecord.deadLetter(farFuture), 4_102_444_800_000L, output);
        generator.onPeriodicEmit(output);

        assertThat(output.watermarks).last().isEqualTo(60_000L - 5_000L - 1);
    }

    private static WatermarkGeneratorSupplier.Context context() {
        return new WatermarkGeneratorSupplier.Context() {
            @Override
            public org.apache.flink.metrics.MetricGroup getMetricGroup() {
                return new UnregisteredMetricsGroup();
            }

            @Override
            public org.apache.flink.util.clock.RelativeClock getInputActivityClock() {
                return new ManualClock();
            }
        };
    }

    private static final class RecordingOutput implements WatermarkOutput {
        final List<Long> watermarks = new ArrayList<>();

        @Override
        public void emitWatermark(Watermark watermark) {
            watermarks.add(watermark.getTimestamp());
        }

        @Override
        public void markIdle() {}

        @Override
        public void markActive() {}
    }
}
