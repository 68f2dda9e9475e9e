-- Access groups, their static members, their dynamic rules with the rules' conditions, and each account's
-- access-group settings. The Public Access group is not stored: every account has it. Members name identities
-- without a foreign key, as IBM accepts identities it does not know; members and rules go with their group.

CREATE TABLE access_groups (
    id                  TEXT PRIMARY KEY NOT NULL,
    account             TEXT NOT NULL,
    name                TEXT NOT NULL,
    description         TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    created_by_id       TEXT NOT NULL,
    last_modified_at    BIGINT NOT NULL,
    last_modified_by_id TEXT NOT NULL,
    version             BIGINT NOT NULL CHECK (version >= 1)
);

CREATE INDEX access_groups_by_account ON access_groups (account);

CREATE TABLE access_group_members (
    group_id      TEXT NOT NULL REFERENCES access_groups (id) ON DELETE CASCADE,
    account       TEXT NOT NULL,
    iam_id        TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('user', 'service', 'profile')),
    created_at    BIGINT NOT NULL,
    created_by_id TEXT NOT NULL,
    PRIMARY KEY (group_id, iam_id)
);

CREATE INDEX access_group_members_by_iam_id ON access_group_members (account, iam_id);

CREATE TABLE access_group_rules (
    id                  TEXT PRIMARY KEY NOT NULL,
    group_id            TEXT NOT NULL REFERENCES access_groups (id) ON DELETE CASCADE,
    account             TEXT NOT NULL,
    name                TEXT NOT NULL,
    expiration          BIGINT NOT NULL CHECK (expiration BETWEEN 1 AND 24),
    realm_name          TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    created_by_id       TEXT NOT NULL,
    last_modified_at    BIGINT NOT NULL,
    last_modified_by_id TEXT NOT NULL,
    version             BIGINT NOT NULL CHECK (version >= 1)
);

CREATE TABLE access_group_rule_conditions (
    rule_id  TEXT NOT NULL REFERENCES access_group_rules (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    claim    TEXT NOT NULL,
    operator TEXT NOT NULL CHECK (operator IN
        ('EQUALS', 'EQUALS_IGNORE_CASE', 'IN', 'NOT_EQUALS', 'NOT_EQUALS_IGNORE_CASE', 'CONTAINS')),
    value    TEXT NOT NULL,
    PRIMARY KEY (rule_id, position)
);

-- One row per account once its settings were first changed; until then they read as IBM's defaults.
CREATE TABLE access_group_settings (
    account               TEXT PRIMARY KEY NOT NULL,
    public_access_enabled BIGINT NOT NULL CHECK (public_access_enabled IN (0, 1)),
    last_modified_at      BIGINT NOT NULL,
    last_modified_by_id   TEXT NOT NULL
);
