//! The policy (authorization or access): one model that `/v1/policies` and `/v2/policies` both show, each in its own shape.

use sha2::{Digest, Sha256};

use crate::account::AccountId;
use crate::attribute::{Attribute, AttributeValue};

/// A policy id: a lowercase UUID chosen by the application layer.
pub type PolicyId = String;

/// Milliseconds since the Unix epoch, UTC. The api part formats it as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

/// Whether a policy takes part in decisions. Deleted policies stay readable and can be restored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyState {
    /// The policy grants what it says.
    Active,
    /// The policy was deleted; it grants nothing until restored.
    Deleted,
}

impl PolicyState {
    /// IBM's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyState::Active => "active",
            PolicyState::Deleted => "deleted",
        }
    }

    /// Parses IBM's spelling.
    pub fn parse(text: &str) -> Option<PolicyState> {
        match text {
            "active" => Some(PolicyState::Active),
            "deleted" => Some(PolicyState::Deleted),
            _ => None,
        }
    }
}

/// What a policy governs: one service's access to another (`authorization`), or what a user, service ID or access
/// group may do (`access`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// A service-to-service authorization.
    Authorization,
    /// An access policy for an identity or an access group.
    Access,
}

impl PolicyKind {
    /// IBM's spelling, the `type` field.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::Authorization => "authorization",
            PolicyKind::Access => "access",
        }
    }

    /// Parses IBM's spelling.
    pub fn parse(text: &str) -> Option<PolicyKind> {
        match text {
            "authorization" => Some(PolicyKind::Authorization),
            "access" => Some(PolicyKind::Access),
            _ => None,
        }
    }
}

/// The subject attribute names that only access policies have: an identity or an access group. Authorization
/// subjects never carry them, so a policy's kind follows from its subject alone.
pub const ACCESS_SUBJECT_KEYS: &[&str] = &["iam_id", "access_group_id"];

/// The content of a policy that passed [`crate::validate`]: what the client chose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyDraft {
    /// The account that owns the policy: the value of the resource `accountId` attribute.
    // INVARIANT: equals the text of the resource `accountId` attribute, which uses `stringEquals`.
    pub owner: AccountId,
    /// Customer-defined description.
    pub description: Option<String>,
    /// Subject attributes, in the order the client sent them.
    pub subject: Vec<Attribute>,
    /// Resource attributes, in the order the client sent them.
    pub resource: Vec<Attribute>,
    /// Role CRNs, in the order the client sent them.
    pub roles: Vec<String>,
}

impl PolicyDraft {
    /// The subject attribute with this key, if any.
    pub fn subject_attribute(&self, key: &str) -> Option<&Attribute> {
        self.subject.iter().find(|attribute| attribute.key == key)
    }

    /// The resource attribute with this key, if any.
    pub fn resource_attribute(&self, key: &str) -> Option<&Attribute> {
        self.resource.iter().find(|attribute| attribute.key == key)
    }

    /// The subject's `accountId` (validation guarantees it is present and exact).
    pub fn subject_account(&self) -> &str {
        self.subject_attribute("accountId").and_then(Attribute::text).unwrap_or_default()
    }

    /// Whether this is an authorization or an access policy: an access policy's subject is an `iam_id` or an
    /// `access_group_id`, which validation guarantees no authorization subject holds.
    pub fn kind(&self) -> PolicyKind {
        if self.subject.iter().any(|attribute| ACCESS_SUBJECT_KEYS.contains(&attribute.key.as_str())) {
            PolicyKind::Access
        } else {
            PolicyKind::Authorization
        }
    }

    /// An order-independent digest of what makes two policies "identical" for IBM's duplicate rule. For an
    /// authorization: the same attributes and the same roles. For an access policy: the same subject and resource,
    /// whatever the roles, since IBM asks for the roles of the existing access policy to be updated instead. The
    /// description never counts.
    pub fn fingerprint(&self) -> String {
        fn canonical(attributes: &[Attribute]) -> Vec<String> {
            let mut lines: Vec<String> = attributes
                .iter()
                .map(|attribute| {
                    let value = match &attribute.value {
                        AttributeValue::Text(text) => format!("t:{text}"),
                        AttributeValue::Flag(flag) => format!("f:{flag}"),
                        AttributeValue::List(items) => {
                            let mut items = items.clone();
                            items.sort();
                            format!("l:{}", items.join("\u{1f}"))
                        }
                    };
                    format!("{}\u{1e}{}\u{1e}{}", attribute.key, attribute.operator.as_str(), value)
                })
                .collect();
            lines.sort();
            lines
        }
        let mut roles = match self.kind() {
            PolicyKind::Authorization => self.roles.clone(),
            PolicyKind::Access => vec![String::from("\u{1c}access")],
        };
        roles.sort();
        let mut hasher = Sha256::new();
        for part in [canonical(&self.subject), canonical(&self.resource), roles] {
            hasher.update(part.join("\u{1d}").as_bytes());
            hasher.update([0u8]);
        }
        hex::encode(hasher.finalize())
    }
}

