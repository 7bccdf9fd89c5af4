package io.exactlyonce.sinks.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A fake connection for the start guard: answers each query it knows with one row of one column, or
 * with the error it was given (e.g. MySQL 8's refusal of {@code XA RECOVER} without {@code
 * XA_RECOVER_ADMIN}). Records the queries it was sent.
 */
final class FakeServerConnection {

    final List<String> queries = new ArrayList<>();
    private final Map<String, Object> answers;

    /** {@code answers}: query to a String (the single value) or a SQLException to throw. */
    FakeServerConnection(Map<String, Object> answers) {
        this.answers = answers;
    }

    Connection connection() {
        return proxy(
                Connection.class,
                (self, method, args) ->
                        switch (method.getName()) {
                            case "createStatement" -> statement();
                            case "close", "setTransactionIsolation" -> null;
                            case "isClosed" -> false;
                            default -> throw new UnsupportedOperationException(method.getName());
                        });
    }

    private Statement statement() {
        return proxy(
                Statement.class,
                (self, method, args) ->
                        switch (method.getName()) {
                            case "executeQuery", "execute" -> {
                                String query = (String) args[0];
                                queries.add(query);
                                Object answer = answers.get(query);
                                if (answer == null) {
                                    throw new SQLException("fake server does not know: " + query);
                                }
                                if (answer instanceof SQLException error) {
                                    throw error;
                                }
                                yield method.getName().equals("execute")
                                        ? true
                                        : oneRow((String) answer);
                            }
                            case "close" -> null;
                            default -> throw new UnsupportedOperationException(method.getName());
                        });
    }

    private static ResultSet oneRow(String value) {
        boolean[] read = {false};
        return proxy(
                ResultSet.class,
                (self, method, args) ->
                        switch (method.getName()) {
                            case "next" -> {
                                boolean hasRow = !read[0] && !value.isEmpty();
                                read[0] = true;
                                yield hasRow;
                            }
                            case "getString" -> value;
                            case "close" -> null;
                            default -> throw new UnsupportedOperationException(method.getName());
                        });
    }

    private static <T> T proxy(Class<T> type, InvocationHandler handler) {
        return type.cast(
                Proxy.newProxyInstance(
                        FakeServerConnection.class.getClassLoader(),
                        new Class<?>[] {type},
                        handler));
    }
}
