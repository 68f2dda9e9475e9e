//! The roles access policies grant, per service, and the IAM actions each role holds there.
//!
//! An authorization names its roles per pair of services (the rest of this catalog); an access policy names platform
//! roles (Viewer, Operator, Editor, Administrator), the generic service roles (Reader, Writer, Manager) and roles a
//! service defines for itself. What a platform role allows depends on the service it is granted on: Viewer on `is`
//! reads VPCs, Viewer on `iam-identity` reads service IDs. So each service carries a table of its actions and the role
//! names that hold each one, the way IBM's "IAM roles and actions" page lists them.

use super::{Role, RoleKind, RoleSelection};

/// A service role of access policies; its actions are in the service's table.
const fn service(crn: &'static str, display_name: &'static str, description: &'static str) -> Role {
    Role { crn, display_name, description, actions: &[], kind: RoleKind::Service }
}

// The platform roles of access policies are the authorization catalog's, without the actions listed there: here the
// service's action table says what each allows.
const VIEWER: Role = Role { actions: &[], ..super::VIEWER };
const OPERATOR: Role = Role { actions: &[], ..super::OPERATOR };
const EDITOR: Role = Role { actions: &[], ..super::EDITOR };
const ADMINISTRATOR: Role = Role { actions: &[], ..super::ADMINISTRATOR };

/// The platform roles, in the order IBM lists them.
pub const PLATFORM: &[Role] = &[VIEWER, OPERATOR, EDITOR, ADMINISTRATOR];

const READER: Role = service(
    "crn:v1:bluemix:public:iam::::serviceRole:Reader",
    "Reader",
    "As a reader, you can perform read-only actions within a service such as viewing service-specific resources.",
);
const WRITER: Role = service(
    "crn:v1:bluemix:public:iam::::serviceRole:Writer",
    "Writer",
    "As a writer, you have permissions beyond the reader role, including creating and editing service-specific resources.",
);
const MANAGER: Role = service(
    "crn:v1:bluemix:public:iam::::serviceRole:Manager",
    "Manager",
    "As a manager, you have permissions beyond the writer role to complete privileged actions as defined by the service. In addition, you can create and edit service-specific resources.",
);

/// The generic service roles.
const GENERIC: &[Role] = &[READER, WRITER, MANAGER];

const IS_ROLES: &[Role] = &[
    READER,
    WRITER,
    MANAGER,
    service(
        "crn:v1:bluemix:public:is::::serviceRole:VPNClient",
        "VPN Client",
        "VPN Client role lets users connect to a client-to-site VPN server.",
    ),
    service(
        "crn:v1:bluemix:public:is::::serviceRole:BareMetalAdvancedNetworkOperator",
        "Bare Metal Advanced Network Operator",
        "Bare Metal Advanced Network Operator role lets users change the network interfaces of bare metal servers.",
    ),
    service(
        "crn:v1:bluemix:public:is::::serviceRole:BareMetalConsoleAdmin",
        "Bare Metal Console Admin",
        "Bare Metal Console Admin role lets users open the console of bare metal servers.",
    ),
    service(
        "crn:v1:bluemix:public:is::::serviceRole:IPSpoofingOperator",
        "IP Spoofing Operator",
        "IP Spoofing Operator role lets users turn IP spoofing checks on and off.",
    ),
    service(
        "crn:v1:bluemix:public:is::::serviceRole:VirtualServerConsoleAdmin",
        "Console Administrator",
        "Console Administrator role lets users open the console of virtual server instances.",
    ),
    super::DNS_BINDING_CONNECTOR,
];

const IAM_IDENTITY_ROLES: &[Role] = &[
    service(
        "crn:v1:bluemix:public:iam-identity::::serviceRole:ServiceIdCreator",
        "Service ID creator",
        "Service ID creator role lets users create service IDs when creating them is restricted in the account.",
    ),
    service(
        "crn:v1:bluemix:public:iam-identity::::serviceRole:UserApiKeyCreator",
        "User API key creator",
        "User API key creator role lets users create API keys when creating them is restricted in the account.",
    ),
    service(
        "crn:v1:bluemix:public:iam-identity::::serviceRole:APIKeyReviewer",
        "API key reviewer",
        "API key reviewer role lets users view every API key of the account.",
    ),
];

