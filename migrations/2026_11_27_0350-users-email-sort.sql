-- user.list sort=email orders by (coalesce(lower(email), ''), id): this
-- index answers a page of it at a million users without sorting them all.
CREATE INDEX users_email_sort_idx ON users ((coalesce(lower(email), '')), id);

-- migrate:down
DROP INDEX users_email_sort_idx;
