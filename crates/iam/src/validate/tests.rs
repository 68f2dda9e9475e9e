//! Table-driven tests of every validation rule.

use super::*;

const HUB: &str = "e38cfd44b6e44b249ac75dd5de0cc8aa";
const SPOKE: &str = "0123456789abcdef0123456789abcdef";
const DNS_ROLE: &str = "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector";

fn text(key: &str, value: &str) -> RawAttribute {
    RawAttribute { key: key.into(), operator: None, value: RawValue::Text(value.into()) }
}

fn with_op(key: &str, operator: &str, value: RawValue) -> RawAttribute {
    RawAttribute { key: key.into(), operator: Some(operator.into()), value }
}

/// The DNS-sharing specific-VPC authorization body, as the api part would hand it over from `/v1/policies`.
fn guide_draft() -> UncheckedDraft {
    UncheckedDraft {
        description: None,
        subject: vec![
            text("accountId", SPOKE),
            text("serviceName", "is"),
            text("resourceType", "vpc"),
            text("resource", "r006-fd189c4f-52a0-4694-abfd-186cb6011a3c"),
        ],
        resource: vec![text("accountId", HUB), text("serviceName", "is"), text("vpcId", "r006-ffaedf75")],
        roles: vec![DNS_ROLE.into()],
    }
}

fn check(dialect: Dialect, edit: impl FnOnce(&mut UncheckedDraft)) -> Result<PolicyDraft, ValidationError> {
    let mut draft = guide_draft();
    edit(&mut draft);
    validate(draft, dialect, &RoleCatalog)
}

#[test]
fn the_seed_body_is_valid_and_keeps_its_order() {
    let draft = check(Dialect::V1, |_| {}).unwrap();
    assert_eq!(draft.owner.as_str(), HUB);
    let keys: Vec<_> = draft.subject.iter().map(|a| a.key.as_str()).collect();
    assert_eq!(keys, ["accountId", "serviceName", "resourceType", "resource"]);
    assert!(draft.resource.iter().all(|a| a.operator == Operator::StringEquals));
}

#[test]
fn accepted_variants() {
    type Edit = fn(&mut UncheckedDraft);
    let cases: &[(&str, Dialect, Edit)] = &[
        ("all vpc instances: no resource attribute", Dialect::V1, |d| {
            d.subject.pop();
        }),
        ("v1 resource glob", Dialect::V1, |d| {
            d.resource[2] = with_op("vpcId", "stringMatch", RawValue::Text("r006-*".into()))
        }),
        ("v1 explicit stringEquals on subject", Dialect::V1, |d| {
            d.subject[1] = with_op("serviceName", "stringEquals", RawValue::Text("is".into()))
        }),
        ("v2 stringExists on subject", Dialect::V2, |d| {
            for a in d.subject.iter_mut().chain(d.resource.iter_mut()) {
                a.operator = Some("stringEquals".into());
            }
            d.subject[3] = with_op("resourceGroupId", "stringExists", RawValue::Flag(true));
        }),
        ("v2 stringExists given as a string, as Terraform configs do", Dialect::V2, |d| {
            for a in d.subject.iter_mut().chain(d.resource.iter_mut()) {
                a.operator = Some("stringEquals".into());
            }
            d.resource[2] = with_op("resourceGroupId", "stringExists", RawValue::Text("true".into()));
        }),
        ("v2 any-of on resource", Dialect::V2, |d| {
            for a in d.subject.iter_mut().chain(d.resource.iter_mut()) {
                a.operator = Some("stringEquals".into());
            }
            d.resource[2] = with_op("vpcId", "stringEqualsAnyOf", RawValue::List(vec!["a".into(), "b".into()]));
        }),
        ("subject with resourceGroupId instead of serviceName", Dialect::V1, |d| {
            d.subject[1] = text("resourceGroupId", "rg1");
            d.resource[1] = text("serviceName", "kms");
            d.roles = vec!["crn:v1:bluemix:public:iam::::serviceRole:Reader".into()];
        }),
        ("a boolean is a string for stringEquals", Dialect::V1, |d| {
            d.resource.push(RawAttribute { key: "flag".into(), operator: None, value: RawValue::Flag(true) })
        }),
        ("platform role for is to is", Dialect::V1, |d| {
            d.roles = vec!["crn:v1:bluemix:public:iam::::role:Editor".into()]
        }),
        ("value of exactly 1000 characters", Dialect::V1, |d| d.resource[2] = text("vpcId", &"x".repeat(1000))),
    ];
    for (name, dialect, edit) in cases {
        assert!(check(*dialect, edit).is_ok(), "{name}: {:?}", check(*dialect, edit));
    }
}

