//! The decision engines a benchmark compares: hubspoke's own index, and (with the `compare` feature) Cedar on the
//! whole policy set, Cedar sliced by hub account, Casbin and regorus, each loaded with the same policies translated
//! into its own language.

use hubspoke_iam::{AccessRequest, Policy, PolicyIndex, RoleCatalog};

/// An engine loaded with one policy set, answering requests of type `R` (authorization requests by default).
pub trait Engine<R = AccessRequest> {
    /// Its name in tables.
    fn name(&self) -> &'static str;
    /// Whether the request is permitted.
    fn permits(&mut self, request: &R) -> bool;
}

/// hubspoke's decision index.
pub struct Hubspoke(pub PolicyIndex);

impl Hubspoke {
    /// Builds the index over `policies`.
    pub fn load(policies: &[Policy]) -> Hubspoke {
        Hubspoke(PolicyIndex::build(policies, 1, &RoleCatalog))
    }
}

impl Engine for Hubspoke {
    fn name(&self) -> &'static str {
        "hubspoke"
    }

    fn permits(&mut self, request: &AccessRequest) -> bool {
        self.0.decide(request).permitted
    }
}

#[cfg(feature = "compare")]
mod flat {
    //! The flat form the Casbin and Rego comparators hold a policy in.

    use hubspoke_iam::{AccessRequest, Operator, Policy};

    /// The fields every generated policy constrains, in the order the flat comparators (Casbin, Rego) hold them:
    /// the subject's four, the resource's account and service, the resource's `vpcId` (a glob), the action.
    pub(crate) struct Flat {
        /// Exact values: subject accountId, serviceName, resourceType, resource; resource accountId, serviceName.
        pub exact: [String; 6],
        /// The `vpcId` glob (an exact value is a glob without wildcards; generated ids hold no glob metacharacters).
        pub vpc_glob: String,
    }

    const SUBJECT_KEYS: [&str; 4] = ["accountId", "serviceName", "resourceType", "resource"];
    const RESOURCE_KEYS: [&str; 2] = ["accountId", "serviceName"];

    impl Flat {
        /// The flat form of a generated policy. Panics on any other shape: the comparators are only ever loaded with
        /// the generator's policies, and a silent mistranslation would make their decisions meaningless.
        pub fn of(policy: &Policy) -> Flat {
            let text = |attributes: &[hubspoke_iam::Attribute], key: &str| -> String {
                let attribute =
                    attributes.iter().find(|a| a.key == key).unwrap_or_else(|| panic!("`{key}` in {policy:?}"));
                assert_eq!(attribute.operator, Operator::StringEquals, "{policy:?}");
                attribute.text().unwrap().to_owned()
            };
            let subject = &policy.draft.subject;
            let resource = &policy.draft.resource;
            assert_eq!((subject.len(), resource.len()), (4, 3), "{policy:?}");
            let vpc = resource.iter().find(|a| a.key == "vpcId").expect("vpcId");
            Flat {
                exact: [
                    text(subject, SUBJECT_KEYS[0]),
                    text(subject, SUBJECT_KEYS[1]),
                    text(subject, SUBJECT_KEYS[2]),
                    text(subject, SUBJECT_KEYS[3]),
                    text(resource, RESOURCE_KEYS[0]),
                    text(resource, RESOURCE_KEYS[1]),
                ],
                vpc_glob: vpc.text().unwrap().to_owned(),
            }
        }

        /// The request's values for the same fields (a missing attribute is the empty string, which no policy names).
        pub fn request(request: &AccessRequest) -> ([String; 6], String) {
            let subject = |key: &str| request.subject.get(key).unwrap_or_default().to_owned();
            let resource = |key: &str| request.resource.get(key).unwrap_or_default().to_owned();
            (
                [
                    subject(SUBJECT_KEYS[0]),
                    subject(SUBJECT_KEYS[1]),
                    subject(SUBJECT_KEYS[2]),
                    subject(SUBJECT_KEYS[3]),
                    resource(RESOURCE_KEYS[0]),
                    resource(RESOURCE_KEYS[1]),
                ],
                resource("vpcId"),
            )
        }
    }
}

#[cfg(feature = "compare")]
use flat::Flat;

#[cfg(feature = "compare")]
pub mod cedar {
    //! Cedar 4: each policy a `permit` with its attributes as `when` conditions (`like` for globs); requests carry
    //! the attributes on the principal and resource entities, built for every request as a caller would.

    use std::collections::{HashMap, HashSet};
    use std::str::FromStr;

