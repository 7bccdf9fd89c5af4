package io.exactlyonce.it.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The layering, as sentences: model and sinks know nothing of each other; the pipeline is the job
 * built on both; the testkit proves jobs and sits above them; the local run, the benchmark and the
 * audit are applications on top. Module dependencies hold it only until someone adds one; these
 * rules state it, and hold what Maven cannot: the direction between packages inside a module, and
 * which packages may see connector classes at all. {@link PlantedViolationsTest} shows each rule
 * fails.
 */
@AnalyzeClasses(packages = "io.exactlyonce", importOptions = ImportOption.DoNotIncludeTests.class)
public class LayeringRulesTest {

    static final String MODEL = "io.exactlyonce.model..";
    static final String SINKS = "io.exactlyonce.sinks..";
    static final String PIPELINE = "io.exactlyonce.pipeline..";
    static final String TESTKIT = "io.exactlyonce.testkit..";
    static final String LOCAL = "io.exactlyonce.local..";
    static final String BENCH = "io.exactlyonce.bench..";
    static final String AUDIT = "io.exactlyonce.audit..";

    /** Non-Flink producers and consumers reuse the model, so it must not drag Flink in. */
    @ArchTest
    public static final ArchRule the_model_depends_on_neither_flink_nor_any_other_module =
            noClasses()
                    .that()
                    .resideInAPackage(MODEL)
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(
                            "org.apache.flink..", SINKS, PIPELINE, TESTKIT, LOCAL, BENCH, AUDIT);

    /** Another team takes the sinks for its own element type, without this job's schema. */
    @ArchTest
    public static final ArchRule the_sinks_know_no_job_and_no_schema =
            noClasses()
                    .that()
                    .resideInAPackage(SINKS)
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(MODEL, PIPELINE, TESTKIT, LOCAL, BENCH, AUDIT);

    /** The embedded services and fault primitives are for proving a job, never part of one. */
    @ArchTest
    public static final ArchRule production_code_never_depends_on_the_testkit =
            noClasses()
                    .that()
                    .resideInAnyPackage(MODEL, SINKS, PIPELINE)
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(TESTKIT, LOCAL, BENCH, AUDIT);

    /**
     * Operators see records, not where they come from or go to: that keeps them testable with
     * Flink's operator harnesses alone, and lets the job swap its source and sinks.
     */
    @ArchTest
    public static final ArchRule the_operators_depend_on_no_connector_class =
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
    public static final ArchRule each_layer_is_used_only_by_the_layers_above_it =
            layeredArchitecture()
                    .consideringOnlyDependenciesInLayers()
                    // The applications are not on this module's class path.
                    .withOptionalLayers(true)
                    .layer("Model")
                    .definedBy(MODEL)
                    .layer("Sinks")
                    .definedBy(SINKS)
                    .layer("Pipeline")
                    .definedBy(PIPELINE)
                    .layer("Testkit")
                    .definedBy(TESTKIT)
                    .layer("Applications")
                    .definedBy(LOCAL, BENCH, AUDIT)
                    .whereLayer("Applications")
                    .mayNotBeAccessedByAnyLayer()
                    .whereLayer("Testkit")
                    .mayOnlyBeAccessedByLayers("Applications")
                    .whereLayer("Pipeline")
                    .mayOnlyBeAccessedByLayers("Testkit", "Applications")
                    .whereLayer("Sinks")
                    .mayOnlyBeAccessedByLayers("Pipeline", "Testkit", "Applications")
                    .whereLayer("Model")
                    .mayOnlyBeAccessedByLayers("Pipeline", "Testkit", "Applications");

    @ArchTest
    public static final ArchRule no_two_packages_depend_on_each_other =
            slices().matching("io.exactlyonce.(**)").should().beFreeOfCycles();
}
