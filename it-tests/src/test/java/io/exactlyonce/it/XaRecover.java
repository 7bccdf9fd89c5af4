package io.exactlyonce.it;

import io.exactlyonce.sinks.jdbc.SinkXid;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** What {@code XA RECOVER} lists of one sink: the server's answer, read as the sink's ids. */
public final class XaRecover {

    private XaRecover() {}

    public static List<SinkXid> prepared(Connection connection, String prefix) throws Exception {
        List<SinkXid> prepared = new ArrayList<>();
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("XA RECOVER")) {
            while (result.next()) {
                String data = result.getString("data");
                String globalId = data.substring(0, result.getInt("gtrid_length"));
                String[] parts = globalId.split(":");
                if (parts.length == 4 && parts[0].equals(prefix)) {
                    prepared.add(
                            new SinkXid(
                                    parts[0],
                                    Integer.parseInt(parts[1]),
                                    Long.parseLong(parts[2]),
                                    Integer.parseInt(parts[3])));
                }
            }
        }
        return prepared;
    }

    /**
     * Rolls back what a failed test left of its sink, so the tests after it, which count what the
     * shared server lists, do not see it.
     */
    public static void rollBackAll(Connection connection, String prefix) throws Exception {
        for (SinkXid xid : prepared(connection, prefix)) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("XA ROLLBACK '" + xid + "','0'," + xid.getFormatId());
            }
        }
    }
}
