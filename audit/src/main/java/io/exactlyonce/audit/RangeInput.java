package io.exactlyonce.audit;

import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.pipeline.connect.RawRecords;
import io.exactlyonce.pipeline.operators.DecodedRecord;
import io.exactlyonce.pipeline.operators.Visit;
import io.exactlyonce.pipeline.operators.VisitDecoder;
import io.exactlyonce.testkit.verify.CommittedRecords;
import io.exactlyonce.testkit.verify.Expectation;
import io.exactlyonce.testkit.verify.ProducedRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The input topic as the job saw it, decoded with the job's own {@link VisitDecoder} and bounds, so
 * a record is a visit or a dead letter (with the same reason) exactly as it was to the job.
 *
 * <p>A visit whose event time lies in the range was stamped no earlier than {@code
 * event-time.max-ahead} before it (the decoder dead-letters any other), so the read starts at the
 * first offset stamped at or after {@code from - max-ahead} and ends at the end offsets at the
 * start of the read. A dead letter belongs to the range by its record's own timestamp, the only
 * time it has.
 *
 * @param records every record read, the judged ones and those only read along
 * @param judged the records of the range
 * @param readSpans per partition, the first and last offset read
 * @param newestEventTime the newest event time of a visit read, or {@link Long#MIN_VALUE}
 * @param untimed dead letters read whose record has no usable timestamp: no range holds them
 */
record RangeInput(
        List<ProducedRecord> records,
        Predicate<ProducedRecord> judged,
        Map<Integer, long[]> readSpans,
        long newestEventTime,
        int untimed) {

    static RangeInput read(
            JobSettings job,
            AuditRange range,
            Duration timeout,
            CommittedRecords.Progress progress) {
        VisitDecoder decoder = new VisitDecoder(job.serdeConfig(), job.eventTimeBounds());
        decoder.open();
        List<ProducedRecord> records = new ArrayList<>();
        Set<String> rejectedInRange = new HashSet<>();
        Map<Integer, long[]> spans = new HashMap<>();
        long[] newest = {Long.MIN_VALUE};
        int[] untimed = {0};
        CommittedRecords.forEach(
                job.bootstrapServers(),
                job.kafkaSecurity().settings(),
                job.inputTopic(),
                readFrom(job, range),
                timeout,
                progress,
                record -> {
                    DecodedRecord decoded = decoder.decode(RawRecords.of(record));
                    Expectation expectation;
                    if (decoded.isVisit()) {
                        Visit visit = decoded.visit();
                        // Timing is unknown outside a generator: every visit must earn its way
                        // to the late topic (see Verdict).
                        expectation =
                                new Expectation.Valid(
                                        visit.eventId(),
                                        visit.userId(),
                                        visit.eventTime(),
                                        Expectation.Timing.ON_TIME);
                        newest[0] = Math.max(newest[0], visit.eventTime());
                    } else {
                        expectation =
                                new Expectation.Rejected(decoded.deadLetter().reason().name());
                        if (range.containsTimestamp(record.timestamp())) {
                            rejectedInRange.add(position(record.partition(), record.offset()));
                        } else if (record.timestamp() < 0) {
                            untimed[0]++;
                        }
                    }
                    records.add(
                            new ProducedRecord(record.partition(), record.offset(), expectation));
                    spans.merge(
                            record.partition(),
                            new long[] {record.offset(), record.offset()},
                            (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
                });
        Duration windowSize = job.windowSize();
        Predicate<ProducedRecord> judged =
                record ->
                        record.expectation() instanceof Expectation.Valid valid
                                ? range.containsWindow(
                                        AuditRange.windowStart(valid.eventTime(), windowSize))
                                : rejectedInRange.contains(
                                        position(record.partition(), record.offset()));
        return new RangeInput(records, judged, spans, newest[0], untimed[0]);
    }

    /** The earliest timestamp a record of the range can carry; see above. */
    static long readFrom(JobSettings job, AuditRange range) {
        return range.from().toEpochMilli() - job.eventTimeBounds().maxAheadOfRecord().toMillis();
    }

    /** Whether a side record's source position was read, so the verdict can place it. */
    boolean wasRead(int partition, long offset) {
        long[] span = readSpans.get(partition);
        return span != null && offset >= span[0] && offset <= span[1];
    }

    private static String position(int partition, long offset) {
        return partition + "@" + offset;
    }
}
