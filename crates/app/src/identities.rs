//! The identities inside an account: users (User Management), service IDs and API keys (IAM Identity), one function
//! per operation. Who may do what is [`hubspoke_iam::identity`]'s interim rule.

use hubspoke_iam::access_group::{MAX_GROUPS_PER_MEMBER, Member, MemberKind, PUBLIC_ACCESS_GROUP_ID};
use hubspoke_iam::identity::{
    API_KEY_PREFIX, Access, IdentityKind, SERVICE_ID_PREFIX, Target, USER_PREFIX, check_description, check_name,
    identity_access, kind_of_iam_id, may_create_service_id, may_manage_users, service_id_entity, service_id_iam_id,
};
use hubspoke_iam::{
    AccountId, Caller, Dialect, Policy, PolicyKind, PolicyState, RawAttribute, RawValue, Timestamp, UncheckedDraft,
};
use hubspoke_store::{
    AccessGroupWrite, IdentityKeyRecord, IdentityWrite, JointWrite, PolicyWrite, ServiceIdRecord, StoreError,
    UserRecord,
};
use rand::Rng;
use sha2::{Digest, Sha256};

use crate::identity::{api_key_digest, generate_api_key};
use crate::policies::policy_event;
use crate::precondition::Precondition;
use crate::{App, AppError, AppResult, now_millis};

/// What an invitation gives each invited user besides a place in the account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InviteAccess {
    /// Access policies, each given to every invited user.
    pub policies: Vec<InvitePolicy>,
    /// Access groups of the account that every invited user joins.
    pub access_groups: Vec<String>,
}

/// One access policy of an invitation: its subject is each invited user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvitePolicy {
    /// Role CRNs.
    pub roles: Vec<String>,
    /// The resource's attributes.
    pub resource: Vec<RawAttribute>,
}

/// A user as the User Management API shows it.
pub type User = UserRecord;
/// A service ID.
pub type ServiceId = ServiceIdRecord;
/// An API key (without its secret).
pub type ApiKey = IdentityKeyRecord;

/// A new API key with the only copy of its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatedKey {
    /// The key.
    pub key: ApiKey,
    /// The secret, shown once.
    pub secret: String,
}

/// What a new API key is made of.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyInput {
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// A secret the client chose (at least 32 characters), or none to have one generated.
    pub apikey: Option<String>,
    /// Whether the secret stays readable (service ID keys only).
    pub store_value: bool,
    /// `none`, `disable` or `delete`; `disable` when absent.
    pub action_when_leaked: Option<String>,
    /// `yyyy-MM-ddTHH:mm+0000`.
    pub expires_at: Option<String>,
    /// Whether it may be used for support sessions.
    pub support_sessions: bool,
    /// Whether it is created locked.
    pub locked: bool,
}

/// What a new service ID is made of.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewServiceId {
    /// The account (the caller's when absent).
    pub account_id: Option<String>,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// The CRNs of the service instances it stands for.
    pub unique_instance_crns: Vec<String>,
    /// Its first API key, if one is made with it.
    pub key: Option<KeyInput>,
    /// Whether it is created locked.
    pub locked: bool,
}

/// A change to an API key; absent fields stay.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyUpdate {
    /// New name.
    pub name: Option<String>,
    /// New description (`""` clears it).
    pub description: Option<String>,
    /// New support-sessions flag.
    pub support_sessions: Option<bool>,
    /// New reaction to a leak.
    pub action_when_leaked: Option<String>,
    /// New expiry (`""` clears it).
    pub expires_at: Option<String>,
}

/// A change to a service ID; absent fields stay.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceIdUpdate {
    /// New name.
    pub name: Option<String>,
    /// New description (`""` clears it).
    pub description: Option<String>,
    /// New CRNs (`[]` clears them).
    pub unique_instance_crns: Option<Vec<String>>,
}

/// A change to a user's profile; absent fields stay.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserUpdate {
    /// New given name.
    pub firstname: Option<String>,
    /// New family name.
    pub lastname: Option<String>,
    /// New e-mail address.
    pub email: Option<String>,
    /// New state.
    pub state: Option<String>,
}

/// How a list of service IDs or API keys is sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListOrder {
    /// `name`, `description`, `created_at`, `modified_at` (service IDs) or `created_by` (keys); creation by default.
    pub sort: Option<String>,
    /// Descending rather than ascending.
    pub descending: bool,
}

/// One page of a list paged by position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PositionPage<T> {
    /// The items.
    pub items: Vec<T>,
    /// The position of the first item.
    pub offset: usize,
    /// The page size.
    pub limit: usize,
    /// Whether more items follow.
    pub more: bool,
}

/// Which API keys a list shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyFilter {
    /// The account (the caller's when absent).
    pub account_id: Option<String>,
    /// Only the keys of this identity.
    pub iam_id: Option<String>,
    /// `account` for every key of the account the caller may read; `entity` (the default) for the caller's own.
    pub scope_account: bool,
    /// Only user keys (`user`) or service ID keys (`serviceid`).
    pub kind: Option<IdentityKind>,
}

