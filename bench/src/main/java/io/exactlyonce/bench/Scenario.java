package io.exactlyonce.bench;

/**
 * One input for every system: {@code visits} visits of {@code users} users spread evenly over
 * {@code windows} tumbling windows. Results are the distinct (user, window) pairs, about users ×
 * windows when visits are many more.
 */
public record Scenario(String name, long visits, int users, int windows) {

    /** Parses {@code name:visits:users:windows}, e.g. {@code input-heavy:4000000:10000:12}. */
    public static Scenario parse(String spec) {
        String[] parts = spec.split(":");
        if (parts.length != 4) {
            throw new IllegalArgumentException(
                    "scenario must be name:visits:users:windows, got " + spec);
        }
        return new Scenario(
                parts[0],
                Long.parseLong(parts[1]),
                Integer.parseInt(parts[2]),
                Integer.parseInt(parts[3]));
    }

    public String spec() {
        return name + ":" + visits + ":" + users + ":" + windows;
    }
}
