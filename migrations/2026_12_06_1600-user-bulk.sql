-- Bulk actions on accounts (user.bulk, user.bulk_undo): each run is a batch
-- that keeps every account's state from before it, so its undo can put
-- exactly that back, for those accounts only.
CREATE TABLE user_bulk_batches (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    actor_id uuid,
    action text NOT NULL
        CHECK (action IN ('disable', 'enable', 'approve', 'reject')),
    filter text NOT NULL,
    count integer NOT NULL,
    undone_at timestamptz,
    undone_by uuid
);
CREATE TABLE user_bulk_accounts (
    batch_id bigint NOT NULL REFERENCES user_bulk_batches ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    prior_status text NOT NULL,
    prior_disabled boolean NOT NULL,
    prior_rejected_at timestamptz,
    PRIMARY KEY (batch_id, user_id)
);
CREATE INDEX user_bulk_accounts_user_idx ON user_bulk_accounts (user_id);

-- When an account was rejected: PADLINE_REJECT_PURGE_DAYS counts from here.
-- Accounts rejected before this step start counting now.
ALTER TABLE users ADD COLUMN rejected_at timestamptz;
UPDATE users SET rejected_at = now() WHERE status = 'rejected';
CREATE INDEX users_rejected_idx ON users (rejected_at)
    WHERE status = 'rejected';

-- A bulk action reads each account's registration attempt.
CREATE INDEX signup_attempts_user_idx ON signup_attempts (user_id)
    WHERE user_id IS NOT NULL;

-- An audit row that is not an event (a bulk action's row per account; the
-- action's one event is its own row): never published, not in events.since.
ALTER TABLE audit_log ADD COLUMN audit_only boolean;

-- migrate:down
-- Loses the batches (no undo below this step), when accounts were rejected,
-- and which audit rows were not events: with any of them, --force.
ALTER TABLE audit_log DROP COLUMN audit_only;
DROP INDEX signup_attempts_user_idx;
DROP INDEX users_rejected_idx;
ALTER TABLE users DROP COLUMN rejected_at;
DROP TABLE user_bulk_accounts;
DROP TABLE user_bulk_batches;
