package io.exactlyonce.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** A bench command's options, each with a default and a line of help, given as --name value. */
final class BenchOptions {

    private final String usage;
    private final Map<String, String> defaults = new LinkedHashMap<>();
    private final Map<String, String> help = new LinkedHashMap<>();

    BenchOptions(String usage) {
        this.usage = usage;
    }

    BenchOptions option(String name, String defaultValue, String line) {
        defaults.put(name, defaultValue);
        help.put(name, line);
        return this;
    }

    /** The options every run of the job takes, with the same defaults in each command. */
    BenchOptions jobOptions() {
        return option(
                        "parallelism",
                        "2",
                        "job parallelism (Kafka Streams threads, ceiling consumers)")
                .option("partitions", "4", "input topic partitions")
                .option("out-of-orderness", "5 s", "the job's bound, Kafka Streams' grace")
                .option("jdbc-batch-size", "500", "the job's rows per round trip to the database")
                .option("heap", "2g", "-Xmx of each run's JVM");
    }

    /** The options with defaults filled in; null when help was asked for. */
    Map<String, String> parse(String[] args) {
        Map<String, String> options = new LinkedHashMap<>(defaults);
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                return null;
            }
            String key = arg.startsWith("--") ? arg.substring(2) : "";
            if (!defaults.containsKey(key)) {
                throw new IllegalArgumentException("unknown option " + arg);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + arg + " needs a value");
            }
            options.put(key, args[++i]);
        }
        return options;
    }

    /**
     * Parses {@code args} for a command line: one line and exit status 2 for a bad option, the
     * usage and exit status 0 for --help.
     */
    Map<String, String> parseOrExit(String command, String[] args) {
        Map<String, String> options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(command + ": " + e.getMessage() + " (--help lists the options)");
            System.exit(2);
            return null;
        }
        if (options == null) {
            System.out.println(usage);
            defaults.forEach(
                    (name, value) ->
                            System.out.printf("  --%-22s %s [%s]%n", name, help.get(name), value));
            System.exit(0);
        }
        return options;
    }
}
