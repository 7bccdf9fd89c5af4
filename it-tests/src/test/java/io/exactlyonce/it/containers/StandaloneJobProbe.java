package io.exactlyonce.it.containers;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * A job that does next to nothing, for starting eo-flink's {@code standalone-job} mode: its name is
 * its first argument, so a test sees that the application cluster ran this class with the arguments
 * it was given. {@link OfficialImageVariablesITCase} puts this one class into a jar in the
 * container's {@code usrlib/}.
 */
public final class StandaloneJobProbe {

    private StandaloneJobProbe() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: StandaloneJobProbe JOB_NAME");
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.fromSequence(1, 10).sinkTo(new DiscardingSink<>());
        env.execute(args[0]);
    }
}
