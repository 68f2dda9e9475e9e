//! Access groups: groups of users, service IDs and trusted profiles that policies are assigned to, with their rules.
//!
//! Every refusal names its rule (`(rule AG1)` …), explained in `docs/rules.md`. The functions here only judge;
//! the application layer reads the account's groups, asks, and stores what they allow.

use thiserror::Error;

use crate::account::AccountId;
use crate::text::{describe, forbidden_character};

/// The id of the Public Access group every account has.
pub const PUBLIC_ACCESS_GROUP_ID: &str = "AccessGroupId-PublicAccess";
/// Its name.
pub const PUBLIC_ACCESS_GROUP_NAME: &str = "Public Access";
/// Its description.
pub const PUBLIC_ACCESS_GROUP_DESCRIPTION: &str =
    "This group includes all users and service IDs. Its policies grant access without authentication.";
/// Longest group name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest group description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 250;
/// Most members one call may add or remove.
pub const MAX_MEMBERS_PER_CALL: usize = 50;
/// Most groups one iam id may be a member of.
pub const MAX_GROUPS_PER_MEMBER: usize = 50;
/// Shortest and longest rule expiration, in hours.
pub const EXPIRATION_HOURS: std::ops::RangeInclusive<u32> = 1..=24;
/// Longest rule name, in characters (the group name's limit).
pub const MAX_RULE_NAME_CHARS: usize = 100;

/// A group, without its members and rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessGroup {
    /// `AccessGroupId-<uuid>`, or [`PUBLIC_ACCESS_GROUP_ID`].
    pub id: String,
    /// The account it belongs to.
    pub account: AccountId,
    /// Its name; several groups may share one.
    pub name: String,
    /// Its description, `""` when none was given.
    pub description: String,
    /// Creation time, milliseconds since the epoch.
    pub created_at: i64,
    /// Who created it.
    pub created_by_id: String,
    /// Last change, milliseconds since the epoch.
    pub last_modified_at: i64,
    /// Who changed it last.
    pub last_modified_by_id: String,
    /// Grows by one with every change; the `ETag` is made from it.
    pub version: u32,
}

impl AccessGroup {
    /// Whether this is the account's Public Access group.
    pub fn is_public_access(&self) -> bool {
        self.id == PUBLIC_ACCESS_GROUP_ID
    }

    /// The account's Public Access group. It is not stored: every account has it, created with the account.
    pub fn public_access(account: AccountId, created_at: i64) -> AccessGroup {
        AccessGroup {
            id: PUBLIC_ACCESS_GROUP_ID.to_owned(),
            account,
            name: PUBLIC_ACCESS_GROUP_NAME.to_owned(),
            description: PUBLIC_ACCESS_GROUP_DESCRIPTION.to_owned(),
            created_at,
            created_by_id: "system".to_owned(),
            last_modified_at: created_at,
            last_modified_by_id: "system".to_owned(),
            version: 1,
        }
    }
}

/// What kind of identity a member is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MemberKind {
    /// A user, `IBMid-…`.
    User,
    /// A service ID, `iam-ServiceId-…`.
    Service,
    /// A trusted profile, `iam-Profile-…`.
    Profile,
}

impl MemberKind {
    /// IBM's spelling of the `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            MemberKind::User => "user",
            MemberKind::Service => "service",
            MemberKind::Profile => "profile",
        }
    }

    /// Parses IBM's spelling.
    pub fn parse(text: &str) -> Option<MemberKind> {
        match text {
            "user" => Some(MemberKind::User),
            "service" => Some(MemberKind::Service),
            "profile" => Some(MemberKind::Profile),
            _ => None,
        }
    }

    /// The kind an iam id's prefix names, if it names one.
    pub fn of_iam_id(iam_id: &str) -> Option<MemberKind> {
        let rest = |prefix: &str| iam_id.strip_prefix(prefix).filter(|rest| !rest.is_empty());
        if rest("IBMid-").is_some() {
            Some(MemberKind::User)
        } else if rest("iam-ServiceId-").is_some() {
            Some(MemberKind::Service)
        } else if rest("iam-Profile-").is_some() {
            Some(MemberKind::Profile)
        } else {
            None
        }
    }
}

/// One member of a group. Every member is static: hubspoke has no federated logins that dynamic rules would add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The member's iam id.
    pub iam_id: String,
    /// What it is.
    pub kind: MemberKind,
    /// When it was added, milliseconds since the epoch.
    pub created_at: i64,
    /// Who added it.
    pub created_by_id: String,
}

