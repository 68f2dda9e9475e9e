//! Every operation of the API in one table: its route, its handler and what the OpenAPI document says of it. The
//! router and `GET /openapi.json` are both built from this table, so neither can name an operation the other lacks.

use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, head, patch, post, put};
use hubspoke_vpc::rules::record_import;

use crate::policies::v1::V1;
use crate::policies::v2::V2;
use crate::{
    ApiState, access_groups as ag, authzen, dns_forwarding, dns_services, dns_zones, global_catalog, identity,
    operator, policies, resource_controller, resource_manager, roles, transit_gateways as tg, user_management, vpc,
};

/// What a request body is.
#[derive(Clone, Copy, Debug)]
pub enum Body {
    /// No body.
    None,
    /// A JSON object with these required members (each with its JSON type).
    Json(&'static [(&'static str, &'static str)]),
    /// An `application/x-www-form-urlencoded` form with these required fields.
    Form(&'static [&'static str]),
    /// A `multipart/form-data` body with these required file parts.
    Multipart(&'static [&'static str]),
}

/// One operation, as the OpenAPI document describes it.
#[derive(Clone, Debug)]
pub struct Operation {
    /// The HTTP method.
    pub method: Method,
    /// The path template, with `{name}` path parameters.
    pub path: &'static str,
    /// The `operationId`: IBM's own where IBM has the operation.
    pub id: &'static str,
    /// The group in the document.
    pub tag: &'static str,
    /// One line on what it does.
    pub summary: &'static str,
    /// Query parameters: name, and whether it is required.
    pub query: &'static [(&'static str, bool)],
    /// The request body.
    pub body: Body,
    /// The status of success.
    pub success: u16,
    /// Whether it needs a bearer token.
    pub authenticated: bool,
    /// What it asks of IAM when a user or service ID other than the account's administrator calls it.
    pub access: Access,
}

/// What an operation asks of IAM for a user or service ID that is not its account's administrator; the operator and
/// administrators may call every operation. Checked by the `Authenticated` extractor before the handler runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Only the operator and account administrators: hubspoke's own operations, and the services whose IAM actions
    /// the role catalog does not know (Transit Gateway, Resource Manager's changes).
    Administrator,
    /// Every identity of an account: what IBM shows every member (the region catalog, the role catalog, the
    /// account's resource groups).
    AnyIdentity,
    /// The operation decides, because its resource is in its body or it has rules of its own: policies and custom
    /// roles (on the policy's resource), IAM Identity (an identity's own service IDs and keys), User Management and
    /// AuthZEN (whoever may read the account's policies).
    InOperation,
    /// This IAM action in the resource group the request body names (the default group when it names none), decided
    /// by the operation once it has read the body: creates, which a resource group policy allows in its group only.
    InGroup(&'static str),
    /// This IAM action, on the resource whose id the named path parameter holds, or on the account's service.
    Action {
        /// For example `is.vpc.vpc.read`.
        action: &'static str,
        /// The path parameter naming the resource; `None` for lists and creates of top-level resources.
        resource: Option<&'static str>,
    },
}

/// `action` on the account's service.
const fn account(action: &'static str) -> Access {
    Access::Action { action, resource: None }
}

/// `action` on the resource in the path parameter `param`.
const fn on(action: &'static str, param: &'static str) -> Access {
    Access::Action { action, resource: Some(param) }
}

/// Query parameters every VPC API request takes (`version` is required, as IBM's is).
const VPC_QUERY: &[(&str, bool)] = &[("version", true), ("generation", false)];
const VPC_LIST_QUERY: &[(&str, bool)] = &[("version", true), ("generation", false), ("limit", false), ("start", false)];
/// Query parameters of the Transit Gateway API (`version` is required, as the service's is).
const TG_QUERY: &[(&str, bool)] = &[("version", true)];
/// Query parameters of DNS Services lists paged by offset.
const OFFSET_QUERY: &[(&str, bool)] = &[("offset", false), ("limit", false)];
const TG_LIST_QUERY: &[(&str, bool)] = &[("version", true), ("limit", false), ("start", false)];
const POLICY_LIST_QUERY: &[(&str, bool)] = &[
    ("account_id", true),
    ("iam_id", false),
    ("access_group_id", false),
    ("type", false),
    ("service_type", false),
    ("service_name", false),
    ("service_group_id", false),
    ("resource_group_id", false),
    ("state", false),
    ("sort", false),
    ("format", false),
    ("limit", false),
    ("start", false),
];
const POLICY_BODY: Body =
    Body::Json(&[("type", "string"), ("subjects", "array"), ("roles", "array"), ("resources", "array")]);
const POLICY_V2_BODY: Body =
    Body::Json(&[("type", "string"), ("control", "object"), ("subject", "object"), ("resource", "object")]);
/// Query parameters of the access-group list.
const GROUP_LIST_QUERY: &[(&str, bool)] = &[
    ("account_id", true),
    ("iam_id", false),
    ("membership_type", false),
    ("search", false),
    ("limit", false),
    ("offset", false),
    ("sort", false),
    ("show_federated", false),
    ("hide_public_access", false),
    ("show_crn", false),
];
const RULE_BODY: Body = Body::Json(&[("expiration", "integer"), ("realm_name", "string"), ("conditions", "array")]);
const EVALUATION_BODY: Body = Body::Json(&[("subject", "object"), ("action", "object"), ("resource", "object")]);

fn op(method: Method, path: &'static str, id: &'static str, tag: &'static str, summary: &'static str) -> Operation {
    let success = match method {
        Method::POST => 201,
        Method::DELETE => 204,
        _ => 200,
    };
    Operation {
        method,
        path,
        id,
        tag,
        summary,
        query: &[],
        body: Body::None,
        success,
        authenticated: true,
        access: Access::Administrator,
    }
}

impl Operation {
    fn query(mut self, query: &'static [(&'static str, bool)]) -> Operation {
        self.query = query;
        self
    }

    fn body(mut self, body: Body) -> Operation {
        self.body = body;
        self
    }

    fn success(mut self, status: u16) -> Operation {
        self.success = status;
        self
    }

    fn access(mut self, access: Access) -> Operation {
        self.access = access;
        self
    }

    fn public(mut self) -> Operation {
        self.authenticated = false;
        self
    }
}

/// The tag (the API) and the IAM access of the operation at `method` and the route `path`, as the router matched it.
pub fn operation_at(method: &Method, path: &str) -> Option<(&'static str, Access)> {
    type Table = std::collections::HashMap<(Method, &'static str), (&'static str, Access)>;
    static TABLE: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        operations()
            .into_iter()
            .map(|(operation, _)| ((operation.method, operation.path), (operation.tag, operation.access)))
            .collect()
    });
    table.get(&(method.clone(), path)).copied()
}

