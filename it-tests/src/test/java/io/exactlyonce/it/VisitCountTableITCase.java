package io.exactlyonce.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exactlyonce.pipeline.connect.VisitCountTable;
import io.exactlyonce.testkit.embedded.EmbeddedMariaDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code visit_counts} DDL on a real MariaDB: the table must tell user ids apart exactly as the
 * job does (Java {@code String.equals}, which keys the windows), and hold every id the decoder lets
 * through.
 */
class VisitCountTableITCase {

    private static final long WINDOW_START = 1_764_000_000_000L;

    /** Pairwise different Java strings that a PAD SPACE or a case-insensitive key would merge. */
    private static final List<String> LOOK_ALIKE_USER_IDS =
            List.of(
                    "bob",
                    "bob ",
                    "bob  ",
                    "Bob",
                    "bob\t",
                    "bob\u00A0", // no-break space
                    "caf\u00E9", // é precomposed (NFC)
                    "cafe\u0301"); // e + combining acute accent (NFD)

    private final EmbeddedMariaDb mariaDb = EmbeddedServices.get().mariaDb();

    static Stream<Arguments> visitCountDdl() throws Exception {
        return Stream.of(
                Arguments.of("VisitCountTable.CREATE_TABLE", VisitCountTable.CREATE_TABLE),
                Arguments.of(
                        "deploy/cluster/sql/mariadb.sql",
                        createTableOf(Path.of("..", "deploy", "cluster", "sql", "mariadb.sql"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("visitCountDdl")
    void userIdsThatDifferOnlyInTrailingSpaceCaseOrNormalisationAreDifferentRows(
            String source, String ddl) throws Exception {
        String database = tableFrom(ddl);
        Map<String, Long> written = new LinkedHashMap<>();
        try (Connection connection = mariaDb.connect(database)) {
            long count = 1;
            for (String userId : LOOK_ALIKE_USER_IDS) {
                upsert(connection, userId, count);
                written.put(userId, count++);
            }
        }

        Map<String, Long> stored = new LinkedHashMap<>();
        Map<String, Integer> writeCounts = new LinkedHashMap<>();
        try (Connection connection = mariaDb.connect(database);
                Statement statement = connection.createStatement();
                ResultSet rows =
                        statement.executeQuery(
                                "SELECT user_id, visit_count, write_count FROM visit_counts")) {
            while (rows.next()) {
                stored.put(rows.getString(1), rows.getLong(2));
                writeCounts.put(rows.getString(1), rows.getInt(3));
            }
        }
        assertThat(stored)
                .as("one row per user id, each with its own count (%s)", source)
                .containsExactlyInAnyOrderEntriesOf(written);
        assertThat(writeCounts.values()).as("no row written twice").containsOnly(1);
    }

    /**
     * MySQL 8 is not in this tier, so mysql8.sql's table is held to mariadb.sql's, which runs
     * above: the same DDL but for MySQL's name of a binary NO PAD collation.
     */
    @Test
    void mysql8TableIsTheMariaDbTableWithMySqlsNoPadBinaryCollation() throws Exception {
        Path scripts = Path.of("..", "deploy", "cluster", "sql");
        String mariaDbTable = createTableOf(scripts.resolve("mariadb.sql"));
        String mysqlTable = createTableOf(scripts.resolve("mysql8.sql"));

        assertThat(mariaDbTable).contains("COLLATE utf8mb4_nopad_bin");
        assertThat(mysqlTable.replace("utf8mb4_0900_bin", "utf8mb4_nopad_bin"))
                .isEqualTo(mariaDbTable);
    }

    @Test
    void holdsAUserIdOfTheColumnLengthInSupplementaryCharacters() throws Exception {
        String database = tableFrom(VisitCountTable.CREATE_TABLE);
        // 128 code points, 256 Java chars, 512 bytes of UTF-8.
        String longest = "\uD83D\uDE00".repeat(VisitCountTable.USER_ID_MAX_LENGTH);

        try (Connection connection = mariaDb.connect(database)) {
            upsert(connection, longest, 1);
        }

        try (Connection connection = mariaDb.connect(database);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT user_id FROM visit_counts")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(1)).isEqualTo(longest);
        }
    }

    @Test
    void refusesTheUpsertOfAUserIdOneCharacterLongerThanTheColumn() throws Exception {
        String database = tableFrom(VisitCountTable.CREATE_TABLE);
        String tooLong = "a".repeat(VisitCountTable.USER_ID_MAX_LENGTH + 1);

        try (Connection connection = mariaDb.connect(database)) {
            // Strict mode (MariaDB's default): the statement fails, so would every XA batch
            // carrying this row, on every replay.
            assertThatThrownBy(() -> upsert(connection, tooLong, 1))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("Data too long for column 'user_id'");
        }
    }

    private String tableFrom(String ddl) throws SQLException {
        String database = EmbeddedServices.uniqueName("visit_count_table");
        mariaDb.createDatabase(database);
        mariaDb.execute(database, ddl);
        return database;
    }

    private static void upsert(Connection connection, String userId, long visitCount)
            throws SQLException {
        try (PreparedStatement upsert = connection.prepareStatement(VisitCountTable.UPSERT)) {
            upsert.setString(1, userId);
            upsert.setLong(2, WINDOW_START);
            upsert.setLong(3, WINDOW_START + 60_000);
            upsert.setLong(4, visitCount);
            upsert.executeUpdate();
        }
    }

    /** The CREATE TABLE statement of an SQL script, up to its semicolon. */
    private static String createTableOf(Path script) throws Exception {
        String text = Files.readString(script);
        int start = text.indexOf("CREATE TABLE IF NOT EXISTS visit_counts");
        assertThat(start).as("%s creates visit_counts", script).isNotNegative();
        return text.substring(start, text.indexOf(';', start));
    }
}
