-- DNS Services instances (Resource Controller service instances of `dns-svcs`), their private zones with the VPCs
-- permitted to resolve them, and the zones' resource records. Limits, restricted names, duplicates and CNAME
-- exclusivity live in the rules; the constraints hold what they can: a VPC permitted once per zone, every zone in
-- an instance, every record in a zone. A permitted network names its VPC without a foreign key: deleting a VPC
-- removes it from the zones that permit it in the same change, and a change deletes rows before it writes others.

CREATE TABLE dns_service_instances (
    id             TEXT PRIMARY KEY NOT NULL,
    account        TEXT NOT NULL,
    name           TEXT NOT NULL,
    plan           TEXT NOT NULL CHECK (plan IN ('standard-dns', 'free-plan')),
    resource_group TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    -- A deleted instance stays readable as `removed` (clients wait for that state after a delete).
    removed_at     INTEGER
);

-- Custom resolvers were created under any instance id before instances were stored: each id in use becomes an
-- instance of the account that used it first, named after the id, so those resolvers stay reachable.
INSERT INTO dns_service_instances (id, account, name, plan, resource_group, created_at, updated_at)
SELECT instance_id, MIN(account), instance_id, 'standard-dns', NULL, MIN(created_at), MIN(created_at)
FROM custom_resolvers GROUP BY instance_id;

CREATE TABLE dns_zones (
    id          TEXT PRIMARY KEY NOT NULL,
    account     TEXT NOT NULL,
    instance_id TEXT NOT NULL REFERENCES dns_service_instances (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    label       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    modified_at INTEGER NOT NULL
);

CREATE TABLE dns_permitted_networks (
    zone_id     TEXT NOT NULL REFERENCES dns_zones (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    vpc_id      TEXT NOT NULL,
    vpc_crn     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    modified_at INTEGER NOT NULL,
    PRIMARY KEY (zone_id, vpc_id)
);

CREATE TABLE dns_resource_records (
    id          TEXT PRIMARY KEY NOT NULL,
    account     TEXT NOT NULL,
    zone_id     TEXT NOT NULL REFERENCES dns_zones (id),
    name        TEXT NOT NULL,
    type        TEXT NOT NULL CHECK (type IN ('A', 'AAAA', 'CNAME', 'MX', 'SRV', 'TXT', 'PTR')),
    ttl         INTEGER NOT NULL,
    value       TEXT NOT NULL,
    preference  INTEGER,
    priority    INTEGER,
    weight      INTEGER,
    port        INTEGER,
    service     TEXT,
    protocol    TEXT,
    created_at  INTEGER NOT NULL,
    modified_at INTEGER NOT NULL
);
CREATE INDEX dns_resource_records_by_zone ON dns_resource_records (zone_id);
