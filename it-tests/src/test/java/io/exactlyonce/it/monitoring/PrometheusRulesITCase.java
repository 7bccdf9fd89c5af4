package io.exactlyonce.it.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The alert rules of {@code deploy/monitoring/prometheus}, run by a real Prometheus rule engine
 * ({@code promtool test rules}) against recorded series: each alert fires for the job whose series
 * call for it and stays quiet for the other.
 */
class PrometheusRulesITCase {

    @Test
    void theRulesAreValid() throws Exception {
        Promtool.Result result =
                Promtool.run(Promtool.RULES.getParent(), "check", "rules", "rules.yaml");

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("SUCCESS");
    }

    @Test
    void everyAlertFiresOnItsRecordedSeriesAndOnlyThere() throws Exception {
        Promtool.Result result =
                Promtool.run(Promtool.RULES.getParent(), "test", "rules", "rules-test.yaml");

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("SUCCESS").doesNotContain("FAILED");
    }
}