/// How a rule condition compares a claim with its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConditionOperator {
    /// `EQUALS`
    Equals,
    /// `EQUALS_IGNORE_CASE`
    EqualsIgnoreCase,
    /// `IN`
    In,
    /// `NOT_EQUALS`
    NotEquals,
    /// `NOT_EQUALS_IGNORE_CASE`
    NotEqualsIgnoreCase,
    /// `CONTAINS`
    Contains,
}

impl ConditionOperator {
    /// Every operator, in IBM's order.
    pub const ALL: [ConditionOperator; 6] = [
        ConditionOperator::Equals,
        ConditionOperator::EqualsIgnoreCase,
        ConditionOperator::In,
        ConditionOperator::NotEquals,
        ConditionOperator::NotEqualsIgnoreCase,
        ConditionOperator::Contains,
    ];

    /// IBM's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ConditionOperator::Equals => "EQUALS",
            ConditionOperator::EqualsIgnoreCase => "EQUALS_IGNORE_CASE",
            ConditionOperator::In => "IN",
            ConditionOperator::NotEquals => "NOT_EQUALS",
            ConditionOperator::NotEqualsIgnoreCase => "NOT_EQUALS_IGNORE_CASE",
            ConditionOperator::Contains => "CONTAINS",
        }
    }

    /// Parses IBM's spelling.
    pub fn parse(text: &str) -> Option<ConditionOperator> {
        ConditionOperator::ALL.into_iter().find(|operator| operator.as_str() == text)
    }
}

/// One condition of a dynamic rule: a claim of the federated login compared with a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    /// The claim, for example `blueGroups`.
    pub claim: String,
    /// The comparison.
    pub operator: ConditionOperator,
    /// The value, as given (`IN` takes a JSON array written as text, as IBM does).
    pub value: String,
}

/// What a dynamic rule says: the identity provider, how long a membership it grants lasts, and its conditions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleDraft {
    /// Its name (optional at IBM; `""` when none was given).
    pub name: String,
    /// Hours a membership it grants lasts, 1 to 24.
    pub expiration: u32,
    /// The identity provider's realm.
    pub realm_name: String,
    /// Every condition must hold.
    pub conditions: Vec<Condition>,
}

/// A dynamic rule of a group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// `ClaimRule-<uuid>`.
    pub id: String,
    /// The group it belongs to.
    pub group_id: String,
    /// The account.
    pub account: AccountId,
    /// What it says.
    pub draft: RuleDraft,
    /// Creation time, milliseconds since the epoch.
    pub created_at: i64,
    /// Who created it.
    pub created_by_id: String,
    /// Last change, milliseconds since the epoch.
    pub last_modified_at: i64,
    /// Who changed it last.
    pub last_modified_by_id: String,
    /// Grows by one with every change; the `ETag` is made from it.
    pub version: u32,
}

/// An account's access-group settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupSettings {
    /// The account.
    pub account: AccountId,
    /// Whether the Public Access group's policies may exist.
    pub public_access_enabled: bool,
    /// Last change, milliseconds since the epoch (the account's creation until it is first changed).
    pub last_modified_at: i64,
    /// Who changed them last (`""` until they are first changed).
    pub last_modified_by_id: String,
}

