package io.exactlyonce.testkit.verify;

import io.exactlyonce.testkit.verify.Expectation.Rejected;
import io.exactlyonce.testkit.verify.Expectation.Timing;
import io.exactlyonce.testkit.verify.Expectation.Valid;
import io.exactlyonce.testkit.verify.Observations.CommittedValue;
import io.exactlyonce.testkit.verify.Observations.SideRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Compares what the sinks committed with an oracle computed from the generated input alone.
 *
 * <p>The job sums a value per (key, window): a visit counts 1 for its user, an order adds its
 * amount to its merchant's revenue. A valid event is either summed or, if its window had already
 * closed when it arrived, forwarded as late. So each sink must hold exactly one record per (key,
 * window) with at least one event that was not late, and its value plus the values of that cell's
 * late events equals the oracle's sum. Every rejected record must appear on the dead-letter topic
 * exactly once with its reason; nothing may be left prepared or open.
 *
 * <p>Which events may come out late is bounded by the input too, or a watermark or gate that sent
 * on-time events to the late topic would go unnoticed. An event the generator dated to a window
 * long closed may come out late. Any other event may come out late only if its window could have
 * closed before it was read. The job's watermark is the lowest of its active partitions', each
 * never past the newest event time read from that partition minus the out-of-orderness bound, and
 * each partition is read in offset order. So an event read before it, dated at least the bound past
 * the end of its window, must exist:
 *
 * <ul>
 *   <li>earlier in its own partition ({@link ReadOrder#PARTITIONS_IN_STEP}). This holds across a
 *       restore too: the restored job judges replayed events by the watermark of the checkpoint,
 *       which was no later than their own partition's then.
 *   <li>or anywhere on another partition ({@link ReadOrder#PARTITIONS_MAY_IDLE}), when the run may
 *       have left a partition without records for the job's idleness timeout while the job ran: an
 *       idle partition takes no part in the watermark, and another may be read far ahead.
 * </ul>
 *
 * <p>The other way round is not checked: an event generated late may be summed, because a job that
 * starts, or restarts from a checkpoint taken before its first watermark, on a backlog reads part
 * of it before any watermark exists. (Seen in {@code ExactlyOnceITCase} on a busy machine.) Its
 * window then holds it once, in both sinks, as the oracle expects.
 */
public final class Verdict {

    /**
     * One sink's line of the summary.
     *
     * @param findings every window that is missing, duplicate, wrong or unexpected, in window
     *     order, with what was expected and what was committed
     */
    public record SinkResult(
            String sink,
            int expectedWindows,
            int committedWindows,
            List<KeyWindow> missing,
            List<KeyWindow> duplicate,
            List<KeyWindow> wrong,
            List<KeyWindow> unexpected,
            List<Finding> findings) {

        public boolean exact() {
            return missing.isEmpty()
                    && duplicate.isEmpty()
                    && wrong.isEmpty()
                    && unexpected.isEmpty();
        }
    }

    /** What is wrong with a window in one sink. */
    public enum Flaw {
        MISSING,
        DUPLICATE,
        WRONG,
        UNEXPECTED
    }

    /**
     * One window a sink got wrong.
     *
     * @param expected the oracle's value; null for a window the input does not explain
     * @param committed every value committed for the window, in the order read (empty if missing)
     */
    public record Finding(KeyWindow window, Flaw flaw, Long expected, List<Long> committed) {}

    /**
     * @param kafkaTotal the sum of the values committed to Kafka (for visits, the visits counted)
     */
    public record Report(
            int inputRecords,
            int validEvents,
            long kafkaTotal,
            int lateEvents,
            int deadLetters,
            List<SinkResult> sinks,
            List<String> problems) {

        public boolean exactlyOnce() {
            return problems.isEmpty();
        }

        public String table() {
            StringBuilder text = new StringBuilder();
            text.append(
                    String.format(
                            "input records %d: valid %d (late %d, kafka total %d), dead-lettered %d%n",
                            inputRecords, validEvents, lateEvents, kafkaTotal, deadLetters));
            text.append(
                    String.format(
                            "%-10s %9s %9s %8s %10s %6s %11s%n",
                            "sink",
                            "expected",
                            "committed",
                            "missing",
                            "duplicate",
                            "wrong",
                            "unexpected"));
            for (SinkResult sink : sinks) {
                text.append(
                        String.format(
                                "%-10s %9d %9d %8d %10d %6d %11d%n",
                                sink.sink(),
                                sink.expectedWindows(),
                                sink.committedWindows(),
                                sink.missing().size(),
                                sink.duplicate().size(),
                                sink.wrong().size(),
                                sink.unexpected().size()));
            }
            text.append(exactlyOnce() ? "EXACTLY ONCE: holds\n" : "EXACTLY ONCE: VIOLATED\n");
            problems.stream().limit(40).forEach(p -> text.append("  - ").append(p).append('\n'));
            if (problems.size() > 40) {
                text.append("  ... and ").append(problems.size() - 40).append(" more\n");
            }
            return text.toString();
        }
    }

    /** Whether a partition may have gone idle while another was read ahead; see above. */
    public enum ReadOrder {
        /** Every partition kept delivering while the job ran (no outage of the broker). */
        PARTITIONS_IN_STEP,
        /** A partition may have gone idle while the job ran, e.g. with the broker cut off. */
        PARTITIONS_MAY_IDLE
    }

    private Verdict() {}

    /**
     * @param outOfOrderness the job's watermark bound ({@code watermark.out-of-orderness}); a
     *     smaller value only lets more events pass as legitimately late
     * @param readOrder which events read before an event may have closed its window
     */
    public static Report judge(
            List<ProducedRecord> input,
            Duration windowSize,
            Duration outOfOrderness,
            ReadOrder readOrder,
            Observations observed) {
        return judge(input, record -> true, windowSize, outOfOrderness, readOrder, observed);
    }

    /**
     * Judges only part of the input, e.g. the records of an event-time range out of a live topic:
     * the other records of {@code input} only show what the job had read (see {@link ReadOrder}),
     * and side records that name them are passed over. The caller passes only what the sinks
     * committed for the judged part: committed values of its windows, side records of the positions
     * {@code input} holds.
     *
     * @param judged the records whose outcome is checked
     */
    public static Report judge(
            List<ProducedRecord> input,
            Predicate<ProducedRecord> judged,
            Duration windowSize,
            Duration outOfOrderness,
            ReadOrder readOrder,
            Observations observed) {
        long size = windowSize.toMillis();
        // By input position, not event id: producers may write one event twice, and the job then
        // counts it twice.
        Map<String, Valid> validAt = new HashMap<>();
        Set<String> passedOver = new HashSet<>();
        Map<KeyWindow, Sum> oracle = new TreeMap<>();
        Map<String, String> rejectedAt = new HashMap<>();
        int judgedRecords = 0;
        for (ProducedRecord record : input) {
            String at = position(record.partition(), record.offset());
            if (!judged.test(record)) {
                passedOver.add(at);
                continue;
            }
            judgedRecords++;
            if (record.expectation() instanceof Valid valid) {
                validAt.put(at, valid);
                oracle.merge(cell(valid, size), Sum.of(valid), Sum::plus);
            } else if (record.expectation() instanceof Rejected rejected) {
                rejectedAt.put(at, rejected.reason());
            }
        }
        List<String> problems = new ArrayList<>();

        Map<KeyWindow, Sum> late = new HashMap<>();
        Map<String, Integer> lateSeen = new HashMap<>();
        for (SideRecord record : observed.lateRecords()) {
            String at = position(record.sourcePartition(), record.sourceOffset());
            Valid valid = validAt.get(at);
            if (passedOver.contains(at)) {
                continue;
            } else if (valid == null) {
                problems.add(
                        "late topic holds event "
                                + record.eventId()
                                + " of input "
                                + at
                                + ", which is no valid event");
            } else if (lateSeen.merge(at, 1, Integer::sum) > 1) {
                problems.add("late event " + record.eventId() + " forwarded more than once");
            } else {
                late.merge(cell(valid, size), Sum.of(valid), Sum::plus);
            }
        }
        checkLateness(
                input,
                judged,
                size,
                outOfOrderness.toMillis(),
                readOrder,
                lateSeen.keySet(),
                problems);
        Map<KeyWindow, Long> expected = new TreeMap<>();
        oracle.forEach(
                (cell, all) -> {
                    Sum summed = all.minus(late.getOrDefault(cell, Sum.NONE));
                    // A window fires only with an event in it: one whose events all came late is
                    // absent.
                    if (summed.events() > 0) {
                        expected.put(cell, summed.value());
                    }
                });

        List<SinkResult> sinks =
                List.of(
                        compare("kafka", expected, observed.kafkaRecords(), problems),
                        compare("mysql", expected, observed.tableRows(), problems));

        Map<String, Integer> deadLetterSeen = new HashMap<>();
        for (SideRecord record : observed.deadLetters()) {
            String at = position(record.sourcePartition(), record.sourceOffset());
            if (passedOver.contains(at)) {
                continue;
            }
            String reason = rejectedAt.get(at);
            if (reason == null) {
                problems.add("dead letter for input " + at + " which was a valid event");
            } else if (!reason.equals(record.reason())) {
                problems.add(
                        "dead letter "
                                + at
                                + " has reason "
                                + record.reason()
                                + ", expected "
                                + reason);
            }
            if (deadLetterSeen.merge(at, 1, Integer::sum) > 1) {
                problems.add("dead letter for input " + at + " written more than once");
            }
        }
        rejectedAt.forEach(
                (at, reason) -> {
                    if (!deadLetterSeen.containsKey(at)) {
                        problems.add(
                                "rejected input " + at + " (" + reason + ") is on no topic: lost");
                    }
                });
        observed.preparedXaTransactions()
                .forEach(xid -> problems.add("XA transaction left prepared: " + xid));
        observed.unfinishedKafkaTransactions()
                .forEach(id -> problems.add("Kafka transaction left open: " + id));

        long kafkaTotal = observed.kafkaRecords().stream().mapToLong(CommittedValue::value).sum();
        return new Report(
                judgedRecords,
                validAt.size(),
                kafkaTotal,
                (int) late.values().stream().mapToLong(Sum::events).sum(),
                deadLetterSeen.values().stream().mapToInt(Integer::intValue).sum(),
                sinks,
                List.copyOf(problems));
    }

    /** How many events of a cell, and the sum of their values. */
    private record Sum(long events, long value) {

        static final Sum NONE = new Sum(0, 0);

        static Sum of(Valid valid) {
            return new Sum(1, valid.value());
        }

        Sum plus(Sum other) {
            return new Sum(events + other.events, value + other.value);
        }

        Sum minus(Sum other) {
            return new Sum(events - other.events, value - other.value);
        }
    }

    private static KeyWindow cell(Valid valid, long windowSize) {
        return new KeyWindow(
                valid.key(), valid.eventTime() - Math.floorMod(valid.eventTime(), windowSize));
    }

    /**
     * Reports on-time events that came out late although no event that could be read before them
     * closes their window.
     */
    private static void checkLateness(
            List<ProducedRecord> input,
            Predicate<ProducedRecord> judged,
            long windowSize,
            long outOfOrderness,
            ReadOrder readOrder,
            Set<String> cameOutLate,
            List<String> problems) {
        EventTimesRead read = new EventTimesRead(input, readOrder);
        for (ProducedRecord record : input) {
            if (!(record.expectation() instanceof Valid valid) || !judged.test(record)) {
                continue;
            }
            long windowEnd =
                    valid.eventTime() - Math.floorMod(valid.eventTime(), windowSize) + windowSize;
            if (valid.generated() == Timing.ON_TIME
                    && cameOutLate.contains(position(record.partition(), record.offset()))) {
                long newest = read.newestBefore(record.partition(), record.offset());
                if (newest < windowEnd + outOfOrderness) {
                    problems.add(
                            "on-time event "
                                    + valid.eventId()
                                    + " ("
                                    + valid.key()
                                    + "@"
                                    + (windowEnd - windowSize)
                                    + ", input "
                                    + record.partition()
                                    + "@"
                                    + record.offset()
                                    + ") came out late, but no event read before it"
                                    + " closes its window ("
                                    + readOrder
                                    + "): newest such event time "
                                    + (newest == Long.MIN_VALUE ? "none" : newest)
                                    + ", the window closes at "
                                    + (windowEnd + outOfOrderness));
                }
            }
        }
    }

    /**
     * The newest event time the job can have read before a given input record: what precedes it on
     * its own partition, and anything on the others if one may have run ahead.
     */
    private static final class EventTimesRead {

        /** One partition's valid events: offsets in order, and the newest event time up to each. */
        private record PartitionTimes(long[] offsets, long[] newestUpTo) {

            long newest() {
                return newestUpTo.length == 0 ? Long.MIN_VALUE : newestUpTo[newestUpTo.length - 1];
            }

            long newestBefore(long offset) {
                int at = Arrays.binarySearch(offsets, offset);
                int before = (at >= 0 ? at : -at - 1) - 1;
                return before >= 0 ? newestUpTo[before] : Long.MIN_VALUE;
            }
        }

        private final Map<Integer, PartitionTimes> partitions = new HashMap<>();
        private final ReadOrder readOrder;

        EventTimesRead(List<ProducedRecord> input, ReadOrder readOrder) {
            this.readOrder = readOrder;
            Map<Integer, TreeMap<Long, Long>> byPartition = new HashMap<>();
            for (ProducedRecord record : input) {
                if (record.expectation() instanceof Valid valid) {
                    byPartition
                            .computeIfAbsent(record.partition(), p -> new TreeMap<>())
                            .put(record.offset(), valid.eventTime());
                }
            }
            byPartition.forEach(
                    (partition, times) -> {
                        long[] offsets = new long[times.size()];
                        long[] newestUpTo = new long[times.size()];
                        long newest = Long.MIN_VALUE;
                        int i = 0;
                        for (Map.Entry<Long, Long> entry : times.entrySet()) {
                            newest = Math.max(newest, entry.getValue());
                            offsets[i] = entry.getKey();
                            newestUpTo[i] = newest;
                            i++;
                        }
                        partitions.put(partition, new PartitionTimes(offsets, newestUpTo));
                    });
        }

        long newestBefore(int partition, long offset) {
            long newest = partitions.get(partition).newestBefore(offset);
            if (readOrder == ReadOrder.PARTITIONS_MAY_IDLE) {
                for (Map.Entry<Integer, PartitionTimes> other : partitions.entrySet()) {
                    if (other.getKey() != partition) {
                        newest = Math.max(newest, other.getValue().newest());
                    }
                }
            }
            return newest;
        }
    }

    private static SinkResult compare(
            String sink,
            Map<KeyWindow, Long> expected,
            List<CommittedValue> committed,
            List<String> problems) {
        Map<KeyWindow, List<CommittedValue>> byCell = new TreeMap<>();
        committed.forEach(
                c ->
                        byCell.computeIfAbsent(
                                        new KeyWindow(c.key(), c.windowStart()),
                                        k -> new ArrayList<>())
                                .add(c));
        List<KeyWindow> missing = new ArrayList<>();
        List<KeyWindow> duplicate = new ArrayList<>();
        List<KeyWindow> wrong = new ArrayList<>();
        List<KeyWindow> unexpected = new ArrayList<>();
        List<Finding> findings = new ArrayList<>();
        for (KeyWindow cell : new TreeSet<>(expected.keySet())) {
            List<CommittedValue> found = byCell.getOrDefault(cell, List.of());
            List<Long> values = found.stream().map(CommittedValue::value).toList();
            if (found.isEmpty()) {
                missing.add(cell);
                findings.add(new Finding(cell, Flaw.MISSING, expected.get(cell), values));
                problems.add(
                        sink
                                + ": window "
                                + cell
                                + " missing (expected "
                                + expected.get(cell)
                                + ")");
                continue;
            }
            int writes = found.stream().mapToInt(CommittedValue::writes).sum();
            if (writes > 1) {
                duplicate.add(cell);
                findings.add(new Finding(cell, Flaw.DUPLICATE, expected.get(cell), values));
                problems.add(sink + ": window " + cell + " committed " + writes + " times");
            }
            long value = found.get(found.size() - 1).value();
            if (value != expected.get(cell)) {
                wrong.add(cell);
                findings.add(new Finding(cell, Flaw.WRONG, expected.get(cell), values));
                problems.add(
                        sink
                                + ": window "
                                + cell
                                + " holds "
                                + value
                                + ", expected "
                                + expected.get(cell));
            }
        }
        for (KeyWindow cell : byCell.keySet()) {
            if (!expected.containsKey(cell)) {
                unexpected.add(cell);
                findings.add(
                        new Finding(
                                cell,
                                Flaw.UNEXPECTED,
                                null,
                                byCell.get(cell).stream().map(CommittedValue::value).toList()));
                problems.add(sink + ": window " + cell + " is not in the input");
            }
        }
        findings.sort(Comparator.comparing(Finding::window));
        return new SinkResult(
                sink,
                expected.size(),
                byCell.size(),
                missing,
                duplicate,
                wrong,
                unexpected,
                findings);
    }

    private static String position(int partition, long offset) {
        return partition + "@" + offset;
    }
}
