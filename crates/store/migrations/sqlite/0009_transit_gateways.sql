-- Transit gateways and their VPC connections (bookkeeping only: hubspoke routes no traffic). A gateway's name is
-- unique in its account; a VPC joins a given gateway once, and a connection's name is unique on its gateway. The
-- rules that connected VPCs' prefixes do not overlap and that a connected VPC is not deleted (T4, T5) live in the
-- rules; the foreign key on the VPC holds the second too.

CREATE TABLE transit_gateways (
    id           TEXT PRIMARY KEY NOT NULL,
    account      TEXT NOT NULL,
    name         TEXT NOT NULL,
    location     TEXT NOT NULL,
    global       INTEGER NOT NULL CHECK (global IN (0, 1)),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    available_at INTEGER NOT NULL,
    UNIQUE (account, name)
);

CREATE TABLE transit_connections (
    id          TEXT PRIMARY KEY NOT NULL,
    account     TEXT NOT NULL,
    gateway_id  TEXT NOT NULL REFERENCES transit_gateways (id),
    name        TEXT NOT NULL,
    vpc_id      TEXT NOT NULL REFERENCES vpcs (id),
    network_crn TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    attached_at INTEGER NOT NULL,
    UNIQUE (gateway_id, name),
    UNIQUE (gateway_id, vpc_id)
);
