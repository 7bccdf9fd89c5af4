package io.exactlyonce.it.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The layering model ← sinks ← pipeline ← local. Module dependencies hold it only until someone
 * adds one; these rules state it, and hold what Maven cannot: the direction between packages inside
 * a module, and which packages may see connector classes at all.
 */
@AnalyzeClasses(packages = "io.exactlyonce", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringRulesTest {

    private static final String MODEL = "io.exactlyonce.model..";
    private static final String SINKS = "io.exactlyonce.sinks..";
    private static final String PIPELINE = "io.exactlyonce.pipeline..";
    private static final String LOCAL = "io.exactlyonce.local..";

    /** Non-Flink producers and tests reuse the model, so it must not drag Flink in. */
    @ArchTest
    static final ArchRule the_model_depends_on_neither_flink_nor_any_layer_above_it =
            noClasses()
                    .that()
                    .resideInAPackage(MODEL)
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage("org.apache.flink..", SINKS, PIPELINE, LOCAL);

    @ArchTest
    static final ArchRule the_sinks_depend_on_neither_the_pipeline_nor_the_local_run =
            noClasses()
                    .that()
                    .resideInAPackage(SINKS)
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(PIPELINE, LOCAL);

    /**
     * Operators see records, not where they come from or go to: that keeps them testable with
     * Flink's operator harnesses alone, and lets the job swap its source and sinks.
     */
    @ArchTest
    static final ArchRule the_operators_depend_on_no_connector_class =
            noClasses()
                    .that()
                    .resideInAPackage("io.exactlyonce.pipeline.operators..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(
                            "org.apache.flink.connector..",
                            "org.apache.kafka.clients..",
                            "java.sql..",
                            "javax.sql..",
                            SINKS,
                            "io.exactlyonce.pipeline.connect..");

    @ArchTest
    static final ArchRule each_layer_is_used_only_by_the_layers_above_it =
            layeredArchitecture()
                    .consideringOnlyDependenciesInLayers()
                    .layer("Model")
                    .definedBy(MODEL)
                    .layer("Sinks")
                    .definedBy(SINKS)
                    .layer("Pipeline")
                    .definedBy(PIPELINE)
                    .layer("Local")
                    .definedBy(LOCAL)
                    .whereLayer("Local")
                    .mayNotBeAccessedByAnyLayer()
                    .whereLayer("Pipeline")
                    .mayOnlyBeAccessedByLayers("Local")
                    .whereLayer("Sinks")
                    .mayOnlyBeAccessedByLayers("Pipeline", "Local")
                    .whereLayer("Model")
                    .mayOnlyBeAccessedByLayers("Sinks", "Pipeline", "Local");

    @ArchTest
    static final ArchRule no_two_packages_depend_on_each_other =
            slices().matching("io.exactlyonce.(**)").should().beFreeOfCycles();
}
