package io.exactlyonce.audit;

import io.exactlyonce.pipeline.config.InvalidJobConfigException;
import io.exactlyonce.pipeline.config.JobSettings;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.apache.flink.util.TimeUtils;

/**
 * A closed event-time range of whole windows, [{@code from}, {@code to}): every window in it has
 * fired and been committed by the job's own rules, so what the sinks hold for it no longer changes.
 *
 * <p>Build it with {@link #of}, which refuses a range the audit could not judge.
 */
public record AuditRange(Instant from, Instant to) {

    /**
     * Checks the range against the job's windows and clock rules.
     *
     * <p>Windows are aligned to the epoch (Flink's tumbling windows without offset), so both ends
     * must be multiples of {@code window.size}. A window fires once the watermark passes its end:
     * the newest event time read, minus {@code watermark.out-of-orderness}, lowest over the
     * partitions that are not idle (a quiet one drops out after {@code watermark.idleness}). Its
     * count becomes visible when the next checkpoint completes, within {@code checkpoint.interval}
     * plus {@code checkpoint.timeout}. So with traffic in real time, the range is closed once
     * {@code to + out-of-orderness + idleness + checkpoint interval + checkpoint timeout} has
     * passed.
     *
     * @throws InvalidJobConfigException naming the rule the range breaks
     */
    public static AuditRange of(Instant from, Instant to, JobSettings job, Instant now) {
        if (!from.isBefore(to)) {
            throw new InvalidJobConfigException(
                    "--from (" + from + ") must be before --to (" + to + ")");
        }
        long size = job.windowSize().toMillis();
        requireAligned("from", from, size, job.windowSize());
        requireAligned("to", to, size, job.windowSize());
        Instant closed = closedAt(to, job);
        if (closed.isAfter(now)) {
            throw new InvalidJobConfigException(
                    "--to "
                            + to
                            + " is not closed yet: the job commits a window only after the"
                            + " watermark passed it and a checkpoint completed, so the range closes"
                            + " at to + watermark.out-of-orderness + watermark.idleness +"
                            + " checkpoint.interval + checkpoint.timeout = "
                            + closed
                            + "; audit after that, or give an earlier --to");
        }
        return new AuditRange(from, to);
    }

    /** When the job has committed every window that ends by {@code to}; see {@link #of}. */
    public static Instant closedAt(Instant to, JobSettings job) {
        return to.plus(job.outOfOrderness())
                .plus(job.idleness())
                .plus(job.checkpointTiming().interval())
                .plus(job.checkpointTiming().timeout());
    }

    /** An ISO-8601 instant given for {@code --option}. */
    public static Instant parse(String option, String text) {
        try {
            return Instant.parse(text.trim());
        } catch (DateTimeParseException e) {
            throw new InvalidJobConfigException(
                    "--"
                            + option
                            + ": '"
                            + text
                            + "' is not an ISO-8601 instant such as 2026-01-31T13:00:00Z");
        }
    }

    /** Whether the window starting at {@code windowStart} (epoch millis) lies in the range. */
    public boolean containsWindow(long windowStart) {
        return windowStart >= from.toEpochMilli() && windowStart < to.toEpochMilli();
    }

    /** Whether an input record stamped {@code timestamp} (epoch millis) lies in the range. */
    public boolean containsTimestamp(long timestamp) {
        return containsWindow(timestamp);
    }

    /** The start of the window holding {@code eventTime}, as the job's tumbling windows assign. */
    public static long windowStart(long eventTime, Duration windowSize) {
        return eventTime - Math.floorMod(eventTime, windowSize.toMillis());
    }

    @Override
    public String toString() {
        return "[" + from + ", " + to + ")";
    }

    private static void requireAligned(String option, Instant at, long size, Duration windowSize) {
        long millis = at.toEpochMilli();
        if (Math.floorMod(millis, size) != 0 || at.getNano() % 1_000_000 != 0) {
            long before = millis - Math.floorMod(millis, size);
            throw new InvalidJobConfigException(
                    "--"
                            + option
                            + " "
                            + at
                            + " is not a window boundary: windows of "
                            + TimeUtils.formatWithHighestUnit(windowSize)
                            + " start at multiples of it since the epoch, e.g. "
                            + Instant.ofEpochMilli(before)
                            + " or "
                            + Instant.ofEpochMilli(before + size));
        }
    }
}
