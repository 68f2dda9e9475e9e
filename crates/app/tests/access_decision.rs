//! `App::access_decision` over the replica's in-memory access policies and custom roles: it follows every create,
//! replace, delete and restore at once, names the granting policies, and never lets access policies into the
//! authorization decisions.

use std::sync::Arc;

use hubspoke_app::custom_roles::NewCustomRole;
use hubspoke_app::precondition::Precondition;
use hubspoke_app::{App, AppError, Settings};
use hubspoke_iam::access::{AccessQuery, AccessSubject};
use hubspoke_iam::{
    AccessRequest, AccountId, Caller, CallerKind, CustomRoleContent, Dialect, PolicyKind, PolicyState, RawAttribute,
    RawValue, RequestAttributes, UncheckedDraft,
};
use hubspoke_store::{SqlStore, Store};
use hubspoke_vpc::Enforcement;

const USER: &str = "IBMid-550002G2B4";
const VIEWER: &str = "crn:v1:bluemix:public:iam::::role:Viewer";
const CONNECTOR: &str = "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector";

async fn app() -> App {
    let store: Arc<dyn Store> = Arc::new(SqlStore::in_memory().await.unwrap());
    let settings = Settings {
        enforcement: Enforcement::Enforce,
        propagation_delay_ms: 0,
        iam_propagation_delay_ms: 0,
        region: hubspoke_vpc::region::default_region(),
    };
    App::start(store, settings).await.unwrap()
}

fn text(key: &str, value: &str) -> RawAttribute {
    RawAttribute { key: key.into(), operator: None, value: RawValue::Text(value.into()) }
}

fn access(subject: (&str, &str), account: &AccountId, resource: &[(&str, &str)], roles: &[&str]) -> UncheckedDraft {
    let mut attributes = vec![text("accountId", account.as_str())];
    attributes.extend(resource.iter().map(|(key, value)| text(key, value)));
    UncheckedDraft {
        description: None,
        subject: vec![text(subject.0, subject.1)],
        resource: attributes,
        roles: roles.iter().map(|role| role.to_string()).collect(),
    }
}

fn query(account: &AccountId, groups: &[&str], action: &str, vpc: &str) -> AccessQuery {
    AccessQuery {
        subject: AccessSubject { iam_id: USER.into(), access_groups: groups.iter().map(|g| g.to_string()).collect() },
        action: action.into(),
        resource: RequestAttributes::new([("accountId", account.as_str()), ("serviceName", "is"), ("vpcId", vpc)]),
    }
}

