//! The role catalog: which roles exist, what actions they grant, and which roles an authorization between a source
//! service and a target service may name.
//!
//! The `is` roles and their actions come from IBM's "IAM roles and actions" page. For the other service pairs the
//! catalog carries the roles IBM documents for them (so that `/v2/roles` lookups by Terraform find them), with the
//! subset of actions hubspoke needs to reason about; hubspoke only enforces `is` actions itself.

pub mod access;

/// Whether a role is a platform (system) role or a service-defined role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleKind {
    /// Platform roles such as Viewer, shared by all services (`crn:v1:bluemix:public:iam::::role:…`).
    System,
    /// Roles a service defines for itself (`crn:…::serviceRole:…`).
    Service,
}

/// One role as the catalog describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    /// The role id as used in policies, a CRN.
    pub crn: &'static str,
    /// The display name that Terraform and the console use, for example `DNS Binding Connector`.
    pub display_name: &'static str,
    /// IBM's description of the role.
    pub description: &'static str,
    /// The actions the role grants on its service.
    pub actions: &'static [&'static str],
    /// System or service role.
    pub kind: RoleKind,
}

impl Role {
    /// The last segment of the CRN, for example `DNSBindingConnector`: the name the CLI accepts besides the display name.
    pub fn name(&self) -> &'static str {
        self.crn.rsplit(':').next().unwrap_or(self.crn)
    }

    /// Whether this role grants `action`.
    pub fn grants(&self, action: &str) -> bool {
        self.actions.contains(&action)
    }
}

const VPC_READ: &str = "is.vpc.vpc.read";
const BINDING_CONNECT: &str = "is.vpc.dns-resolution-binding.connect";
const BINDING_DISCONNECT: &str = "is.vpc.dns-resolution-binding.disconnect";

const DNS_BINDING_CONNECTOR: Role = Role {
    crn: "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector",
    display_name: "DNS Binding Connector",
    description: "DNS Binding Connector role is required to create and remove DNS resolution bindings.",
    actions: &[VPC_READ, BINDING_CONNECT, BINDING_DISCONNECT],
    kind: RoleKind::Service,
};

const SHARE_SNAPSHOT_OPERATOR: Role = Role {
    crn: "crn:v1:bluemix:public:is::::serviceRole:ShareSnapshotOperator",
    display_name: "Share Snapshot Operator",
    description: "Share Snapshot Operator role lets a backup policy create and manage snapshots of file shares.",
    actions: &[
        "is.share.snapshot.create",
        "is.share.snapshot.read",
        "is.share.snapshot.list",
        "is.share.snapshot.update",
        "is.share.snapshot.delete",
    ],
    kind: RoleKind::Service,
};

const SHARE_BROKER: Role = Role {
    crn: "crn:v1:bluemix:public:is::::serviceRole:ShareBroker",
    display_name: "Share Broker",
    description: "Share Broker role lets a service create and delete accessor bindings of file shares.",
    actions: &["is.share.accessor-binding.create", "is.share.accessor-binding.delete"],
    kind: RoleKind::Service,
};

const SHARE_REMOTE_ACCOUNT_ACCESSOR: Role = Role {
    crn: "crn:v1:bluemix:public:is::::serviceRole:ShareRemoteAccountAccessor",
    display_name: "Share Remote Account Accessor",
    description: "Share Remote Account Accessor role allows access to a file share from another account.",
    actions: &["is.share.share.allow-remote-account-access"],
    kind: RoleKind::Service,
};

const VIEWER: Role = Role {
    crn: "crn:v1:bluemix:public:iam::::role:Viewer",
    display_name: "Viewer",
    description: "As a viewer, you can view service instances, but you can't modify them.",
    actions: &[VPC_READ, "is.vpc.vpc.list", "is.vpc.dns-resolution-binding.read", "is.vpc.dns-resolution-binding.list"],
    kind: RoleKind::System,
};

const OPERATOR: Role = Role {
    crn: "crn:v1:bluemix:public:iam::::role:Operator",
    display_name: "Operator",
    description: "As an operator, you can perform platform actions required to configure and operate service instances, such as viewing a service's dashboard.",
    actions: &[VPC_READ, "is.vpc.vpc.list", "is.vpc.dns-resolution-binding.read", "is.vpc.dns-resolution-binding.list"],
    kind: RoleKind::System,
};