#[test]
fn refused_variants_with_their_messages() {
    type Edit = fn(&mut UncheckedDraft);
    let cases: &[(Dialect, Edit, &str)] = &[
        (Dialect::V1, |d| d.subject.clear(), "the policy subject must have at least one attribute"),
        (Dialect::V1, |d| d.resource.clear(), "the policy resource must have at least one attribute"),
        (
            Dialect::V1,
            |d| d.subject.retain(|a| a.key != "accountId"),
            "must include the `accountId` attribute; the subject has none",
        ),
        (Dialect::V1, |d| d.resource.retain(|a| a.key != "accountId"), "the resource has none"),
        (
            Dialect::V1,
            |d| d.subject[0] = text("accountId", "Account S (Spoke)"),
            "the subject `accountId` value `Account S (Spoke)` is not an account id",
        ),
        (
            Dialect::V1,
            |d| d.resource[0] = with_op("accountId", "stringMatch", RawValue::Text("e38*".into())),
            "the resource attribute `accountId` must use `stringEquals`",
        ),
        (
            Dialect::V1,
            |d| d.subject[1] = text("region", "us-south"),
            "must include the `serviceName` or the `resourceGroupId`",
        ),
        (Dialect::V1, |d| d.resource[1] = text("region", "us-south"), "must include the `serviceName` attribute"),
        (Dialect::V1, |d| d.subject.push(text("vpcId", "x")), "`vpcId` is not a supported subject attribute"),
        (
            Dialect::V1,
            |d| d.subject.push(text("accountId", SPOKE)),
            "the attribute `accountId` appears more than once in the policy subject",
        ),
        (Dialect::V1, |d| d.resource.push(text("", "x")), "a policy resource attribute has an empty name"),
        (Dialect::V1, |d| d.resource.push(text(&"k".repeat(129), "x")), "is longer than 128 characters"),
        (Dialect::V1, |d| d.resource[2] = text("vpcId", ""), "must be between 1 and 1000 characters"),
        (Dialect::V1, |d| d.resource[2] = text("vpcId", &"x".repeat(1001)), "must be between 1 and 1000 characters"),
        (
            Dialect::V1,
            |d| d.resource[2] = with_op("vpcId", "stringExists", RawValue::Flag(true)),
            "the operator `stringExists` of the resource attribute `vpcId` is not supported here",
        ),
        (
            Dialect::V1,
            |d| d.subject[3] = with_op("resource", "stringMatch", RawValue::Text("r006-*".into())),
            "the operator `stringMatch` of the subject attribute `resource` is not supported here",
        ),
        (
            Dialect::V1,
            |d| d.resource[2] = with_op("vpcId", "StringEquals", RawValue::Text("x".into())),
            "the operator `StringEquals`",
        ),
        (
            Dialect::V2,
            |d| d.subject[0].operator = None,
            "the operator of the subject attribute `accountId` is required",
        ),
        (
            Dialect::V1,
            |d| {
                d.resource[2] =
                    RawAttribute { key: "vpcId".into(), operator: None, value: RawValue::Unsupported("object") }
            },
            "has a object value; `stringEquals` needs a string",
        ),
        (
            Dialect::V1,
            |d| {
                d.resource[2] =
                    RawAttribute { key: "vpcId".into(), operator: None, value: RawValue::List(vec!["a".into()]) }
            },
            "has a array value",
        ),
        (Dialect::V1, |d| d.roles.clear(), "a policy must grant at least one role"),
        (Dialect::V1, |d| d.roles = vec![DNS_ROLE.into(), DNS_ROLE.into()], "is named more than once"),
        (
            Dialect::V1,
            |d| d.roles = vec!["crn:v1:bluemix:public:iam::::role:NoSuch".into()],
            "is not valid for an authorization from source service `is` to target service `is`; valid roles are",
        ),
        (Dialect::V1, |d| d.roles = vec!["x".into(); 21], "at most 20 roles"),
        (
            Dialect::V1,
            |d| d.subject[1] = text("serviceName", "nope"),
            "hubspoke knows no roles for this pair of services",
        ),
        (Dialect::V1, |d| d.description = Some("d".repeat(1001)), "the description is longer than 1000 characters"),
        (
            Dialect::V1,
            |d| d.resource.extend((0..20).map(|i| text(&format!("k{i}"), "v"))),
            "the policy resource has 23 attributes; at most 20",
        ),
    ];
    for (dialect, edit, expected) in cases {
        let error = check(*dialect, edit).expect_err(expected).to_string();
        assert!(error.contains(expected), "expected `{expected}` in `{error}`");
    }
}

