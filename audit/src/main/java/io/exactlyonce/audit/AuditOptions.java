package io.exactlyonce.audit;

import static org.apache.flink.configuration.ConfigOptions.key;

import io.exactlyonce.pipeline.config.CommandLineOptions;
import io.exactlyonce.pipeline.config.InvalidJobConfigException;
import io.exactlyonce.pipeline.config.JobOptions;
import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.pipeline.config.OptionValues;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;

/**
 * The audit's command line: the job's own options (the same {@code --config} file, {@code --key
 * value} arguments, secret files and password variable) plus the range and a few of its own.
 */
public final class AuditOptions {

    public static final ConfigOption<String> FROM =
            key("from")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "start of the range, an ISO-8601 instant on a window boundary, e.g."
                                    + " 2026-01-31T13:00:00Z");
    public static final ConfigOption<String> TO =
            key("to")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "end of the range (exclusive), on a window boundary and closed: to +"
                                    + " watermark.out-of-orderness + watermark.idleness +"
                                    + " checkpoint.interval + checkpoint.timeout in the past");
    public static final ConfigOption<Boolean> PROGRESS =
            key("progress")
                    .booleanType()
                    .noDefaultValue()
                    .withDescription(
                            "a progress bar on stderr; by default only when run in a terminal");
    public static final ConfigOption<Duration> TIMEOUT =
            key("timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(60))
                    .withDescription(
                            "how long to wait for a broker, registry or database that does not"
                                    + " answer");
    public static final ConfigOption<Duration> LEFT_OPEN_AFTER =
            key("left-open-after")
                    .durationType()
                    .noDefaultValue()
                    .withDescription(
                            "a Kafka transaction open this long, or an XA transaction still"
                                    + " prepared this long after the audit started, is reported as"
                                    + " left behind; by default the longest a healthy job keeps one"
                                    + " open (checkpoint timing plus the longest restart)");
    public static final ConfigOption<Integer> LISTED =
            key("list")
                    .intType()
                    .defaultValue(20)
                    .withDescription("windows pinpointed per sink in the report");

    static final List<ConfigOption<?>> OWN =
            List.of(FROM, TO, PROGRESS, TIMEOUT, LEFT_OPEN_AFTER, LISTED);

    private static final CommandLineOptions AUDIT_ONLY =
            new CommandLineOptions("", OWN, Set.of(FROM, TO), null);

    /** The job's options and the audit's, for the usage text and for reading arguments. */
    static final CommandLineOptions COMMAND_LINE = commandLine();

    /**
     * What an audit needs besides the job's settings and the range.
     *
     * @param progress a progress bar on stderr; empty for "when in a terminal"
     * @param leftOpenAfter empty for the job's own bound, see {@link #leftOpenAfter(JobSettings)}
     */
    public record Limits(
            Duration timeout,
            Optional<Duration> leftOpenAfter,
            int windowsListed,
            Optional<Boolean> progress) {

        public static final Limits DEFAULT =
                new Limits(
                        TIMEOUT.defaultValue(),
                        Optional.empty(),
                        LISTED.defaultValue(),
                        Optional.of(false));

        public Limits withLeftOpenAfter(Duration after) {
            return new Limits(timeout, Optional.of(after), windowsListed, progress);
        }

        public Limits withTimeout(Duration limit) {
            return new Limits(limit, leftOpenAfter, windowsListed, progress);
        }

        /**
         * The longest a healthy job keeps a Kafka transaction open or an XA transaction prepared:
         * across a checkpoint and the next one that may time out, plus its longest restart.
         */
        public Duration leftOpenAfter(JobSettings job) {
            return leftOpenAfter.orElseGet(
                    () ->
                            job.checkpointTiming()
                                    .longestOpenTransaction()
                                    .plus(job.restarts().longestRestart()));
        }
    }

    /** A parsed command line. */
    record Parsed(JobSettings job, AuditRange range, Limits limits) {}

    private AuditOptions() {}

    /**
     * Parses the command line; the database password comes as the job's does, from {@code
     * --jdbc.password-file} or the environment.
     *
     * @throws InvalidJobConfigException in one line for anything wrong
     */
    static Parsed parse(String[] args, Map<String, String> environment, Instant now) {
        Map<String, String> given = COMMAND_LINE.read(flagsWithValues(args));
        Map<String, String> own = new LinkedHashMap<>();
        Map<String, String> job = new LinkedHashMap<>();
        Set<String> ownKeys = OWN.stream().map(ConfigOption::key).collect(Collectors.toSet());
        given.forEach((k, v) -> (ownKeys.contains(k) ? own : job).put(k, v));
        OptionValues values = AUDIT_ONLY.parse(own);
        JobSettings settings =
                JobSettings.of(job, environment.get(JobSettings.PASSWORD_ENVIRONMENT_VARIABLE));
        AuditRange range =
                AuditRange.of(
                        AuditRange.parse(FROM.key(), values.get(FROM)),
                        AuditRange.parse(TO.key(), values.get(TO)),
                        settings,
                        now);
        int listed = values.get(LISTED);
        if (listed < 0) {
            throw new InvalidJobConfigException("--list must not be negative");
        }
        return new Parsed(
                settings,
                range,
                new Limits(
                        values.get(TIMEOUT),
                        values.find(LEFT_OPEN_AFTER),
                        listed,
                        values.find(PROGRESS)));
    }

    static String usage() {
        return COMMAND_LINE.usage();
    }

    /** {@code --progress} alone means {@code --progress true}. */
    private static String[] flagsWithValues(String[] args) {
        List<String> out = new ArrayList<>(List.of(args));
        for (int i = 0; i < out.size(); i++) {
            boolean flag = out.get(i).equals("--" + PROGRESS.key());
            if (flag && (i + 1 == out.size() || out.get(i + 1).startsWith("--"))) {
                out.add(i + 1, "true");
            }
        }
        return out.toArray(String[]::new);
    }

    private static CommandLineOptions commandLine() {
        List<ConfigOption<?>> all = new ArrayList<>(JobOptions.ALL);
        all.addAll(OWN);
        Set<ConfigOption<?>> required = new java.util.HashSet<>(JobOptions.REQUIRED);
        required.add(FROM);
        required.add(TO);
        return new CommandLineOptions(
                "Usage: deploy/cluster/audit.sh --config job.properties --from <instant> --to"
                        + " <instant> [--option value ...]\n"
                        + "Takes the job's own options (the same --config file, secret files and "
                        + JobSettings.PASSWORD_ENVIRONMENT_VARIABLE
                        + ") and the audit's. Exit codes: 0 exact, 1 violations found, 2 usage,"
                        + " 3 a service cannot be reached.",
                all,
                required,
                JobOptions.CONFIG_FILE);
    }
}
