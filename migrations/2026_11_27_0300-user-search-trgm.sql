-- user.list searches any part of a username or email (ILIKE '%x%'):
-- trigram GIN indexes keep that fast at a million users.
--
-- pg_trgm is database-wide, while padline's tables live in a schema of
-- their own: the extension goes to public (shared by every schema, and not
-- dropped with one), and its operator class is named with its schema.
-- Schemas migrating at once (tests) queue on a lock instead of racing on
-- CREATE EXTENSION.
SELECT pg_advisory_xact_lock(7411, 27);
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;

CREATE INDEX users_username_trgm_idx ON users
    USING gin (username public.gin_trgm_ops);
CREATE INDEX users_email_trgm_idx ON users
    USING gin (email public.gin_trgm_ops);

-- migrate:down
DROP INDEX users_username_trgm_idx;
DROP INDEX users_email_trgm_idx;
-- pg_trgm stays: it is database-wide and other schemas may use it.
