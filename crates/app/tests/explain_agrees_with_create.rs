//! Explain and create hold together: over generated worlds, explaining a binding says it is allowed exactly when
//! creating it succeeds, and its first refusal names the rule the create refuses with.

use std::sync::Arc;

use hubspoke_app::network::VpcIdentity;
use hubspoke_app::network::resolvers::{CustomResolverPatch, NewCustomResolver};
use hubspoke_app::network::service_instances::NewServiceInstance;
use hubspoke_app::{App, AppError, Settings};
use hubspoke_iam::{AccountId, Caller, CallerKind, Dialect, PolicyKind, RawAttribute, RawValue, UncheckedDraft};
use hubspoke_store::{SqlStore, Store};
use hubspoke_vpc::Enforcement;
use hubspoke_vpc::model::{BindingMode, GatewayTarget, PrefixManagement};
use hubspoke_vpc::region::crn;
use hubspoke_vpc::rules::gateway::NewGateway;
use hubspoke_vpc::rules::resolver::NewLocation;
use hubspoke_vpc::rules::subnet::{NewSubnet, SubnetRange};
use hubspoke_vpc::rules::vpc::{NewResolver, NewVpc};
use proptest::prelude::*;

const COS: &str = "crn:v1:bluemix:public:cloud-object-storage:global:::endpoint:s3.direct.us-south.cloud-object-storage.appdomain.cloud";

/// The hub's custom resolver.
#[derive(Clone, Copy, Debug)]
enum Resolver {
    None,
    Disabled,
    Enabled,
}

/// What the hub's account has granted.
#[derive(Clone, Copy, Debug)]
enum Grant {
    None,
    /// Every VPC of the spoke's account.
    Account,
    /// The spoke VPC itself.
    ThisVpc,
    /// Another VPC of the spoke's account.
    OtherVpc,
}

/// How the create names the hub.
#[derive(Clone, Copy, Debug)]
enum Naming {
    Crn,
    Id,
    /// A CRN of a VPC that does not exist, in the hub's account.
    AbsentCrn,
}

/// One generated world around a binding from `spoke` to `hub`. Setup steps the rules refuse are skipped, so the
/// world is whatever the steps that were accepted built.
#[derive(Clone, Debug)]
struct Scenario {
    same_account: bool,
    hub_is_hub: bool,
    hub_resolver: Resolver,
    hub_gateway: bool,
    spoke_is_hub: bool,
    spoke_gateway: Option<BindingMode>,
    spoke_bound_elsewhere: bool,
    grant: Grant,
    naming: Naming,
    name: Option<&'static str>,
}

fn scenarios() -> impl Strategy<Value = Scenario> {
    let resolver = prop_oneof![Just(Resolver::None), Just(Resolver::Disabled), Just(Resolver::Enabled)];
    let grant = prop_oneof![Just(Grant::None), Just(Grant::Account), Just(Grant::ThisVpc), Just(Grant::OtherVpc)];
    let naming = prop_oneof![Just(Naming::Crn), Just(Naming::Id), Just(Naming::AbsentCrn)];
    let gateway = prop_oneof![
        Just(None),
        Just(Some(BindingMode::Primary)),
        Just(Some(BindingMode::Disabled)),
        Just(Some(BindingMode::PerResourceBinding)),
    ];
    // Explain takes no name, so only names a create accepts are generated.
    let name = prop_oneof![Just(None), Just(Some("to-hub"))];
    (
        (any::<bool>(), any::<bool>(), resolver, any::<bool>()),
        (any::<bool>(), gateway, any::<bool>()),
        (grant, naming, name),
    )
        .prop_map(
            |(
                (same_account, hub_is_hub, hub_resolver, hub_gateway),
                (spoke_is_hub, spoke_gateway, spoke_bound_elsewhere),
                (grant, naming, name),
            )| Scenario {
                same_account,
                hub_is_hub,
                hub_resolver,
                hub_gateway,
                spoke_is_hub,
                spoke_gateway,
                spoke_bound_elsewhere,
                grant,
                naming,
                name,
            },
        )
}

fn administrator(account: &AccountId) -> Caller {
    Caller { iam_id: format!("IBMid-{account}"), kind: CallerKind::AccountAdministrator(account.clone()), region: None }
}

struct Builder {
    app: App,
}

impl Builder {
    async fn new() -> Builder {
        let store: Arc<dyn Store> = Arc::new(SqlStore::in_memory().await.unwrap());
        let settings = Settings {
            enforcement: Enforcement::Enforce,
            propagation_delay_ms: 0,
            iam_propagation_delay_ms: 0,
            region: hubspoke_vpc::region::default_region(),
        };
        Builder { app: App::start(store, settings).await.unwrap() }
    }

