-- Accounts, API keys, the token signing key, authorization policies and the change log (PostgreSQL).
-- The schema mirrors migrations/sqlite/ column for column; integers are BIGINT (and flags 0/1 BIGINTs) because the
-- store reads every column through one code path for both databases.

CREATE TABLE accounts (
    id         TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 32),
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- API keys are stored as SHA-256 digests only; the key itself is shown once, when it is created.
CREATE TABLE api_keys (
    digest     TEXT PRIMARY KEY NOT NULL,
    iam_id     TEXT NOT NULL,
    account_id TEXT REFERENCES accounts (id),
    operator   BIGINT NOT NULL CHECK (operator IN (0, 1)),
    created_at BIGINT NOT NULL,
    CHECK ((operator = 1) = (account_id IS NULL))
);

-- Exactly one signing key, created by the first replica that starts and shared by all of them.
CREATE TABLE signing_keys (
    slot            BIGINT PRIMARY KEY NOT NULL CHECK (slot = 1),
    kid             TEXT NOT NULL,
    private_key_pem TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);

-- Every write appends one row; its revision is what the write reports and what replicas catch up to.
CREATE TABLE changes (
    revision  BIGINT PRIMARY KEY NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    at        BIGINT NOT NULL
);

CREATE TABLE policies (
    id                  TEXT PRIMARY KEY NOT NULL,
    owner               TEXT NOT NULL,
    description         TEXT,
    state               TEXT NOT NULL CHECK (state IN ('active', 'deleted')),
    version             BIGINT NOT NULL CHECK (version >= 1),
    fingerprint         TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    created_by_id       TEXT NOT NULL,
    last_modified_at    BIGINT NOT NULL,
    last_modified_by_id TEXT NOT NULL
);

-- IBM refuses a second active policy with identical attributes and roles; the database holds that rule, across
-- replicas: of two concurrent identical creates, the second waits for the first and then violates this index.
CREATE UNIQUE INDEX policies_one_active_per_fingerprint ON policies (owner, fingerprint) WHERE state = 'active';
CREATE INDEX policies_by_owner ON policies (owner, state, created_at);

CREATE TABLE policy_attributes (
    policy_id  TEXT NOT NULL REFERENCES policies (id) ON DELETE CASCADE,
    side       TEXT NOT NULL CHECK (side IN ('subject', 'resource')),
    position   BIGINT NOT NULL,
    key        TEXT NOT NULL,
    operator   TEXT NOT NULL,
    value_kind TEXT NOT NULL CHECK (value_kind IN ('text', 'flag', 'list')),
    value      TEXT NOT NULL,
    PRIMARY KEY (policy_id, side, position)
);
CREATE INDEX policy_attributes_by_value ON policy_attributes (side, key, value);

CREATE TABLE policy_roles (
    policy_id TEXT NOT NULL REFERENCES policies (id) ON DELETE CASCADE,
    position  BIGINT NOT NULL,
    role_id   TEXT NOT NULL,
    PRIMARY KEY (policy_id, position)
);