const EDITOR_ACTIONS: &[&str] = &[
    VPC_READ,
    "is.vpc.vpc.list",
    "is.vpc.vpc.create",
    "is.vpc.vpc.update",
    "is.vpc.vpc.delete",
    "is.vpc.dns-resolution-binding.create",
    "is.vpc.dns-resolution-binding.delete",
    "is.vpc.dns-resolution-binding.update",
    "is.vpc.dns-resolution-binding.read",
    "is.vpc.dns-resolution-binding.list",
];

const EDITOR: Role = Role {
    crn: "crn:v1:bluemix:public:iam::::role:Editor",
    display_name: "Editor",
    description: "As an editor, you can perform all platform actions except for managing the account and assigning access policies.",
    actions: EDITOR_ACTIONS,
    kind: RoleKind::System,
};

const ADMINISTRATOR: Role = Role {
    crn: "crn:v1:bluemix:public:iam::::role:Administrator",
    display_name: "Administrator",
    description: "As an administrator, you can perform all platform actions based on the resource this role is being assigned, including assigning access policies to other users.",
    actions: EDITOR_ACTIONS,
    kind: RoleKind::System,
};

const AUTHORIZATION_DELEGATOR: Role = Role {
    crn: "crn:v1:bluemix:public:iam::::role:AuthorizationDelegator",
    display_name: "Authorization Delegator",
    description: "As an Authorization Delegator, you can delegate access to the target service to other services on your behalf.",
    actions: &["iam.delegate"],
    kind: RoleKind::System,
};

const KMS_READER: Role = Role {
    crn: "crn:v1:bluemix:public:iam::::serviceRole:Reader",
    display_name: "Reader",
    description: "As a reader, you can perform read-only actions within a service such as viewing service-specific resources.",
    actions: &["kms.secrets.read", "kms.secrets.wrap", "kms.secrets.unwrap"],
    kind: RoleKind::Service,
};

const COS_READER: Role = Role {
    crn: "crn:v1:bluemix:public:iam::::serviceRole:Reader",
    display_name: "Reader",
    description: "As a reader, you can perform read-only actions within a service such as viewing service-specific resources.",
    actions: &["cloud-object-storage.object.get", "cloud-object-storage.bucket.list"],
    kind: RoleKind::Service,
};

const COS_WRITER: Role = Role {
    crn: "crn:v1:bluemix:public:iam::::serviceRole:Writer",
    display_name: "Writer",
    description: "As a writer, you have permissions beyond the reader role, including creating and editing service-specific resources.",
    actions: &[
        "cloud-object-storage.object.get",
        "cloud-object-storage.object.put",
        "cloud-object-storage.bucket.list",
    ],
    kind: RoleKind::Service,
};

const EVENT_SOURCE_MANAGER: Role = Role {
    crn: "crn:v1:bluemix:public:event-notifications::::serviceRole:EventSourceManager",
    display_name: "Event Source Manager",
    description: "Event Source Manager role lets a source service send events to an Event Notifications instance.",
    actions: &["event-notifications.sources.create", "event-notifications.sources.update"],
    kind: RoleKind::Service,
};

/// IBM's descriptions of the actions hubspoke enforces ("IAM roles and actions", `#is.vpc-roles`).
const ACTION_DESCRIPTIONS: &[(&str, &str)] = &[
    (VPC_READ, "View a Virtual Private Cloud (VPC)"),
    (BINDING_CONNECT, "Connect DNS resolution binding between two VPCs"),
    (BINDING_DISCONNECT, "Disconnect DNS resolution binding between two VPCs"),
];

/// IBM's description of an action, where hubspoke knows it.
pub fn action_description(action: &str) -> Option<&'static str> {
    ACTION_DESCRIPTIONS.iter().find(|(known, _)| *known == action).map(|(_, description)| *description)
}

/// The roles an authorization from `source` to `target` may grant.
struct AuthorizationPair {
    target: &'static str,
    source: &'static str,
    service_roles: &'static [Role],
    system_roles: &'static [Role],
}

const PLATFORM_ROLES: &[Role] = &[VIEWER, OPERATOR, EDITOR, ADMINISTRATOR];

