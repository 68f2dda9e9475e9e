-- Resource bindings of endpoint gateways (local access to single Cloud Object Storage buckets). The constraints hold
-- rule RB3, names unique per gateway; rule RB4 (a resource bound once per DNS sharing topology) spans VPCs that
-- bindings join and leave, and is checked by the rules inside the world's compare-and-set.

CREATE TABLE endpoint_gateway_resource_bindings (
    id               TEXT PRIMARY KEY NOT NULL,
    account          TEXT NOT NULL,
    gateway_id       TEXT NOT NULL REFERENCES endpoint_gateways (id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    target_crn       TEXT NOT NULL,
    service_endpoint TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    phase            TEXT NOT NULL CHECK (phase IN ('pending', 'updating')),
    settles_at       BIGINT NOT NULL,
    UNIQUE (gateway_id, name)
);