    async fn account(&self, name: &str) -> AccountId {
        let operator = Caller { iam_id: "operator".into(), kind: CallerKind::Operator, region: None };
        let (created, _) = self.app.create_account(&operator, name, None, None).await.unwrap();
        created.account.id
    }

    async fn vpc(&self, caller: &Caller, name: &str, enable_hub: bool) -> String {
        let input = NewVpc {
            name: Some(name.into()),
            classic_access: false,
            address_prefix_management: PrefixManagement::Auto,
            enable_hub,
            resolver: NewResolver::System,
            resource_group: None,
        };
        self.app.create_vpc(caller, input).await.unwrap().vpc.id.clone()
    }

    async fn subnet(&self, caller: &Caller, vpc: &str) -> String {
        let input = NewSubnet {
            name: None,
            vpc: vpc.into(),
            zone: Some("us-south-1".into()),
            range: SubnetRange::Count(256),
            network_acl: None,
            public_gateway: None,
            resource_group: None,
        };
        let subnet = self.app.create_subnet(caller, input).await.unwrap().subnet;
        crn(&subnet.account, "subnet", &subnet.id)
    }

    /// A custom resolver in `vpc`, enabled or not; `None` when a rule refuses it.
    async fn resolver(&self, caller: &Caller, vpc: &str, enabled: bool) {
        let subnet_crn = self.subnet(caller, vpc).await;
        let input = NewCustomResolver {
            name: "hub-resolver".into(),
            locations: vec![NewLocation { subnet_crn, enabled: true }],
            ..Default::default()
        };
        let instance =
            NewServiceInstance { name: "dns".into(), plan: "standard-dns".into(), target: None, resource_group: None };
        let Ok(instance) = self.app.create_service_instance(caller, instance).await else { return };
        let Ok(created) = self.app.create_resolver(caller, &instance.id, input).await else { return };
        if enabled {
            let patch = CustomResolverPatch { enabled: Some(true), ..Default::default() };
            let _ = self.app.update_resolver(caller, &instance.id, &created.resolver.id, patch).await;
        }
    }

    async fn gateway(&self, caller: &Caller, vpc: &str, mode: BindingMode) {
        let input = NewGateway {
            name: None,
            vpc: vpc.into(),
            target: GatewayTarget::ProviderCloudService { crn: COS.into() },
            mode: Some(mode),
            ips: Vec::new(),
            security_groups: Vec::new(),
            resource_group: None,
        };
        let _ = self.app.create_gateway(caller, input).await;
    }

    /// The hub's account grants `DNSBindingConnector` on `hub` to `spoke_vpc` (or every VPC) of `spoke_account`.
    async fn grant(&self, hub: (&AccountId, &str), spoke_account: &AccountId, spoke_vpc: Option<&str>) {
        let text = |key: &str, value: &str| RawAttribute {
            key: key.into(),
            operator: None,
            value: RawValue::Text(value.into()),
        };
        let mut subject =
            vec![text("accountId", spoke_account.as_str()), text("serviceName", "is"), text("resourceType", "vpc")];
        if let Some(vpc) = spoke_vpc {
            subject.push(text("resource", vpc));
        }
        let draft = UncheckedDraft {
            description: None,
            subject,
            resource: vec![text("accountId", hub.0.as_str()), text("serviceName", "is"), text("vpcId", hub.1)],
            roles: vec!["crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector".into()],
        };
        self.app.create_policy(&administrator(hub.0), draft, Dialect::V1, PolicyKind::Authorization).await.unwrap();
    }
}

