-- Address prefixes: the ranges of a VPC's zones that its subnets are carved from.

CREATE TABLE address_prefixes (
    id         TEXT PRIMARY KEY NOT NULL,
    account    TEXT NOT NULL,
    vpc_id     TEXT NOT NULL REFERENCES vpcs (id),
    zone       TEXT NOT NULL,
    cidr       TEXT NOT NULL,
    name       TEXT NOT NULL,
    is_default BIGINT NOT NULL CHECK (is_default IN (0, 1)),
    created_at BIGINT NOT NULL,
    UNIQUE (vpc_id, name)
);

-- At most one default prefix per zone of a VPC (rule P5), held by the database too.
CREATE UNIQUE INDEX address_prefixes_one_default ON address_prefixes (vpc_id, zone) WHERE is_default = 1;

-- Before this migration prefixes were implied: every `auto` VPC had the region's default prefix in each zone. They
-- become rows here, so that existing subnets keep lying inside a prefix. Every VPC so far is in `us-south`. The ids
-- are derived from the VPC's id (`<vpc id>-prefix-<n>`) so that every replica and every rerun agrees on them, and
-- the names (`us-south-<n>-default`) are unique within the VPC and follow IBM's name format whatever the VPC's name.
INSERT INTO address_prefixes (id, account, vpc_id, zone, cidr, name, is_default, created_at)
SELECT id || '-prefix-1', account, id, 'us-south-1', '10.240.0.0/18', 'us-south-1-default', 1, created_at
FROM vpcs WHERE address_prefix_management = 'auto';
INSERT INTO address_prefixes (id, account, vpc_id, zone, cidr, name, is_default, created_at)
SELECT id || '-prefix-2', account, id, 'us-south-2', '10.240.64.0/18', 'us-south-2-default', 1, created_at
FROM vpcs WHERE address_prefix_management = 'auto';
INSERT INTO address_prefixes (id, account, vpc_id, zone, cidr, name, is_default, created_at)
SELECT id || '-prefix-3', account, id, 'us-south-3', '10.240.128.0/18', 'us-south-3-default', 1, created_at
FROM vpcs WHERE address_prefix_management = 'auto';

-- A `manual` VPC had no prefixes, and its subnets could use any private range. Each of its subnets is given a prefix
-- of exactly its range (not a default), named after it, so that it too lies inside a prefix of its zone; subnets of
-- one VPC never overlap, so neither do these prefixes.
INSERT INTO address_prefixes (id, account, vpc_id, zone, cidr, name, is_default, created_at)
SELECT subnets.id || '-prefix', subnets.account, subnets.vpc_id, subnets.zone, subnets.cidr, subnets.name, 0,
       subnets.created_at
FROM subnets JOIN vpcs ON vpcs.id = subnets.vpc_id WHERE vpcs.address_prefix_management = 'manual';
