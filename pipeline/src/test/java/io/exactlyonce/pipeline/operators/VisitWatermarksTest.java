package io.exactlyonce.pipeline.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.util.clock.ManualClock;
import org.apache.flink.util.clock.RelativeClock;
import org.junit.jupiter.api.Test;

class VisitWatermarksTest {

    private static final Duration IDLENESS = Duration.ofSeconds(30);

    /** Flink's periodic watermark interval: how often the source asks for a watermark. */
    private static final Duration PERIOD = Duration.ofMillis(200);

    private final ManualClock activityClock = new ManualClock(Duration.ofHours(1).toNanos());

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

        generator.onEvent(
                DecodedRecord.visit(TestVisits.visit("e1", "a", 60_000L)), 60_000L, output);
        generator.onEvent(DecodedRecord.deadLetter(farFuture), 4_102_444_800_000L, output);
        generator.onPeriodicEmit(output);

        assertThat(output.watermarks).last().isEqualTo(60_000L - 5_000L - 1);
    }

    @Test
    void aPartitionThatCarriesOnlyDeadLettersGoesIdle() {
        WatermarkGenerator<DecodedRecord> generator = idlingGenerator();
        RecordingOutput output = new RecordingOutput();

        for (long offset = 0; offset < 2 * IDLENESS.dividedBy(PERIOD); offset++) {
            generator.onEvent(DecodedRecord.deadLetter(poison(offset)), 0L, output);
            generator.onPeriodicEmit(output);
            activityClock.advanceTime(PERIOD);
        }

        assertThat(output.events)
                .as("a partition with poison only, for twice the idleness timeout")
                .contains("idle");
        assertThat(output.events).doesNotContain("active");
    }

    @Test
    void anIdlePartitionResumesWithItsNextVisitButNotWithADeadLetter() {
        WatermarkGenerator<DecodedRecord> generator = idlingGenerator();
        RecordingOutput output = new RecordingOutput();
        generator.onEvent(
                DecodedRecord.visit(TestVisits.visit("e1", "a", 60_000L)), 60_000L, output);
        generator.onPeriodicEmit(output);
        waitPast(IDLENESS, generator, output);
        assertThat(output.events).last().isEqualTo("idle");

        generator.onEvent(DecodedRecord.deadLetter(poison(1)), 0L, output);
        generator.onPeriodicEmit(output);
        assertThat(output.events).as("after a dead letter").last().isEqualTo("idle");

        generator.onEvent(
                DecodedRecord.visit(TestVisits.visit("e2", "a", 70_000L)), 70_000L, output);
        generator.onPeriodicEmit(output);
        assertThat(output.events).as("after a visit").last().isEqualTo(70_000L - 5_000L - 1);
    }

    private WatermarkGenerator<DecodedRecord> idlingGenerator() {
        return VisitWatermarks.strategy(Duration.ofSeconds(5), IDLENESS)
                .createWatermarkGenerator(context(activityClock));
    }

    private void waitPast(
            Duration timeout, WatermarkGenerator<DecodedRecord> generator, RecordingOutput output) {
        for (long tick = 0; tick <= timeout.dividedBy(PERIOD) + 2; tick++) {
            activityClock.advanceTime(PERIOD);
            generator.onPeriodicEmit(output);
        }
    }

    private static DeadLetter poison(long offset) {
        return new DeadLetter(
                DeadLetterReason.MALFORMED_AVRO,
                "poison",
                new RawRecord("visits", 0, offset, 0L, null, new byte[] {0, 0, 0, 0, 1}));
    }

    private static WatermarkGeneratorSupplier.Context context() {
        return context(new ManualClock());
    }

    private static WatermarkGeneratorSupplier.Context context(RelativeClock activityClock) {
        return new WatermarkGeneratorSupplier.Context() {
            @Override
            public org.apache.flink.metrics.MetricGroup getMetricGroup() {
                return new UnregisteredMetricsGroup();
            }

            @Override
            public RelativeClock getInputActivityClock() {
                return activityClock;
            }
        };
    }

    private static final class RecordingOutput implements WatermarkOutput {
        final List<Long> watermarks = new ArrayList<>();

        /** Watermarks, "idle" and "active" in the order the generator signalled them. */
        final List<Object> events = new ArrayList<>();

        @Override
        public void emitWatermark(Watermark watermark) {
            watermarks.add(watermark.getTimestamp());
            events.add(watermark.getTimestamp());
        }

        @Override
        public void markIdle() {
            events.add("idle");
        }

        @Override
        public void markActive() {
            events.add("active");
        }
    }
}