/// Builds the scenario's world; returns the spoke's administrator, the spoke VPC and how the create names the hub.
async fn build(builder: &Builder, scenario: &Scenario) -> (Caller, String, VpcIdentity) {
    let spoke_account = builder.account("spoke").await;
    let hub_account = if scenario.same_account { spoke_account.clone() } else { builder.account("hub").await };
    let (spoke_admin, hub_admin) = (administrator(&spoke_account), administrator(&hub_account));

    let hub = builder.vpc(&hub_admin, "hub", scenario.hub_is_hub).await;
    match scenario.hub_resolver {
        Resolver::None => {}
        Resolver::Disabled => builder.resolver(&hub_admin, &hub, false).await,
        Resolver::Enabled => builder.resolver(&hub_admin, &hub, true).await,
    }
    if scenario.hub_gateway {
        builder.gateway(&hub_admin, &hub, BindingMode::Primary).await;
    }

    let spoke = builder.vpc(&spoke_admin, "spoke", scenario.spoke_is_hub).await;
    if let Some(mode) = scenario.spoke_gateway {
        builder.subnet(&spoke_admin, &spoke).await;
        builder.gateway(&spoke_admin, &spoke, mode).await;
    }
    if scenario.spoke_bound_elsewhere {
        let other = builder.vpc(&hub_admin, "other-hub", true).await;
        builder.resolver(&hub_admin, &other, true).await;
        builder.grant((&hub_account, &other), &spoke_account, None).await;
        let other = VpcIdentity::Crn(crn(&hub_account, "vpc", &other));
        let _ = builder.app.create_binding(&spoke_admin, &spoke, &other, None).await;
    }
    match scenario.grant {
        Grant::None => {}
        Grant::Account => builder.grant((&hub_account, &hub), &spoke_account, None).await,
        Grant::ThisVpc => builder.grant((&hub_account, &hub), &spoke_account, Some(&spoke)).await,
        Grant::OtherVpc => {
            let other = builder.vpc(&spoke_admin, "other-spoke", false).await;
            builder.grant((&hub_account, &hub), &spoke_account, Some(&other)).await;
        }
    }
    let target = match scenario.naming {
        Naming::Crn => VpcIdentity::Crn(crn(&hub_account, "vpc", &hub)),
        Naming::Id => VpcIdentity::Id(hub),
        Naming::AbsentCrn => VpcIdentity::Crn(crn(&hub_account, "vpc", "r006-00000000-0000-4000-8000-000000000000")),
    };
    (spoke_admin, spoke, target)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn explain_says_allowed_exactly_when_create_succeeds(scenario in scenarios()) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let builder = Builder::new().await;
            let (spoke_admin, spoke, target) = build(&builder, &scenario).await;
            let explained = builder.app.explain_binding(&spoke_admin, &VpcIdentity::Id(spoke.clone()), &target);
            let created = builder.app.create_binding(&spoke_admin, &spoke, &target, scenario.name).await;
            let explained = match explained {
                Ok(explained) => explained,
                // A spoke or hub the caller cannot name is refused by both alike.
                Err(explain_error) => {
                    let create_error = created.expect_err("explain refused to look, so create must refuse");
                    prop_assert_eq!(explain_error.to_string(), create_error.to_string());
                    return Ok(());
                }
            };
            match &created {
                Ok(_) => prop_assert!(explained.allowed(), "created, but explain said {:?}", explained.refusals),
                Err(AppError::Rule(error)) => {
                    let first = explained.refusals.first();
                    prop_assert!(first.is_some(), "create refused with {:?} ({}) but explain allowed it", error.rule, error.message);
                    let first = first.unwrap();
                    prop_assert_eq!((first.rule, first.code), (error.rule, error.code), "explain: {}; create: {}", first.message, error.message);
                }
                Err(other) => prop_assert!(false, "create failed outside the rules: {other}"),
            }
            Ok(())
        })?;
    }
}

/// The builder can build both outcomes, so the property above is not held by worlds that always refuse.
#[test]
fn the_generated_worlds_include_allowed_and_refused_bindings() {
    let base = Scenario {
        same_account: false,
        hub_is_hub: true,
        hub_resolver: Resolver::Enabled,
        hub_gateway: true,
        spoke_is_hub: false,
        spoke_gateway: None,
        spoke_bound_elsewhere: false,
        grant: Grant::ThisVpc,
        naming: Naming::Crn,
        name: Some("to-hub"),
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    for (scenario, rule) in [
        (base.clone(), None),
        (Scenario { hub_resolver: Resolver::Disabled, ..base.clone() }, Some("H10")),
        (Scenario { grant: Grant::OtherVpc, ..base.clone() }, Some("C8")),
        (Scenario { hub_is_hub: false, ..base.clone() }, Some("C3")),
    ] {
        runtime.block_on(async {
            let builder = Builder::new().await;
            let (spoke_admin, spoke, target) = build(&builder, &scenario).await;
            let explained =
                builder.app.explain_binding(&spoke_admin, &VpcIdentity::Id(spoke.clone()), &target).unwrap();
            assert_eq!(explained.refusals.first().and_then(|r| r.rule), rule, "{scenario:?}: {:?}", explained.refusals);
            let created = builder.app.create_binding(&spoke_admin, &spoke, &target, scenario.name).await;
            assert_eq!(created.is_ok(), rule.is_none(), "{scenario:?}");
        });
    }
}
