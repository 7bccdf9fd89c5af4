package io.exactlyonce.pipeline.operators;

import java.time.Duration;
import org.apache.flink.api.common.eventtime.BoundedOutOfOrdernessWatermarks;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Event-time watermarks per source split: bounded out-of-orderness over valid visits only, and
 * idleness so a quiet partition does not hold every window open. Dead letters take no part: an
 * absurd timestamp in a rejected record must not move time.
 */
public final class VisitWatermarks implements WatermarkGenerator<DecodedRecord> {

    private final BoundedOutOfOrdernessWatermarks<DecodedRecord> visits;

    private VisitWatermarks(Duration outOfOrderness) {
        this.visits = new BoundedOutOfOrdernessWatermarks<>(outOfOrderness);
    }

    public static WatermarkStrategy<DecodedRecord> strategy(
            Duration outOfOrderness, Duration idleness) {
        return WatermarkStrategy.<DecodedRecord>forGenerator(
                        context -> new VisitWatermarks(outOfOrderness))
                .withTimestampAssigner(
                        (record, recordTimestamp) ->
                                record.isVisit()
                                        ? record.getVisit().getEventTime()
                                        : recordTimestamp)
                .withIdleness(idleness);
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
