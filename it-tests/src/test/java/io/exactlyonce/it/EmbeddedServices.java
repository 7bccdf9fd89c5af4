package io.exactlyonce.it;

import io.exactlyonce.testkit.embedded.EmbeddedInfrastructure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;

/**
 * The real services of the in-JVM tier ({@link EmbeddedInfrastructure}), started once per test JVM
 * and shared. Every test takes its own topics and database, so tests never see each other's data.
 */
public final class EmbeddedServices {

    private static EmbeddedInfrastructure instance;
    private static final AtomicInteger NAMES = new AtomicInteger();

    private EmbeddedServices() {}

    public static synchronized EmbeddedInfrastructure get() {
        if (instance == null) {
            try {
                instance = EmbeddedInfrastructure.start(Path.of("target", "embedded-services"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(instance::close, "embedded-stop"));
        }
        return instance;
    }

    /** A MiniCluster of one TaskManager with {@code slots} slots. */
    public static MiniClusterExtension miniCluster(int slots) {
        return new MiniClusterExtension(
                new MiniClusterResourceConfiguration.Builder()
                        .setNumberTaskManagers(1)
                        .setNumberSlotsPerTaskManager(slots)
                        .build());
    }

    /** A name no other test in this JVM uses, for topics and databases. */
    public static String uniqueName(String base) {
        return base + "_" + NAMES.incrementAndGet() + "_" + ProcessHandle.current().pid();
    }
}
