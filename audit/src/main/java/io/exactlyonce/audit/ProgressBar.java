package io.exactlyonce.audit;

import io.exactlyonce.testkit.verify.CommittedRecords;
import java.io.PrintStream;

/**
 * One line on a terminal, redrawn in place: the topic being read and how far, in offsets up to the
 * end offsets taken at the start of its read.
 */
final class ProgressBar implements CommittedRecords.Progress {

    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 200_000_000L;

    private final PrintStream terminal;
    private String topic = "";
    private long total;
    private long done;
    private long drawnAt;

    ProgressBar(PrintStream terminal) {
        this.terminal = terminal;
    }

    @Override
    public void starting(String topic, long offsets) {
        finish();
        this.topic = topic;
        this.total = offsets;
        this.done = 0;
        draw();
    }

    @Override
    public void advanced(long offsets) {
        done += offsets;
        if (System.nanoTime() - drawnAt >= REDRAW_NANOS || done >= total) {
            draw();
        }
    }

    /** Ends the current line, so what follows starts on its own. */
    void finish() {
        if (!topic.isEmpty()) {
            draw();
            terminal.println();
            topic = "";
        }
    }

    private void draw() {
        drawnAt = System.nanoTime();
        int filled = total == 0 ? WIDTH : (int) Math.min(WIDTH, done * WIDTH / total);
        long percent = total == 0 ? 100 : Math.min(100, done * 100 / total);
        terminal.print(
                String.format(
                        "\r%-30.30s [%s%s] %3d%% %d/%d",
                        topic,
                        "#".repeat(filled),
                        ".".repeat(WIDTH - filled),
                        percent,
                        done,
                        total));
        terminal.flush();
    }
}
