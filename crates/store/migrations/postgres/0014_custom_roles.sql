-- Custom roles: a role an account defines for one service, naming some of its actions. Access policies name a role by
-- its CRN, which holds the account and the name: a name is therefore unique in its account. Access policies
-- themselves live in the policy tables with authorizations; their subject (`iam_id` or `access_group_id`) tells
-- them apart.

CREATE TABLE custom_roles (
    id                  TEXT PRIMARY KEY NOT NULL,
    account             TEXT NOT NULL REFERENCES accounts (id),
    name                TEXT NOT NULL,
    service_name        TEXT NOT NULL,
    display_name        TEXT NOT NULL,
    description         TEXT,
    -- The actions, one per line (an action never holds a line break).
    actions             TEXT NOT NULL,
    version             BIGINT NOT NULL CHECK (version >= 1),
    created_at          BIGINT NOT NULL,
    created_by_id       TEXT NOT NULL,
    last_modified_at    BIGINT NOT NULL,
    last_modified_by_id TEXT NOT NULL
);
CREATE UNIQUE INDEX custom_roles_one_name_per_account ON custom_roles (account, name);

-- Which policies name a role, for refusing to delete a custom role in use.
CREATE INDEX policy_roles_by_role ON policy_roles (role_id);