/// Why an access-group change is refused. Messages are lowercase and end with the rule's id.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum AccessGroupError {
    /// The name is empty, too long or holds a forbidden character.
    #[error(
        "the access group name `{name}` must be 1 to {MAX_NAME_CHARS} characters without control characters (rule AG1)"
    )]
    Name {
        /// The name as given.
        name: String,
    },
    /// The description is too long or holds a forbidden character.
    #[error("{0} (rule AG2)")]
    Description(String),
    /// A call names no member or more than fifty.
    #[error("a call names {given} members; it must name 1 to {MAX_MEMBERS_PER_CALL} (rule AG3)")]
    MemberCount {
        /// How many it named.
        given: usize,
    },
    /// A member's iam id does not have the form its type needs.
    #[error("the iam id `{iam_id}` is not a {kind} id: {expected} (rule AG4)", kind = .kind.as_str())]
    MemberId {
        /// The iam id.
        iam_id: String,
        /// The type it was given.
        kind: MemberKind,
        /// The form expected.
        expected: &'static str,
    },
    /// The iam id is in fifty groups already.
    #[error(
        "Group membership limit reached. A member can be a member of at most {MAX_GROUPS_PER_MEMBER} groups: `{iam_id}` (rule AG5)"
    )]
    MembershipLimit {
        /// The iam id.
        iam_id: String,
    },
    /// A rule's expiration is out of range.
    #[error("the rule expiration is {given} hours; it must be 1 to 24 (rule AG6)")]
    Expiration {
        /// The value given.
        given: i64,
    },
    /// A rule is missing its realm, has no conditions, or a condition is incomplete.
    #[error("{0} (rule AG7)")]
    RuleContent(String),
    /// The Public Access group cannot be changed this way.
    #[error("the Public Access group cannot be {0}: every account keeps it as it is (rule AG8)")]
    PublicAccess(&'static str),
    /// A group with members or rules is deleted without `force`.
    #[error(
        "the access group `{id}` has {members} members and {rules} rules: remove them first, or delete with `force=true` (rule AG9)"
    )]
    NotEmpty {
        /// The group.
        id: String,
        /// How many members it has.
        members: usize,
        /// How many rules it has.
        rules: usize,
    },
}

/// Checks a group name: trimmed, 1 to 100 characters, no control or bidirectional formatting characters (rule AG1).
/// Names need not be unique: IBM's own documentation calls them both unique and repeatable, and accepts repeats.
pub fn check_name(name: &str) -> Result<String, AccessGroupError> {
    let trimmed = name.trim();
    let count = trimmed.chars().count();
    if count == 0 || count > MAX_NAME_CHARS || forbidden_character(trimmed, false).is_some() {
        return Err(AccessGroupError::Name { name: name.to_owned() });
    }
    Ok(trimmed.to_owned())
}

/// Checks a description: at most 250 characters; tabs and line breaks allowed, other control characters not (rule AG2).
pub fn check_description(description: &str) -> Result<String, AccessGroupError> {
    let count = description.chars().count();
    if count > MAX_DESCRIPTION_CHARS {
        return Err(AccessGroupError::Description(format!(
            "the access group description is {count} characters; it may be at most {MAX_DESCRIPTION_CHARS}"
        )));
    }
    if let Some(character) = forbidden_character(description, true) {
        return Err(AccessGroupError::Description(format!(
            "the access group description contains the character {}, which a description may not hold",
            describe(character)
        )));
    }
    Ok(description.to_owned())
}

/// Checks how many members one call names: 1 to 50 (rule AG3).
pub fn check_member_count(given: usize) -> Result<(), AccessGroupError> {
    if given == 0 || given > MAX_MEMBERS_PER_CALL {
        return Err(AccessGroupError::MemberCount { given });
    }
    Ok(())
}

/// Checks that a member's iam id has the form of its type (rule AG4). The identity need not exist: IBM accepts
/// IBMids it does not know, and so does hubspoke.
pub fn check_member(iam_id: &str, kind: MemberKind) -> Result<(), AccessGroupError> {
    let well_formed = MemberKind::of_iam_id(iam_id) == Some(kind)
        && iam_id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if well_formed {
        return Ok(());
    }
    let expected = match kind {
        MemberKind::User => "a user's iam id starts with `IBMid-`",
        MemberKind::Service => "a service ID's iam id starts with `iam-ServiceId-`",
        MemberKind::Profile => "a trusted profile's iam id starts with `iam-Profile-`",
    };
    Err(AccessGroupError::MemberId { iam_id: iam_id.to_owned(), kind, expected })
}

/// Checks that an iam id that is in `groups_now` groups may join one more (rule AG5).
pub fn check_membership_limit(iam_id: &str, groups_now: usize) -> Result<(), AccessGroupError> {
    if groups_now >= MAX_GROUPS_PER_MEMBER {
        return Err(AccessGroupError::MembershipLimit { iam_id: iam_id.to_owned() });
    }
    Ok(())
}