/// The longest page of service IDs or API keys, and the default.
pub const MAX_PAGE: usize = 100;
/// The default page of service IDs and API keys.
pub const DEFAULT_PAGE: usize = 20;
/// The shortest secret a client may choose.
pub const MIN_CHOSEN_SECRET: usize = 32;

/// An entity tag in IBM's form, `<version>-<32 hex>`, which changes whenever the entity does.
pub fn entity_tag(id: &str, version: i64) -> String {
    let digest = Sha256::digest(format!("{id}:{version}").as_bytes());
    format!("{version}-{}", &hex::encode(digest)[..32])
}

/// A new `IBMid-` IAM id: the prefix and 10 upper-case letters and digits, as IBM's look.
pub fn new_user_iam_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut random = rand::thread_rng();
    let tail: String = (0..10).map(|_| ALPHABET[random.gen_range(0..ALPHABET.len())] as char).collect();
    format!("{USER_PREFIX}{tail}")
}

fn check_text(name: Option<&str>, what: &'static str, description: Option<&str>) -> AppResult<()> {
    if let Some(name) = name {
        check_name(what, name).map_err(|e| AppError::BadRequest(e.to_string()))?;
    }
    if let Some(description) = description {
        check_description(description).map_err(|e| AppError::BadRequest(e.to_string()))?;
    }
    Ok(())
}

fn check_leak_action(action: Option<&str>) -> AppResult<String> {
    match action.map(str::to_ascii_lowercase).as_deref() {
        None => Ok("disable".to_owned()),
        Some(value @ ("none" | "disable" | "delete")) => Ok(value.to_owned()),
        Some(other) => {
            Err(AppError::BadRequest(format!("`action_when_leaked` is `{other}`; it must be none, disable or delete")))
        }
    }
}

/// `yyyy-MM-ddTHH:mm+0000`, the form IBM takes for `expires_at`.
fn check_expiry(value: &str) -> AppResult<()> {
    let bytes = value.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    let well_formed = bytes.len() == 21
        && digits(0..4)
        && bytes[4] == b'-'
        && digits(5..7)
        && bytes[7] == b'-'
        && digits(8..10)
        && bytes[10] == b'T'
        && digits(11..13)
        && bytes[13] == b':'
        && digits(14..16)
        && &value[16..] == "+0000";
    if well_formed {
        Ok(())
    } else {
        Err(AppError::BadRequest(format!("`expires_at` is `{value}`; it must have the form yyyy-MM-ddTHH:mm+0000")))
    }
}

fn page<T>(mut items: Vec<T>, pagesize: Option<usize>, pagetoken: Option<&str>) -> AppResult<PositionPage<T>> {
    let limit = pagesize.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(AppError::InvalidParameter {
            name: "pagesize",
            message: format!("`pagesize` is {limit}; it must be 1 to {MAX_PAGE}"),
        });
    }
    let offset = match pagetoken {
        None | Some("") => 0,
        Some(token) => token.parse::<usize>().map_err(|_| AppError::InvalidParameter {
            name: "pagetoken",
            message: format!("`pagetoken` `{token}` is not a token this list gave"),
        })?,
    };
    let more = items.len() > offset.saturating_add(limit);
    let items: Vec<T> = items.drain(offset.min(items.len())..).take(limit).collect();
    Ok(PositionPage { items, offset, limit, more })
}

fn sorted<T>(items: &mut [T], order: &ListOrder, key: impl Fn(&T, &str) -> String) {
    if let Some(field) = order.sort.as_deref() {
        items.sort_by_cached_key(|item| key(item, field));
    }
    if order.descending {
        items.reverse();
    }
}

impl App {
    /// The account a request names, which must be the caller's own (or any, for the operator): another account's
    /// identities are not found.
    fn identity_account(&self, caller: &Caller, account_id: Option<&str>, kind: &'static str) -> AppResult<AccountId> {
        match (caller.account(), account_id) {
            (Some(own), None) => Ok(own.clone()),
            (Some(own), Some(text)) if own.as_str() == text => Ok(own.clone()),
            (Some(_), Some(text)) => Err(AppError::IdentityNotFound { kind, id: text.to_owned() }),
            (None, Some(text)) => AccountId::parse(text).ok_or_else(|| AppError::AccountNotFound(text.to_owned())),
            (None, None) => Err(AppError::BadRequest("`account_id` is required".into())),
        }
    }

    async fn write_identities(&self, account: &AccountId, writes: &[IdentityWrite]) -> AppResult<()> {
        let revision = match self.store.write_identities(account, writes, now_millis()).await {
            Err(StoreError::Stale { id, .. }) => {
                return Err(AppError::Conflict(format!("`{id}` changed while this request was being made; retry")));
            }
            other => other?,
        };
        self.caught_up(revision).await
    }

    // Users.

    /// `GET /v2/accounts/{account}/users`: a page of the account's users, oldest first, starting after `start`.
    pub async fn list_users(
        &self,
        caller: &Caller,
        account: &str,
        limit: usize,
        start: Option<&str>,
    ) -> AppResult<(Vec<User>, usize, Option<String>)> {
        let account = self.users_account(caller, account, "user-management.user.read").await?;
        let users = self.store.users(&account).await?;
        let total = users.len();
        let from = match start {
            None | Some("") => 0,
            Some(after) => users.iter().position(|user| user.iam_id == after).map_or(users.len(), |at| at + 1),
        };
        let page: Vec<User> = users.iter().skip(from).take(limit).cloned().collect();
        let next = (from + page.len() < total).then(|| page.last().map(|user| user.iam_id.clone())).flatten();
        Ok((page, total, next))
    }