const AUTHORIZATION_PAIRS: &[AuthorizationPair] = &[
    AuthorizationPair {
        target: "is",
        source: "is",
        service_roles: &[DNS_BINDING_CONNECTOR, SHARE_SNAPSHOT_OPERATOR, SHARE_BROKER, SHARE_REMOTE_ACCOUNT_ACCESSOR],
        system_roles: PLATFORM_ROLES,
    },
    AuthorizationPair {
        target: "kms",
        source: "is",
        service_roles: &[KMS_READER],
        system_roles: &[AUTHORIZATION_DELEGATOR],
    },
    AuthorizationPair {
        target: "hs-crypto",
        source: "is",
        service_roles: &[KMS_READER],
        system_roles: &[AUTHORIZATION_DELEGATOR],
    },
    AuthorizationPair { target: "kms", source: "server-protect", service_roles: &[KMS_READER], system_roles: &[] },
    AuthorizationPair {
        target: "cloud-object-storage",
        source: "is",
        service_roles: &[COS_READER, COS_WRITER],
        system_roles: &[],
    },
    AuthorizationPair {
        target: "event-notifications",
        source: "is",
        service_roles: &[EVENT_SOURCE_MANAGER],
        system_roles: &[],
    },
];

/// The roles found for one filter, split the way `/v2/roles` answers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoleSelection {
    /// Service-defined roles.
    pub service_roles: Vec<&'static Role>,
    /// Platform roles.
    pub system_roles: Vec<&'static Role>,
}

impl RoleSelection {
    /// Every role of the selection, service roles first.
    pub fn iter(&self) -> impl Iterator<Item = &'static Role> + '_ {
        self.service_roles.iter().chain(self.system_roles.iter()).copied()
    }

    fn push_unique(&mut self, role: &'static Role) {
        let list = match role.kind {
            RoleKind::Service => &mut self.service_roles,
            RoleKind::System => &mut self.system_roles,
        };
        if !list.iter().any(|known| known.crn == role.crn && known.display_name == role.display_name) {
            list.push(role);
        }
    }
}

/// The catalog. It is static data; the type exists so that callers name what they depend on.
#[derive(Clone, Copy, Debug, Default)]
pub struct RoleCatalog;

impl RoleCatalog {
    /// Roles an authorization policy may name, filtered by target and source service when given.
    pub fn authorization_roles(&self, target: Option<&str>, source: Option<&str>) -> RoleSelection {
        let mut selection = RoleSelection::default();
        let pairs = AUTHORIZATION_PAIRS
            .iter()
            .filter(|pair| target.is_none_or(|t| t == pair.target) && source.is_none_or(|s| s == pair.source));
        for pair in pairs {
            pair.service_roles.iter().chain(pair.system_roles).for_each(|role| selection.push_unique(role));
        }
        selection
    }

    /// Roles for access policies, by `service_name` or `service_group_id` (see [`access::access_roles`]).
    pub fn access_roles(&self, service: Option<&str>, group: Option<&str>) -> RoleSelection {
        access::access_roles(service, group)
    }

    /// The role an authorization from `source` to `target` grants under `crn`, with that pair's actions.
    pub fn authorization_role(&self, target: &str, source: Option<&str>, crn: &str) -> Option<&'static Role> {
        self.authorization_roles(Some(target), source).iter().find(|role| role.crn == crn)
    }

    /// Any role with this CRN, for filling in `display_name` and `description` in responses.
    pub fn any_role(&self, crn: &str) -> Option<&'static Role> {
        self.authorization_roles(None, None).iter().find(|role| role.crn == crn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_binding_connector_is_found_the_way_terraform_looks_it_up() {
        let selection = RoleCatalog.authorization_roles(Some("is"), Some("is"));
        let role = selection.service_roles.iter().find(|r| r.display_name == "DNS Binding Connector").unwrap();
        assert_eq!(role.crn, "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector");
        assert_eq!(role.name(), "DNSBindingConnector");
        assert!(role.grants("is.vpc.dns-resolution-binding.connect"));
        let names: Vec<_> = selection.system_roles.iter().map(|r| r.display_name).collect();
        assert_eq!(names, ["Viewer", "Operator", "Editor", "Administrator"]);
    }

    #[test]
    fn viewer_cannot_connect_bindings() {
        // The DNS sharing docs once named Viewer, which does not allow bindings (ibm-cloud-docs/vpc issue 207).
        let viewer = RoleCatalog.authorization_role("is", Some("is"), VIEWER.crn).unwrap();
        assert!(!viewer.grants(BINDING_CONNECT));
    }

    #[test]
    fn unknown_pairs_have_no_roles() {
        assert_eq!(RoleCatalog.authorization_roles(Some("is"), Some("nope")), RoleSelection::default());
        assert!(RoleCatalog.authorization_role("kms", Some("is"), DNS_BINDING_CONNECTOR.crn).is_none());
    }

    #[test]
    fn roles_shared_by_several_pairs_appear_once() {
        let all = RoleCatalog.authorization_roles(None, None);
        let readers = all.service_roles.iter().filter(|r| r.display_name == "Reader").count();
        assert_eq!(readers, 1);
    }
}
