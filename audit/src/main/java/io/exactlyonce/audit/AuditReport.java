package io.exactlyonce.audit;

import io.exactlyonce.testkit.verify.Verdict;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What an audit found for one range: the verdict on both sinks and the side topics, what is left
 * prepared or open, and notes that explain but do not fail the audit.
 *
 * @param inputRead every input record read, the range's and those read along to bound it
 * @param notes what the operator should know but is no violation
 */
public record AuditReport(
        String jobId,
        AuditRange range,
        int inputRead,
        Verdict.Report verdict,
        List<String> notes,
        int windowsListed) {

    public static final int EXACT = 0;
    public static final int VIOLATIONS = 1;
    public static final int USAGE = 2;
    public static final int UNREACHABLE = 3;

    public boolean exact() {
        return verdict.exactlyOnce();
    }

    /** 0 when the range holds exactly once, 1 when anything is wrong. */
    public int exitCode() {
        return exact() ? EXACT : VIOLATIONS;
    }

    /** The windows one sink got wrong, in window order. */
    public List<Verdict.Finding> findings(String sink) {
        return verdict.sinks().stream()
                .filter(s -> s.sink().equals(sink))
                .flatMap(s -> s.findings().stream())
                .toList();
    }

    /** The report for the operator. */
    public String text() {
        StringBuilder text = new StringBuilder();
        text.append("audit of ")
                .append(jobId)
                .append(", event time ")
                .append(range)
                .append(", ")
                .append(inputRead)
                .append(" input records read, ")
                .append(verdict.inputRecords())
                .append(" of them in the range\n");
        text.append(verdict.table());
        for (Verdict.SinkResult sink : verdict.sinks()) {
            if (sink.findings().isEmpty()) {
                continue;
            }
            text.append(
                    String.format(
                            "%s: %d windows wrong, the first %d:%n",
                            sink.sink(),
                            sink.findings().size(),
                            Math.min(windowsListed, sink.findings().size())));
            text.append(
                    String.format(
                            "  %-10s %-24s %-24s %9s  %s%n",
                            "flaw", "user", "window start", "expected", "committed"));
            sink.findings().stream()
                    .limit(windowsListed)
                    .forEach(
                            f ->
                                    text.append(
                                            String.format(
                                                    "  %-10s %-24s %-24s %9s  %s%n",
                                                    f.flaw(),
                                                    f.window().key(),
                                                    Instant.ofEpochMilli(f.window().windowStart()),
                                                    f.expected() == null ? "-" : f.expected(),
                                                    f.committed().isEmpty()
                                                            ? "-"
                                                            : f.committed().stream()
                                                                    .map(String::valueOf)
                                                                    .collect(
                                                                            Collectors.joining(
                                                                                    ", ")))));
        }
        notes.forEach(note -> text.append("note: ").append(note).append('\n'));
        text.append(exact() ? "AUDIT: exact (exit 0)\n" : "AUDIT: violations found (exit 1)\n");
        return text.toString();
    }
}
