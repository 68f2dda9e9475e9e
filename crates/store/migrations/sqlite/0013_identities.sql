-- Identities inside an account: users (the account's first administrator among them), service IDs, and API keys as
-- IBM shows them (id, name, lock, version) on top of the digest-only storage of their secrets.
--
-- Every existing account gets its administrator as a stored user, `IBMid-admin-<account>`, the IAM id its key has
-- always authenticated; that key becomes an ordinary API key of the user, with an id derived from the account id
-- (`ApiKey-` and the account id laid out as a UUID), so a migrated database and a fresh one name it alike.

CREATE TABLE users (
    account_id    TEXT NOT NULL REFERENCES accounts (id),
    iam_id        TEXT NOT NULL,
    email         TEXT NOT NULL,
    firstname     TEXT NOT NULL,
    lastname      TEXT NOT NULL,
    state         TEXT NOT NULL
                  CHECK (state IN ('PROCESSING', 'PENDING', 'ACTIVE', 'VPN_ONLY', 'DISABLED_CLASSIC_INFRASTRUCTURE')),
    administrator INTEGER NOT NULL CHECK (administrator IN (0, 1)),
    added_on      INTEGER NOT NULL,
    PRIMARY KEY (account_id, iam_id)
);

-- At most one administrator per account, and one user per e-mail address in an account.
CREATE UNIQUE INDEX users_one_administrator ON users (account_id) WHERE administrator = 1;
CREATE UNIQUE INDEX users_one_per_email ON users (account_id, email);

-- `unique_instance_crns` is the list of CRNs, one per line.
CREATE TABLE service_ids (
    id                   TEXT PRIMARY KEY NOT NULL,
    account_id           TEXT NOT NULL REFERENCES accounts (id),
    name                 TEXT NOT NULL,
    description          TEXT,
    unique_instance_crns TEXT NOT NULL,
    locked               INTEGER NOT NULL CHECK (locked IN (0, 1)),
    version              INTEGER NOT NULL CHECK (version >= 1),
    created_by           TEXT NOT NULL,
    created_at           INTEGER NOT NULL,
    modified_at          INTEGER NOT NULL
);
CREATE INDEX service_ids_by_account ON service_ids (account_id, created_at);

-- The operator's key (`operator = 1`) stays outside IBM's model and has no id; every other key has one.
ALTER TABLE api_keys ADD COLUMN id TEXT;
ALTER TABLE api_keys ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN description TEXT;
ALTER TABLE api_keys ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN locked INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1));
ALTER TABLE api_keys ADD COLUMN version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1);
ALTER TABLE api_keys ADD COLUMN modified_at INTEGER NOT NULL DEFAULT 0;
-- The secret in clear, only for a service ID's key created with `store_value: true` (IBM makes those readable).
ALTER TABLE api_keys ADD COLUMN stored_value TEXT;
ALTER TABLE api_keys ADD COLUMN action_when_leaked TEXT NOT NULL DEFAULT 'disable'
    CHECK (action_when_leaked IN ('none', 'disable', 'delete'));
ALTER TABLE api_keys ADD COLUMN expires_at TEXT;
ALTER TABLE api_keys ADD COLUMN support_sessions INTEGER NOT NULL DEFAULT 0 CHECK (support_sessions IN (0, 1));
CREATE UNIQUE INDEX api_keys_by_id ON api_keys (id);
CREATE INDEX api_keys_by_account ON api_keys (account_id, iam_id);

INSERT INTO users (account_id, iam_id, email, firstname, lastname, state, administrator, added_on)
SELECT id, 'IBMid-admin-' || id, 'admin-' || id || '@hubspoke.invalid', 'Account', 'Administrator', 'ACTIVE', 1,
       created_at
FROM accounts;

UPDATE api_keys
SET id = 'ApiKey-' || substr(account_id, 1, 8) || '-' || substr(account_id, 9, 4) || '-' || substr(account_id, 13, 4)
         || '-' || substr(account_id, 17, 4) || '-' || substr(account_id, 21, 12),
    name = 'administrator',
    description = 'The key the account was created with',
    created_by = iam_id,
    modified_at = created_at
WHERE operator = 0;
