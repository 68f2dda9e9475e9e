-- Public gateways (state only: hubspoke routes no traffic) with the floating IP each was created with, and the
-- public gateway a subnet uses. The constraints hold rules G1, G3 and G5: one gateway per zone of a VPC, names
-- unique within an account, and every public address a floating IP of one gateway only.

CREATE TABLE public_gateways (
    id                  TEXT PRIMARY KEY NOT NULL,
    account             TEXT NOT NULL,
    vpc_id              TEXT NOT NULL REFERENCES vpcs (id),
    zone                TEXT NOT NULL,
    name                TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    available_at        BIGINT NOT NULL,
    floating_ip_id      TEXT NOT NULL UNIQUE,
    floating_ip_address TEXT NOT NULL UNIQUE,
    floating_ip_name    TEXT NOT NULL,
    UNIQUE (vpc_id, zone),
    UNIQUE (account, name)
);

ALTER TABLE subnets ADD COLUMN public_gateway_id TEXT REFERENCES public_gateways (id);