    use cedar_policy::{
        Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName, EntityUid, PolicySet, Request,
        RestrictedExpression,
    };
    use hubspoke_iam::{AccessRequest, Operator, Policy};

    use super::Engine;
    use crate::data::CONNECT;

    fn quoted(text: &str) -> String {
        format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
    }

    /// The policy in Cedar's language.
    pub fn text(policy: &Policy) -> String {
        let mut conditions = Vec::new();
        for (var, attributes) in [("principal", &policy.draft.subject), ("resource", &policy.draft.resource)] {
            for attribute in attributes.iter() {
                let value = attribute.text().expect("generated policies hold text values");
                conditions.push(match attribute.operator {
                    Operator::StringEquals => format!("{var}.{} == {}", attribute.key, quoted(value)),
                    // Cedar's `like` has the same `*` as IBM's stringMatch; generated patterns hold no `?`.
                    Operator::StringMatch => format!("{var}.{} like {}", attribute.key, quoted(value)),
                    other => panic!("no Cedar form for `{}`", other.as_str()),
                });
            }
        }
        format!(
            "permit(principal, action == Action::{}, resource) when {{ {} }};\n",
            quoted(CONNECT),
            conditions.join(" && ")
        )
    }

    fn uid(kind: &str, id: &str) -> EntityUid {
        EntityUid::from_type_name_and_id(EntityTypeName::from_str(kind).unwrap(), EntityId::new(id))
    }

    fn entity(kind: &str, attributes: &hubspoke_iam::RequestAttributes) -> (EntityUid, Entity) {
        let id = attributes.get("resource").or(attributes.get("accountId")).unwrap_or_default();
        let uid = uid(kind, id);
        let attrs: HashMap<String, RestrictedExpression> = attributes
            .iter()
            .map(|(key, value)| (key.to_owned(), RestrictedExpression::new_string(value.to_owned())))
            .collect();
        (uid.clone(), Entity::new(uid, attrs, HashSet::new()).expect("valid entity"))
    }

    fn authorize(authorizer: &Authorizer, policies: &PolicySet, request: &AccessRequest) -> bool {
        let (principal, principal_entity) = entity("Source", &request.subject);
        let (resource, resource_entity) = entity("Target", &request.resource);
        let entities = Entities::from_entities([principal_entity, resource_entity], None).expect("entities");
        let question =
            Request::new(principal, uid("Action", &request.action), resource, Context::empty(), None).expect("request");
        authorizer.is_authorized(&question, policies, &entities).decision() == Decision::Allow
    }

    /// The whole set in one `PolicySet`: what Cedar's authorizer does out of the box.
    pub struct Whole {
        authorizer: Authorizer,
        policies: PolicySet,
    }

    impl Whole {
        /// Parses every policy into one set.
        pub fn load(policies: &[Policy]) -> Whole {
            let text: String = policies.iter().map(text).collect();
            Whole { authorizer: Authorizer::new(), policies: PolicySet::from_str(&text).expect("Cedar parses") }
        }
    }

    impl Engine for Whole {
        fn name(&self) -> &'static str {
            "Cedar"
        }

        fn permits(&mut self, request: &AccessRequest) -> bool {
            authorize(&self.authorizer, &self.policies, request)
        }
    }

    /// One `PolicySet` per hub account, chosen by the request's resource account: the pre-filter a careful Cedar
    /// user would write, and the fair comparison for an index.
    pub struct Sliced {
        authorizer: Authorizer,
        slices: HashMap<String, PolicySet>,
        empty: PolicySet,
    }

    impl Sliced {
        /// Groups the policies by owner and parses each group.
        pub fn load(policies: &[Policy]) -> Sliced {
            let mut texts: HashMap<String, String> = HashMap::new();
            for policy in policies {
                texts.entry(policy.draft.owner.as_str().to_owned()).or_default().push_str(&text(policy));
            }
            let slices = texts
                .into_iter()
                .map(|(owner, text)| (owner, PolicySet::from_str(&text).expect("Cedar parses")))
                .collect();
            Sliced { authorizer: Authorizer::new(), slices, empty: PolicySet::new() }
        }
    }

    impl Engine for Sliced {
        fn name(&self) -> &'static str {
            "Cedar sliced"
        }

        fn permits(&mut self, request: &AccessRequest) -> bool {
            let owner = request.resource.get("accountId").unwrap_or_default();
            let policies = self.slices.get(owner).unwrap_or(&self.empty);
            authorize(&self.authorizer, policies, request)
        }
    }
}

#[cfg(feature = "compare")]
pub mod casbin {
    //! Casbin 2: one policy line per policy, matched with `==` on the exact fields and `globMatch` on `vpcId`.