/// Which roles hold one action: role names, the last segment of their CRNs.
type ActionRow = (&'static str, &'static [&'static str]);

const ALL_PLATFORM: &[&str] = &["Administrator", "Editor", "Operator", "Viewer"];
const ADMIN_EDITOR: &[&str] = &["Administrator", "Editor"];
const ADMIN_EDITOR_OPERATOR: &[&str] = &["Administrator", "Editor", "Operator"];
const ADMIN: &[&str] = &["Administrator"];

/// Actions every service has: reading and managing access to it, and its instances' lifecycle.
const COMMON: &[ActionRow] = &[
    ("iam.policy.read", &["Administrator", "Editor", "Operator", "Viewer", "Reader", "Writer", "Manager"]),
    ("iam.policy.create", ADMIN),
    ("iam.policy.update", ADMIN),
    ("iam.policy.delete", ADMIN),
    ("iam.role.assign", ADMIN),
    ("iam.role.read", &["Administrator", "Viewer"]),
    ("iam.service.read", ADMIN),
    ("resource-controller.instance.retrieve", ALL_PLATFORM),
    ("resource-controller.instance.create", ADMIN_EDITOR),
    ("resource-controller.instance.update", ADMIN_EDITOR),
    ("resource-controller.instance.delete", ADMIN_EDITOR),
];

const IS_ACTIONS: &[ActionRow] = &[
    ("is.vpc.vpc.read", &["Administrator", "Editor", "Operator", "Viewer", "DNSBindingConnector"]),
    ("is.vpc.vpc.list", ALL_PLATFORM),
    ("is.vpc.vpc.create", ADMIN_EDITOR),
    ("is.vpc.vpc.update", ADMIN_EDITOR),
    ("is.vpc.vpc.delete", ADMIN_EDITOR),
    ("is.vpc.vpc.operate", ADMIN_EDITOR_OPERATOR),
    ("is.vpc.routing-table.read", ALL_PLATFORM),
    ("is.vpc.routing-table.list", ALL_PLATFORM),
    ("is.vpc.routing-table.create", ADMIN_EDITOR),
    ("is.vpc.routing-table.update", ADMIN_EDITOR),
    ("is.vpc.routing-table.delete", ADMIN_EDITOR),
    ("is.vpc.routing-table.advertise", ADMIN_EDITOR),
    ("is.vpc.routing-table.operate", ADMIN_EDITOR_OPERATOR),
    ("is.vpc.dns-resolution-binding.read", ALL_PLATFORM),
    ("is.vpc.dns-resolution-binding.list", ALL_PLATFORM),
    ("is.vpc.dns-resolution-binding.create", ADMIN_EDITOR),
    ("is.vpc.dns-resolution-binding.update", ADMIN_EDITOR),
    ("is.vpc.dns-resolution-binding.delete", ADMIN_EDITOR),
    ("is.vpc.dns-resolution-binding.connect", &["DNSBindingConnector"]),
    ("is.vpc.dns-resolution-binding.disconnect", &["DNSBindingConnector"]),
    ("is.subnet.subnet.read", ALL_PLATFORM),
    ("is.subnet.subnet.list", ALL_PLATFORM),
    ("is.subnet.subnet.create", ADMIN_EDITOR),
    ("is.subnet.subnet.update", ADMIN_EDITOR),
    ("is.subnet.subnet.delete", ADMIN_EDITOR),
    ("is.subnet.subnet.operate", ADMIN_EDITOR_OPERATOR),
    ("is.network-acl.network-acl.read", ALL_PLATFORM),
    ("is.network-acl.network-acl.list", ALL_PLATFORM),
    ("is.network-acl.network-acl.create", ADMIN_EDITOR),
    ("is.network-acl.network-acl.update", ADMIN_EDITOR),
    ("is.network-acl.network-acl.delete", ADMIN_EDITOR),
    ("is.network-acl.network-acl.operate", ADMIN_EDITOR_OPERATOR),
    ("is.public-gateway.public-gateway.read", ALL_PLATFORM),
    ("is.public-gateway.public-gateway.list", ALL_PLATFORM),
    ("is.public-gateway.public-gateway.create", ADMIN_EDITOR),
    ("is.public-gateway.public-gateway.update", ADMIN_EDITOR),
    ("is.public-gateway.public-gateway.delete", ADMIN_EDITOR),
    ("is.public-gateway.public-gateway.operate", ADMIN_EDITOR_OPERATOR),
    ("is.floating-ip.floating-ip.read", ALL_PLATFORM),
    ("is.floating-ip.floating-ip.list", ALL_PLATFORM),
    ("is.floating-ip.floating-ip.create", ADMIN_EDITOR),
    ("is.floating-ip.floating-ip.update", ADMIN_EDITOR),
    ("is.floating-ip.floating-ip.delete", ADMIN_EDITOR),
    ("is.floating-ip.floating-ip.operate", ADMIN_EDITOR_OPERATOR),
    // Security groups have no list action.
    ("is.security-group.security-group.read", ALL_PLATFORM),
    ("is.security-group.security-group.create", ADMIN_EDITOR),
    ("is.security-group.security-group.update", ADMIN_EDITOR),
    ("is.security-group.security-group.delete", ADMIN_EDITOR),
    ("is.security-group.security-group.operate", ADMIN_EDITOR_OPERATOR),
    ("is.endpoint-gateway.endpoint-gateway.read", ALL_PLATFORM),
    ("is.endpoint-gateway.endpoint-gateway.list", ALL_PLATFORM),
    ("is.endpoint-gateway.endpoint-gateway.create", ADMIN_EDITOR),
    ("is.endpoint-gateway.endpoint-gateway.update", ADMIN_EDITOR),
    ("is.endpoint-gateway.endpoint-gateway.delete", ADMIN_EDITOR),
    ("is.endpoint-gateway.endpoint-gateway.operate", ADMIN_EDITOR_OPERATOR),
    ("is.endpoint-gateway.resource-binding.read", ALL_PLATFORM),
    ("is.endpoint-gateway.resource-binding.list", ALL_PLATFORM),
    ("is.endpoint-gateway.resource-binding.create", ADMIN_EDITOR),
    ("is.endpoint-gateway.resource-binding.update", ADMIN_EDITOR),
    ("is.endpoint-gateway.resource-binding.delete", ADMIN_EDITOR),
];

/// DNS Services defines actions for zones, records, ACLs and permitted networks only; custom resolvers, forwarding
/// rules and secondary zones are governed by the zone actions (hubspoke's choice, in `docs/iam.md`).
const DNS_ACTIONS: &[ActionRow] = &[
    ("dns-svcs.dashboard.view", ADMIN_EDITOR_OPERATOR),
    ("dns-svcs.zones.read", &["Manager", "Writer", "Reader"]),
    ("dns-svcs.zones.update", &["Manager", "Writer"]),
    ("dns-svcs.zones.manage", &["Manager"]),
    ("dns-svcs.resource-records.read", &["Manager", "Writer", "Reader"]),
    ("dns-svcs.resource-records.update", &["Manager", "Writer"]),
    ("dns-svcs.resource-records.manage", &["Manager"]),
    ("dns-svcs.acls.read", &["Manager", "Writer", "Reader"]),
    ("dns-svcs.acls.update", &["Manager", "Writer"]),
    ("dns-svcs.acls.manage", &["Manager"]),
    ("dns-svcs.permitted-networks.read", &["Manager", "Writer", "Reader"]),
    ("dns-svcs.permitted-networks.update", &["Manager", "Writer"]),
    ("dns-svcs.permitted-networks.manage", &["Manager"]),
];

const IAM_IDENTITY_ACTIONS: &[ActionRow] = &[
    ("iam-identity.serviceid.create", &["ServiceIdCreator"]),
    ("iam-identity.serviceid.get", ALL_PLATFORM),
    ("iam-identity.serviceid.update", ADMIN_EDITOR_OPERATOR),
    ("iam-identity.serviceid.delete", &["Administrator", "Operator"]),
    ("iam-identity.apikey.create", &["Administrator", "Operator"]),
    ("iam-identity.apikey.delete", &["Administrator", "Operator"]),
    ("iam-identity.apikey.get", ADMIN_EDITOR_OPERATOR),
    ("iam-identity.apikey.list", ADMIN_EDITOR_OPERATOR),
    ("iam-identity.apikey.update", ADMIN_EDITOR_OPERATOR),
    ("iam-identity.apikey.manage", ADMIN),
    ("iam-identity.apikey.review", &["APIKeyReviewer", "Administrator", "Editor", "Operator"]),
    ("iam-identity.user-apikey.create", &["UserApiKeyCreator"]),
    ("iam-identity.account.get", ALL_PLATFORM),
    ("iam-identity.account.update", ADMIN_EDITOR_OPERATOR),
    ("iam-identity.profile.create", ADMIN),
];

const ADMIN_EDITOR_VIEWER: &[&str] = &["Administrator", "Editor", "Viewer"];

const IAM_GROUPS_ACTIONS: &[ActionRow] = &[
    ("iam-groups.groups.create", ADMIN_EDITOR),
    ("iam-groups.groups.update", ADMIN_EDITOR),
    ("iam-groups.groups.delete", ADMIN_EDITOR),
    ("iam-groups.groups.read", ADMIN_EDITOR_VIEWER),
    ("iam-groups.groups.list", ADMIN_EDITOR_VIEWER),
    ("iam-groups.members.add", ADMIN_EDITOR),
    ("iam-groups.members.delete", ADMIN_EDITOR),
    ("iam-groups.members.read", ADMIN_EDITOR_VIEWER),
    ("iam-groups.members.list", ADMIN_EDITOR_VIEWER),
    ("iam-groups.groups.audit", ADMIN_EDITOR_VIEWER),
    ("iam-groups.rules.create", ADMIN_EDITOR),
    ("iam-groups.rules.update", ADMIN_EDITOR),
    ("iam-groups.rules.delete", ADMIN_EDITOR),
    ("iam-groups.rules.read", ADMIN_EDITOR_VIEWER),
    ("iam-groups.rules.list", ADMIN_EDITOR_VIEWER),
    ("iam-groups.report.create", ADMIN_EDITOR_VIEWER),
    ("iam-groups.account-settings.read", ADMIN_EDITOR_VIEWER),
    ("iam-groups.account-settings.update", ADMIN),
];

const IAM_ACCESS_MANAGEMENT_ACTIONS: &[ActionRow] = &[
    ("iam-access-management.customRole.create", ADMIN),
    ("iam-access-management.customRole.delete", ADMIN),
    ("iam-access-management.customRole.update", ADMIN_EDITOR),
    ("iam-access-management.customRole.read", ALL_PLATFORM),
    ("iam-access-management.settings.read", ADMIN_EDITOR_VIEWER),
    ("iam-access-management.settings.update", ADMIN),
    ("iam-access-management.user-access-list.read", ADMIN_EDITOR),
    ("iam-access-management.insight.get", ADMIN_EDITOR),
];

const USER_MANAGEMENT_ACTIONS: &[ActionRow] = &[
    ("user-management.user.read", ALL_PLATFORM),
    ("user-management.user.create", ADMIN_EDITOR),
    ("user-management.user.update", ADMIN_EDITOR),
    ("user-management.user.delete", ADMIN_EDITOR),
];

/// One service of access policies: the roles it offers besides the platform ones, and its actions.
#[derive(Debug)]
pub struct AccessService {
    /// The `serviceName`, for example `is`.
    pub name: &'static str,
    /// The service group it belongs to (`IAM` for IAM's own services), if any.
    pub group: Option<&'static str>,
    /// Its service roles.
    pub roles: &'static [Role],
    /// Its own actions and which roles hold each (the common actions come on top).
    actions: &'static [ActionRow],
}

/// Every service whose access hubspoke knows.
pub const SERVICES: &[AccessService] = &[
    AccessService { name: "is", group: None, roles: IS_ROLES, actions: IS_ACTIONS },
    AccessService { name: "dns-svcs", group: None, roles: GENERIC, actions: DNS_ACTIONS },
    AccessService {
        name: "iam-identity",
        group: Some("IAM"),
        roles: IAM_IDENTITY_ROLES,
        actions: IAM_IDENTITY_ACTIONS,
    },
    AccessService { name: "iam-groups", group: Some("IAM"), roles: &[], actions: IAM_GROUPS_ACTIONS },
    AccessService {
        name: "iam-access-management",
        group: Some("IAM"),
        roles: &[],
        actions: IAM_ACCESS_MANAGEMENT_ACTIONS,
    },
    AccessService { name: "user-management", group: Some("IAM"), roles: &[], actions: USER_MANAGEMENT_ACTIONS },
];

/// The last segment of a role CRN (`Viewer`, `DNSBindingConnector`).
fn role_name(crn: &str) -> &str {
    crn.rsplit(':').next().unwrap_or(crn)
}

impl AccessService {
    /// Every action of the service, its own and the common ones, with the roles that hold it.
    pub fn actions(&self) -> impl Iterator<Item = (&'static str, &'static [&'static str])> {
        self.actions.iter().chain(COMMON).copied()
    }

    /// Whether `action` is one of this service's (custom roles may only name these).
    pub fn has_action(&self, action: &str) -> bool {
        self.actions().any(|(known, _)| known == action)
    }

    /// The role with this CRN, if this service offers it (a platform role, or one of its service roles).
    pub fn role(&self, crn: &str) -> Option<&'static Role> {
        PLATFORM.iter().chain(self.roles).find(|role| role.crn == crn)
    }

    /// Whether the role with this CRN holds `action` on this service. A CRN the service does not offer holds nothing,
    /// so `iam::::serviceRole:Manager` on a service without generic roles grants no action of it.
    pub fn holds(&self, crn: &str, action: &str) -> bool {
        let Some(role) = self.role(crn) else { return false };
        let name = role_name(role.crn);
        self.actions().any(|(known, roles)| known == action && roles.contains(&name))
    }

    /// The actions the role with this CRN holds on this service.
    pub fn actions_of(&self, crn: &str) -> Vec<&'static str> {
        let Some(role) = self.role(crn) else { return Vec::new() };
        let name = role_name(role.crn);
        self.actions().filter(|(_, roles)| roles.contains(&name)).map(|(action, _)| action).collect()
    }

    /// The roles that hold `action` on this service, platform roles first.
    pub fn roles_holding(&self, action: &str) -> Vec<&'static Role> {
        PLATFORM.iter().chain(self.roles).filter(|role| self.holds(role.crn, action)).collect()
    }
}

