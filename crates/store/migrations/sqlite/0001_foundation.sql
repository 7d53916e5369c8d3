-- Foundation schema (SQLite). Kept column-for-column in step with
-- ../postgres/0001_foundation.sql; a store test compares the two.
-- Portable types only (see DEPENDENCIES.md): TEXT, INTEGER (BIGINT), no
-- BOOLEAN (0/1 integers), dates as YYYY-MM-DD text, timestamps as RFC 3339
-- UTC text with fixed precision so that they sort.

CREATE TABLE orgs (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES orgs(id),
    -- Materialized path '/1/7/42/': a subtree is one range on this index.
    path TEXT NOT NULL UNIQUE,
    depth INTEGER NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    sector TEXT NOT NULL,
    secretary_name TEXT NOT NULL DEFAULT '',
    secretary_vacant_since TEXT,
    unit_name TEXT NOT NULL DEFAULT '',
    population INTEGER,
    -- 'active' or 'dissolved'; dissolved organizations keep their history.
    status TEXT NOT NULL DEFAULT 'active',
    dissolved_on TEXT,
    -- Roll-ups of the active subtree, kept in step in the same transaction
    -- as every change (so tree pages read them instead of counting):
    -- organizations below this one, members in the subtree including its own.
    sub_orgs INTEGER NOT NULL DEFAULT 0,
    sub_members INTEGER NOT NULL DEFAULT 0,
    sub_full INTEGER NOT NULL DEFAULT 0,
    sub_probationary INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX orgs_parent ON orgs(parent_id);
CREATE INDEX orgs_name ON orgs(name);

-- Committee terms (届次); the current term is the one without actual_date.
CREATE TABLE org_terms (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    start_date TEXT NOT NULL,
    due_date TEXT NOT NULL,
    actual_date TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX org_terms_org ON org_terms(org_id);

CREATE TABLE members (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    -- Copy of the organization's path, kept in step by the store on moves
    -- and transfers, so subtree member lists are one range scan.
    org_path TEXT NOT NULL,
    name TEXT NOT NULL,
    gender TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    ethnicity TEXT NOT NULL DEFAULT '',
    education TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL,
    joined_on TEXT NOT NULL,
    full_on TEXT,
    probation_extended INTEGER NOT NULL DEFAULT 0,
    post TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    -- AES-256-GCM ciphertext (base64 of nonce || ciphertext); the key lives
    -- outside the database. The HMAC gives uniqueness and exact lookup
    -- without decrypting; the masked form is what lists show.
    id_card_enc TEXT NOT NULL,
    id_card_hmac TEXT NOT NULL UNIQUE,
    id_card_masked TEXT NOT NULL,
    phone_enc TEXT,
    phone_masked TEXT NOT NULL DEFAULT '',
    -- 'active', 'transferred_out', 'deceased', 'left'
    status TEXT NOT NULL DEFAULT 'active',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX members_scope ON members(status, org_path, id);
CREATE INDEX members_org ON members(org_id);
CREATE INDEX members_name ON members(name);

-- Transfers between organizations (组织关系转接) are history, never overwrites.
CREATE TABLE member_transfers (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id),
    from_org_id INTEGER NOT NULL REFERENCES orgs(id),
    to_org_id INTEGER NOT NULL REFERENCES orgs(id),
    on_date TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX member_transfers_member ON member_transfers(member_id);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    active INTEGER NOT NULL DEFAULT 1,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX users_org ON users(org_id);

-- Browser sessions: only the SHA-256 of the cookie value is stored.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Personal access tokens for the JSON API, stored hashed.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used TEXT,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

-- Append-only, hash-chained audit log (see domain::audit).
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    org_path TEXT NOT NULL,
    summary TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_action ON audit_log(action);
