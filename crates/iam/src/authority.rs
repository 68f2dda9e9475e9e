//! Who may do what with authorization policies.
//!
//! IBM's rule is that "the target service is always in the account where the authorization is created": an
//! authorization belongs to the account named by its resource `accountId`, and only that account's administrators may
//! create, replace, restore or delete it. The operator may do everything. Reading follows ownership too; the api part
//! turns a refused read into "not found" so that one account cannot learn the ids of another's policies.

use crate::account::{AccountId, Caller, CallerKind};

/// Whether `caller` may read or change the policies owned by `owner`.
pub fn may_manage_policies_of(caller: &Caller, owner: &AccountId) -> bool {
    match &caller.kind {
        CallerKind::Operator => true,
        CallerKind::AccountAdministrator(account) => account == owner,
        // Another identity manages policies only as far as access policies grant it, which the application decides
        // policy by policy; nothing follows from its account alone.
        CallerKind::AccountIdentity { .. } => false,
    }
}

/// Whether `caller` may manage accounts (create them, list them).
pub fn may_manage_accounts(caller: &Caller) -> bool {
    caller.is_operator()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ownership_table() {
        let a = AccountId::parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").unwrap();
        let b = AccountId::parse("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb").unwrap();
        let operator = Caller { iam_id: "op".into(), kind: CallerKind::Operator, region: None };
        let admin_a = Caller { iam_id: "a".into(), kind: CallerKind::AccountAdministrator(a.clone()), region: None };
        let cases = [(&operator, &a, true), (&operator, &b, true), (&admin_a, &a, true), (&admin_a, &b, false)];
        for (caller, owner, allowed) in cases {
            assert_eq!(may_manage_policies_of(caller, owner), allowed, "{} on {owner}", caller.iam_id);
        }
        assert!(may_manage_accounts(&operator));
        assert!(!may_manage_accounts(&admin_a));
    }
}
