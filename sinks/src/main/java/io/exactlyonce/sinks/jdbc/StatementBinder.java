package io.exactlyonce.sinks.jdbc;

import java.io.Serializable;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/** Sets one element's values on the sink's prepared statement. */
@FunctionalInterface
public interface StatementBinder<T> extends Serializable {

    void bind(PreparedStatement statement, T element) throws SQLException;
}
