package io.exactlyonce.testkit.embedded;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Arrays;
import java.util.Optional;

/**
 * Entry point of a child JVM that must not outlive the JVM that started it: {@code ExitWithParent
 * <parent pid> <main class> [args...]} runs the main class, and halts this JVM when the parent
 * exits.
 *
 * <p>The parent's shutdown hook already kills its children on a normal exit, but no hook runs when
 * the parent itself is killed with SIGKILL (a Surefire fork timeout, an IDE's stop button). Without
 * this guard such a child would keep its ports and files and break the next run.
 */
public final class ExitWithParent {

    /** The exit code of a child that stopped because its parent was gone. */
    static final int ORPHANED_EXIT_CODE = 99;

    private ExitWithParent() {}

    public static void main(String[] args) throws Throwable {
        if (args.length < 2) {
            System.err.println("Usage: ExitWithParent <parent pid> <main class> [args...]");
            System.exit(2);
        }
        long parentPid = Long.parseLong(args[0]);
        // Resolved by pid rather than via ProcessHandle.parent(): if the parent is already gone,
        // this child has been re-parented and parent() would name an unrelated process.
        Optional<ProcessHandle> parent = ProcessHandle.of(parentPid);
        if (parent.isEmpty()) {
            halt(parentPid);
        }
        parent.get().onExit().thenRun(() -> halt(parentPid));

        MethodHandle main =
                MethodHandles.publicLookup()
                        .findStatic(
                                Class.forName(args[1]),
                                "main",
                                MethodType.methodType(void.class, String[].class));
        main.invokeExact(Arrays.copyOfRange(args, 2, args.length));
    }

    private static void halt(long parentPid) {
        System.err.printf(
                "Parent process %d is gone; halting this JVM (pid %d).%n",
                parentPid, ProcessHandle.current().pid());
        // halt, not exit: the parent is gone, nobody waits for a graceful shutdown.
        Runtime.getRuntime().halt(ORPHANED_EXIT_CODE);
    }
}
