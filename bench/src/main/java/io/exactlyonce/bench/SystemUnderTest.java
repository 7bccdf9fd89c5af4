package io.exactlyonce.bench;

/** What the bench runs, each against the same input bytes. */
public enum SystemUnderTest {
    JOB_EO("job, both sinks exactly-once", true, true),
    JOB_ALO("job, both sinks at-least-once", true, true),
    JOB_KAFKA_EO("job, Kafka sink only, exactly-once", true, false),
    KAFKA_STREAMS_EO("Kafka Streams exactly_once_v2, Kafka output", true, false),
    CEILING("plain consumer, read and decode (ceiling)", false, false);

    private final String label;
    private final boolean writesCounts;
    private final boolean writesTable;

    SystemUnderTest(String label, boolean writesCounts, boolean writesTable) {
        this.label = label;
        this.writesCounts = writesCounts;
        this.writesTable = writesTable;
    }

    public String label() {
        return label;
    }

    /** Writes one count per (user, window) to the output topic. */
    public boolean writesCounts() {
        return writesCounts;
    }

    /** Writes them to the visit_counts table too. */
    public boolean writesTable() {
        return writesTable;
    }

    public boolean isJob() {
        return name().startsWith("JOB_");
    }
}