/// Every operation with its handler.
pub fn operations() -> Vec<(Operation, MethodRouter<ApiState>)> {
    use Method as M;
    let (iam, ops, pol, auth, is, dns) =
        ("IAM Identity", "hubspoke", "Policy Management", "AuthZEN", "VPC", "DNS Services");
    let transit = "Transit Gateway";
    let (gateway, connections, connection) = (
        "/v1/transit_gateways/{id}",
        "/v1/transit_gateways/{transit_gateway_id}/connections",
        "/v1/transit_gateways/{transit_gateway_id}/connections/{id}",
    );
    let rm = "Resource Manager";
    let agr = "IAM Access Groups";
    let (group, group_members, group_member) = (
        "/v2/groups/{access_group_id}",
        "/v2/groups/{access_group_id}/members",
        "/v2/groups/{access_group_id}/members/{iam_id}",
    );
    let (group_rules, group_rule, all_groups) = (
        "/v2/groups/{access_group_id}/rules",
        "/v2/groups/{access_group_id}/rules/{rule_id}",
        "/v2/groups/_allgroups/members/{iam_id}",
    );
    let rc = "Resource Controller";
    let gc = "Global Catalog";
    let um = "User Management";
    let resolvers = "/v1/instances/{instance_id}/custom_resolvers";
    let locations_order = "/v1/instances/{instance_id}/custom_resolvers/{resolver_id}/locations_order";
    let (rules, rule) = (
        "/v1/instances/{instance_id}/custom_resolvers/{resolver_id}/forwarding_rules",
        "/v1/instances/{instance_id}/custom_resolvers/{resolver_id}/forwarding_rules/{rule_id}",
    );
    let (secondaries, secondary) = (
        "/v1/instances/{instance_id}/custom_resolvers/{resolver_id}/secondary_zones",
        "/v1/instances/{instance_id}/custom_resolvers/{resolver_id}/secondary_zones/{secondary_zone_id}",
    );
    let zones = "/v1/instances/{instance_id}/dnszones";
    let zone = "/v1/instances/{instance_id}/dnszones/{dnszone_id}";
    let networks = "/v1/instances/{instance_id}/dnszones/{dnszone_id}/permitted_networks";
    let network = "/v1/instances/{instance_id}/dnszones/{dnszone_id}/permitted_networks/{permitted_network_id}";
    let records = "/v1/instances/{instance_id}/dnszones/{dnszone_id}/resource_records";
    let record = "/v1/instances/{instance_id}/dnszones/{dnszone_id}/resource_records/{record_id}";
    let export = "/v1/instances/{instance_id}/dnszones/{dnszone_id}/export_resource_records";
    let import = "/v1/instances/{instance_id}/dnszones/{dnszone_id}/import_resource_records";
    vec![
        (
            op(M::POST, "/identity/token", "get_token", iam, "Exchange an API key for an access token")
                .body(Body::Form(&["grant_type", "apikey"]))
                .success(200)
                .public(),
            post(identity::token::exchange),
        ),
        (
            op(M::GET, "/identity/keys", "get_keys", iam, "The JWKS that verifies access tokens").public(),
            get(identity::keys::jwks),
        ),
        (
            op(M::GET, "/_hubspoke/health", "get_health", ops, "Health, revision and counts").public(),
            get(operator::health::health),
        ),
        (
            op(
                M::GET,
                "/_hubspoke/ready",
                "get_ready",
                ops,
                "Readiness: the database answers and this replica follows it",
            )
            .public(),
            get(operator::health::ready),
        ),
        (op(M::GET, "/metrics", "get_metrics", ops, "Prometheus metrics").public(), get(operator::metrics::metrics)),
        (op(M::GET, "/openapi.json", "get_openapi", ops, "This document").public(), get(crate::openapi::document)),
        (
            op(M::POST, "/_hubspoke/accounts", "create_account", ops, "Create an account (operator)")
                .body(Body::Json(&[("name", "string")])),
            post(operator::accounts::create),
        ),
        (
            op(M::GET, "/_hubspoke/accounts", "list_accounts", ops, "List accounts (operator)"),
            get(operator::accounts::list),
        ),
        (
            op(
                M::POST,
                "/_hubspoke/reset",
                "reset",
                ops,
                "Remove every policy, network resource and event, of one account or all (operator); accounts stay",
            )
            .body(Body::Json(&[]))
            .success(200),
            post(operator::reset::reset),
        ),
        (
            op(
                M::GET,
                "/_hubspoke/state",
                "save_state",
                ops,
                "The whole state as a document: accounts, API key digests, policies, network resources (operator)",
            ),
            get(operator::state::save),
        ),
        (
            op(
                M::PUT,
                "/_hubspoke/state",
                "load_state",
                ops,
                "Replace the whole state with a saved document, whole or not at all (operator)",
            )
            .body(Body::Json(&[("format", "string"), ("version", "integer"), ("tables", "array")])),
            put(operator::state::load).layer(axum::extract::DefaultBodyLimit::max(operator::state::MAX_STATE_BYTES)),
        ),
        (
            op(M::GET, "/_hubspoke/events", "list_events", ops, "The activity log")
                .query(&[("limit", false), ("start", false)]),
            get(operator::events::list),
        ),
        (
            op(M::GET, "/_hubspoke/vpcs/{vpc_id}/dns_endpoint", "get_dns_endpoint", ops, "A VPC's DNS endpoint")
                .access(on("is.vpc.vpc.read", "vpc_id")),
            get(vpc::vpcs::dns_endpoint),
        ),
        (
            op(
                M::GET,
                "/_hubspoke/vpcs/{vpc_id}/dns_lookup",
                "dns_lookup",
                ops,
                "A name as a VPC's resolver sees it, and why",
            )
            .access(on("is.vpc.vpc.read", "vpc_id"))
            .query(&[("name", true), ("type", false), ("source", false)]),
            get(operator::dns_lookup::lookup),
        ),
        (
            op(
                M::POST,
                "/_hubspoke/explain/binding",
                "explain_binding",
                ops,
                "What creating a DNS resolution binding would do now, and why (nothing is written)",
            )
            .body(Body::Json(&[("spoke", "object"), ("hub", "object")]))
            .success(200),
            post(operator::explain::binding),
        ),
        (
            op(M::GET, "/v1/vpcs", "list_vpcs", is, "List VPCs")
                .access(account("is.vpc.vpc.list"))
                .query(VPC_LIST_QUERY),
            get(vpc::vpcs::list),
        ),
        (
            op(M::POST, "/v1/vpcs", "create_vpc", is, "Create a VPC")
                .access(Access::InGroup("is.vpc.vpc.create"))
                .query(VPC_QUERY)
                .body(Body::Json(&[])),
            post(vpc::vpcs::create),
        ),
        (
            op(M::GET, "/v1/vpcs/{id}", "get_vpc", is, "Retrieve a VPC")
                .access(on("is.vpc.vpc.read", "id"))
                .query(VPC_QUERY),
            get(vpc::vpcs::get),
        ),
        (
            op(M::PATCH, "/v1/vpcs/{id}", "update_vpc", is, "Update a VPC")
                .access(on("is.vpc.vpc.update", "id"))
                .query(VPC_QUERY)
                .body(Body::Json(&[])),
            patch(vpc::vpcs::update),
        ),
        (
            op(M::DELETE, "/v1/vpcs/{id}", "delete_vpc", is, "Delete a VPC")
                .access(on("is.vpc.vpc.delete", "id"))
                .query(VPC_QUERY),
            delete(vpc::vpcs::delete),
        ),
        (
            op(
                M::GET,
                "/v1/vpcs/{vpc_id}/dns_resolution_bindings",
                "list_vpc_dns_resolution_bindings",
                is,
                "List a VPC's DNS resolution bindings",
            )
            .access(on("is.vpc.dns-resolution-binding.list", "vpc_id"))
            .query(VPC_LIST_QUERY),
            get(vpc::bindings::list),
        ),
        (
            op(
                M::POST,
                "/v1/vpcs/{vpc_id}/dns_resolution_bindings",
                "create_vpc_dns_resolution_binding",
                is,
                "Bind a DNS-shared VPC to a hub",
            )
            .access(on("is.vpc.dns-resolution-binding.create", "vpc_id"))
            .query(VPC_QUERY)
            .body(Body::Json(&[("vpc", "object")])),
            post(vpc::bindings::create),
        ),
        (
            op(
                M::GET,
                "/v1/vpcs/{vpc_id}/dns_resolution_bindings/{id}",
                "get_vpc_dns_resolution_binding",
                is,
                "Retrieve a binding",
            )
            .access(on("is.vpc.dns-resolution-binding.read", "vpc_id"))
            .query(VPC_QUERY),
            get(vpc::bindings::get),
        ),
        (
            op(
                M::PATCH,
                "/v1/vpcs/{vpc_id}/dns_resolution_bindings/{id}",
                "update_vpc_dns_resolution_binding",
                is,
                "Rename a binding",
            )
            .access(on("is.vpc.dns-resolution-binding.update", "vpc_id"))
            .query(VPC_QUERY)
            .body(Body::Json(&[])),
            patch(vpc::bindings::update),
        ),
        (
            op(
                M::DELETE,
                "/v1/vpcs/{vpc_id}/dns_resolution_bindings/{id}",
                "delete_vpc_dns_resolution_binding",
                is,
                "Delete a binding",
            )
            .access(on("is.vpc.dns-resolution-binding.delete", "vpc_id"))
            .query(VPC_QUERY)
            .success(202),
            delete(vpc::bindings::delete),
        ),
        (
            op(
                M::GET,
                "/v1/vpcs/{vpc_id}/default_security_group",
                "get_vpc_default_security_group",
                is,
                "Retrieve a VPC's default security group",
            )
            .access(on("is.vpc.vpc.read", "vpc_id"))
            .query(VPC_QUERY),
            get(vpc::security_groups::get_vpc_default),
        ),
        (
            op(
                M::GET,
                "/v1/vpcs/{vpc_id}/default_network_acl",
                "get_vpc_default_network_acl",
                is,
                "Retrieve a VPC's default network ACL",
            )
            .access(on("is.vpc.vpc.read", "vpc_id"))
            .query(VPC_QUERY),
            get(vpc::network_acls::get_vpc_default),
        ),
        (
            op(
                M::GET,
                "/v1/vpcs/{vpc_id}/routing_tables",
                "list_vpc_routing_tables",
                is,
                "List a VPC's routing tables",
            )
            .access(on("is.vpc.routing-table.list", "vpc_id"))
            .query(&[
                ("version", true),
                ("generation", false),
                ("limit", false),
                ("start", false),
                ("is_default", false),
            ]),
            get(vpc::routing_tables::list),
        ),
        (
            op(
                M::GET,
                "/v1/vpcs/{vpc_id}/default_routing_table",
                "get_vpc_default_routing_table",
                is,
                "Retrieve a VPC's default routing table",
            )
            .access(on("is.vpc.vpc.read", "vpc_id"))
            .query(VPC_QUERY),
            get(vpc::routing_tables::get_vpc_default),
        ),
        (
            op(
                M::GET,
                "/v1/vpcs/{vpc_id}/routing_tables/{id}",
                "get_vpc_routing_table",
                is,
                "Retrieve a routing table",
            )
            .access(on("is.vpc.routing-table.read", "vpc_id"))
            .query(VPC_QUERY),
            get(vpc::routing_tables::get),
        ),
        (
            op(M::GET, "/v1/security_groups", "list_security_groups", is, "List security groups")
                .access(account("is.security-group.security-group.read"))
                .query(&[
                    ("version", true),
                    ("generation", false),
                    ("limit", false),
                    ("start", false),
                    ("resource_group.id", false),
                    ("vpc.id", false),
                    ("vpc.crn", false),
                    ("vpc.name", false),
                ]),
            get(vpc::security_groups::list),
        ),
        (
            op(M::POST, "/v1/security_groups", "create_security_group", is, "Create a security group")
                .access(Access::InGroup("is.security-group.security-group.create"))
                .query(VPC_QUERY)
                .body(Body::Json(&[("vpc", "object")])),
            post(vpc::security_groups::create),
        ),
        (
            op(M::GET, "/v1/security_groups/{id}", "get_security_group", is, "Retrieve a security group")
                .access(on("is.security-group.security-group.read", "id"))
                .query(VPC_QUERY),
            get(vpc::security_groups::get),
        ),
        (
            op(M::PATCH, "/v1/security_groups/{id}", "update_security_group", is, "Rename a security group")
                .access(on("is.security-group.security-group.update", "id"))
                .query(VPC_QUERY)
                .body(Body::Json(&[])),
            patch(vpc::security_groups::update),
        ),
        (
            op(M::DELETE, "/v1/security_groups/{id}", "delete_security_group", is, "Delete a security group")
                .access(on("is.security-group.security-group.delete", "id"))
                .query(VPC_QUERY),
            delete(vpc::security_groups::delete),
        ),
        (
            op(
                M::GET,
                "/v1/security_groups/{id}/rules",
                "list_security_group_rules",
                is,
                "List a security group's rules",
            )
            .access(on("is.security-group.security-group.read", "id"))
            .query(VPC_QUERY),
            get(vpc::security_groups::list_rules),
        ),
        (
            op(
                M::POST,
                "/v1/security_groups/{id}/rules",
                "create_security_group_rule",
                is,
                "Add a security group rule",
            )
            .access(on("is.security-group.security-group.update", "id"))
            .query(VPC_QUERY)
            .body(Body::Json(&[("direction", "string"), ("protocol", "string")])),
            post(vpc::security_groups::create_rule),
        ),
        (
            op(
                M::GET,
                "/v1/security_groups/{id}/rules/{rule}",
                "get_security_group_rule",
                is,
                "Retrieve a security group rule",
            )
            .access(on("is.security-group.security-group.read", "id"))
            .query(VPC_QUERY),
            get(vpc::security_groups::get_rule),
        ),
        (
            op(
                M::PATCH,
                "/v1/security_groups/{id}/rules/{rule}",
                "update_security_group_rule",
                is,
                "Update a security group rule",
            )
            .access(on("is.security-group.security-group.update", "id"))
            .query(VPC_QUERY)
            .body(Body::Json(&[])),
            patch(vpc::security_groups::update_rule),
        ),
        (
            op(
                M::DELETE,
                "/v1/security_groups/{id}/rules/{rule}",
                "delete_security_group_rule",
                is,
                "Delete a security group rule",
            )
            .access(on("is.security-group.security-group.update", "id"))
            .query(VPC_QUERY),
            delete(vpc::security_groups::delete_rule),
        ),
        (
            op(
                M::GET,
                "/v1/security_groups/{id}/targets",
                "list_security_group_targets",
                is,
                "List a security group's targets",
            )
            .access(on("is.security-group.security-group.read", "id"))
            .query(VPC_LIST_QUERY),
            get(vpc::security_groups::list_targets),
        ),
        (
            op(
                M::PUT,
                "/v1/security_groups/{id}/targets/{target}",
                "create_security_group_target_binding",
                is,
                "Add a security group to a target",
            )
            .access(on("is.security-group.security-group.update", "id"))
            .query(VPC_QUERY)
            .success(201),
            put(vpc::security_groups::add_target),
        ),
        (
            op(
                M::GET,
                "/v1/security_groups/{id}/targets/{target}",
                "get_security_group_target",
                is,
                "Retrieve a security group target",
            )
            .access(on("is.security-group.security-group.read", "id"))
            .query(VPC_QUERY),
            get(vpc::security_groups::get_target),
        ),
        (
            op(
                M::DELETE,
                "/v1/security_groups/{id}/targets/{target}",
                "delete_security_group_target_binding",
                is,
                "Remove a security group from a target",
            )
            .access(on("is.security-group.security-group.update", "id"))
            .query(VPC_QUERY),
            delete(vpc::security_groups::remove_target),
        ),
        (
            op(M::GET, "/v1/network_acls", "list_network_acls", is, "List network ACLs")
                .access(account("is.network-acl.network-acl.list"))
                .query(&[
                    ("version", true),
                    ("generation", false),
                    ("limit", false),
                    ("start", false),
                    ("resource_group.id", false),
                ]),
            get(vpc::network_acls::list),
        ),
        (
            op(M::POST, "/v1/network_acls", "create_network_acl", is, "Create a network ACL")
                .access(Access::InGroup("is.network-acl.network-acl.create"))
                .query(VPC_QUERY)
                .body(Body::Json(&[("vpc", "object")])),
            post(vpc::network_acls::create),
        ),
        (
            op(M::GET, "/v1/network_acls/{id}", "get_network_acl", is, "Retrieve a network ACL")
                .access(on("is.network-acl.network-acl.read", "id"))
                .query(VPC_QUERY),
            get(vpc::network_acls::get),
        ),
        (
            op(M::PATCH, "/v1/network_acls/{id}", "update_network_acl", is, "Rename a network ACL")
                .access(on("is.network-acl.network-acl.update", "id"))
                .query(VPC_QUERY)
                .body(Body::Json(&[])),
            patch(vpc::network_acls::update),
        ),
        (
            op(M::DELETE, "/v1/network_acls/{id}", "delete_network_acl", is, "Delete a network ACL")
                .access(on("is.network-acl.network-acl.delete", "id"))
                .query(VPC_QUERY),
            delete(vpc::network_acls::delete),
        ),
        (
            op(M::GET, "/v1/network_acls/{id}/rules", "list_network_acl_rules", is, "List a network ACL's rules")
                .access(on("is.network-acl.network-acl.read", "id"))
                .query(&[
                    ("version", true),
                    ("generation", false),
                    ("limit", false),
                    ("start", false),
                    ("direction", false),
                ]),
            get(vpc::network_acls::list_rules),
        ),
        (
            op(M::POST, "/v1/network_acls/{id}/rules", "create_network_acl_rule", is, "Add a network ACL rule")
                .access(on("is.network-acl.network-acl.update", "id"))
                .query(VPC_QUERY)
                .body(Body::Json(&[
                    ("action", "string"),
                    ("destination", "string"),
                    ("direction", "string"),
                    ("protocol", "string"),
                    ("source", "string"),
                ])),
            post(vpc::network_acls::create_rule),
        ),
        (
            op(M::GET, "/v1/network_acls/{id}/rules/{rule}", "get_network_acl_rule", is, "Retrieve a network ACL rule")
                .access(on("is.network-acl.network-acl.read", "id"))
                .query(VPC_QUERY),
            get(vpc::network_acls::get_rule),
        ),
        (
            op(
                M::PATCH,
                "/v1/network_acls/{id}/rules/{rule}",
                "update_network_acl_rule",
                is,
                "Update a network ACL rule",
            )
            .access(on("is.network-acl.network-acl.update", "id"))
            .query(VPC_QUERY)
            .body(Body::Json(&[])),
            patch(vpc::network_acls::update_rule),
        ),
        (
            op(
                M::DELETE,
                "/v1/network_acls/{id}/rules/{rule}",
                "delete_network_acl_rule",
                is,
                "Delete a network ACL rule",
            )
            .access(on("is.network-acl.network-acl.update", "id"))
            .query(VPC_QUERY),
            delete(vpc::network_acls::delete_rule),
        ),
        (
            op(M::GET, "/v1/subnets/{id}/network_acl", "get_subnet_network_acl", is, "Retrieve a subnet's network ACL")
                .access(on("is.subnet.subnet.read", "id"))
                .query(VPC_QUERY),
            get(vpc::network_acls::get_subnet_acl),
        ),
        (
            op(
                M::PUT,
                "/v1/subnets/{id}/network_acl",
                "replace_subnet_network_acl",
                is,
                "Attach a network ACL to a subnet",
            )
            .access(on("is.subnet.subnet.update", "id"))
            .query(VPC_QUERY)
            .body(Body::Json(&[]))
            .success(201),
            put(vpc::network_acls::replace_subnet_acl),
        ),
        (
            op(M::GET, "/v1/regions", "list_regions", is, "List regions").access(Access::AnyIdentity).query(VPC_QUERY),
            get(vpc::regions::list),
        ),
        (
            op(M::GET, "/v1/regions/{name}", "get_region", is, "Retrieve a region")
                .access(Access::AnyIdentity)
                .query(VPC_QUERY),
            get(vpc::regions::get),
        ),
        (
            op(M::GET, "/v1/regions/{name}/zones", "list_region_zones", is, "List a region's zones")
                .access(Access::AnyIdentity)
                .query(VPC_QUERY),
            get(vpc::regions::list_zones),
        ),
        (
            op(M::GET, "/v1/regions/{name}/zones/{zone}", "get_region_zone", is, "Retrieve a zone")
                .access(Access::AnyIdentity)
                .query(VPC_QUERY),
            get(vpc::regions::get_zone),
        ),
        (
            op(
                M::GET,
                "/v1/vpcs/{vpc_id}/address_prefixes",
                "list_vpc_address_prefixes",
                is,
                "List a VPC's address prefixes",
            )
            .access(on("is.vpc.vpc.read", "vpc_id"))
            .query(VPC_LIST_QUERY),
            get(vpc::prefixes::list),
        ),
        (
            op(
                M::POST,
                "/v1/vpcs/{vpc_id}/address_prefixes",
                "create_vpc_address_prefix",
                is,
                "Create an address prefix",
            )
            .access(on("is.vpc.vpc.update", "vpc_id"))
            .query(VPC_QUERY)
            .body(Body::Json(&[("cidr", "string"), ("zone", "object")])),
            post(vpc::prefixes::create),
        ),
        (
            op(
                M::GET,
                "/v1/vpcs/{vpc_id}/address_prefixes/{id}",
                "get_vpc_address_prefix",
                is,
                "Retrieve an address prefix",
            )
            .access(on("is.vpc.vpc.read", "vpc_id"))
            .query(VPC_QUERY),
            get(vpc::prefixes::get),
        ),
        (
            op(
                M::PATCH,
                "/v1/vpcs/{vpc_id}/address_prefixes/{id}",
                "update_vpc_address_prefix",
                is,
                "Update an address prefix",
            )
            .access(on("is.vpc.vpc.update", "vpc_id"))
            .query(VPC_QUERY)
            .body(Body::Json(&[])),
            patch(vpc::prefixes::update),
        ),
        (
            op(
                M::DELETE,
                "/v1/vpcs/{vpc_id}/address_prefixes/{id}",
                "delete_vpc_address_prefix",
                is,
                "Delete an address prefix",
            )
            .access(on("is.vpc.vpc.update", "vpc_id"))
            .query(VPC_QUERY),
            delete(vpc::prefixes::delete),
        ),
        (
            op(M::GET, "/v1/subnets", "list_subnets", is, "List subnets")
                .access(account("is.subnet.subnet.list"))
                .query(VPC_LIST_QUERY),
            get(vpc::subnets::list),
        ),
        (
            op(M::POST, "/v1/subnets", "create_subnet", is, "Create a subnet")
                .access(Access::InGroup("is.subnet.subnet.create"))
                .query(VPC_QUERY)
                .body(Body::Json(&[("vpc", "object")])),
            post(vpc::subnets::create),
        ),
        (
            op(M::GET, "/v1/subnets/{id}", "get_subnet", is, "Retrieve a subnet")
                .access(on("is.subnet.subnet.read", "id"))
                .query(VPC_QUERY),
            get(vpc::subnets::get),
        ),
        (
            op(M::PATCH, "/v1/subnets/{id}", "update_subnet", is, "Rename a subnet")
                .access(on("is.subnet.subnet.update", "id"))
                .query(VPC_QUERY)
                .body(Body::Json(&[])),
            patch(vpc::subnets::update),
        ),
        (
            op(M::DELETE, "/v1/subnets/{id}", "delete_subnet", is, "Delete a subnet")
                .access(on("is.subnet.subnet.delete", "id"))
                .query(VPC_QUERY),
            delete(vpc::subnets::delete),
        ),
        (
            op(M::GET, "/v1/subnets/{id}/reserved_ips", "list_subnet_reserved_ips", is, "List a subnet's reserved IPs")
                .access(on("is.subnet.subnet.read", "id"))
                .query(VPC_LIST_QUERY),
            get(vpc::subnets::list_reserved_ips),
        ),
        (
            op(M::POST, "/v1/subnets/{id}/reserved_ips", "create_subnet_reserved_ip", is, "Reserve an IP")
                .access(on("is.subnet.subnet.update", "id"))
                .query(VPC_QUERY)
                .body(Body::Json(&[])),
            post(vpc::subnets::create_reserved_ip),
        ),
        (
            op(M::GET, "/v1/subnets/{id}/reserved_ips/{ip}", "get_subnet_reserved_ip", is, "Retrieve a reserved IP")
                .access(on("is.subnet.subnet.read", "id"))
                .query(VPC_QUERY),
            get(vpc::subnets::get_reserved_ip),
        ),
        (
            op(M::PATCH, "/v1/subnets/{id}/reserved_ips/{ip}", "update_subnet_reserved_ip", is, "Update a reserved IP")
                .access(on("is.subnet.subnet.update", "id"))
                .query(VPC_QUERY)
                .body(Body::Json(&[])),
            patch(vpc::subnets::update_reserved_ip),
        ),
        (
            op(
                M::GET,
                "/v1/subnets/{id}/public_gateway",
                "get_subnet_public_gateway",
                is,
                "Retrieve a subnet's public gateway",
            )
            .access(on("is.subnet.subnet.read", "id"))
            .query(VPC_QUERY),
            get(vpc::public_gateways::get_for_subnet),
        ),
        (
            op(
                M::PUT,
                "/v1/subnets/{id}/public_gateway",
                "set_subnet_public_gateway",
                is,
                "Attach a public gateway to a subnet",
            )
            .access(on("is.subnet.subnet.update", "id"))
            .query(VPC_QUERY)
            .body(Body::Json(&[]))
            .success(201),
            put(vpc::public_gateways::set_for_subnet),
        ),
        (
            op(
                M::DELETE,
                "/v1/subnets/{id}/public_gateway",
                "unset_subnet_public_gateway",
                is,
                "Detach a subnet's public gateway",
            )
            .access(on("is.subnet.subnet.update", "id"))
            .query(VPC_QUERY),
            delete(vpc::public_gateways::unset_for_subnet),
        ),
        (
            op(M::GET, "/v1/public_gateways", "list_public_gateways", is, "List public gateways")
                .access(account("is.public-gateway.public-gateway.list"))
                .query(&[
                    ("version", true),
                    ("generation", false),
                    ("limit", false),
                    ("start", false),
                    ("resource_group.id", false),
                ]),
            get(vpc::public_gateways::list),
        ),
        (
            op(M::POST, "/v1/public_gateways", "create_public_gateway", is, "Create a public gateway")
                .access(Access::InGroup("is.public-gateway.public-gateway.create"))
                .query(VPC_QUERY)
                .body(Body::Json(&[("vpc", "object"), ("zone", "object")])),
            post(vpc::public_gateways::create),
        ),
        (
            op(M::GET, "/v1/public_gateways/{id}", "get_public_gateway", is, "Retrieve a public gateway")
                .access(on("is.public-gateway.public-gateway.read", "id"))
                .query(VPC_QUERY),
            get(vpc::public_gateways::get),
        ),
        (
            op(M::PATCH, "/v1/public_gateways/{id}", "update_public_gateway", is, "Rename a public gateway")
                .access(on("is.public-gateway.public-gateway.update", "id"))
                .query(VPC_QUERY)
                .body(Body::Json(&[])),
            patch(vpc::public_gateways::update),
        ),
        (
            op(M::DELETE, "/v1/public_gateways/{id}", "delete_public_gateway", is, "Delete a public gateway")
                .access(on("is.public-gateway.public-gateway.delete", "id"))
                .query(VPC_QUERY),
            delete(vpc::public_gateways::delete),
        ),
        (
            op(
                M::DELETE,
                "/v1/subnets/{id}/reserved_ips/{ip}",
                "delete_subnet_reserved_ip",
                is,
                "Release a reserved IP",
            )
            .access(on("is.subnet.subnet.update", "id"))
            .query(VPC_QUERY),
            delete(vpc::subnets::delete_reserved_ip),
        ),
        (
            op(M::GET, "/v1/endpoint_gateways", "list_endpoint_gateways", is, "List endpoint gateways")
                .access(account("is.endpoint-gateway.endpoint-gateway.list"))
                .query(VPC_LIST_QUERY),
            get(vpc::gateways::list),
        ),
        (
            op(M::POST, "/v1/endpoint_gateways", "create_endpoint_gateway", is, "Create an endpoint gateway")
                .access(Access::InGroup("is.endpoint-gateway.endpoint-gateway.create"))
                .query(VPC_QUERY)
                .body(Body::Json(&[("target", "object"), ("vpc", "object")])),
            post(vpc::gateways::create),
        ),
        (
            op(M::GET, "/v1/endpoint_gateways/{id}", "get_endpoint_gateway", is, "Retrieve an endpoint gateway")
                .access(on("is.endpoint-gateway.endpoint-gateway.read", "id"))
                .query(VPC_QUERY),
            get(vpc::gateways::get),
        ),
        (
            op(M::PATCH, "/v1/endpoint_gateways/{id}", "update_endpoint_gateway", is, "Update an endpoint gateway")
                .access(on("is.endpoint-gateway.endpoint-gateway.update", "id"))
                .query(VPC_QUERY)
                .body(Body::Json(&[])),
            patch(vpc::gateways::update),
        ),
        (
            op(M::DELETE, "/v1/endpoint_gateways/{id}", "delete_endpoint_gateway", is, "Delete an endpoint gateway")
                .access(on("is.endpoint-gateway.endpoint-gateway.delete", "id"))
                .query(VPC_QUERY),
            delete(vpc::gateways::delete),
        ),
        (
            op(
                M::GET,
                "/v1/endpoint_gateways/{id}/ips",
                "list_endpoint_gateway_ips",
                is,
                "List a gateway's reserved IPs",
            )
            .access(on("is.endpoint-gateway.endpoint-gateway.read", "id"))
            .query(VPC_LIST_QUERY),
            get(vpc::gateways::list_ips),
        ),
        (
            op(
                M::GET,
                "/v1/endpoint_gateways/{id}/ips/{ip}",
                "get_endpoint_gateway_ip",
                is,
                "Retrieve a gateway's reserved IP",
            )
            .access(on("is.endpoint-gateway.endpoint-gateway.read", "id"))
            .query(VPC_QUERY),
            get(vpc::gateways::get_ip),
        ),
        (
            op(
                M::PUT,
                "/v1/endpoint_gateways/{id}/ips/{ip}",
                "add_endpoint_gateway_ip",
                is,
                "Bind a reserved IP to a gateway",
            )
            .access(on("is.endpoint-gateway.endpoint-gateway.update", "id"))
            .query(VPC_QUERY)
            .success(201),
            put(vpc::gateways::bind_ip),
        ),
        (
            op(
                M::DELETE,
                "/v1/endpoint_gateways/{id}/ips/{ip}",
                "remove_endpoint_gateway_ip",
                is,
                "Unbind a reserved IP",
            )
            .access(on("is.endpoint-gateway.endpoint-gateway.update", "id"))
            .query(VPC_QUERY),
            delete(vpc::gateways::unbind_ip),
        ),
        (
            op(
                M::GET,
                "/v1/endpoint_gateways/{id}/resource_bindings",
                "list_endpoint_gateway_resource_bindings",
                is,
                "List a gateway's resource bindings",
            )
            .access(on("is.endpoint-gateway.resource-binding.list", "id"))
            .query(VPC_LIST_QUERY),
            get(vpc::resource_bindings::list),
        ),
        (
            op(
                M::POST,
                "/v1/endpoint_gateways/{id}/resource_bindings",
                "create_endpoint_gateway_resource_binding",
                is,
                "Create a resource binding",
            )
            .access(on("is.endpoint-gateway.resource-binding.create", "id"))
            .query(VPC_QUERY)
            .body(Body::Json(&[("target", "object")])),
            post(vpc::resource_bindings::create),
        ),
        (
            op(
                M::GET,
                "/v1/endpoint_gateways/{id}/resource_bindings/{binding}",
                "get_endpoint_gateway_resource_binding",
                is,
                "Retrieve a resource binding",
            )
            .access(on("is.endpoint-gateway.resource-binding.read", "id"))
            .query(VPC_QUERY),
            get(vpc::resource_bindings::get),
        ),
        (
            op(
                M::PATCH,
                "/v1/endpoint_gateways/{id}/resource_bindings/{binding}",
                "update_endpoint_gateway_resource_binding",
                is,
                "Rename a resource binding",
            )
            .access(on("is.endpoint-gateway.resource-binding.update", "id"))
            .query(VPC_QUERY)
            .body(Body::Json(&[])),
            patch(vpc::resource_bindings::update),
        ),
        (
            op(
                M::DELETE,
                "/v1/endpoint_gateways/{id}/resource_bindings/{binding}",
                "delete_endpoint_gateway_resource_binding",
                is,
                "Delete a resource binding",
            )
            .access(on("is.endpoint-gateway.resource-binding.delete", "id"))
            .query(VPC_QUERY),
            delete(vpc::resource_bindings::delete),
        ),
        (
            op(M::GET, resolvers, "list_custom_resolvers", dns, "List custom resolvers")
                .access(on("dns-svcs.zones.read", "instance_id")),
            get(dns_services::list),
        ),
        (
            op(M::POST, resolvers, "create_custom_resolver", dns, "Create a custom resolver")
                .access(on("dns-svcs.zones.manage", "instance_id"))
                .body(Body::Json(&[("name", "string"), ("locations", "array")]))
                .success(200),
            post(dns_services::create),
        ),
        (
            op(
                M::GET,
                "/v1/instances/{instance_id}/custom_resolvers/{resolver_id}",
                "get_custom_resolver",
                dns,
                "Retrieve a custom resolver",
            )
            .access(on("dns-svcs.zones.read", "instance_id")),
            get(dns_services::get),
        ),
        (
            op(
                M::PATCH,
                "/v1/instances/{instance_id}/custom_resolvers/{resolver_id}",
                "update_custom_resolver",
                dns,
                "Update a custom resolver",
            )
            .access(on("dns-svcs.zones.update", "instance_id"))
            .body(Body::Json(&[])),
            patch(dns_services::update),
        ),
        (
            op(
                M::DELETE,
                "/v1/instances/{instance_id}/custom_resolvers/{resolver_id}",
                "delete_custom_resolver",
                dns,
                "Delete a custom resolver",
            )
            .access(on("dns-svcs.zones.manage", "instance_id")),
            delete(dns_services::delete),
        ),
        (
            op(
                M::POST,
                "/v1/instances/{instance_id}/custom_resolvers/{resolver_id}/locations",
                "add_custom_resolver_location",
                dns,
                "Add a location",
            )
            .access(on("dns-svcs.zones.update", "instance_id"))
            .body(Body::Json(&[("subnet_crn", "string")]))
            .success(200),
            post(dns_services::add_location),
        ),
        (
            op(
                M::PATCH,
                "/v1/instances/{instance_id}/custom_resolvers/{resolver_id}/locations/{location_id}",
                "update_custom_resolver_location",
                dns,
                "Update a location",
            )
            .access(on("dns-svcs.zones.update", "instance_id"))
            .body(Body::Json(&[])),
            patch(dns_services::update_location),
        ),
        (
            op(
                M::DELETE,
                "/v1/instances/{instance_id}/custom_resolvers/{resolver_id}/locations/{location_id}",
                "delete_custom_resolver_location",
                dns,
                "Delete a location",
            )
            .access(on("dns-svcs.zones.update", "instance_id")),
            delete(dns_services::delete_location),
        ),
        (
            op(M::PUT, locations_order, "update_locations_order", dns, "Reorder the locations of a custom resolver")
                .access(on("dns-svcs.zones.update", "instance_id"))
                .body(Body::Json(&[("locations", "array")])),
            put(dns_services::order_locations),
        ),
        (
            op(M::GET, rules, "list_forwarding_rules", dns, "List forwarding rules")
                .access(on("dns-svcs.zones.read", "instance_id"))
                .query(OFFSET_QUERY),
            get(dns_forwarding::list_rules),
        ),
        (
            op(M::POST, rules, "create_forwarding_rule", dns, "Create a forwarding rule")
                .access(on("dns-svcs.zones.update", "instance_id"))
                .body(Body::Json(&[("type", "string"), ("match", "string")]))
                .success(200),
            post(dns_forwarding::create_rule),
        ),
        (
            op(M::GET, rule, "get_forwarding_rule", dns, "Retrieve a forwarding rule")
                .access(on("dns-svcs.zones.read", "instance_id")),
            get(dns_forwarding::get_rule),
        ),
        (
            op(M::PATCH, rule, "update_forwarding_rule", dns, "Update a forwarding rule")
                .access(on("dns-svcs.zones.update", "instance_id"))
                .body(Body::Json(&[])),
            patch(dns_forwarding::update_rule),
        ),
        (
            op(M::DELETE, rule, "delete_forwarding_rule", dns, "Delete a forwarding rule")
                .access(on("dns-svcs.zones.update", "instance_id")),
            delete(dns_forwarding::delete_rule),
        ),
        (
            op(M::GET, secondaries, "list_secondary_zones", dns, "List secondary zones")
                .access(on("dns-svcs.zones.read", "instance_id"))
                .query(OFFSET_QUERY),
            get(dns_forwarding::list_zones),
        ),
        (
            op(M::POST, secondaries, "create_secondary_zone", dns, "Create a secondary zone")
                .access(on("dns-svcs.zones.update", "instance_id"))
                .body(Body::Json(&[("zone", "string"), ("transfer_from", "array")]))
                .success(200),
            post(dns_forwarding::create_zone),
        ),
        (
            op(M::GET, secondary, "get_secondary_zone", dns, "Retrieve a secondary zone")
                .access(on("dns-svcs.zones.read", "instance_id")),
            get(dns_forwarding::get_zone),
        ),
        (
            op(M::PATCH, secondary, "update_secondary_zone", dns, "Update a secondary zone")
                .access(on("dns-svcs.zones.update", "instance_id"))
                .body(Body::Json(&[])),
            patch(dns_forwarding::update_zone),
        ),
        (
            op(M::DELETE, secondary, "delete_secondary_zone", dns, "Delete a secondary zone")
                .access(on("dns-svcs.zones.update", "instance_id")),
            delete(dns_forwarding::delete_zone),
        ),
        (
            op(M::GET, zones, "list_dnszones", dns, "List DNS zones")
                .access(on("dns-svcs.zones.read", "instance_id"))
                .query(&[("offset", false), ("limit", false), ("vpc_id", false)]),
            get(dns_zones::list),
        ),
        (
            op(M::POST, zones, "create_dnszone", dns, "Create a DNS zone")
                .access(on("dns-svcs.zones.manage", "instance_id"))
                .body(Body::Json(&[("name", "string")]))
                .success(200),
            post(dns_zones::create),
        ),
        (
            op(M::GET, zone, "get_dnszone", dns, "Retrieve a DNS zone")
                .access(on("dns-svcs.zones.read", "instance_id")),
            get(dns_zones::get),
        ),
        (
            op(M::PATCH, zone, "update_dnszone", dns, "Update a DNS zone's description and label")
                .access(on("dns-svcs.zones.update", "instance_id"))
                .body(Body::Json(&[])),
            patch(dns_zones::update),
        ),
        (
            op(M::DELETE, zone, "delete_dnszone", dns, "Delete a DNS zone")
                .access(on("dns-svcs.zones.manage", "instance_id")),
            delete(dns_zones::delete),
        ),
        (
            op(M::GET, networks, "list_permitted_networks", dns, "List a zone's permitted networks")
                .access(on("dns-svcs.permitted-networks.read", "instance_id"))
                .query(OFFSET_QUERY),
            get(dns_zones::list_networks),
        ),
        (
            op(M::POST, networks, "create_permitted_network", dns, "Permit a VPC to resolve a zone")
                .access(on("dns-svcs.permitted-networks.manage", "instance_id"))
                .body(Body::Json(&[("type", "string"), ("permitted_network", "object")]))
                .success(200),
            post(dns_zones::create_network),
        ),
        (
            op(M::GET, network, "get_permitted_network", dns, "Retrieve a permitted network")
                .access(on("dns-svcs.permitted-networks.read", "instance_id")),
            get(dns_zones::get_network),
        ),
        (
            op(M::DELETE, network, "delete_permitted_network", dns, "Remove a permitted network")
                .access(on("dns-svcs.permitted-networks.manage", "instance_id"))
                .success(202),
            delete(dns_zones::delete_network),
        ),
        (
            op(M::GET, records, "list_resource_records", dns, "List a zone's resource records")
                .access(on("dns-svcs.resource-records.read", "instance_id"))
                .query(&[("offset", false), ("limit", false), ("type", false), ("name", false)]),
            get(dns_zones::list_records),
        ),
        (
            op(M::POST, records, "create_resource_record", dns, "Create a resource record")
                .access(on("dns-svcs.resource-records.update", "instance_id"))
                .body(Body::Json(&[("type", "string")]))
                .success(200),
            post(dns_zones::create_record),
        ),
        (
            op(M::GET, record, "get_resource_record", dns, "Retrieve a resource record")
                .access(on("dns-svcs.resource-records.read", "instance_id")),
            get(dns_zones::get_record),
        ),
        (
            op(M::PUT, record, "update_resource_record", dns, "Replace a resource record's name, data and TTL")
                .access(on("dns-svcs.resource-records.update", "instance_id"))
                .body(Body::Json(&[("name", "string"), ("rdata", "object")]))
                .success(200),
            put(dns_zones::replace_record),
        ),
        (
            op(M::DELETE, record, "delete_resource_record", dns, "Delete a resource record")
                .access(on("dns-svcs.resource-records.update", "instance_id")),
            delete(dns_zones::delete_record),
        ),
        (
            op(M::GET, export, "export_resource_records", dns, "Export a zone's records as a zone file")
                .access(on("dns-svcs.resource-records.read", "instance_id")),
            get(dns_zones::export_records),
        ),
        (
            op(M::POST, import, "import_resource_records", dns, "Import a zone file's records into a zone")
                .access(on("dns-svcs.resource-records.update", "instance_id"))
                .body(Body::Multipart(&["file"])),
            // A zone file may be larger than any JSON body: this operation alone takes up to the importer's limit
            // (and the multipart framing around it).
            post(dns_zones::import_records).layer(DefaultBodyLimit::max(record_import::MAX_FILE_BYTES + 64 * 1024)),
        ),
        (
            op(M::GET, "/v1/policies", "list_policies", pol, "List policies")
                .access(Access::InOperation)
                .query(POLICY_LIST_QUERY),
            get(policies::list::<V1>),
        ),
        (
            op(M::POST, "/v1/policies", "create_policy", pol, "Create a policy")
                .access(Access::InOperation)
                .body(POLICY_BODY),
            post(policies::create::<V1>),
        ),
        (
            op(M::GET, "/v1/policies/{policy_id}", "get_policy", pol, "Retrieve a policy")
                .access(Access::InOperation)
                .query(&[("format", false)]),
            get(policies::get::<V1>),
        ),
        (
            op(M::PUT, "/v1/policies/{policy_id}", "replace_policy", pol, "Replace a policy (If-Match)")
                .access(Access::InOperation)
                .body(POLICY_BODY),
            put(policies::replace::<V1>),
        ),
        (
            op(
                M::PATCH,
                "/v1/policies/{policy_id}",
                "update_policy_state",
                pol,
                "Restore or deactivate a policy (If-Match)",
            )
            .access(Access::InOperation)
            .body(Body::Json(&[("state", "string")])),
            patch(policies::v1::update_state),
        ),
        (
            op(M::DELETE, "/v1/policies/{policy_id}", "delete_policy", pol, "Delete a policy")
                .access(Access::InOperation),
            delete(policies::delete),
        ),
        (
            op(M::GET, "/v2/policies", "list_v2_policies", pol, "List policies (v2)")
                .access(Access::InOperation)
                .query(POLICY_LIST_QUERY),
            get(policies::list::<V2>),
        ),
        (
            op(M::POST, "/v2/policies", "create_v2_policy", pol, "Create a policy (v2)")
                .access(Access::InOperation)
                .body(POLICY_V2_BODY),
            post(policies::create::<V2>),
        ),
        (
            op(M::GET, "/v2/policies/{policy_id}", "get_v2_policy", pol, "Retrieve a policy (v2)")
                .access(Access::InOperation)
                .query(&[("format", false)]),
            get(policies::get::<V2>),
        ),
        (
            op(M::PUT, "/v2/policies/{policy_id}", "replace_v2_policy", pol, "Replace a policy (v2, If-Match)")
                .access(Access::InOperation)
                .body(POLICY_V2_BODY),
            put(policies::replace::<V2>),
        ),
        (
            op(M::DELETE, "/v2/policies/{policy_id}", "delete_v2_policy", pol, "Delete a policy (v2)")
                .access(Access::InOperation),
            delete(policies::delete),
        ),
        (
            op(M::GET, "/v1/transit_gateways", "list_transit_gateways", transit, "List transit gateways")
                .query(TG_LIST_QUERY),
            get(tg::list),
        ),
        (
            op(M::POST, "/v1/transit_gateways", "create_transit_gateway", transit, "Create a transit gateway")
                .query(TG_QUERY)
                .body(Body::Json(&[("name", "string"), ("location", "string")])),
            post(tg::create),
        ),
        (
            op(M::GET, gateway, "get_transit_gateway", transit, "Retrieve a transit gateway").query(TG_QUERY),
            get(tg::get),
        ),
        (
            op(M::PATCH, gateway, "update_transit_gateway", transit, "Update a transit gateway")
                .query(TG_QUERY)
                .body(Body::Json(&[])),
            patch(tg::update),
        ),
        (
            op(M::DELETE, gateway, "delete_transit_gateway", transit, "Delete a transit gateway").query(TG_QUERY),
            delete(tg::delete),
        ),
        (
            op(M::GET, connections, "list_transit_gateway_connections", transit, "List a gateway's connections")
                .query(TG_LIST_QUERY),
            get(tg::list_connections),
        ),
        (
            op(M::POST, connections, "create_transit_gateway_connection", transit, "Connect a VPC")
                .query(TG_QUERY)
                .body(Body::Json(&[("network_type", "string")])),
            post(tg::create_connection),
        ),
        (
            op(M::GET, connection, "get_transit_gateway_connection", transit, "Retrieve a connection").query(TG_QUERY),
            get(tg::get_connection),
        ),
        (
            op(M::PATCH, connection, "update_transit_gateway_connection", transit, "Rename a connection")
                .query(TG_QUERY)
                .body(Body::Json(&[])),
            patch(tg::update_connection),
        ),
        (
            op(M::DELETE, connection, "delete_transit_gateway_connection", transit, "Disconnect a VPC").query(TG_QUERY),
            delete(tg::delete_connection),
        ),
        (
            op(M::GET, "/v1/connections", "list_connections", transit, "List every connection of the account")
                .query(&[("version", true), ("limit", false), ("start", false), ("network_id", false)]),
            get(tg::list_all_connections),
        ),
        (
            op(M::GET, "/v1/locations", "list_gateway_locations", transit, "List locations")
                .access(Access::AnyIdentity)
                .query(TG_QUERY),
            get(tg::list_locations),
        ),
        (
            op(M::GET, "/v1/locations/{name}", "get_gateway_location", transit, "Retrieve a location")
                .access(Access::AnyIdentity)
                .query(TG_QUERY),
            get(tg::get_location),
        ),
        (
            op(M::GET, "/v2/roles", "list_roles", pol, "List roles").access(Access::AnyIdentity).query(&[
                ("account_id", false),
                ("service_name", false),
                ("source_service_name", false),
                ("policy_type", false),
                ("service_group_id", false),
            ]),
            get(roles::list),
        ),
        (
            op(M::POST, "/v2/roles", "create_role", pol, "Create a custom role").access(Access::InOperation).body(
                Body::Json(&[
                    ("name", "string"),
                    ("display_name", "string"),
                    ("account_id", "string"),
                    ("service_name", "string"),
                    ("actions", "array"),
                ]),
            ),
            post(roles::create),
        ),
        (
            op(M::GET, "/v2/roles/{role_id}", "get_role", pol, "Retrieve a custom role").access(Access::InOperation),
            get(roles::get),
        ),
        (
            op(M::PUT, "/v2/roles/{role_id}", "replace_role", pol, "Replace a custom role")
                .access(Access::InOperation)
                .body(Body::Json(&[("display_name", "string"), ("actions", "array")])),
            put(roles::replace),
        ),
        (
            op(M::DELETE, "/v2/roles/{role_id}", "delete_role", pol, "Delete a custom role")
                .access(Access::InOperation),
            delete(roles::delete),
        ),
        (
            op(M::POST, "/v2/groups", "create_access_group", agr, "Create an access group")
                .access(account("iam-groups.groups.create"))
                .query(&[("account_id", true)])
                .body(Body::Json(&[("name", "string")])),
            post(ag::create),
        ),
        (
            op(M::GET, "/v2/groups", "list_access_groups", agr, "List access groups")
                .access(account("iam-groups.groups.list"))
                .query(GROUP_LIST_QUERY),
            get(ag::list),
        ),
        (
            op(M::GET, group, "get_access_group", agr, "Retrieve an access group")
                .access(on("iam-groups.groups.read", "access_group_id"))
                .query(&[("show_federated", false), ("show_crn", false)]),
            get(ag::get),
        ),
        (
            op(M::PATCH, group, "update_access_group", agr, "Rename or describe an access group")
                .access(on("iam-groups.groups.update", "access_group_id"))
                .body(Body::Json(&[])),
            patch(ag::update),
        ),
        (
            op(M::DELETE, group, "delete_access_group", agr, "Delete an access group")
                .access(on("iam-groups.groups.delete", "access_group_id"))
                .query(&[("force", false)]),
            delete(ag::delete),
        ),
        (
            op(M::PUT, group_members, "add_members_to_access_group", agr, "Add members to an access group")
                .access(on("iam-groups.members.add", "access_group_id"))
                .body(Body::Json(&[("members", "array")]))
                .success(207),
            put(ag::add_members),
        ),
        (
            op(M::GET, group_members, "list_access_group_members", agr, "List an access group's members")
                .access(on("iam-groups.members.read", "access_group_id"))
                .query(&[
                    ("membership_type", false),
                    ("limit", false),
                    ("offset", false),
                    ("type", false),
                    ("verbose", false),
                    ("sort", false),
                ]),
            get(ag::list_members),
        ),
        (
            op(M::HEAD, group_member, "is_member_of_access_group", agr, "Check a membership")
                .access(on("iam-groups.members.read", "access_group_id"))
                .success(204),
            head(ag::check_member),
        ),
        (
            op(M::DELETE, group_member, "remove_member_from_access_group", agr, "Remove a member")
                .access(on("iam-groups.members.delete", "access_group_id")),
            delete(ag::remove_member),
        ),
        (
            op(
                M::POST,
                "/v2/groups/{access_group_id}/members/delete",
                "remove_members_from_access_group",
                agr,
                "Remove members",
            )
            .access(on("iam-groups.members.delete", "access_group_id"))
            .body(Body::Json(&[("members", "array")]))
            .success(207),
            post(ag::remove_members),
        ),
        (
            op(M::PUT, all_groups, "add_member_to_multiple_access_groups", agr, "Add one identity to several groups")
                .access(account("iam-groups.members.add"))
                .query(&[("account_id", true)])
                .body(Body::Json(&[("type", "string"), ("groups", "array")]))
                .success(207),
            put(ag::add_to_groups),
        ),
        (
            op(
                M::DELETE,
                all_groups,
                "remove_member_from_all_access_groups",
                agr,
                "Remove one identity from every group",
            )
            .access(account("iam-groups.members.delete"))
            .query(&[("account_id", true)])
            .success(207),
            delete(ag::remove_from_all_groups),
        ),
        (
            op(M::POST, group_rules, "add_access_group_rule", agr, "Add a dynamic rule")
                .access(on("iam-groups.rules.create", "access_group_id"))
                .body(RULE_BODY),
            post(ag::create_rule),
        ),
        (
            op(M::GET, group_rules, "list_access_group_rules", agr, "List an access group's rules")
                .access(on("iam-groups.rules.read", "access_group_id")),
            get(ag::list_rules),
        ),
        (
            op(M::GET, group_rule, "get_access_group_rule", agr, "Retrieve a dynamic rule")
                .access(on("iam-groups.rules.read", "access_group_id")),
            get(ag::get_rule),
        ),
        (
            op(M::PUT, group_rule, "replace_access_group_rule", agr, "Replace a dynamic rule")
                .access(on("iam-groups.rules.update", "access_group_id"))
                .body(RULE_BODY),
            put(ag::replace_rule),
        ),
        (
            op(M::DELETE, group_rule, "remove_access_group_rule", agr, "Delete a dynamic rule")
                .access(on("iam-groups.rules.delete", "access_group_id")),
            delete(ag::delete_rule),
        ),
        (
            op(M::GET, "/v2/groups/settings", "get_account_settings_access_groups", agr, "Retrieve the group settings")
                .access(account("iam-groups.account-settings.read"))
                .query(&[("account_id", true)]),
            get(ag::get_settings),
        ),
        (
            op(
                M::PATCH,
                "/v2/groups/settings",
                "update_account_settings_access_groups",
                agr,
                "Update the group settings",
            )
            .access(account("iam-groups.account-settings.update"))
            .query(&[("account_id", true)])
            .body(Body::Json(&[])),
            patch(ag::update_settings),
        ),
        (
            op(M::GET, "/v2/resource_groups", "list_resource_groups", rm, "List resource groups")
                .access(Access::AnyIdentity)
                .query(&[
                    ("account_id", false),
                    ("date", false),
                    ("name", false),
                    ("default", false),
                    ("include_deleted", false),
                ]),
            get(resource_manager::list),
        ),
        (
            op(M::POST, "/v2/resource_groups", "create_resource_group", rm, "Create a resource group")
                .body(Body::Json(&[("name", "string")])),
            post(resource_manager::create),
        ),
        (
            op(M::GET, "/v2/resource_groups/{id}", "get_resource_group", rm, "Retrieve a resource group")
                .access(Access::AnyIdentity),
            get(resource_manager::get),
        ),
        (
            op(M::PATCH, "/v2/resource_groups/{id}", "update_resource_group", rm, "Rename a resource group")
                .body(Body::Json(&[])),
            patch(resource_manager::update),
        ),
        (
            op(M::DELETE, "/v2/resource_groups/{id}", "delete_resource_group", rm, "Delete an empty resource group"),
            delete(resource_manager::delete),
        ),
        (
            op(M::GET, "/v2/resource_instances", "list_resource_instances", rc, "List DNS Services instances")
                .access(account("resource-controller.instance.retrieve"))
                .query(&[
                    ("name", false),
                    ("resource_group_id", false),
                    ("resource_id", false),
                    ("resource_plan_id", false),
                    ("type", false),
                    ("limit", false),
                    ("start", false),
                ]),
            get(resource_controller::list),
        ),
        (
            op(M::POST, "/v2/resource_instances", "create_resource_instance", rc, "Create a DNS Services instance")
                .access(Access::InGroup("resource-controller.instance.create"))
                .body(Body::Json(&[("name", "string"), ("resource_plan_id", "string")])),
            post(resource_controller::create),
        ),
        (
            op(M::GET, "/v2/resource_instances/{id}", "get_resource_instance", rc, "Retrieve a DNS Services instance")
                .access(on("resource-controller.instance.retrieve", "id")),
            get(resource_controller::get),
        ),
        (
            op(
                M::PATCH,
                "/v2/resource_instances/{id}",
                "update_resource_instance",
                rc,
                "Update a DNS Services instance",
            )
            .access(on("resource-controller.instance.update", "id"))
            .body(Body::Json(&[])),
            patch(resource_controller::update),
        ),
        (
            op(
                M::DELETE,
                "/v2/resource_instances/{id}",
                "delete_resource_instance",
                rc,
                "Delete a DNS Services instance",
            )
            .access(on("resource-controller.instance.delete", "id"))
            .query(&[("recursive", false)]),
            delete(resource_controller::delete),
        ),
        (
            op(M::GET, "/api/v1/", "list_catalog_entries", gc, "Search the catalog's services")
                .query(&[("q", false), ("include", false), ("_offset", false), ("_limit", false)])
                .public(),
            get(global_catalog::search),
        ),
        (
            op(M::GET, "/api/v1/{id}", "get_catalog_entry", gc, "Retrieve a service, plan or deployment")
                .query(&[("include", false)])
                .public(),
            get(global_catalog::get),
        ),
        (
            op(M::GET, "/api/v1/{id}/plan", "get_child_objects_plan", gc, "List a service's plans")
                .query(&[("include", false), ("_offset", false), ("_limit", false)])
                .public(),
            get(global_catalog::plans),
        ),
        (
            op(M::GET, "/api/v1/{id}/deployment", "get_child_objects_deployment", gc, "List a plan's deployments")
                .query(&[("include", false), ("_offset", false), ("_limit", false)])
                .public(),
            get(global_catalog::deployments),
        ),
        (
            op(
                M::GET,
                "/v1/accounts/{account_id}/settings/identity",
                "get_account_settings",
                iam,
                "Retrieve an account's IAM settings",
            )
            .access(account("iam-identity.account.get"))
            .query(&[("include_history", false), ("resolve_user_mfa", false)]),
            get(identity::settings::get),
        ),
        (
            op(M::POST, "/v1/serviceids", "create_service_id", iam, "Create a service ID")
                .access(Access::InOperation)
                .body(Body::Json(&[("name", "string")])),
            post(identity::service_ids::create),
        ),
        (
            op(M::GET, "/v1/serviceids", "list_service_ids", iam, "List service IDs")
                .access(Access::InOperation)
                .query(&[
                    ("account_id", false),
                    ("name", false),
                    ("pagesize", false),
                    ("pagetoken", false),
                    ("sort", false),
                    ("order", false),
                    ("include_history", false),
                ]),
            get(identity::service_ids::list),
        ),
        (
            op(M::GET, "/v1/serviceids/{id}", "get_service_id", iam, "Retrieve a service ID")
                .access(Access::InOperation)
                .query(&[("include_history", false), ("include_activity", false)]),
            get(identity::service_ids::get),
        ),
        (
            op(M::PUT, "/v1/serviceids/{id}", "update_service_id", iam, "Update a service ID (If-Match required)")
                .access(Access::InOperation)
                .body(Body::Json(&[])),
            put(identity::service_ids::update),
        ),
        (
            op(M::DELETE, "/v1/serviceids/{id}", "delete_service_id", iam, "Delete a service ID and its API keys")
                .access(Access::InOperation),
            delete(identity::service_ids::delete),
        ),
        (
            op(M::POST, "/v1/serviceids/{id}/lock", "lock_service_id", iam, "Lock a service ID")
                .access(Access::InOperation)
                .success(204),
            post(identity::service_ids::lock),
        ),
        (
            op(M::DELETE, "/v1/serviceids/{id}/lock", "unlock_service_id", iam, "Unlock a service ID")
                .access(Access::InOperation),
            delete(identity::service_ids::unlock),
        ),
        (
            op(M::POST, "/v1/apikeys", "create_api_key", iam, "Create an API key for a user or a service ID")
                .access(Access::InOperation)
                .body(Body::Json(&[("name", "string"), ("iam_id", "string")])),
            post(identity::api_keys::create),
        ),
        (
            op(M::GET, "/v1/apikeys", "list_api_keys", iam, "List API keys").access(Access::InOperation).query(&[
                ("account_id", false),
                ("iam_id", false),
                ("pagesize", false),
                ("pagetoken", false),
                ("scope", false),
                ("type", false),
                ("sort", false),
                ("order", false),
                ("include_history", false),
            ]),
            get(identity::api_keys::list),
        ),
        (
            op(
                M::GET,
                "/v1/apikeys/details",
                "get_api_keys_details",
                iam,
                "Retrieve the API key the IAM-ApiKey header carries",
            )
            .access(Access::InOperation)
            .query(&[("include_history", false)]),
            get(identity::api_keys::details),
        ),
        (
            op(M::GET, "/v1/apikeys/{id}", "get_api_key", iam, "Retrieve an API key")
                .access(Access::InOperation)
                .query(&[("include_history", false), ("include_activity", false)]),
            get(identity::api_keys::get),
        ),
        (
            op(M::PUT, "/v1/apikeys/{id}", "update_api_key", iam, "Update an API key (If-Match required)")
                .access(Access::InOperation)
                .body(Body::Json(&[])),
            put(identity::api_keys::update),
        ),
        (
            op(M::DELETE, "/v1/apikeys/{id}", "delete_api_key", iam, "Delete an API key").access(Access::InOperation),
            delete(identity::api_keys::delete),
        ),
        (
            op(M::POST, "/v1/apikeys/{id}/lock", "lock_api_key", iam, "Lock an API key")
                .access(Access::InOperation)
                .success(204),
            post(identity::api_keys::lock),
        ),
        (
            op(M::DELETE, "/v1/apikeys/{id}/lock", "unlock_api_key", iam, "Unlock an API key")
                .access(Access::InOperation),
            delete(identity::api_keys::unlock),
        ),
        (
            op(M::GET, "/v2/accounts/{account_id}/users", "list_users", um, "List an account's users")
                .access(Access::InOperation)
                .query(&[("limit", false), ("_start", false), ("include_settings", false), ("search", false)]),
            get(user_management::list),
        ),
        (
            op(M::POST, "/v2/accounts/{account_id}/users", "invite_users", um, "Invite users to an account")
                .access(Access::InOperation)
                .body(Body::Json(&[("users", "array")]))
                .success(202),
            post(user_management::invite),
        ),
        (
            op(M::GET, "/v2/accounts/{account_id}/users/{iam_id}", "get_user_profile", um, "Retrieve a user's profile")
                .access(Access::InOperation),
            get(user_management::get),
        ),
        (
            op(
                M::PATCH,
                "/v2/accounts/{account_id}/users/{iam_id}",
                "update_user_profile",
                um,
                "Update a user's profile",
            )
            .access(Access::InOperation)
            .body(Body::Json(&[]))
            .success(204),
            patch(user_management::update),
        ),
        (
            op(
                M::DELETE,
                "/v2/accounts/{account_id}/users/{iam_id}",
                "remove_user",
                um,
                "Remove a user from an account",
            )
            .access(Access::InOperation),
            delete(user_management::remove),
        ),
        (
            op(M::POST, "/access/v1/evaluation", "evaluation", auth, "Decide one access request, with the reasons")
                .access(Access::InOperation)
                .body(EVALUATION_BODY)
                .success(200),
            post(authzen::evaluation),
        ),
        (
            op(M::POST, "/access/v1/evaluations", "evaluations", auth, "Decide a batch of access requests")
                .access(Access::InOperation)
                .body(Body::Json(&[]))
                .success(200),
            post(authzen::evaluations),
        ),
        (
            op(M::POST, "/access/v1/search/subject", "search_subject", auth, "Who may perform an action on a resource")
                .access(Access::InOperation)
                .body(EVALUATION_BODY)
                .success(200),
            post(authzen::search_subject),
        ),
        (
            op(M::POST, "/access/v1/search/action", "search_action", auth, "What an identity may do on a resource")
                .access(Access::InOperation)
                .body(Body::Json(&[("subject", "object"), ("resource", "object")]))
                .success(200),
            post(authzen::search_action),
        ),
        (
            op(
                M::POST,
                "/access/v1/search/resource",
                "search_resource",
                auth,
                "On what an identity may perform an action",
            )
            .access(Access::InOperation)
            .body(EVALUATION_BODY)
            .success(200),
            post(authzen::search_resource),
        ),
        (
            op(M::GET, "/.well-known/authzen-configuration", "authzen_configuration", auth, "The AuthZEN metadata")
                .access(Access::InOperation)
                .public(),
            get(authzen::configuration),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use hubspoke_iam::catalog::access::access_service;

    use super::{Access, operations};

    /// Every action the table names is one the role catalog knows for its service, so some role can grant it; and
    /// every path parameter it names is in the operation's path.
    #[test]
    fn every_named_action_is_in_the_catalog_and_every_resource_in_the_path() {
        for (operation, _) in operations() {
            let (action, resource) = match operation.access {
                Access::Action { action, resource } => (action, resource),
                Access::InGroup(action) => (action, None),
                _ => continue,
            };
            let service = match action.split('.').next().unwrap() {
                "resource-controller" => "dns-svcs",
                service => service,
            };
            let known = access_service(service).is_some_and(|service| service.has_action(action));
            assert!(known, "{}: `{action}` is not an action of `{service}`", operation.id);
            if let Some(param) = resource {
                assert!(operation.path.contains(&format!("{{{param}}}")), "{}: no `{{{param}}}`", operation.id);
            }
        }
    }

    /// Which operations only administrators may use: a new operation must choose its access rather than fall into
    /// this list unnoticed.
    #[test]
    fn administrators_only_is_a_deliberate_list() {
        let mut administrators_only: Vec<&str> = operations()
            .into_iter()
            .filter(|(operation, _)| operation.authenticated && operation.access == Access::Administrator)
            .map(|(operation, _)| operation.id)
            .collect();
        administrators_only.sort_unstable();
        let expected = [
            "create_account",
            "create_resource_group",
            "create_transit_gateway",
            "create_transit_gateway_connection",
            "delete_resource_group",
            "delete_transit_gateway",
            "delete_transit_gateway_connection",
            "explain_binding",
            "get_transit_gateway",
            "get_transit_gateway_connection",
            "list_accounts",
            "list_connections",
            "list_events",
            "list_transit_gateway_connections",
            "list_transit_gateways",
            "load_state",
            "reset",
            "save_state",
            "update_resource_group",
            "update_transit_gateway",
            "update_transit_gateway_connection",
        ];
        assert_eq!(administrators_only, expected);
    }
}