    /// The account whose users the caller asks for, if it may perform `action` there: its administrator and the
    /// operator may; another identity of the account needs an access policy granting `action` on User Management.
    /// Another account is not found, as if it did not exist.
    async fn users_account(&self, caller: &Caller, account: &str, action: &str) -> AppResult<AccountId> {
        let id = AccountId::parse(account).ok_or_else(|| AppError::AccountNotFound(account.to_owned()))?;
        match may_manage_users(caller, &id) {
            Access::Allowed => Ok(id),
            Access::Hidden => Err(AppError::AccountNotFound(account.to_owned())),
            Access::Forbidden => {
                self.authorize(caller, action, crate::access::Target::Account).await?;
                Ok(id)
            }
        }
    }

    /// `POST /v2/accounts/{account}/users`: invites users by e-mail; each joins the account `ACTIVE` at once, with a
    /// new IAM id, joins the access groups `access` names and gets its access policies. Everything is checked before
    /// anything is written, and the users, memberships and policies are written in one transaction: an invitation
    /// happens whole or not at all.
    pub async fn invite_users(
        &self,
        caller: &Caller,
        account: &str,
        emails: &[String],
        access: &InviteAccess,
    ) -> AppResult<Vec<User>> {
        let account = self.users_account(caller, account, "user-management.user.create").await?;
        self.store.account(&account).await?.ok_or_else(|| AppError::AccountNotFound(account.to_string()))?;
        if emails.is_empty() {
            return Err(AppError::BadRequest("`users` must name at least one user".into()));
        }
        let existing = self.store.users(&account).await?;
        let now = now_millis();
        let mut invited: Vec<User> = Vec::new();
        for email in emails {
            let email = email.trim().to_ascii_lowercase();
            let well_formed = email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
            }) && email.len() <= 254
                && !email.chars().any(|c| c.is_whitespace() || c.is_control());
            if !well_formed {
                return Err(AppError::BadRequest(format!("`{email}` is not an e-mail address")));
            }
            if existing.iter().chain(&invited).any(|user| user.email.eq_ignore_ascii_case(&email)) {
                return Err(AppError::Conflict(format!("`{email}` is already a user of account `{account}`")));
            }
            let local = email.split('@').next().unwrap_or_default().to_owned();
            invited.push(UserRecord {
                account: account.clone(),
                iam_id: new_user_iam_id(),
                email,
                firstname: local,
                lastname: String::new(),
                state: "ACTIVE".to_owned(),
                administrator: false,
                added_on: now,
            });
        }
        if access.policies.is_empty() && access.access_groups.is_empty() {
            let writes: Vec<IdentityWrite> = invited.iter().cloned().map(IdentityWrite::InsertUser).collect();
            self.write_identities(&account, &writes).await?;
            return Ok(invited);
        }
        // Memberships are judged against the groups as they are when written, as every group write is.
        let _lock = self.group_writes.lock().await;
        let groups = self.invitation_groups(caller, &account, &access.access_groups).await?;
        let mut write = JointWrite::default();
        for user in &invited {
            for group_id in &groups {
                let member = Member {
                    iam_id: user.iam_id.clone(),
                    kind: MemberKind::User,
                    created_at: now,
                    created_by_id: caller.iam_id.clone(),
                };
                write.groups.push(AccessGroupWrite::InsertMember { group_id: group_id.clone(), member });
            }
            let mut fingerprints = Vec::new();
            for granted in &access.policies {
                let policy = self.invitation_policy(caller, &account, &user.iam_id, granted, now).await?;
                if fingerprints.contains(&policy.draft.fingerprint()) {
                    return Err(AppError::BadRequest(
                        "two policies of `iam_policy` grant the same resource; give each resource once, with all its \
                         roles"
                            .to_owned(),
                    ));
                }
                fingerprints.push(policy.draft.fingerprint());
                write.events.push(policy_event(caller, &policy, "iam.policy.create"));
                write.policies.push(PolicyWrite::Insert(policy));
            }
        }
        write.users = invited.clone();
        let revision = match self.store.write_access_groups_with(&account, &write, now).await {
            Err(StoreError::NotFound(id)) => {
                return Err(AppError::BadRequest(format!("`{id}` is not an access group of account `{account}`")));
            }
            other => other?,
        };
        self.caught_up(revision).await?;
        Ok(invited)
    }

    /// The access groups an invitation names, each once: groups of `account` the caller may add members to. Another
    /// account's group is refused exactly like a group that does not exist.
    async fn invitation_groups(&self, caller: &Caller, account: &AccountId, ids: &[String]) -> AppResult<Vec<String>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.authorize(caller, "iam-groups.members.add", crate::access::Target::Account).await?;
        let set = self.store.access_groups(account).await?;
        let mut groups: Vec<String> = Vec::with_capacity(ids.len());
        for id in ids {
            if id == PUBLIC_ACCESS_GROUP_ID {
                return Err(AppError::BadRequest(format!(
                    "`{id}` cannot be given members: every identity of the account is a member of the Public Access \
                     group"
                )));
            }
            if set.group(id).is_none() {
                return Err(AppError::BadRequest(format!("`{id}` is not an access group of account `{account}`")));
            }
            if !groups.contains(id) {
                groups.push(id.clone());
            }
        }
        if groups.len() > MAX_GROUPS_PER_MEMBER {
            return Err(AppError::BadRequest(format!(
                "`access_groups` names {} groups; a member can be a member of at most {MAX_GROUPS_PER_MEMBER} groups",
                groups.len()
            )));
        }
        Ok(groups)
    }

    /// The access policy an invitation's `iam_policy` entry gives the new user `iam_id`: checked as a policy created
    /// through the policy API would be (its content, its account, the caller's right to create it).
    async fn invitation_policy(
        &self,
        caller: &Caller,
        account: &AccountId,
        iam_id: &str,
        granted: &InvitePolicy,
        now: i64,
    ) -> AppResult<Policy> {
        let draft = UncheckedDraft {
            description: None,
            subject: vec![RawAttribute {
                key: "iam_id".to_owned(),
                operator: None,
                value: RawValue::Text(iam_id.to_owned()),
            }],
            resource: granted.resource.clone(),
            roles: granted.roles.clone(),
        };
        let draft = self.validate_draft(draft, Dialect::V1, PolicyKind::Access).await?;
        if &draft.owner != account {
            return Err(AppError::BadRequest(format!(
                "the resource `accountId` of an invitation's policy must be the account invited into, `{account}`; it \
                 is `{}`",
                draft.owner
            )));
        }
        self.require_on_policy(caller, "iam.policy.create", &draft).await?;
        Ok(Policy {
            id: uuid::Uuid::new_v4().to_string(),
            draft,
            state: PolicyState::Active,
            version: 1,
            created_at: Timestamp(now),
            created_by_id: caller.iam_id.clone(),
            last_modified_at: Timestamp(now),
            last_modified_by_id: caller.iam_id.clone(),
        })
    }

    /// `GET /v2/accounts/{account}/users/{iam_id}`.
    pub async fn user(&self, caller: &Caller, account: &str, iam_id: &str) -> AppResult<User> {
        let account = self.users_account(caller, account, "user-management.user.read").await?;
        self.store
            .users(&account)
            .await?
            .into_iter()
            .find(|user| user.iam_id == iam_id)
            .ok_or_else(|| AppError::IdentityNotFound { kind: "user", id: iam_id.to_owned() })
    }

    /// `PATCH /v2/accounts/{account}/users/{iam_id}`: changes the profile.
    pub async fn update_user(&self, caller: &Caller, account: &str, iam_id: &str, update: UserUpdate) -> AppResult<()> {
        self.users_account(caller, account, "user-management.user.update").await?;
        let mut user = self.user(caller, account, iam_id).await?;
        for (field, value) in [("firstname", &update.firstname), ("lastname", &update.lastname)] {
            if let Some(value) = value
                && (value.chars().count() > 100 || hubspoke_iam::text::forbidden_character(value, false).is_some())
            {
                return Err(AppError::BadRequest(format!("`{field}` must be up to 100 printable characters")));
            }
        }
        if let Some(state) = &update.state {
            // `PROCESSING` and `PENDING` are the system's states, which no client may set.
            if !matches!(state.as_str(), "ACTIVE" | "VPN_ONLY" | "DISABLED_CLASSIC_INFRASTRUCTURE") {
                return Err(AppError::BadRequest(format!(
                    "`state` is `{state}`; it must be ACTIVE, VPN_ONLY or DISABLED_CLASSIC_INFRASTRUCTURE"
                )));
            }
        }
        if let Some(email) = &update.email {
            let email = email.trim().to_ascii_lowercase();
            let others = self.store.users(&user.account).await?;
            if others.iter().any(|other| other.iam_id != user.iam_id && other.email == email) {
                return Err(AppError::Conflict(format!("`{email}` is already a user of account `{}`", user.account)));
            }
            if !email.contains('@') {
                return Err(AppError::BadRequest(format!("`{email}` is not an e-mail address")));
            }
            user.email = email;
        }
        user.firstname = update.firstname.unwrap_or(user.firstname);
        user.lastname = update.lastname.unwrap_or(user.lastname);
        user.state = update.state.unwrap_or(user.state);
        let account = user.account.clone();
        self.write_identities(&account, &[IdentityWrite::UpdateUser(user)]).await
    }

    /// `DELETE /v2/accounts/{account}/users/{iam_id}`: removes a user and its API keys. The administrator stays:
    /// without it nobody could manage the account.
    pub async fn remove_user(&self, caller: &Caller, account: &str, iam_id: &str) -> AppResult<()> {
        self.users_account(caller, account, "user-management.user.delete").await?;
        let user = self.user(caller, account, iam_id).await?;
        if user.administrator {
            return Err(AppError::BadRequest(format!(
                "`{iam_id}` is the account's administrator, who cannot be removed"
            )));
        }
        self.write_identities(&user.account, &[IdentityWrite::DeleteUser(user.iam_id.clone())]).await
    }

    /// Turns the self-service rule's answer into the operation's: what an identity may not do as itself, it may
    /// still do with an access policy granting `iam-identity.{action}` in its account (an IAM Identity Administrator,
    /// say). Another account's identity stays not found.
    async fn refuse(
        &self,
        access: Access,
        kind: &'static str,
        id: &str,
        action: &str,
        caller: &Caller,
    ) -> AppResult<()> {
        match access {
            Access::Allowed => Ok(()),
            Access::Hidden => Err(AppError::IdentityNotFound { kind, id: id.to_owned() }),
            Access::Forbidden if !matches!(caller.kind, hubspoke_iam::CallerKind::AccountIdentity { .. }) => {
                Err(AppError::Forbidden(format!("`{}` may not `iam-identity.{action}`", caller.iam_id)))
            }
            Access::Forbidden => {
                self.authorize(caller, &format!("iam-identity.{action}"), crate::access::Target::Account).await
            }
        }
    }

    // Service IDs.

    async fn visible_service_id(&self, caller: &Caller, id: &str, change: bool, action: &str) -> AppResult<ServiceId> {
        let not_found = || AppError::IdentityNotFound { kind: "service ID", id: id.to_owned() };
        let record = self.store.service_id(id).await?.ok_or_else(not_found)?;
        let iam_id = service_id_iam_id(&record.id);
        let target = Target { account: &record.account, iam_id: &iam_id, creator: Some(&record.created_by) };
        self.refuse(identity_access(caller, target, change), "service ID", id, action, caller).await?;
        Ok(record)
    }

    /// `POST /v1/serviceids`: creates a service ID, and with `apikey` its first key.
    pub async fn create_service_id(
        &self,
        caller: &Caller,
        new: NewServiceId,
    ) -> AppResult<(ServiceId, Option<CreatedKey>)> {
        let NewServiceId { account_id, name, description, unique_instance_crns, key, locked } = new;
        let (name, description) = (name.as_str(), description.as_deref());
        let account = self.identity_account(caller, account_id.as_deref(), "account")?;
        self.refuse(may_create_service_id(caller, &account), "account", account.as_str(), "serviceid.create", caller)
            .await?;
        self.store.account(&account).await?.ok_or_else(|| AppError::AccountNotFound(account.to_string()))?;
        check_text(Some(name), "service ID", description)?;
        let now = now_millis();
        let record = ServiceIdRecord {
            id: format!("{SERVICE_ID_PREFIX}{}", uuid::Uuid::new_v4()),
            account: account.clone(),
            name: name.trim().to_owned(),
            description: description.filter(|text| !text.is_empty()).map(str::to_owned),
            unique_instance_crns,
            locked,
            version: 1,
            created_by: caller.iam_id.clone(),
            created_at: now,
            modified_at: now,
        };
        let mut writes = vec![IdentityWrite::InsertServiceId(record.clone())];
        let created = match key {
            None => None,
            Some(input) => {
                let (created, digest) =
                    self.new_key(caller, &account, &service_id_iam_id(&record.id), input, now).await?;
                writes.push(IdentityWrite::InsertKey { record: created.key.clone(), digest });
                Some(created)
            }
        };
        self.write_identities(&account, &writes).await?;
        Ok((record, created))
    }

    /// `GET /v1/serviceids`: the account's service IDs the caller may read, optionally those named `name`.
    pub async fn list_service_ids(
        &self,
        caller: &Caller,
        account_id: Option<&str>,
        name: Option<&str>,
        order: &ListOrder,
        pagesize: Option<usize>,
        pagetoken: Option<&str>,
    ) -> AppResult<PositionPage<ServiceId>> {
        let account = self.identity_account(caller, account_id, "account")?;
        let mut items: Vec<ServiceId> = self
            .store
            .service_ids(&account)
            .await?
            .into_iter()
            .filter(|record| name.is_none_or(|name| record.name == name))
            .filter(|record| {
                let iam_id = service_id_iam_id(&record.id);
                let target = Target { account: &record.account, iam_id: &iam_id, creator: Some(&record.created_by) };
                identity_access(caller, target, false) == Access::Allowed
            })
            .collect();
        if let Some(field) = order.sort.as_deref()
            && !matches!(field, "name" | "description" | "created_at" | "modified_at")
        {
            return Err(AppError::InvalidParameter {
                name: "sort",
                message: format!("`sort` is `{field}`; it must be name, description, created_at or modified_at"),
            });
        }
        sorted(&mut items, order, |record, field| match field {
            "name" => record.name.to_lowercase(),
            "description" => record.description.clone().unwrap_or_default().to_lowercase(),
            "modified_at" => format!("{:020}", record.modified_at),
            _ => format!("{:020}", record.created_at),
        });
        page(items, pagesize, pagetoken)
    }

    /// `GET /v1/serviceids/{id}`.
    pub async fn service_id(&self, caller: &Caller, id: &str) -> AppResult<ServiceId> {
        self.visible_service_id(caller, id, false, "serviceid.get").await
    }

    /// `PUT /v1/serviceids/{id}`: `If-Match` names the entity tag (or `*`).
    pub async fn update_service_id(
        &self,
        caller: &Caller,
        id: &str,
        precondition: &Precondition,
        update: ServiceIdUpdate,
    ) -> AppResult<ServiceId> {
        let current = self.visible_service_id(caller, id, true, "serviceid.update").await?;
        precondition.check(&format!("the service ID `{id}`"), &entity_tag(&current.id, current.version))?;
        if current.locked {
            return Err(AppError::Locked(format!("the service ID `{id}`")));
        }
        check_text(update.name.as_deref(), "service ID", update.description.as_deref())?;
        let mut record = current.clone();
        if let Some(name) = update.name {
            record.name = name.trim().to_owned();
        }
        if let Some(description) = update.description {
            record.description = Some(description).filter(|text| !text.is_empty());
        }
        if let Some(crns) = update.unique_instance_crns {
            record.unique_instance_crns = crns;
        }
        record.version += 1;
        record.modified_at = now_millis();
        let write = IdentityWrite::UpdateServiceId { record: record.clone(), expected: current.version };
        self.write_identities(&current.account, &[write]).await?;
        Ok(record)
    }

    /// `DELETE /v1/serviceids/{id}`: deletes the service ID and its API keys.
    pub async fn delete_service_id(&self, caller: &Caller, id: &str) -> AppResult<()> {
        let current = self.visible_service_id(caller, id, true, "serviceid.delete").await?;
        if current.locked {
            return Err(AppError::Locked(format!("the service ID `{id}`")));
        }
        self.write_identities(&current.account, &[IdentityWrite::DeleteServiceId(current.id.clone())]).await
    }

    /// `POST`/`DELETE /v1/serviceids/{id}/lock`.
    pub async fn lock_service_id(&self, caller: &Caller, id: &str, locked: bool) -> AppResult<()> {
        let current = self.visible_service_id(caller, id, true, "serviceid.update").await?;
        if current.locked == locked {
            return Ok(());
        }
        let record =
            ServiceIdRecord { locked, version: current.version + 1, modified_at: now_millis(), ..current.clone() };
        let write = IdentityWrite::UpdateServiceId { record, expected: current.version };
        self.write_identities(&current.account, &[write]).await
    }

    // API keys.

    /// Who may act on keys of `iam_id` in `account`: the creator of a service ID administers its keys.
    async fn key_target_creator(&self, account: &AccountId, iam_id: &str) -> AppResult<Option<String>> {
        Ok(match service_id_entity(iam_id) {
            Some(entity) => {
                self.store.service_id(entity).await?.filter(|record| &record.account == account).map(|r| r.created_by)
            }
            None => None,
        })
    }

    async fn visible_key(&self, caller: &Caller, id: &str, change: bool, action: &str) -> AppResult<ApiKey> {
        let not_found = || AppError::IdentityNotFound { kind: "API key", id: id.to_owned() };
        let key = self.store.identity_key(id).await?.ok_or_else(not_found)?;
        let creator = self.key_target_creator(&key.account, &key.iam_id).await?;
        let target = Target { account: &key.account, iam_id: &key.iam_id, creator: creator.as_deref() };
        self.refuse(identity_access(caller, target, change), "API key", id, action, caller).await?;
        Ok(key)
    }

    /// Builds a new key for `iam_id` (checked to exist in `account`) and its digest; nothing is written.
    async fn new_key(
        &self,
        caller: &Caller,
        account: &AccountId,
        iam_id: &str,
        input: KeyInput,
        now: i64,
    ) -> AppResult<(CreatedKey, String)> {
        check_text(Some(&input.name), "API key", input.description.as_deref())?;
        let kind = kind_of_iam_id(iam_id).ok_or_else(|| {
            AppError::BadRequest(format!("`iam_id` `{iam_id}` names neither a user nor a service ID"))
        })?;
        if input.store_value && kind == IdentityKind::User {
            return Err(AppError::BadRequest("`store_value` is only for the API keys of service IDs".into()));
        }
        let action_when_leaked = check_leak_action(input.action_when_leaked.as_deref())?;
        if let Some(expiry) = &input.expires_at {
            check_expiry(expiry)?;
        }
        let secret = match input.apikey {
            Some(chosen) => {
                let well_formed = chosen.len() >= MIN_CHOSEN_SECRET
                    && chosen.len() <= 128
                    && chosen.bytes().all(|b| b.is_ascii_graphic())
                    && !chosen.starts_with('-');
                if !well_formed {
                    return Err(AppError::BadRequest(format!(
                        "a chosen `apikey` must be {MIN_CHOSEN_SECRET} to 128 printable characters, not starting with `-`"
                    )));
                }
                if self.store.api_key(&api_key_digest(&chosen)).await?.is_some() {
                    return Err(AppError::Conflict("this `apikey` value is already in use; choose another".into()));
                }
                chosen
            }
            None => generate_api_key(),
        };
        let key = IdentityKeyRecord {
            id: format!("{API_KEY_PREFIX}{}", uuid::Uuid::new_v4()),
            account: account.clone(),
            iam_id: iam_id.to_owned(),
            name: input.name.trim().to_owned(),
            description: input.description.filter(|text| !text.is_empty()),
            created_by: caller.iam_id.clone(),
            locked: input.locked,
            version: 1,
            created_at: now,
            modified_at: now,
            stored_value: input.store_value.then(|| secret.clone()),
            action_when_leaked,
            expires_at: input.expires_at,
            support_sessions: input.support_sessions,
        };
        let digest = api_key_digest(&secret);
        Ok((CreatedKey { key, secret }, digest))
    }

    /// `POST /v1/apikeys`: a key for the user or service ID `iam_id` of the caller's account (or of `account_id`).
    pub async fn create_api_key(
        &self,
        caller: &Caller,
        account_id: Option<&str>,
        iam_id: &str,
        input: KeyInput,
    ) -> AppResult<CreatedKey> {
        let account = self.identity_account(caller, account_id, "account")?;
        let exists = match kind_of_iam_id(iam_id) {
            Some(IdentityKind::User) => self.store.users(&account).await?.iter().any(|user| user.iam_id == iam_id),
            Some(IdentityKind::ServiceId) => match service_id_entity(iam_id) {
                Some(entity) => self.store.service_id(entity).await?.is_some_and(|record| record.account == account),
                None => false,
            },
            None => false,
        };
        if !exists {
            return Err(AppError::IdentityNotFound { kind: "identity", id: iam_id.to_owned() });
        }
        let creator = self.key_target_creator(&account, iam_id).await?;
        let target = Target { account: &account, iam_id, creator: creator.as_deref() };
        let action =
            if kind_of_iam_id(iam_id) == Some(IdentityKind::User) { "user-apikey.create" } else { "apikey.create" };
        self.refuse(identity_access(caller, target, true), "identity", iam_id, action, caller).await?;
        let (created, digest) = self.new_key(caller, &account, iam_id, input, now_millis()).await?;
        self.write_identities(&account, &[IdentityWrite::InsertKey { record: created.key.clone(), digest }]).await?;
        Ok(created)
    }

    /// `GET /v1/apikeys`: the keys the caller may read, by identity or across the account.
    pub async fn list_api_keys(
        &self,
        caller: &Caller,
        filter: &KeyFilter,
        order: &ListOrder,
        pagesize: Option<usize>,
        pagetoken: Option<&str>,
    ) -> AppResult<PositionPage<ApiKey>> {
        let account = self.identity_account(caller, filter.account_id.as_deref(), "account")?;
        let wanted_iam_id = match (&filter.iam_id, filter.scope_account) {
            (Some(iam_id), _) => Some(iam_id.clone()),
            (None, true) => None,
            (None, false) => Some(caller.iam_id.clone()),
        };
        let mut items = Vec::new();
        for key in self.store.identity_keys(&account).await? {
            if wanted_iam_id.as_ref().is_some_and(|wanted| &key.iam_id != wanted) {
                continue;
            }
            if filter.kind.is_some_and(|kind| kind_of_iam_id(&key.iam_id) != Some(kind)) {
                continue;
            }
            let creator = self.key_target_creator(&account, &key.iam_id).await?;
            let target = Target { account: &key.account, iam_id: &key.iam_id, creator: creator.as_deref() };
            if identity_access(caller, target, false) == Access::Allowed {
                items.push(key);
            }
        }
        if let Some(field) = order.sort.as_deref()
            && !matches!(field, "name" | "description" | "created_at" | "created_by")
        {
            return Err(AppError::InvalidParameter {
                name: "sort",
                message: format!("`sort` is `{field}`; it must be name, description, created_at or created_by"),
            });
        }
        sorted(&mut items, order, |key, field| match field {
            "name" => key.name.to_lowercase(),
            "description" => key.description.clone().unwrap_or_default().to_lowercase(),
            "created_by" => key.created_by.clone(),
            _ => format!("{:020}", key.created_at),
        });
        page(items, pagesize, pagetoken)
    }

    /// `GET /v1/apikeys/details`: the key whose secret is `secret`. Whoever holds a key's secret may read its
    /// details, but only within the caller's own account: another account's key reads as unknown.
    pub async fn api_key_details(&self, caller: &Caller, secret: &str) -> AppResult<ApiKey> {
        let not_found = || AppError::IdentityNotFound { kind: "API key", id: "given in `IAM-ApiKey`".to_owned() };
        let key = self.store.identity_key_by_digest(&api_key_digest(secret)).await?.ok_or_else(not_found)?;
        match caller.account() {
            Some(own) if own != &key.account => Err(not_found()),
            _ => Ok(key),
        }
    }

    /// `GET /v1/apikeys/{id}`.
    pub async fn api_key(&self, caller: &Caller, id: &str) -> AppResult<ApiKey> {
        self.visible_key(caller, id, false, "apikey.get").await
    }

    /// `PUT /v1/apikeys/{id}`: `If-Match` names the entity tag (or `*`).
    pub async fn update_api_key(
        &self,
        caller: &Caller,
        id: &str,
        precondition: &Precondition,
        update: KeyUpdate,
    ) -> AppResult<ApiKey> {
        let current = self.visible_key(caller, id, true, "apikey.update").await?;
        precondition.check(&format!("the API key `{id}`"), &entity_tag(&current.id, current.version))?;
        if current.locked {
            return Err(AppError::Locked(format!("the API key `{id}`")));
        }
        check_text(update.name.as_deref(), "API key", update.description.as_deref())?;
        let mut record = current.clone();
        if let Some(name) = update.name {
            record.name = name.trim().to_owned();
        }
        if let Some(description) = update.description {
            record.description = Some(description).filter(|text| !text.is_empty());
        }
        if let Some(action) = update.action_when_leaked {
            record.action_when_leaked = check_leak_action(Some(&action))?;
        }
        if let Some(expiry) = update.expires_at {
            if !expiry.is_empty() {
                check_expiry(&expiry)?;
            }
            record.expires_at = Some(expiry).filter(|text| !text.is_empty());
        }
        if let Some(flag) = update.support_sessions {
            record.support_sessions = flag;
        }
        record.version += 1;
        record.modified_at = now_millis();
        let write = IdentityWrite::UpdateKey { record: record.clone(), expected: current.version };
        self.write_identities(&current.account, &[write]).await?;
        Ok(record)
    }

    /// `DELETE /v1/apikeys/{id}`: the key stops authenticating; tokens already issued stay valid until they expire.
    pub async fn delete_api_key(&self, caller: &Caller, id: &str) -> AppResult<()> {
        let current = self.visible_key(caller, id, true, "apikey.delete").await?;
        if current.locked {
            return Err(AppError::Locked(format!("the API key `{id}`")));
        }
        self.write_identities(&current.account, &[IdentityWrite::DeleteKey(current.id.clone())]).await
    }

    /// `POST`/`DELETE /v1/apikeys/{id}/lock`.
    pub async fn lock_api_key(&self, caller: &Caller, id: &str, locked: bool) -> AppResult<()> {
        let current = self.visible_key(caller, id, true, "apikey.update").await?;
        if current.locked == locked {
            return Ok(());
        }
        let record =
            IdentityKeyRecord { locked, version: current.version + 1, modified_at: now_millis(), ..current.clone() };
        let write = IdentityWrite::UpdateKey { record, expected: current.version };
        self.write_identities(&current.account, &[write]).await
    }

    /// The names a token carries for `caller`: a user's profile, a service ID's name. `None` for the operator.
    pub async fn token_profile(&self, caller: &Caller) -> AppResult<Option<TokenProfile>> {
        let Some(account) = caller.account() else { return Ok(None) };
        Ok(match caller.identity_kind() {
            Some(IdentityKind::User) => {
                self.store.users(account).await?.into_iter().find(|user| user.iam_id == caller.iam_id).map(|user| {
                    TokenProfile {
                        name: format!("{} {}", user.firstname, user.lastname).trim().to_owned(),
                        email: Some(user.email),
                        given_name: Some(user.firstname),
                        family_name: Some(user.lastname),
                    }
                })
            }
            Some(IdentityKind::ServiceId) => match service_id_entity(&caller.iam_id) {
                Some(entity) => self.store.service_id(entity).await?.map(|record| TokenProfile {
                    name: record.name,
                    email: None,
                    given_name: None,
                    family_name: None,
                }),
                None => None,
            },
            None => None,
        })
    }
}

