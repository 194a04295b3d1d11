-- The audit trail, which is also the outbox of Redis events: published_at
-- stays NULL until the event is on padline:events.

CREATE TABLE audit_log (
    id bigserial PRIMARY KEY,             -- also serves events.since (id > N)
    at timestamptz NOT NULL DEFAULT now(),
    action text NOT NULL,
    actor_id uuid,
    subject_id uuid,
    details jsonb NOT NULL DEFAULT '{}'::jsonb,
    published_at timestamptz
);
-- The relay scans only what is still unpublished.
CREATE INDEX audit_log_unpublished_idx ON audit_log (id) WHERE published_at IS NULL;
CREATE INDEX audit_log_subject_idx ON audit_log (subject_id);

-- migrate:down
DROP TABLE audit_log;
