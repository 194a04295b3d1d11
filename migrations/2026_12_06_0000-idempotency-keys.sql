-- Safe retries (docs/protocol.md): the answer of a write sent with an
-- idempotency_key, written in the write's own transaction, so the same key
-- again gets this answer instead of a second write. scope is "user:<id>",
-- or "form:<sha-256 of the form token>" for user.register. Rows older than
-- 24 hours count as absent and are purged a few at a time by later writes.
CREATE TABLE idempotency_keys (
    scope text NOT NULL,
    key text NOT NULL,
    method text NOT NULL,
    params_hash text NOT NULL,
    result text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- migrate:down
DROP TABLE idempotency_keys;
