-- The VPC domain (PostgreSQL; mirrors migrations/sqlite/0002_vpc.sql): VPCs, subnets, reserved IPs, endpoint gateways,
-- DNS resolution bindings, custom resolvers, and the activity log.

-- Every VPC-domain write checks and moves this revision in its transaction (compare-and-set), so two writers can never
-- both pass a rule check against the same state.
CREATE TABLE world_state (
    slot     BIGINT PRIMARY KEY NOT NULL CHECK (slot = 1),
    revision BIGINT NOT NULL
);
INSERT INTO world_state (slot, revision) VALUES (1, 0);

CREATE TABLE vpcs (
    id                        TEXT PRIMARY KEY NOT NULL,
    account                   TEXT NOT NULL,
    name                      TEXT NOT NULL,
    created_at                BIGINT NOT NULL,
    classic_access            BIGINT NOT NULL CHECK (classic_access IN (0, 1)),
    address_prefix_management TEXT NOT NULL CHECK (address_prefix_management IN ('auto', 'manual')),
    enable_hub                BIGINT NOT NULL CHECK (enable_hub IN (0, 1)),
    resolver_type             TEXT NOT NULL CHECK (resolver_type IN ('system', 'manual', 'delegated')),
    resolver_vpc              TEXT,
    dns_endpoint              TEXT NOT NULL UNIQUE,
    version                   BIGINT NOT NULL,
    UNIQUE (account, name),
    CHECK ((resolver_type = 'delegated') = (resolver_vpc IS NOT NULL)),
    CHECK (NOT (enable_hub = 1 AND resolver_type = 'delegated'))
);

CREATE TABLE vpc_manual_servers (
    vpc_id   TEXT NOT NULL REFERENCES vpcs (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    address  TEXT NOT NULL,
    zone     TEXT,
    PRIMARY KEY (vpc_id, position)
);

CREATE TABLE subnets (
    id         TEXT PRIMARY KEY NOT NULL,
    account    TEXT NOT NULL,
    vpc_id     TEXT NOT NULL REFERENCES vpcs (id),
    zone       TEXT NOT NULL,
    cidr       TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (vpc_id, name)
);

CREATE TABLE reserved_ips (
    id              TEXT PRIMARY KEY NOT NULL,
    subnet_id       TEXT NOT NULL REFERENCES subnets (id),
    address         TEXT NOT NULL,
    name            TEXT NOT NULL,
    auto_delete     BIGINT NOT NULL CHECK (auto_delete IN (0, 1)),
    owner           TEXT NOT NULL CHECK (owner IN ('provider', 'user')),
    target_kind     TEXT CHECK (target_kind IN ('endpoint_gateway', 'resolver_location')),
    target_id       TEXT,
    target_location TEXT,
    created_at      BIGINT NOT NULL,
    UNIQUE (subnet_id, address),
    UNIQUE (subnet_id, name)
);

CREATE TABLE endpoint_gateways (
    id           TEXT PRIMARY KEY NOT NULL,
    account      TEXT NOT NULL,
    vpc_id       TEXT NOT NULL REFERENCES vpcs (id),
    name         TEXT NOT NULL,
    target_type  TEXT NOT NULL CHECK (target_type IN ('provider_cloud_service', 'provider_infrastructure_service')),
    target_value TEXT NOT NULL,
    mode         TEXT NOT NULL CHECK (mode IN ('disabled', 'primary', 'per_resource_binding')),
    created_at   BIGINT NOT NULL,
    phase        TEXT NOT NULL CHECK (phase IN ('pending', 'updating')),
    settles_at   BIGINT NOT NULL,
    UNIQUE (vpc_id, name)
);

CREATE TABLE endpoint_gateway_service_endpoints (
    gateway_id TEXT NOT NULL REFERENCES endpoint_gateways (id) ON DELETE CASCADE,
    position   BIGINT NOT NULL,
    fqdn       TEXT NOT NULL,
    PRIMARY KEY (gateway_id, position)
);

CREATE TABLE dns_resolution_bindings (
    id             TEXT PRIMARY KEY NOT NULL,
    spoke_vpc      TEXT NOT NULL,
    spoke_account  TEXT NOT NULL,
    hub_vpc        TEXT NOT NULL,
    hub_account    TEXT NOT NULL,
    spoke_name     TEXT NOT NULL,
    hub_name       TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    phase          TEXT NOT NULL CHECK (phase IN ('pending', 'updating')),
    settles_at     BIGINT NOT NULL,
    spoke_attached BIGINT NOT NULL CHECK (spoke_attached IN (0, 1)),
    CHECK (spoke_vpc <> hub_vpc)
);
-- A DNS-shared VPC binds to one hub at most (rule C2).
CREATE UNIQUE INDEX one_binding_per_spoke ON dns_resolution_bindings (spoke_vpc) WHERE spoke_attached = 1;

CREATE TABLE custom_resolvers (
    id          TEXT PRIMARY KEY NOT NULL,
    account     TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT,
    enabled     BIGINT NOT NULL CHECK (enabled IN (0, 1)),
    created_at  BIGINT NOT NULL,
    modified_at BIGINT NOT NULL
);

CREATE TABLE custom_resolver_locations (
    id             TEXT PRIMARY KEY NOT NULL,
    resolver_id    TEXT NOT NULL REFERENCES custom_resolvers (id) ON DELETE CASCADE,
    position       BIGINT NOT NULL,
    subnet_id      TEXT NOT NULL,
    enabled        BIGINT NOT NULL CHECK (enabled IN (0, 1)),
    reserved_ip_id TEXT NOT NULL
);

-- The activity log: who did what, the decision, and the engine's reason. Written in the transaction of the change it
-- records; refusals are written on their own.
CREATE TABLE events (
    sequence      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    at            BIGINT NOT NULL,
    actor         TEXT NOT NULL,
    account       TEXT,
    other_account TEXT,
    action        TEXT NOT NULL,
    target_kind   TEXT NOT NULL,
    target_id     TEXT NOT NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('success', 'refused', 'waived')),
    reason        TEXT NOT NULL
);
CREATE INDEX events_by_account ON events (account, sequence);
CREATE INDEX events_by_other_account ON events (other_account, sequence);