/// Checks a rule: its expiration (rule AG6), realm, conditions and name (rule AG7).
pub fn check_rule(
    name: &str,
    expiration: i64,
    realm_name: &str,
    conditions: Vec<Condition>,
) -> Result<RuleDraft, AccessGroupError> {
    let expiration = u32::try_from(expiration)
        .ok()
        .filter(|hours| EXPIRATION_HOURS.contains(hours))
        .ok_or(AccessGroupError::Expiration { given: expiration })?;
    let content = |message: String| Err(AccessGroupError::RuleContent(message));
    if name.chars().count() > MAX_RULE_NAME_CHARS || forbidden_character(name, false).is_some() {
        return content(format!(
            "the rule name `{name}` must be at most {MAX_RULE_NAME_CHARS} characters without control characters"
        ));
    }
    if realm_name.trim().is_empty() {
        return content("a rule needs a `realm_name`, the identity provider it applies to".to_owned());
    }
    if conditions.is_empty() {
        return content("a rule needs at least one condition".to_owned());
    }
    for (index, condition) in conditions.iter().enumerate() {
        if condition.claim.trim().is_empty() || condition.value.is_empty() {
            return content(format!("condition {index} needs a `claim` and a `value`"));
        }
    }
    Ok(RuleDraft { name: name.to_owned(), expiration, realm_name: realm_name.to_owned(), conditions })
}

/// Checks that `group` may be renamed or described anew, take or lose members or rules, or be deleted (rule AG8):
/// the Public Access group cannot, as its membership is everyone.
pub fn check_changeable(group: &AccessGroup, change: &'static str) -> Result<(), AccessGroupError> {
    if group.is_public_access() {
        return Err(AccessGroupError::PublicAccess(change));
    }
    Ok(())
}

