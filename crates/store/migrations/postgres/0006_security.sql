-- Security groups, network ACLs and routing tables (state only: hubspoke filters no packets). Every existing VPC gets
-- the defaults IBM gives each VPC, with the ids its representation has always shown (`<vpc id>-sg`, `<vpc id>-acl`,
-- `<vpc id>-rt`), so references handed out before this migration stay valid; existing subnets use the default ACL
-- and existing endpoint gateways the default security group.

CREATE TABLE security_groups (
    id         TEXT PRIMARY KEY NOT NULL,
    account    TEXT NOT NULL,
    vpc_id     TEXT NOT NULL REFERENCES vpcs (id),
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (vpc_id, name)
);

-- A rule's protocol is one of IBM's shapes: ports only for tcp and udp, type and code only for icmp. The far end
-- (`remote`) is an address, a CIDR block or a security group of the same VPC (not a foreign key: the rules refuse
-- deleting a group another group's rule names).
CREATE TABLE security_group_rules (
    group_id    TEXT NOT NULL REFERENCES security_groups (id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    id          TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    direction   TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    protocol    TEXT NOT NULL CHECK (protocol IN ('icmp_tcp_udp', 'any', 'icmp', 'tcp', 'udp')),
    port_min    BIGINT,
    port_max    BIGINT,
    icmp_type   BIGINT,
    icmp_code   BIGINT,
    remote_kind TEXT NOT NULL CHECK (remote_kind IN ('address', 'cidr_block', 'security_group')),
    remote      TEXT NOT NULL,
    local_kind  TEXT NOT NULL CHECK (local_kind IN ('address', 'cidr_block')),
    local       TEXT NOT NULL,
    PRIMARY KEY (group_id, position),
    UNIQUE (group_id, name),
    CHECK ((protocol IN ('tcp', 'udp')) = (port_min IS NOT NULL AND port_max IS NOT NULL)),
    CHECK (protocol = 'icmp' OR (icmp_type IS NULL AND icmp_code IS NULL))
);

CREATE TABLE network_acls (
    id         TEXT PRIMARY KEY NOT NULL,
    account    TEXT NOT NULL,
    vpc_id     TEXT NOT NULL REFERENCES vpcs (id),
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (vpc_id, name)
);

-- Rules in evaluation order (`position`).
CREATE TABLE network_acl_rules (
    acl_id          TEXT NOT NULL REFERENCES network_acls (id) ON DELETE CASCADE,
    position        BIGINT NOT NULL,
    id              TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    action          TEXT NOT NULL CHECK (action IN ('allow', 'deny')),
    direction       TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    source          TEXT NOT NULL,
    destination     TEXT NOT NULL,
    protocol        TEXT NOT NULL CHECK (protocol IN ('icmp_tcp_udp', 'any', 'icmp', 'tcp', 'udp')),
    port_min        BIGINT,
    port_max        BIGINT,
    source_port_min BIGINT,
    source_port_max BIGINT,
    icmp_type       BIGINT,
    icmp_code       BIGINT,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (acl_id, position),
    UNIQUE (acl_id, name),
    CHECK (NOT (action = 'deny' AND protocol = 'icmp_tcp_udp'))
);

CREATE TABLE routing_tables (
    id         TEXT PRIMARY KEY NOT NULL,
    account    TEXT NOT NULL,
    vpc_id     TEXT NOT NULL REFERENCES vpcs (id),
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (vpc_id, name)
);

CREATE TABLE endpoint_gateway_security_groups (
    gateway_id TEXT NOT NULL REFERENCES endpoint_gateways (id) ON DELETE CASCADE,
    position   BIGINT NOT NULL,
    group_id   TEXT NOT NULL REFERENCES security_groups (id),
    PRIMARY KEY (gateway_id, position)
);

ALTER TABLE subnets ADD COLUMN network_acl_id TEXT REFERENCES network_acls (id);

-- The defaults of every existing VPC, as a new VPC gets them.
INSERT INTO security_groups (id, account, vpc_id, name, created_at)
    SELECT id || '-sg', account, id, name || '-default-sg', created_at FROM vpcs;
INSERT INTO security_group_rules (group_id, position, id, name, direction, protocol, remote_kind, remote, local_kind,
                                  local)
    SELECT id || '-sg', 0, id || '-sg-inbound', 'inbound-icmp-tcp-udp-from-this-security-group', 'inbound', 'icmp_tcp_udp', 'security_group', id || '-sg', 'cidr_block',
           '0.0.0.0/0' FROM vpcs;
INSERT INTO security_group_rules (group_id, position, id, name, direction, protocol, remote_kind, remote, local_kind,
                                  local)
    SELECT id || '-sg', 1, id || '-sg-outbound', 'outbound-icmp-tcp-udp', 'outbound', 'icmp_tcp_udp', 'cidr_block', '0.0.0.0/0', 'cidr_block',
           '0.0.0.0/0' FROM vpcs;
INSERT INTO network_acls (id, account, vpc_id, name, created_at)
    SELECT id || '-acl', account, id, name || '-default-acl', created_at FROM vpcs;
INSERT INTO network_acl_rules (acl_id, position, id, name, action, direction, source, destination, protocol, created_at)
    SELECT id || '-acl', 0, id || '-acl-inbound', 'allow-inbound', 'allow', 'inbound', '0.0.0.0/0', '0.0.0.0/0',
           'icmp_tcp_udp', created_at FROM vpcs;
INSERT INTO network_acl_rules (acl_id, position, id, name, action, direction, source, destination, protocol, created_at)
    SELECT id || '-acl', 1, id || '-acl-outbound', 'allow-outbound', 'allow', 'outbound', '0.0.0.0/0', '0.0.0.0/0',
           'icmp_tcp_udp', created_at FROM vpcs;
INSERT INTO routing_tables (id, account, vpc_id, name, created_at)
    SELECT id || '-rt', account, id, name || '-default-routing-table', created_at FROM vpcs;
UPDATE subnets SET network_acl_id = vpc_id || '-acl';
INSERT INTO endpoint_gateway_security_groups (gateway_id, position, group_id)
    SELECT id, 0, vpc_id || '-sg' FROM endpoint_gateways;
