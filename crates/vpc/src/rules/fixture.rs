//! A scene for rule tests: a world, two accounts, a policy index, and helpers that run commands against them.

use hubspoke_iam::{AccountId, Attribute, Policy, PolicyDraft, PolicyIndex, PolicyState, RoleCatalog, Timestamp};

use super::Applied;
use super::VpcIdentity;
use super::binding;
use super::gateway::{self, GatewayIp, NewGateway};
use super::resolver::{self, NewLocation};
use super::subnet::{self, NewReservedIp, NewSubnet, SubnetRange};
use super::vpc::{self, NewResolver, NewVpc};
use crate::error::RuleResult;
use crate::model::{BindingMode, GatewayTarget, PrefixManagement};
use crate::region::{Region, crn, default_region};
use crate::world::World;
use crate::{Context, Enforcement, Ids, RuleError};

pub const HUB_ACCOUNT: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
pub const SPOKE_ACCOUNT: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
pub const COS: &str = "crn:v1:bluemix:public:cloud-object-storage:global:::endpoint:s3.direct.us-south.cloud-object-storage.appdomain.cloud";
pub const KMS: &str = "crn:v1:bluemix:public:kms:us-south:::endpoint:private.us-south.kms.cloud.ibm.com";

/// Deterministic ids: `00000000-0000-4000-8000-<counter>`.
pub struct SequentialIds(u64);

impl Ids for SequentialIds {
    fn uuid(&mut self) -> String {
        self.0 += 1;
        format!("00000000-0000-4000-8000-{:012}", self.0)
    }

    fn pick(&mut self, bound: usize) -> usize {
        self.0 += 1;
        (self.0 as usize * 7) % bound
    }
}

pub struct Scene {
    pub world: World,
    pub policies: PolicyIndex,
    pub enforcement: Enforcement,
    pub waived: Vec<RuleError>,
    /// The region the next commands' requests reach.
    pub region: &'static Region,
    /// How long the next commands' changes stay `updating`, in milliseconds.
    pub propagation_delay_ms: i64,
    ids: SequentialIds,
    policy_count: usize,
}

pub fn account(text: &str) -> AccountId {
    AccountId::parse(text).unwrap()
}

impl Scene {
    pub fn new() -> Scene {
        Scene {
            world: World::default(),
            policies: PolicyIndex::default(),
            enforcement: Enforcement::Enforce,
            waived: Vec::new(),
            region: default_region(),
            propagation_delay_ms: 0,
            ids: SequentialIds(0),
            policy_count: 0,
        }
    }

    /// Runs a command as `account`; on success the scene moves to the new world.
    pub fn run<T>(
        &mut self,
        account: &str,
        command: impl FnOnce(&World, &mut Context) -> RuleResult<Applied<T>>,
    ) -> RuleResult<T> {
        let mut ctx = Context {
            account: Some(super::fixture::account(account)),
            operator: false,
            region: self.region,
            now: Timestamp(1_000),
            ids: &mut self.ids,
            policies: &self.policies,
            enforcement: self.enforcement,
            propagation_delay_ms: self.propagation_delay_ms,
            iam_propagation_delay_ms: 0,
            waived: Vec::new(),
        };
        let applied = command(&self.world, &mut ctx)?;
        self.waived.extend(ctx.waived);
        self.world = applied.world;
        Ok(applied.value)
    }

    pub fn vpc(&mut self, account: &str, name: &str, hub: bool) -> String {
        let input = NewVpc {
            name: Some(name.into()),
            classic_access: false,
            address_prefix_management: PrefixManagement::Auto,
            enable_hub: hub,
            resolver: NewResolver::System,
            resource_group: None,
        };
        self.run(account, |w, c| vpc::create(w, c, input)).unwrap()
    }

    pub fn crn_of(&self, vpc: &str) -> String {
        let owner = &self.world.vpc(vpc).unwrap().account;
        crn(owner, "vpc", vpc)
    }

    pub fn subnet(&mut self, account: &str, vpc: &str, zone: &str) -> String {
        let input = NewSubnet {
            name: None,
            vpc: vpc.into(),
            zone: Some(zone.into()),
            range: SubnetRange::Count(256),
            network_acl: None,
            public_gateway: None,
            resource_group: None,
        };
        self.run(account, |w, c| subnet::create(w, c, input)).unwrap()
    }

