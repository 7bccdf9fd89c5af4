package io.exactlyonce.it.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import io.exactlyonce.model.planted.ContractThatNeedsFlink;
import io.exactlyonce.pipeline.planted.JobThatStartsAnEmbeddedBroker;
import io.exactlyonce.sinks.planted.SinkThatKnowsTheVisitSchema;
import org.junit.jupiter.api.Test;

/**
 * A rule that cannot fail proves nothing: each layering rule, evaluated on a class planted in the
 * layer it guards (test sources only, so the real analysis never sees them), reports it.
 */
class PlantedViolationsTest {

    /** Test classes included, so the planted ones are analysed with the layers they reach. */
    private static final JavaClasses PLANTED =
            new ClassFileImporter().importPackages("io.exactlyonce");

    @Test
    void aSinkThatKnowsTheVisitSchemaBreaksTheSinkRuleAndTheLayers() {
        assertViolatedBy(
                LayeringRulesTest.the_sinks_know_no_job_and_no_schema,
                SinkThatKnowsTheVisitSchema.class);
        assertViolatedBy(
                LayeringRulesTest.each_layer_is_used_only_by_the_layers_above_it,
                SinkThatKnowsTheVisitSchema.class);
    }

    @Test
    void productionCodeThatUsesTheTestkitBreaksTheTestkitRuleAndTheLayers() {
        assertViolatedBy(
                LayeringRulesTest.production_code_never_depends_on_the_testkit,
                JobThatStartsAnEmbeddedBroker.class);
        assertViolatedBy(
                LayeringRulesTest.each_layer_is_used_only_by_the_layers_above_it,
                JobThatStartsAnEmbeddedBroker.class);
    }

    @Test
    void aContractThatNeedsFlinkBreaksTheModelRule() {
        assertViolatedBy(
                LayeringRulesTest.the_model_depends_on_neither_flink_nor_any_other_module,
                ContractThatNeedsFlink.class);
    }

    private static void assertViolatedBy(ArchRule rule, Class<?> planted) {
        EvaluationResult result = rule.evaluate(PLANTED);
        assertThat(result.hasViolation()).as(rule.getDescription()).isTrue();
        assertThat(result.getFailureReport().getDetails())
                .as("violations of " + rule.getDescription())
                .anyMatch(line -> line.contains(planted.getName()));
    }
}