#[test]
fn v2_operator_value_rules() {
    let v2 = |resource_attribute: RawAttribute| {
        check(Dialect::V2, |d| {
            for a in d.subject.iter_mut().chain(d.resource.iter_mut()) {
                a.operator = Some("stringEquals".into());
            }
            d.resource.push(resource_attribute);
        })
    };
    let cases = [
        (with_op("x", "stringExists", RawValue::Text("yes".into())), Some("`stringExists` needs `true` or `false`")),
        (with_op("x", "stringEqualsAnyOf", RawValue::List(vec![])), Some("must list between 1 and 10 values")),
        (
            with_op("x", "stringMatchAnyOf", RawValue::List(vec!["a".into(); 11])),
            Some("must list between 1 and 10 values"),
        ),
        (with_op("x", "stringMatchAnyOf", RawValue::List(vec!["".into()])), Some("must be between 1 and 1000")),
        (with_op("x", "stringEqualsAnyOf", RawValue::Text("a".into())), Some("needs an array of strings")),
        (with_op("x", "stringMatch", RawValue::Text("a*".into())), None),
        (with_op("x", "stringMatchAnyOf", RawValue::List(vec!["a*".into()])), None),
    ];
    for (attribute, expected) in cases {
        let result = v2(attribute.clone());
        match expected {
            None => assert!(result.is_ok(), "{attribute:?}: {result:?}"),
            Some(message) => assert!(result.unwrap_err().to_string().contains(message), "{attribute:?}"),
        }
    }
}

fn access_draft(subject: RawAttribute, resource: Vec<RawAttribute>, roles: &[&str]) -> UncheckedDraft {
    UncheckedDraft {
        description: None,
        subject: vec![subject],
        resource,
        roles: roles.iter().map(|role| role.to_string()).collect(),
    }
}