/// The service of access policies named `name`. IBM's roles page lists VPC roles per sub-service (`is.vpc`,
/// `is.subnet`, …) while policies name `is`: a sub-service name finds `is`, whose tables hold every `is.*` action.
pub fn access_service(name: &str) -> Option<&'static AccessService> {
    let name = if name.starts_with("is.") { "is" } else { name };
    SERVICES.iter().find(|service| service.name == name)
}

/// Whether `name` is an account management service: `serviceType=service` does not reach these, and
/// `serviceType=platform_service` reaches only these.
pub fn is_account_management(name: &str) -> bool {
    SERVICES.iter().any(|service| service.name == name && service.group == Some("IAM"))
        || ACCOUNT_MANAGEMENT_OTHERS.contains(&name)
}

/// Account management services outside the IAM group, whose actions hubspoke does not know.
const ACCOUNT_MANAGEMENT_OTHERS: &[&str] = &["billing", "enterprise", "globalcatalog", "support", "account"];

/// The roles `GET /v2/roles` lists for access policies, by its filters:
///
/// - a `service_name`: the platform roles and that service's roles;
/// - a `service_group_id`: the platform roles and the roles of every service in the group;
/// - `alliamserviceroles` or `allacctmgmtroles` (names Terraform and the CLI send for policies on every service): the
///   platform roles and the generic Reader, Writer and Manager;
/// - neither: the platform roles only, as IBM lists them when no service is named.
///
/// A service hubspoke does not know has the platform roles only; an unknown group has no roles.
pub fn access_roles(service_name: Option<&str>, group: Option<&str>) -> RoleSelection {
    let mut selection = RoleSelection::default();
    let services: Vec<&AccessService> = match (service_name, group) {
        (Some("alliamserviceroles" | "allacctmgmtroles"), _) => {
            PLATFORM.iter().chain(GENERIC).for_each(|role| selection.push_unique(role));
            return selection;
        }
        (Some(name), _) => access_service(name).into_iter().collect(),
        (None, Some(group)) => SERVICES.iter().filter(|service| service.group == Some(group)).collect(),
        (None, None) => {
            PLATFORM.iter().for_each(|role| selection.push_unique(role));
            return selection;
        }
    };
    if services.is_empty() && group.is_some() {
        return selection;
    }
    for role in PLATFORM.iter().chain(services.iter().flat_map(|service| service.roles)) {
        selection.push_unique(role);
    }
    selection
}