/// Checks that a group may be deleted: without `force`, only when it has no members and no rules (rule AG9).
pub fn check_deletable(group: &AccessGroup, members: usize, rules: usize, force: bool) -> Result<(), AccessGroupError> {
    check_changeable(group, "deleted")?;
    if !force && (members > 0 || rules > 0) {
        return Err(AccessGroupError::NotEmpty { id: group.id.clone(), members, rules });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> AccountId {
        AccountId::parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").unwrap()
    }

    fn group(id: &str) -> AccessGroup {
        AccessGroup {
            id: id.to_owned(),
            account: account(),
            name: "g".into(),
            description: String::new(),
            created_at: 0,
            created_by_id: "IBMid-x".into(),
            last_modified_at: 0,
            last_modified_by_id: "IBMid-x".into(),
            version: 1,
        }
    }

    fn condition(claim: &str, operator: ConditionOperator, value: &str) -> Condition {
        Condition { claim: claim.into(), operator, value: value.into() }
    }

    fn rule_of(error: &AccessGroupError) -> String {
        let message = error.to_string();
        message.rsplit_once("(rule ").map(|(_, id)| id.trim_end_matches(')').to_owned()).unwrap_or_default()
    }

    #[test]
    fn names_table() {
        let long = "n".repeat(MAX_NAME_CHARS);
        let too_long = "n".repeat(MAX_NAME_CHARS + 1);
        let cases: &[(&str, Option<&str>)] = &[
            ("Developers", Some("Developers")),
            ("  padded  ", Some("padded")),
            (&long, Some(&long)),
            ("名前 ☕", Some("名前 ☕")),
            ("", None),
            ("   ", None),
            (&too_long, None),
            ("tab\tname", None),
            ("rtl \u{202E}", None),
        ];
        for (name, expected) in cases {
            let checked = check_name(name);
            assert_eq!(checked.as_deref().ok(), *expected, "{name:?}");
            if let Err(error) = checked {
                assert_eq!(rule_of(&error), "AG1");
            }
        }
    }

    #[test]
    fn descriptions_table() {
        let cases = [
            (String::new(), true),
            ("d".repeat(MAX_DESCRIPTION_CHARS), true),
            ("d".repeat(MAX_DESCRIPTION_CHARS + 1), false),
            ("two\nlines\tand tabs".to_owned(), true),
            ("bell\u{7}".to_owned(), false),
        ];
        for (description, accepted) in cases {
            let checked = check_description(&description);
            assert_eq!(checked.is_ok(), accepted, "{description:?}");
            if let Err(error) = checked {
                assert_eq!(rule_of(&error), "AG2");
            }
        }
    }

    #[test]
    fn member_counts_table() {
        for (given, accepted) in [(0, false), (1, true), (50, true), (51, false)] {
            let checked = check_member_count(given);
            assert_eq!(checked.is_ok(), accepted, "{given}");
            if let Err(error) = checked {
                assert_eq!(rule_of(&error), "AG3");
            }
        }
    }

    #[test]
    fn member_ids_table() {
        use MemberKind::*;
        let cases = [
            ("IBMid-550002G2B4", User, true),
            ("IBMid-1234567890", User, true),
            ("iam-ServiceId-1b3c4d5e-0000-4000-8000-000000000000", Service, true),
            ("iam-Profile-1b3c4d5e-0000-4000-8000-000000000000", Profile, true),
            ("ServiceId-1b3c4d5e-0000-4000-8000-000000000000", Service, false),
            ("IBMid-550002G2B4", Service, false),
            ("iam-ServiceId-abc", User, false),
            ("IBMid-", User, false),
            ("IBMid-has space", User, false),
            ("", User, false),
            ("someone@example.com", User, false),
        ];
        for (iam_id, kind, accepted) in cases {
            let checked = check_member(iam_id, kind);
            assert_eq!(checked.is_ok(), accepted, "{iam_id} as {kind:?}");
            if let Err(error) = checked {
                assert_eq!(rule_of(&error), "AG4");
            }
        }
        assert_eq!(MemberKind::of_iam_id("iam-Profile-x"), Some(Profile));
        assert_eq!(MemberKind::of_iam_id("iam-x"), None);
        for kind in [User, Service, Profile] {
            assert_eq!(MemberKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(MemberKind::parse("users"), None);
    }

    #[test]
    fn membership_limit_table() {
        for (groups_now, accepted) in [(0, true), (49, true), (50, false), (51, false)] {
            let checked = check_membership_limit("IBMid-x", groups_now);
            assert_eq!(checked.is_ok(), accepted, "{groups_now}");
            if let Err(error) = checked {
                assert_eq!(rule_of(&error), "AG5");
                assert!(error.to_string().starts_with("Group membership limit reached."));
            }
        }
    }

    #[test]
    fn rules_table() {
        use ConditionOperator::*;
        let good = || vec![condition("blueGroups", Equals, "admins")];
        /// (name, expiration, realm, conditions, the rule that refuses it if any).
        type Case<'a> = (&'a str, i64, &'a str, Vec<Condition>, Option<&'a str>);
        let cases: Vec<Case> = vec![
            ("r", 1, "https://idp.example.com", good(), None),
            ("", 24, "https://idp.example.com", good(), None),
            ("r", 12, "realm", vec![condition("a", In, "[\"x\",\"y\"]"), condition("b", Contains, "z")], None),
            ("r", 0, "realm", good(), Some("AG6")),
            ("r", 25, "realm", good(), Some("AG6")),
            ("r", -1, "realm", good(), Some("AG6")),
            ("r", 1, "", good(), Some("AG7")),
            ("r", 1, "realm", Vec::new(), Some("AG7")),
            ("r", 1, "realm", vec![condition("", Equals, "x")], Some("AG7")),
            ("r", 1, "realm", vec![condition("c", Equals, "")], Some("AG7")),
            ("line\nbreak", 1, "realm", good(), Some("AG7")),
        ];
        for (name, expiration, realm, conditions, refused_by) in cases {
            let checked = check_rule(name, expiration, realm, conditions);
            assert_eq!(checked.as_ref().err().map(rule_of).as_deref(), refused_by, "{name:?} {expiration} {realm:?}");
        }
        for operator in ConditionOperator::ALL {
            assert_eq!(ConditionOperator::parse(operator.as_str()), Some(operator));
        }
        assert_eq!(ConditionOperator::parse("equals"), None);
    }

    #[test]
    fn public_access_and_deletion_table() {
        let public = AccessGroup::public_access(account(), 7);
        assert!(public.is_public_access());
        assert_eq!((public.name.as_str(), public.created_at), (PUBLIC_ACCESS_GROUP_NAME, 7));
        let plain = group("AccessGroupId-1");
        let cases = [
            (&public, 0, 0, true, Some("AG8")),
            (&public, 0, 0, false, Some("AG8")),
            (&plain, 0, 0, false, None),
            (&plain, 1, 0, false, Some("AG9")),
            (&plain, 0, 1, false, Some("AG9")),
            (&plain, 3, 2, true, None),
        ];
        for (group, members, rules, force, refused_by) in cases {
            let checked = check_deletable(group, members, rules, force);
            assert_eq!(
                checked.err().as_ref().map(rule_of).as_deref(),
                refused_by,
                "{} {members} {rules} {force}",
                group.id
            );
        }
        assert_eq!(check_changeable(&public, "renamed").map_err(|e| rule_of(&e)), Err("AG8".to_owned()));
        assert!(check_changeable(&plain, "renamed").is_ok());
    }
}
