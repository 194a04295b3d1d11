-- Which of an attempt's matched rules were in shadow mode when they fired
-- (rules keeps every rule that fired, so rule:NAME still finds both): the
-- Rules screen counts each rule's hits per mode, and a rule's mode may
-- change after it fired. Attempts recorded before this step have none.
ALTER TABLE signup_attempts ADD COLUMN shadow_rules text[] NOT NULL DEFAULT '{}';

-- migrate:down
-- Only the split by mode goes: the rules each attempt matched stay.
ALTER TABLE signup_attempts DROP COLUMN shadow_rules;
