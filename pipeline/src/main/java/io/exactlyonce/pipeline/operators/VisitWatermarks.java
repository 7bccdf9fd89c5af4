package io.exactlyonce.pipeline.operators;

import java.time.Duration;
import org.apache.flink.api.common.eventtime.BoundedOutOfOrdernessWatermarks;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.eventtime.WatermarksWithIdleness;
import org.apache.flink.util.clock.RelativeClock;

/**
 * Event-time watermarks per source split: bounded out-of-orderness over valid visits only, and
 * idleness so a quiet partition does not hold every window open. Dead letters take no part in
 * either: an absurd timestamp in a rejected record must not move time, and a partition that carries
 * nothing but rejected records is quiet, so it goes idle instead of holding every window back.
 * ({@code WatermarkStrategy.withIdleness} would count every record as activity, so the idleness
 * check sits behind the filter here.)
 */
public final class VisitWatermarks implements WatermarkGenerator<DecodedRecord> {

    private final WatermarksWithIdleness<DecodedRecord> visits;

    private VisitWatermarks(
            Duration outOfOrderness, Duration idleness, RelativeClock inputActivityClock) {
        this.visits =
                new WatermarksWithIdleness<>(
                        new BoundedOutOfOrdernessWatermarks<>(outOfOrderness),
                        idleness,
                        inputActivityClock);
    }

    public static WatermarkStrategy<DecodedRecord> strategy(
            Duration outOfOrderness, Duration idleness) {
        return WatermarkStrategy.<DecodedRecord>forGenerator(
                        context ->
                                new VisitWatermarks(
                                        outOfOrderness, idleness, context.getInputActivityClock()))
                .withTimestampAssigner(
                        (record, recordTimestamp) ->
                                record.isVisit() ? record.visit().eventTime() : recordTimestamp);
    }

    @Override
    public void onEvent(DecodedRecord record, long eventTimestamp, WatermarkOutput output) {
        if (record.isVisit()) {
            visits.onEvent(record, eventTimestamp, output);
        }
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        visits.onPeriodicEmit(output);
    }
}
