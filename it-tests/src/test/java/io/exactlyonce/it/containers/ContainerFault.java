package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.audit.AuditReport;
import io.exactlyonce.testkit.run.JobRunner;
import io.exactlyonce.testkit.verify.Verdict;
import java.time.Duration;
import java.util.List;

/**
 * What a fault scenario states of its own: the fault it does to the running job, and the proof that
 * the fault struck. {@link FaultScenario#run} does everything else, the same way for every
 * scenario.
 */
abstract class ContainerFault {

    /**
     * From the fault to the first checkpoint completed after it; the summary line shows it. Null
     * for a scenario without a fault.
     */
    Duration recovery;

    /**
     * Does the fault to the running job while traffic flows and waits until the job is past it;
     * sets {@link #recovery}. Returns the job the run goes on with: {@code job}, or the job that
     * replaced it.
     */
    abstract JobRunner.SubmittedJob inject(FaultScenario scenario, JobRunner.SubmittedJob job)
            throws Exception;

    /**
     * Every recovery of the run, in order, for the summary line: {@link #recovery} unless the
     * scenario has more than one fault.
     */
    List<Duration> recoveries() {
        return recovery == null ? List.of() : List.of(recovery);
    }

    /** What the fault did and what the job did about it, for the log line after the run. */
    abstract String outcome();

    /** Asserts that the fault happened as the scenario means it to. */
    abstract void assertStruck();

    /** Asserts the verdict a run with this fault must get: exactly-once, unless overridden. */
    void assertVerdict(Verdict.Report report) {
        FaultScenario.assertExactlyOnce(report);
    }

    /**
     * Whether the run ends with the operator's audit ({@link OperatorAudit}) too; then {@link
     * #assertAudit} says what it must report.
     */
    boolean audited() {
        return false;
    }

    /** Asserts the audit of a run with this fault: exact, exit code 0, unless overridden. */
    void assertAudit(AuditReport audit, Verdict.Report verdict) {
        assertThat(audit.exitCode()).as("the audit's exit code").isEqualTo(AuditReport.EXACT);
        assertThat(audit.exact()).as("the audit of an exactly-once run").isTrue();
    }

    static String seconds(Duration duration) {
        return duration.toMillis() / 1000.0 + " s";
    }
}
