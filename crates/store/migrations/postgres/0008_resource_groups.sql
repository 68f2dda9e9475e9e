-- Resource groups, and the group each VPC resource belongs to. An account's default group has an id derived from the
-- account id and is stored only once it is renamed, so every account has it without a row. A resource's
-- `resource_group` is NULL for rows written before this migration, which all belong to their account's default
-- group; it is not a foreign key, because the default group may have no row.

CREATE TABLE resource_groups (
    id         TEXT PRIMARY KEY NOT NULL,
    account    TEXT NOT NULL,
    name       TEXT NOT NULL,
    is_default BIGINT NOT NULL CHECK (is_default IN (0, 1)),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (account, name)
);

ALTER TABLE vpcs ADD COLUMN resource_group TEXT;
ALTER TABLE subnets ADD COLUMN resource_group TEXT;
ALTER TABLE endpoint_gateways ADD COLUMN resource_group TEXT;
ALTER TABLE security_groups ADD COLUMN resource_group TEXT;
ALTER TABLE network_acls ADD COLUMN resource_group TEXT;
ALTER TABLE public_gateways ADD COLUMN resource_group TEXT;
