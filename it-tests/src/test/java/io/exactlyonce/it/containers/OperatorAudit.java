package io.exactlyonce.it.containers;

import io.exactlyonce.audit.Audit;
import io.exactlyonce.audit.AuditOptions;
import io.exactlyonce.audit.AuditRange;
import io.exactlyonce.audit.AuditReport;
import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.testkit.embedded.Infrastructure;
import io.exactlyonce.testkit.run.VerifiedRun;
import io.exactlyonce.testkit.verify.VisitTraffic;
import java.time.Duration;
import java.time.Instant;

/**
 * The audit an operator runs after an incident ({@code deploy/cluster/audit.sh}), run in-process
 * against a scenario's services once its job has drained: it knows nothing of the generated plan,
 * only the job's settings and what the topics and the table hold.
 */
final class OperatorAudit {

    /** The traffic's generated late visits are dated this far before its first window. */
    private static final Duration LATE_VISITS_BEFORE = Duration.ofMinutes(30);

    private OperatorAudit() {}

    /**
     * Audits every window of the run's traffic, its late visits' included. The job has drained, so
     * nothing may be left open: no grace for open transactions.
     */
    static AuditReport of(FaultScenario scenario, Infrastructure services) {
        JobSettings job = VerifiedRun.config(scenario.plan(), services, services);
        VisitTraffic.Settings traffic = scenario.plan().traffic();
        AuditRange range =
                AuditRange.of(
                        traffic.start().minus(LATE_VISITS_BEFORE),
                        traffic.start().plus(traffic.windowSize().multipliedBy(traffic.windows())),
                        job,
                        Instant.now());
        AuditReport report =
                Audit.run(
                        job,
                        range,
                        AuditOptions.Limits.DEFAULT.withLeftOpenAfter(Duration.ZERO),
                        null);
        System.out.print(report.text());
        return report;
    }
}
