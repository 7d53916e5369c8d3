-- Account security (等保 level 3, issue 10). Kept in step with
-- ../postgres/0011_account_security.sql.
--
-- users.role '' means "no role granted": the system administrator creates
-- accounts, only the security administrator grants a role (三员分立). Such
-- an account can log in to nothing but its own password change.
--
-- must_change_password: 1 when the password was set by someone else (a new
-- account, an administrator's reset, the console recovery): the next login
-- leads only to the password change, and the API refuses the account.
-- password_changed_at: when the holder last chose it (the policy profile's
-- optional expiry counts from here; NULL for passwords set before this
-- migration, which count from the account's creation).
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN password_changed_at TEXT;

-- The hashes of a user's earlier passwords, newest last, so that a new one
-- may not repeat the last few (the policy profile's password_history).
CREATE TABLE password_history (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX password_history_user ON password_history(user_id, id);

-- API tokens expire (the policy profile's token_lifetime_days, fixed at
-- creation). NULL for tokens made before this migration: they expire that
-- many days after created_at under the active profile.
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
-- Why and when a token was revoked: 'owner', 'security_admin',
-- 'password_reset', 'disabled'.
ALTER TABLE api_tokens ADD COLUMN revoked_at TEXT;
ALTER TABLE api_tokens ADD COLUMN revoked_reason TEXT NOT NULL DEFAULT '';
