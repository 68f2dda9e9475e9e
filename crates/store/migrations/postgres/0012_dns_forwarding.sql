-- Custom resolvers get their profile, the disruptive-updates flag and the state of a profile change in progress, and
-- keep forwarding rules (with their views) and secondary zones. A target list is its targets in order, separated by
-- commas, each an address or `address:port` (`[v6]:port`). The unique constraints hold rules F4 and SZ2 (one rule per
-- matched name and one secondary zone per zone, on each resolver); limits by profile are checked by the rules.

ALTER TABLE custom_resolvers ADD COLUMN profile TEXT NOT NULL DEFAULT 'essential'
    CHECK (profile IN ('essential', 'advanced', 'premier'));
ALTER TABLE custom_resolvers ADD COLUMN allow_disruptive_updates BIGINT NOT NULL DEFAULT 0
    CHECK (allow_disruptive_updates IN (0, 1));
ALTER TABLE custom_resolvers ADD COLUMN phase TEXT CHECK (phase IN ('updating'));
ALTER TABLE custom_resolvers ADD COLUMN settles_at BIGINT;

CREATE TABLE forwarding_rules (
    id          TEXT PRIMARY KEY NOT NULL,
    account     TEXT NOT NULL,
    resolver_id TEXT NOT NULL REFERENCES custom_resolvers (id) ON DELETE CASCADE,
    sequence    BIGINT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('default', 'zone')),
    description TEXT NOT NULL,
    match_name  TEXT NOT NULL,
    forward_to  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    modified_at BIGINT NOT NULL,
    UNIQUE (resolver_id, match_name)
);

CREATE TABLE forwarding_rule_views (
    rule_id     TEXT NOT NULL REFERENCES forwarding_rules (id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    expression  TEXT NOT NULL,
    forward_to  TEXT NOT NULL,
    PRIMARY KEY (rule_id, position),
    UNIQUE (rule_id, name)
);

CREATE TABLE secondary_zones (
    id            TEXT PRIMARY KEY NOT NULL,
    account       TEXT NOT NULL,
    resolver_id   TEXT NOT NULL REFERENCES custom_resolvers (id) ON DELETE CASCADE,
    sequence      BIGINT NOT NULL,
    zone          TEXT NOT NULL,
    description   TEXT NOT NULL,
    enabled       BIGINT NOT NULL CHECK (enabled IN (0, 1)),
    transfer_from TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    modified_at   BIGINT NOT NULL,
    UNIQUE (resolver_id, zone)
);

-- Every resolver has a default rule (rule F1): the resolvers created before forwarding rules existed get theirs here,
-- each with a fresh random id, as a new resolver would.
INSERT INTO forwarding_rules (id, account, resolver_id, sequence, kind, description, match_name, forward_to,
                              created_at, modified_at)
SELECT gen_random_uuid()::text,
       account, id, 0, 'default', 'default forwarding rule', '*', '161.26.0.7,161.26.0.8', created_at, created_at
FROM custom_resolvers;