#[tokio::test]
async fn the_access_decision_follows_policies_and_custom_roles() {
    let app = app().await;
    let operator = Caller { iam_id: "operator".into(), kind: CallerKind::Operator, region: None };
    let account = app.create_account(&operator, "a", None, None).await.unwrap().0.account.id;
    let admin =
        Caller { iam_id: "IBMid-admin".into(), kind: CallerKind::AccountAdministrator(account.clone()), region: None };
    let read = query(&account, &[], "is.vpc.vpc.read", "r006-1");
    assert!(!app.access_decision(&read).permitted, "nobody has access by default");

    let (viewer, _) = app
        .create_policy(
            &admin,
            access(("iam_id", USER), &account, &[("serviceName", "is"), ("vpcId", "r006-1")], &[VIEWER]),
            Dialect::V1,
            PolicyKind::Access,
        )
        .await
        .unwrap();
    assert_eq!(app.access_decision(&read).granted_by, [viewer.id.as_str()]);
    assert!(!app.access_decision(&query(&account, &[], "is.vpc.vpc.read", "r006-2")).permitted);
    assert!(!app.access_decision(&query(&account, &[], "is.vpc.vpc.delete", "r006-1")).permitted);

    // A group's policy reaches its members only.
    let group = app.create_access_group(&admin, account.as_str(), "binders", None).await.unwrap().0.id;
    let (group_policy, _) = app
        .create_policy(
            &admin,
            access(("access_group_id", &group), &account, &[("serviceName", "is")], &[CONNECTOR]),
            Dialect::V1,
            PolicyKind::Access,
        )
        .await
        .unwrap();
    let connect = |groups: &[&str]| query(&account, groups, "is.vpc.dns-resolution-binding.connect", "r006-9");
    assert!(!app.access_decision(&connect(&[])).permitted);
    assert_eq!(app.access_decision(&connect(&[&group])).granted_by, [group_policy.id.as_str()]);

    // The access policy granting DNSBindingConnector is no authorization: a spoke VPC's request is not granted by it.
    let binding = AccessRequest {
        subject: RequestAttributes::new([
            ("accountId", account.as_str()),
            ("serviceName", "is"),
            ("resourceType", "vpc"),
            ("resource", "r006-9"),
        ]),
        action: "is.vpc.dns-resolution-binding.connect".into(),
        resource: RequestAttributes::new([("accountId", account.as_str()), ("serviceName", "is"), ("vpcId", "r006-9")]),
    };
    assert!(!app.decide(&admin, &binding).unwrap().0.permitted);

    // A custom role: granted by its CRN, its actions decide, and it cannot go while a policy grants it.
    let (role, _) = app
        .create_custom_role(
            &admin,
            NewCustomRole {
                name: "VpcDeleter".into(),
                account_id: account.clone(),
                service_name: "is".into(),
                content: CustomRoleContent {
                    display_name: "VPC deleter".into(),
                    description: None,
                    actions: vec!["is.vpc.vpc.delete".into()],
                },
            },
        )
        .await
        .unwrap();
    let delete = query(&account, &[], "is.vpc.vpc.delete", "r006-3");
    let (custom_policy, _) = app
        .create_policy(
            &admin,
            access(("iam_id", USER), &account, &[("serviceName", "is"), ("vpcId", "r006-3")], &[&role.crn()]),
            Dialect::V1,
            PolicyKind::Access,
        )
        .await
        .unwrap();
    assert_eq!(app.access_decision(&delete).granted_by, [custom_policy.id.as_str()]);
    assert!(matches!(
        app.delete_custom_role(&admin, &role.id, &Precondition::Absent).await,
        Err(AppError::RoleConflict(_))
    ));
    let content = CustomRoleContent { actions: vec!["is.vpc.vpc.read".into()], ..role.content.clone() };
    app.replace_custom_role(&admin, &role.id, &Precondition::Absent, content).await.unwrap();
    assert!(!app.access_decision(&delete).permitted, "a replaced role holds its new actions at once");

    // Deleting and restoring policies.
    app.set_policy_state(&admin, &viewer.id, &Precondition::Absent, PolicyState::Deleted).await.unwrap();
    assert!(!app.access_decision(&read).permitted);
    app.set_policy_state(&admin, &viewer.id, &Precondition::Absent, PolicyState::Active).await.unwrap();
    assert!(app.access_decision(&read).permitted);
    app.delete_policy(&admin, &custom_policy.id, &Precondition::Absent).await.unwrap();
    app.delete_custom_role(&admin, &role.id, &Precondition::Absent).await.unwrap();

    // Deleting a group deletes the policies that name it, and the decision follows at once: one change row names
    // both policies.
    let second =
        access(("access_group_id", &group), &account, &[("serviceName", "is"), ("vpcId", "r006-9")], &[VIEWER]);
    let (second, _) = app.create_policy(&admin, second, Dialect::V1, PolicyKind::Access).await.unwrap();
    let view = query(&account, &[&group], "is.vpc.vpc.read", "r006-9");
    assert!(app.access_decision(&view).granted_by.contains(&second.id));
    app.delete_access_group(&admin, &group, false).await.unwrap();
    assert!(!app.access_decision(&connect(&[&group])).permitted, "the group's policies left the index");
    assert!(!app.access_decision(&view).granted_by.contains(&second.id), "every policy of the group left the index");
    for id in [&group_policy.id, &second.id] {
        assert_eq!(app.policy(&admin, id).await.unwrap().state, PolicyState::Deleted);
    }
}