    use casbin::{CoreApi, DefaultModel, Enforcer, MemoryAdapter, MgmtApi};
    use hubspoke_iam::{AccessRequest, Policy};

    use super::{Engine, Flat};
    use crate::data::CONNECT;

    const MODEL: &str = "[request_definition]
r = sacct, ssvc, stype, sres, oacct, osvc, ovpc, act

[policy_definition]
p = sacct, ssvc, stype, sres, oacct, osvc, ovpc, act

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.sacct == p.sacct && r.ssvc == p.ssvc && r.stype == p.stype && r.sres == p.sres && r.oacct == p.oacct && r.osvc == p.osvc && r.act == p.act && globMatch(r.ovpc, p.ovpc)
";

    /// An enforcer over an in-memory adapter.
    pub struct Casbin {
        enforcer: Enforcer,
    }

    impl Casbin {
        /// Loads every policy as a line.
        pub async fn load(policies: &[Policy]) -> Casbin {
            let model = DefaultModel::from_str(MODEL).await.expect("the model parses");
            let mut enforcer = Enforcer::new(model, MemoryAdapter::default()).await.expect("an enforcer");
            let lines: Vec<Vec<String>> = policies
                .iter()
                .map(|policy| {
                    let flat = Flat::of(policy);
                    let mut line: Vec<String> = flat.exact.to_vec();
                    line.push(flat.vpc_glob);
                    line.push(CONNECT.to_owned());
                    line
                })
                .collect();
            if !lines.is_empty() {
                enforcer.add_policies(lines).await.expect("policies load");
            }
            Casbin { enforcer }
        }
    }

    impl Engine for Casbin {
        fn name(&self) -> &'static str {
            "Casbin"
        }

        fn permits(&mut self, request: &AccessRequest) -> bool {
            let (exact, vpc) = Flat::request(request);
            let mut values: Vec<String> = exact.to_vec();
            values.push(vpc);
            values.push(request.action.clone());
            self.enforcer.enforce(values).expect("casbin decides")
        }
    }
}

#[cfg(feature = "compare")]
pub mod rego {
    //! regorus (Rego): the policies as `data`, one rule that looks for a policy every field of which matches, with
    //! `glob.match` (no delimiters) on `vpcId`.

    use hubspoke_iam::{AccessRequest, Policy};
    use regorus::{Engine as RegoEngine, Value};

    use super::{Engine, Flat};
    use crate::data::CONNECT;

    const POLICY: &str = r#"package bench

default allow := false

allow if {
    some p in data.policies
    p.sacct == input.sacct
    p.ssvc == input.ssvc
    p.stype == input.stype
    p.sres == input.sres
    p.oacct == input.oacct
    p.osvc == input.osvc
    p.act == input.act
    glob.match(p.ovpc, null, input.ovpc)
}
"#;

    const FIELDS: [&str; 6] = ["sacct", "ssvc", "stype", "sres", "oacct", "osvc"];

    fn object(exact: &[String; 6], vpc: &str, action: &str) -> String {
        let mut fields: Vec<String> =
            FIELDS.iter().zip(exact).map(|(name, value)| format!("\"{name}\":\"{value}\"")).collect();
        fields.push(format!("\"ovpc\":\"{vpc}\""));
        fields.push(format!("\"act\":\"{action}\""));
        format!("{{{}}}", fields.join(","))
    }

    /// An interpreter with the policies as data.
    pub struct Rego {
        engine: RegoEngine,
    }

    impl Rego {
        /// Loads the rule and every policy.
        pub fn load(policies: &[Policy]) -> Rego {
            let mut engine = RegoEngine::new();
            engine.add_policy("bench.rego".into(), POLICY.into()).expect("the rule parses");
            let items: Vec<String> = policies
                .iter()
                .map(|policy| {
                    let flat = Flat::of(policy);
                    object(&flat.exact, &flat.vpc_glob, CONNECT)
                })
                .collect();
            let data = format!("{{\"policies\":[{}]}}", items.join(","));
            engine.add_data(Value::from_json_str(&data).expect("data parses")).expect("data loads");
            Rego { engine }
        }
    }

    impl Engine for Rego {
        fn name(&self) -> &'static str {
            "regorus"
        }

        fn permits(&mut self, request: &AccessRequest) -> bool {
            let (exact, vpc) = Flat::request(request);
            let input = object(&exact, &vpc, &request.action);
            self.engine.set_input(Value::from_json_str(&input).expect("input parses"));
            self.engine.eval_rule("data.bench.allow".into()).expect("rego decides") == Value::from(true)
        }
    }
}