/// The actions the role with this CRN holds on the services a `GET /v2/roles` filter selects (no service: none).
pub fn role_actions(service_name: Option<&str>, group: Option<&str>, crn: &str) -> Vec<&'static str> {
    let services = SERVICES.iter().filter(|service| match (service_name, group) {
        (Some(name), _) => service.name == name,
        (None, Some(group)) => service.group == Some(group),
        (None, None) => false,
    });
    let mut actions: Vec<&'static str> = services.flat_map(|service| service.actions_of(crn)).collect();
    actions.dedup();
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    const VIEWER_CRN: &str = "crn:v1:bluemix:public:iam::::role:Viewer";
    const EDITOR_CRN: &str = "crn:v1:bluemix:public:iam::::role:Editor";
    const MANAGER_CRN: &str = "crn:v1:bluemix:public:iam::::serviceRole:Manager";
    const CONNECTOR_CRN: &str = "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector";

    #[test]
    fn which_role_holds_which_action() {
        // (service, role, action, held)
        let cases = [
            ("is", VIEWER_CRN, "is.vpc.vpc.list", true),
            ("is", VIEWER_CRN, "is.vpc.vpc.create", false),
            ("is", EDITOR_CRN, "is.vpc.vpc.create", true),
            ("is", EDITOR_CRN, "is.vpc.dns-resolution-binding.delete", true),
            ("is", EDITOR_CRN, "is.vpc.dns-resolution-binding.disconnect", false),
            ("is", CONNECTOR_CRN, "is.vpc.dns-resolution-binding.disconnect", true),
            ("is", CONNECTOR_CRN, "is.vpc.vpc.read", true),
            ("is", CONNECTOR_CRN, "is.vpc.vpc.list", false),
            ("is", EDITOR_CRN, "iam.policy.create", false),
            ("is", "crn:v1:bluemix:public:iam::::role:Administrator", "iam.policy.create", true),
            ("is", EDITOR_CRN, "is.security-group.security-group.list", false),
            ("dns-svcs", MANAGER_CRN, "dns-svcs.zones.manage", true),
            ("dns-svcs", "crn:v1:bluemix:public:iam::::serviceRole:Reader", "dns-svcs.zones.update", false),
            ("dns-svcs", EDITOR_CRN, "dns-svcs.zones.read", false),
            ("dns-svcs", EDITOR_CRN, "resource-controller.instance.create", true),
            ("iam-identity", EDITOR_CRN, "iam-identity.apikey.create", false),
            (
                "iam-identity",
                "crn:v1:bluemix:public:iam-identity::::serviceRole:ServiceIdCreator",
                "iam-identity.serviceid.create",
                true,
            ),
            // A role the service does not offer holds nothing there.
            ("iam-groups", MANAGER_CRN, "iam-groups.groups.create", false),
            ("iam-groups", CONNECTOR_CRN, "iam-groups.groups.read", false),
        ];
        for (service, role, action, held) in cases {
            let service = access_service(service).unwrap();
            assert_eq!(service.holds(role, action), held, "{} {role} {action}", service.name);
        }
    }

    #[test]
    fn every_role_named_in_an_action_table_exists_in_its_service() {
        for service in SERVICES {
            for (action, roles) in service.actions() {
                assert!(action.contains('.'), "{action}");
                for name in roles {
                    let offered = PLATFORM.iter().chain(service.roles).any(|role| role_name(role.crn) == *name);
                    // The common actions name the generic service roles, which not every service offers.
                    let generic = GENERIC.iter().any(|role| role_name(role.crn) == *name);
                    assert!(offered || generic, "{}: {action} names `{name}`, which it does not offer", service.name);
                }
            }
        }
    }

    #[test]
    fn role_lists_follow_the_filters() {
        let names = |selection: RoleSelection| selection.iter().map(|role| role.display_name).collect::<Vec<_>>();
        assert_eq!(names(access_roles(None, None)), ["Viewer", "Operator", "Editor", "Administrator"]);
        let iam = names(access_roles(None, Some("IAM")));
        assert!(iam.contains(&"Viewer") && iam.contains(&"Service ID creator"), "{iam:?}");
        let is = names(access_roles(Some("is"), None));
        for expected in ["DNS Binding Connector", "Reader", "Writer", "Manager", "VPN Client", "Console Administrator"]
        {
            assert!(is.contains(&expected), "{expected} in {is:?}");
        }
        assert_eq!(names(access_roles(Some("alliamserviceroles"), None)).len(), 7);
        assert_eq!(names(access_roles(Some("nope"), None)), ["Viewer", "Operator", "Editor", "Administrator"]);
        assert!(access_roles(None, Some("nope")).iter().next().is_none());
        let viewer_on_is = role_actions(Some("is"), None, VIEWER_CRN);
        assert!(viewer_on_is.contains(&"is.vpc.vpc.list") && !viewer_on_is.contains(&"is.vpc.vpc.create"));
        assert!(role_actions(None, Some("IAM"), VIEWER_CRN).contains(&"iam-groups.groups.read"));
        assert!(role_actions(None, None, VIEWER_CRN).is_empty());
        let connector = access_service("is").unwrap().roles_holding("is.vpc.dns-resolution-binding.connect");
        assert_eq!(connector.iter().map(|role| role.display_name).collect::<Vec<_>>(), ["DNS Binding Connector"]);
    }
}
