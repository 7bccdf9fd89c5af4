package io.exactlyonce.pipeline.api;

/**
 * Names and uids of the job's operators. A uid ties an operator's state in a savepoint to the
 * operator: changing one orphans that state, so these never change once released.
 */
public final class OperatorIds {

    public static final String SOURCE = "kafka-visits-source";
    public static final String SPLIT_DEAD_LETTERS = "split-dead-letters";
    public static final String RESTORED_WATERMARK_GATE = "late-visits-after-restore-gate";
    public static final String COUNT_PER_WINDOW = "count-visits-per-user-window";
    public static final String COUNTS_TO_KAFKA = "counts-to-kafka";
    public static final String COUNTS_TO_DATABASE = "counts-to-database";
    public static final String LATE_TO_RECORDS = "late-visits-to-records";
    public static final String LATE_TO_KAFKA = "late-visits-to-kafka";
    public static final String DEAD_LETTERS_TO_RECORDS = "dead-letters-to-records";
    public static final String DEAD_LETTERS_TO_KAFKA = "dead-letters-to-kafka";

    private OperatorIds() {}
}
