package io.exactlyonce.it.containers;

import static org.awaitility.Awaitility.await;

import io.exactlyonce.sinks.jdbc.SinkXid;
import java.time.Duration;
import java.util.List;

/**
 * Catches the job between XA PREPARE and the commit, which lasts from a checkpoint's barrier to its
 * completion notice, without relying on luck. It watches {@code XA RECOVER}; the moment the job's
 * transactions appear it freezes every TaskManager ({@code docker pause}). A frozen TaskManager can
 * neither commit nor roll back, so whatever {@code XA RECOVER} lists next is held in the window for
 * as long as the freeze lasts. When the commit won the race, or the caller does not accept what is
 * held, the TaskManagers are thawed and the next checkpoint is tried.
 */
final class PreparedWindow {

    /** Whether the caller can use what is held; asked while the TaskManagers are frozen. */
    @FunctionalInterface
    interface Acceptance {
        boolean accept(List<SinkXid> held) throws Exception;
    }

    /** What was caught: the held transactions, the attempt that caught them, when. */
    record Caught(List<SinkXid> held, int attempts, long frozenAtMillis) {}

    /** How often XA RECOVER is asked while waiting for a prepared transaction. */
    private static final Duration WATCH_INTERVAL = Duration.ofMillis(5);

    private PreparedWindow() {}

    /**
     * Returns with every TaskManager frozen and the job's prepared transactions ({@code prefix})
     * held, once {@code acceptance} agrees; the caller thaws them. Fails after {@code attempts}.
     */
    static Caught freezeWhilePrepared(
            ContainerServices services,
            FlinkCluster flink,
            String prefix,
            int attempts,
            Acceptance acceptance)
            throws Exception {
        for (int attempt = 1; attempt <= attempts; attempt++) {
            await("a prepared XA transaction of the job")
                    .atMost(FaultScenario.WAIT)
                    .pollInterval(WATCH_INTERVAL)
                    .ignoreExceptions()
                    .until(() -> !services.preparedXids(prefix).isEmpty());
            long frozenAt = System.currentTimeMillis();
            if (!flink.pauseTaskManagers()) {
                continue;
            }
            List<SinkXid> held = services.preparedXids(prefix);
            if (!held.isEmpty() && acceptance.accept(held)) {
                return new Caught(held, attempt, frozenAt);
            }
            flink.unpauseTaskManagers();
        }
        throw new IllegalStateException(
                "no checkpoint caught between XA PREPARE and its commit"
                        + " in "
                        + attempts
                        + " attempts");
    }
}
