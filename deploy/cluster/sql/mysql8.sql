-- The visit_counts database, table and least-privilege job user, for MySQL 8.0.17 or newer
-- (8.4 LTS included).
--
-- NOT TESTED. MySQL 8 is not packaged in Debian, and this file was not run against it. Every
-- statement uses the syntax of the MySQL 8.0 reference manual. The MariaDB twin, mariadb.sql,
-- has the same structure and was run and checked (see its header). Try this file on a
-- staging server before production.
--
-- Run it as an administrator, with the job user's password set first in the same session.
-- The password is not in this file, and the script stops before creating the user if it is
-- missing. printf is a shell builtin, so the password does not appear in any process list:
--
--   { printf "SET @job_password = '%s';\n" "$(cat /secure/visit-count-db-password)"; \
--     cat deploy/cluster/sql/mysql8.sql; } | mysql -h DB_HOST -u root -p
--
-- The password must be at least 16 characters and contain no quote or backslash, e.g. from
-- `openssl rand -base64 33 | tr -d '/+='`. The same file then goes to the job, as
-- jdbc.password-file. Before running, edit the database name and the user's host pattern
-- ('%' = any host) in every statement that names them. Narrow the host pattern to the
-- TaskManagers' network.
--
-- Authentication: MySQL 8 creates the user with caching_sha2_password. MySQL Connector/J
-- sends that password only over TLS, or with allowPublicKeyRetrieval=true. Use TLS: put
-- sslMode=VERIFY_IDENTITY (or REQUIRED) in jdbc.url.

-- utf8mb4_0900_bin compares user ids byte for byte, and like every _0900_ collation it is
-- NO PAD. Under the server default utf8mb4_0900_ai_ci, 'Alice' and 'alice' in the same
-- window would collide on the primary key, and the upsert would merge them into one row with
-- write_count 2. An existing database or table keeps its collation: check SHOW CREATE TABLE.
CREATE DATABASE IF NOT EXISTS visits CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin;
USE visits;

-- The DDL of io.exactlyonce.sinks.jdbc.VisitCountTable.CREATE_TABLE, in MySQL's dialect: MySQL
-- has no utf8mb4_nopad_bin, and utf8mb4_0900_bin is its binary NO PAD collation. The job never
-- creates the table, because the job user has no CREATE privilege. user_id is NO PAD on
-- purpose: under utf8mb4_bin (PAD SPACE) 'bob' and 'bob ' are one primary key, so one user's
-- count overwrites the other's. A table created with utf8mb4_bin by an earlier version of this
-- script needs
--   ALTER TABLE visit_counts MODIFY user_id VARCHAR(128) CHARACTER SET utf8mb4
--     COLLATE utf8mb4_0900_bin NOT NULL;
CREATE TABLE IF NOT EXISTS visit_counts (
    user_id VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin NOT NULL,
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
-- unset or shorter than 16 characters, @create_user is NULL and PREPARE fails with a syntax
-- error near 'NULL', which ends the script in batch mode.
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
-- because the UPDATE clause reads columns (write_count + 1). The manual asks for SELECT on
-- columns that a statement reads. MariaDB refuses this exact statement without SELECT (ERROR
-- 1143, tested). SELECT is granted on this one table only, which holds nothing but the job's
-- own output.
GRANT SELECT, INSERT, UPDATE ON visits.visit_counts TO 'visit_count_job'@'%';
-- The commit markers: inserted by each transaction, looked up by the committer, deleted by
-- the writer once older than the sink's commit marker retention.
GRANT SELECT, INSERT, DELETE ON visits.xa_commit_markers TO 'visit_count_job'@'%';

-- The sink runs XA RECOVER when it starts, to roll back the prepared transactions of its xid
-- prefix that no completed checkpoint covers. In MySQL 8, XA RECOVER needs the global dynamic
-- privilege XA_RECOVER_ADMIN. Without it, XA RECOVER is refused and the sink fails at start,
-- with an error that names this privilege. XA COMMIT and XA ROLLBACK need no privilege beyond
-- knowing the xid. XA_RECOVER_ADMIN shows the prepared XA transactions of every account. The
-- sink touches only its own prefix, but any other account with this privilege can finish the
-- job's transactions. Grant it to no other application on this server.
GRANT XA_RECOVER_ADMIN ON *.* TO 'visit_count_job'@'%';