/// What a token says of who its bearer is, beyond the IAM id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenProfile {
    /// A user's full name, or a service ID's name.
    pub name: String,
    /// A user's e-mail address.
    pub email: Option<String>,
    /// A user's given name.
    pub given_name: Option<String>,
    /// A user's family name.
    pub family_name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_tags_change_with_the_version() {
        let first = entity_tag("ServiceId-1", 1);
        assert!(first.starts_with("1-") && first.len() == 34, "{first}");
        assert_ne!(first, entity_tag("ServiceId-1", 2));
        assert_ne!(first, entity_tag("ServiceId-2", 1));
    }

    #[test]
    fn user_iam_ids_look_like_ibms() {
        let iam_id = new_user_iam_id();
        assert!(iam_id.starts_with("IBMid-") && iam_id.len() == 16, "{iam_id}");
        assert!(iam_id[6..].bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
    }

    #[test]
    fn expiry_and_leak_actions() {
        assert!(check_expiry("2030-01-31T12:00+0000").is_ok());
        for bad in ["2030-01-31T12:00Z", "2030-01-31", "2030-01-31T12:00:00+0000", ""] {
            assert!(check_expiry(bad).is_err(), "{bad}");
        }
        assert_eq!(check_leak_action(None).unwrap(), "disable");
        assert_eq!(check_leak_action(Some("DELETE")).unwrap(), "delete");
        assert!(check_leak_action(Some("explode")).is_err());
    }

    #[test]
    fn pages_by_position() {
        let first = page((0..5).collect::<Vec<_>>(), Some(2), None).unwrap();
        assert_eq!((first.items, first.more), (vec![0, 1], true));
        let last = page((0..5).collect::<Vec<_>>(), Some(2), Some("4")).unwrap();
        assert_eq!((last.items, last.more), (vec![4], false));
        assert!(page((0..5).collect::<Vec<_>>(), Some(0), None).is_err());
        assert!(page((0..5).collect::<Vec<_>>(), None, Some("x")).is_err());
    }
}