/// A stored policy: the draft plus what the server sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// The policy id, shared by the v1 and v2 views.
    pub id: PolicyId,
    /// What the client chose.
    pub draft: PolicyDraft,
    /// Active or deleted.
    pub state: PolicyState,
    /// Starts at 1 and grows with every replace or state change; the first part of the ETag.
    pub version: u32,
    /// When it was created.
    pub created_at: Timestamp,
    /// The IAM id of its creator.
    pub created_by_id: String,
    /// When it last changed.
    pub last_modified_at: Timestamp,
    /// The IAM id of whoever last changed it.
    pub last_modified_by_id: String,
}

impl Policy {
    /// The entity tag IBM's clients send back in `If-Match`: `<version>-<32 hex>`, CouchDB style. The hex part digests
    /// everything a client can see change, so two different states of one policy never share a tag.
    pub fn etag(&self) -> String {
        let mut hasher = Sha256::new();
        for part in [
            self.id.as_str(),
            self.state.as_str(),
            self.draft.description.as_deref().unwrap_or(""),
            &self.draft.fingerprint(),
            &self.version.to_string(),
            &self.last_modified_at.0.to_string(),
            &self.last_modified_by_id,
        ] {
            hasher.update(part.as_bytes());
            hasher.update([0u8]);
        }
        format!("{}-{}", self.version, hex::encode(&hasher.finalize()[..16]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribute::Operator;

    fn draft(subject: Vec<Attribute>, roles: &[&str]) -> PolicyDraft {
        PolicyDraft {
            owner: AccountId::parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").unwrap(),
            description: None,
            subject,
            resource: vec![Attribute::equals("accountId", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")],
            roles: roles.iter().map(|r| r.to_string()).collect(),
        }
    }

    #[test]
    fn fingerprint_ignores_order_and_description_but_not_content() {
        let a = Attribute::equals("serviceName", "is");
        let b = Attribute::equals("resourceType", "vpc");
        let base = draft(vec![a.clone(), b.clone()], &["r1", "r2"]);
        let mut reordered = draft(vec![b.clone(), a.clone()], &["r2", "r1"]);
        reordered.description = Some("other".into());
        assert_eq!(base.fingerprint(), reordered.fingerprint());
        let glob = Attribute { operator: Operator::StringMatch, ..b.clone() };
        assert_ne!(base.fingerprint(), draft(vec![a.clone(), glob], &["r1", "r2"]).fingerprint());
        assert_ne!(base.fingerprint(), draft(vec![a, b], &["r1"]).fingerprint());
    }

    #[test]
    fn access_fingerprints_ignore_roles_and_the_kind_follows_the_subject() {
        let user = vec![Attribute::equals("iam_id", "IBMid-550002G2B4")];
        let viewer = draft(user.clone(), &["viewer"]);
        let editor = draft(user, &["editor"]);
        assert_eq!(viewer.kind(), PolicyKind::Access);
        assert_eq!(viewer.fingerprint(), editor.fingerprint());
        let service = draft(vec![Attribute::equals("serviceName", "is")], &["r1"]);
        assert_eq!(service.kind(), PolicyKind::Authorization);
        assert_eq!(PolicyKind::parse("access"), Some(PolicyKind::Access));
        assert_eq!(PolicyKind::parse(PolicyKind::Authorization.as_str()), Some(PolicyKind::Authorization));
    }

    #[test]
    fn etags_have_ibm_shape_and_change_with_every_version() {
        let mut policy = Policy {
            id: "p".into(),
            draft: draft(vec![Attribute::equals("serviceName", "is")], &["r1"]),
            state: PolicyState::Active,
            version: 1,
            created_at: Timestamp(1),
            created_by_id: "c".into(),
            last_modified_at: Timestamp(1),
            last_modified_by_id: "c".into(),
        };
        let first = policy.etag();
        let (version, digest) = first.split_once('-').unwrap();
        assert_eq!(version, "1");
        assert!(digest.len() == 32 && digest.bytes().all(|b| b.is_ascii_hexdigit()));
        policy.version = 2;
        policy.state = PolicyState::Deleted;
        assert!(policy.etag().starts_with("2-"));
        assert_ne!(policy.etag(), first);
    }
}