#[test]
fn access_policy_rules() {
    const VIEWER: &str = "crn:v1:bluemix:public:iam::::role:Viewer";
    const MANAGER: &str = "crn:v1:bluemix:public:iam::::serviceRole:Manager";
    const CREATOR: &str = "crn:v1:bluemix:public:iam-identity::::serviceRole:ServiceIdCreator";
    let user = || text("iam_id", "IBMid-Py1234");
    let on_is = || vec![text("accountId", HUB), text("serviceName", "is"), text("vpcId", "*")];
    let custom = crate::custom_role::CustomRole {
        id: "c".into(),
        name: "VpcLister".into(),
        account_id: AccountId::parse(HUB).unwrap(),
        service_name: "is".into(),
        content: crate::custom_role::CustomRoleContent {
            display_name: "VPC lister".into(),
            description: None,
            actions: vec!["is.vpc.vpc.list".into()],
        },
        version: 1,
        created_at: crate::policy::Timestamp(0),
        created_by_id: "c".into(),
        last_modified_at: crate::policy::Timestamp(0),
        last_modified_by_id: "c".into(),
    };
    let custom_crn = custom.crn();
    let accepted: Vec<(Dialect, UncheckedDraft)> = vec![
        (Dialect::V1, access_draft(user(), on_is(), &[VIEWER, DNS_ROLE, MANAGER])),
        (
            Dialect::V1,
            access_draft(text("iam_id", "iam-ServiceId-5d9e0c3a-0ef1-4b1c-9c0f-000000000000"), on_is(), &[VIEWER]),
        ),
        (Dialect::V1, access_draft(text("access_group_id", "AccessGroupId-PublicAccess"), on_is(), &[VIEWER])),
        (
            Dialect::V1,
            access_draft(user(), vec![text("accountId", HUB), text("serviceType", "service")], &[VIEWER, MANAGER]),
        ),
        (
            Dialect::V1,
            access_draft(user(), vec![text("accountId", HUB), text("serviceType", "platform-service")], &[VIEWER]),
        ),
        (Dialect::V1, access_draft(user(), vec![text("accountId", HUB), text("service_group_id", "IAM")], &[CREATOR])),
        (Dialect::V1, access_draft(user(), vec![text("accountId", HUB), text("resourceGroupId", "rg1")], &[VIEWER])),
        (Dialect::V1, access_draft(user(), on_is(), &[&custom_crn])),
        (
            Dialect::V2,
            access_draft(
                with_op("iam_id", "stringEquals", RawValue::Text("IBMid-Py1".into())),
                vec![
                    with_op("accountId", "stringEquals", RawValue::Text(HUB.into())),
                    with_op("serviceName", "stringEquals", RawValue::Text("is".into())),
                    with_op("resourceGroupId", "stringExists", RawValue::Flag(true)),
                ],
                &[VIEWER],
            ),
        ),
    ];
    for (dialect, draft) in accepted {
        let described = format!("{draft:?}");
        let checked = validate_access(draft, dialect, std::slice::from_ref(&custom));
        assert!(checked.is_ok(), "{described}: {checked:?}");
        assert_eq!(checked.unwrap().kind(), crate::policy::PolicyKind::Access);
    }
    let refused: Vec<(UncheckedDraft, ValidationError)> = vec![
        (
            access_draft(text("serviceName", "is"), on_is(), &[VIEWER]),
            ValidationError::UnsupportedAccessSubjectKey { key: "serviceName".into() },
        ),
        (
            access_draft(text("iam_id", "alice@example.com"), on_is(), &[VIEWER]),
            ValidationError::MalformedIamId("alice@example.com".into()),
        ),
        (
            access_draft(text("access_group_id", "group-1"), on_is(), &[VIEWER]),
            ValidationError::MalformedAccessGroupId("group-1".into()),
        ),
        (
            UncheckedDraft {
                subject: vec![user(), text("access_group_id", "AccessGroupId-1")],
                ..access_draft(user(), on_is(), &[VIEWER])
            },
            ValidationError::AccessSubjectCount(2),
        ),
        (
            access_draft(user(), vec![text("accountId", HUB), text("vpcId", "r006-1")], &[VIEWER]),
            ValidationError::MissingAccessScope,
        ),
        (
            access_draft(user(), vec![text("serviceName", "is")], &[VIEWER]),
            ValidationError::MissingAccountId(Side::Resource),
        ),
        (
            access_draft(user(), vec![text("accountId", HUB), text("serviceType", "everything")], &[VIEWER]),
            ValidationError::UnsupportedServiceType("everything".into()),
        ),
        (access_draft(user(), on_is(), &[]), ValidationError::NoRoles),
    ];
    for (draft, expected) in refused {
        assert_eq!(validate_access(draft, Dialect::V1, &[]), Err(expected));
    }
    // A role of another service, and a custom role the account does not have (or of another service), are refused.
    for role in [CREATOR, custom_crn.as_str()] {
        let refused = validate_access(access_draft(user(), on_is(), &[role]), Dialect::V1, &[]);
        assert!(matches!(refused, Err(ValidationError::AccessRoleNotValid { .. })), "{role}: {refused:?}");
    }
    let on_groups = vec![text("accountId", HUB), text("serviceName", "iam-groups")];
    let refused =
        validate_access(access_draft(user(), on_groups, &[&custom_crn]), Dialect::V1, std::slice::from_ref(&custom));
    assert!(matches!(refused, Err(ValidationError::AccessRoleNotValid { .. })), "{refused:?}");
    // v1 resources take no `stringExists`.
    let exists = vec![text("accountId", HUB), with_op("resourceGroupId", "stringExists", RawValue::Flag(true))];
    assert!(matches!(
        validate_access(access_draft(user(), exists, &[VIEWER]), Dialect::V1, &[]),
        Err(ValidationError::UnsupportedOperator { .. })
    ));
}
