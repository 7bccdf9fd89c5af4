package io.exactlyonce.pipeline.config;

import java.util.Arrays;
import java.util.stream.Stream;

/** Command lines for tests: the required options, and more on top. */
public final class TestOptions {

    /** The required options, with the job identity {@code shop-eu}. */
    public static final String[] REQUIRED = {
        "--kafka.bootstrap-servers", "broker:9092",
        "--schema-registry.url", "http://registry:8081",
        "--jdbc.url", "jdbc:mysql://db:3306/visits",
        "--jdbc.user", "visit_count",
        "--job.id", "shop-eu"
    };

    /** The required options without the job's identity. */
    public static final String[] WITHOUT_IDENTITY = Arrays.copyOf(REQUIRED, 8);

    private TestOptions() {}

    public static String[] append(String[] args, String... more) {
        return Stream.concat(Arrays.stream(args), Arrays.stream(more)).toArray(String[]::new);
    }
}