    /// An enabled custom resolver with one location in `subnet`.
    pub fn custom_resolver(&mut self, account: &str, subnet: &str) -> String {
        let owner = self.world.subnet(subnet).unwrap().account.clone();
        let location = NewLocation { subnet_crn: crn(&owner, "subnet", subnet), enabled: true };
        let instance = self.dns_instance(account);
        let input = resolver::NewCustomResolver {
            name: "hub-resolver".into(),
            locations: vec![location],
            ..Default::default()
        };
        let id = self.run(account, |w, c| resolver::create(w, c, &instance, &input)).unwrap();
        let enable = resolver::CustomResolverPatch { enabled: Some(true), ..Default::default() };
        self.run(account, |w, c| resolver::update(w, c, &instance, &id, &enable)).unwrap();
        id
    }

    /// A DNS Services instance of `account`.
    pub fn dns_instance(&mut self, account: &str) -> String {
        let input = super::service_instance::NewServiceInstance {
            name: "dns".into(),
            plan: "standard-dns".into(),
            target: None,
            resource_group: None,
        };
        self.run(account, |w, c| super::service_instance::create(w, c, &input)).unwrap()
    }

    pub fn gateway(&mut self, account: &str, vpc: &str, target: &str, mode: BindingMode) -> RuleResult<String> {
        let subnet = self.world.subnets().find(|s| s.vpc == vpc).map(|s| s.id.clone());
        let ips =
            subnet.map(|subnet| vec![GatewayIp::New { subnet, ip: NewReservedIp::default() }]).unwrap_or_default();
        let input = NewGateway {
            name: None,
            vpc: vpc.into(),
            target: GatewayTarget::ProviderCloudService { crn: target.into() },
            mode: Some(mode),
            ips,
            security_groups: Vec::new(),
            resource_group: None,
        };
        self.run(account, |w, c| gateway::create(w, c, input))
    }

    pub fn bind(&mut self, account: &str, spoke: &str, hub: &str) -> RuleResult<String> {
        let hub = VpcIdentity::Crn(self.crn_of(hub));
        self.run(account, |w, c| binding::create(w, c, spoke, &hub, None)).map(|(id, _)| id)
    }

    /// The hub account grants `DNSBindingConnector` to the spoke account's VPCs (all of them, or one).
    pub fn grant(&mut self, hub_account: &str, spoke_account: &str, spoke_vpc: Option<&str>, hub_vpc: &str) -> String {
        self.policy_count += 1;
        let id = format!("policy-{}", self.policy_count);
        let mut subject = vec![
            Attribute::equals("accountId", spoke_account),
            Attribute::equals("serviceName", "is"),
            Attribute::equals("resourceType", "vpc"),
        ];
        if let Some(vpc) = spoke_vpc {
            subject.push(Attribute::equals("resource", vpc));
        }
        let policy = Policy {
            id: id.clone(),
            draft: PolicyDraft {
                owner: account(hub_account),
                description: None,
                subject,
                resource: vec![
                    Attribute::equals("accountId", hub_account),
                    Attribute::equals("serviceName", "is"),
                    Attribute::equals("vpcId", hub_vpc),
                ],
                roles: vec!["crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector".into()],
            },
            state: PolicyState::Active,
            version: 1,
            created_at: Timestamp(0),
            created_by_id: "admin".into(),
            last_modified_at: Timestamp(0),
            last_modified_by_id: "admin".into(),
        };
        self.policies.apply(&policy, &RoleCatalog);
        id
    }

    pub fn revoke(&mut self, policy: &str) {
        self.policies.remove(policy);
    }

    /// A hub (account A) with a subnet, an enabled custom resolver and a COS gateway, and a spoke (account B) with a
    /// subnet: the guide's topology before the binding. Returns (hub, spoke).
    pub fn two_accounts(&mut self) -> (String, String) {
        let hub = self.vpc(HUB_ACCOUNT, "hub", true);
        let hub_subnet = self.subnet(HUB_ACCOUNT, &hub, "us-south-1");
        self.custom_resolver(HUB_ACCOUNT, &hub_subnet);
        self.gateway(HUB_ACCOUNT, &hub, COS, BindingMode::Primary).unwrap();
        let spoke = self.vpc(SPOKE_ACCOUNT, "spoke", false);
        self.subnet(SPOKE_ACCOUNT, &spoke, "us-south-1");
        (hub, spoke)
    }

    /// The guide's topology with the binding in place (the spoke not yet delegated). Returns (hub, spoke, binding,
    /// policy).
    pub fn bound(&mut self) -> (String, String, String, String) {
        let (hub, spoke) = self.two_accounts();
        let policy = self.grant(HUB_ACCOUNT, SPOKE_ACCOUNT, Some(&spoke), &hub);
        let binding = self.bind(SPOKE_ACCOUNT, &spoke, &hub).unwrap();
        (hub, spoke, binding, policy)
    }
}
