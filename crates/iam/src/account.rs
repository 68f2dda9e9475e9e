//! Account ids and the authenticated caller that every operation is performed for.

use std::fmt;

use crate::identity::IdentityKind;

/// An IBM Cloud account id: 32 lowercase hexadecimal characters, for example `e38cfd44b6e44b249ac75dd5de0cc8aa`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(String);

impl AccountId {
    /// Accepts exactly the format IBM uses; anything else is `None`.
    pub fn parse(text: &str) -> Option<AccountId> {
        let well_formed = text.len() == 32 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        well_formed.then(|| AccountId(text.to_owned()))
    }

    /// Builds an account id from 16 random bytes supplied by the caller (this crate has no randomness).
    pub fn from_bytes(bytes: [u8; 16]) -> AccountId {
        AccountId(hex::encode(bytes))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What kind of identity a caller is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallerKind {
    /// The hubspoke operator: manages accounts and may read and change everything.
    Operator,
    /// The administrator of one account (a user): may do everything inside that account.
    AccountAdministrator(AccountId),
    /// Any other identity of an account: a user who is not its administrator, or a service ID. It may do what its
    /// account's access policies grant it ([`crate::access`]), and read its own identity ([`crate::identity`]).
    AccountIdentity {
        /// Its account.
        account: AccountId,
        /// A user or a service ID.
        kind: IdentityKind,
    },
}

/// The identity behind a request, established from a verified token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The IAM id, recorded as `created_by_id` and `last_modified_by_id`.
    pub iam_id: String,
    /// Operator or account administrator.
    pub kind: CallerKind,
    /// The region the request's base path named (`/{region}/v1/…`), for regional APIs; `None` for the server's
    /// default region, and for global APIs, which ignore it.
    pub region: Option<String>,
}

impl Caller {
    /// The caller's own account, if it has one (the operator does not).
    pub fn account(&self) -> Option<&AccountId> {
        match &self.kind {
            CallerKind::Operator => None,
            CallerKind::AccountAdministrator(account) | CallerKind::AccountIdentity { account, .. } => Some(account),
        }
    }

    /// Whether the caller is a user or a service ID; `None` for the operator, which is neither.
    pub fn identity_kind(&self) -> Option<IdentityKind> {
        match &self.kind {
            CallerKind::Operator => None,
            CallerKind::AccountAdministrator(_) => Some(IdentityKind::User),
            CallerKind::AccountIdentity { kind, .. } => Some(*kind),
        }
    }

    /// Whether the caller may do everything inside `account`: the operator, or that account's administrator.
    pub fn administers(&self, account: &AccountId) -> bool {
        match &self.kind {
            CallerKind::Operator => true,
            CallerKind::AccountAdministrator(own) => own == account,
            CallerKind::AccountIdentity { .. } => false,
        }
    }

    /// Whether this is the operator.
    pub fn is_operator(&self) -> bool {
        self.kind == CallerKind::Operator
    }
}

#[cfg(test)]
mod tests {
    use super::AccountId;

    #[test]
    fn account_id_format() {
        let cases = [
            ("e38cfd44b6e44b249ac75dd5de0cc8aa", true),
            ("E38CFD44B6E44B249AC75DD5DE0CC8AA", false),
            ("e38cfd44b6e44b249ac75dd5de0cc8a", false),
            ("e38cfd44b6e44b249ac75dd5de0cc8aag", false),
            ("Account S (Spoke)", false),
            ("", false),
        ];
        for (text, valid) in cases {
            assert_eq!(AccountId::parse(text).is_some(), valid, "`{text}`");
        }
        assert_eq!(AccountId::from_bytes([0xab; 16]).as_str(), "abababababababababababababababab");
    }
}
