//! Identity: API keys (stored as digests), accounts with their administrator, the operator's key and the token
//! signing key.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hubspoke_iam::authority::may_manage_accounts;
use hubspoke_iam::identity::kind_of_iam_id;
use hubspoke_iam::text::{describe, forbidden_character};
use hubspoke_iam::{AccountId, Caller, CallerKind};
use hubspoke_store::{
    AccountRecord, ApiKeyRecord, IdentityKeyRecord, KeyOwner, Revision, SigningKeyRecord, UserRecord,
};
use rand::RngCore;
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use sha2::{Digest, Sha256};

use crate::{App, AppError, AppResult, now_millis};

/// The IAM id of the operator.
pub const OPERATOR_IAM_ID: &str = "iam-hubspoke-operator";

/// Longest account name, in characters.
pub const MAX_ACCOUNT_NAME_CHARS: usize = 100;

/// An account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// The account id.
    pub id: AccountId,
    /// Its display name.
    pub name: String,
    /// Creation time, milliseconds since the epoch.
    pub created_at: i64,
}

impl From<AccountRecord> for Account {
    fn from(record: AccountRecord) -> Account {
        Account { id: record.id, name: record.name, created_at: record.created_at }
    }
}

/// An account's IAM settings. hubspoke enforces none of IBM's optional restrictions (MFA, IP allow lists, session
/// limits), so every setting reads as not set; only the account id and the entity tag vary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountSettings {
    /// The account.
    pub account: AccountId,
    /// The settings' version, which `If-Match` would name on an update.
    pub entity_tag: String,
}

/// A freshly created account with the only copy of its administrator's API key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAccount {
    /// The account.
    pub account: Account,
    /// The administrator's API key in clear; only its digest is stored.
    pub api_key: String,
}

/// A new random API key: 32 random bytes, base64url without padding (43 characters).
///
/// A key that would begin with `-` is drawn again: pasted after `--apikey` in a shell, such a key reads as an option
/// to most command-line parsers, ours and `ibmcloud`'s alike. That costs under one bit of the key's 256.
pub fn generate_api_key() -> String {
    loop {
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let key = URL_SAFE_NO_PAD.encode(bytes);
        if !key.starts_with('-') {
            return key;
        }
    }
}

/// The shortest API key an operator may choose; generated keys are 43 characters.
const MIN_CHOSEN_API_KEY: usize = 16;

/// A chosen API key is 16 to 128 characters of the URL-safe alphabet generated keys use, and does not start with `-`
/// (the CLI would read it as a flag).
fn check_chosen_api_key(key: &str) -> AppResult<()> {
    let well_formed = (MIN_CHOSEN_API_KEY..=128).contains(&key.len())
        && !key.starts_with('-')
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if well_formed {
        return Ok(());
    }
    Err(AppError::BadRequest(format!(
        "a chosen API key must be {MIN_CHOSEN_API_KEY} to 128 characters of letters, digits, `-` and `_`, not starting with `-`"
    )))
}

/// The digest under which an API key is stored. API keys are 256-bit random strings, so a plain SHA-256 is enough:
/// there is nothing to brute-force that would be cheaper than guessing the key itself.
pub fn api_key_digest(api_key: &str) -> String {
    hex::encode(Sha256::digest(api_key.as_bytes()))
}

/// The IAM id of an account's administrator, the user the operator's account creation makes. It keeps the form
/// hubspoke has always given it, so that the records that name it (policies' `created_by_id`, events) stay true.
pub fn administrator_iam_id(account: &AccountId) -> String {
    format!("IBMid-admin-{account}")
}

/// The administrator's e-mail address: under `.invalid`, a domain that can never receive mail, since hubspoke sends
/// none and the address must not be anybody's.
pub fn administrator_email(account: &AccountId) -> String {
    format!("admin-{account}@hubspoke.invalid")
}

/// The administrator's first API key, which authenticates it from the account's creation on. Its id is the account id
/// laid out as a UUID, the same id the migration gives the keys of accounts created before keys had ids.
fn administrator_key(account: &AccountRecord, iam_id: &str) -> IdentityKeyRecord {
    let id = account.id.as_str();
    IdentityKeyRecord {
        id: format!("ApiKey-{}-{}-{}-{}-{}", &id[..8], &id[8..12], &id[12..16], &id[16..20], &id[20..]),
        account: account.id.clone(),
        iam_id: iam_id.to_owned(),
        name: "administrator".to_owned(),
        description: Some("The key the account was created with".to_owned()),
        created_by: iam_id.to_owned(),
        locked: false,
        version: 1,
        created_at: account.created_at,
        modified_at: account.created_at,
        stored_value: None,
        action_when_leaked: "disable".to_owned(),
        expires_at: None,
        support_sessions: false,
    }
}

impl App {
    /// Makes sure the operator's API key is known (it comes from the environment or a generated file).
    pub async fn ensure_operator_key(&self, api_key: &str) -> AppResult<()> {
        let record = ApiKeyRecord {
            digest: api_key_digest(api_key),
            iam_id: OPERATOR_IAM_ID.to_owned(),
            owner: KeyOwner::Operator,
            created_at: now_millis(),
        };
        Ok(self.store.ensure_operator_key(&record).await?)
    }

    /// The caller an API key authenticates, or [`AppError::UnknownApiKey`].
    pub async fn authenticate_api_key(&self, api_key: &str) -> AppResult<Caller> {
        let record = self.store.api_key(&api_key_digest(api_key)).await?.ok_or(AppError::UnknownApiKey)?;
        let kind = match record.owner {
            KeyOwner::Operator => CallerKind::Operator,
            KeyOwner::AccountAdministrator(account) => CallerKind::AccountAdministrator(account),
            KeyOwner::AccountIdentity(account) => {
                let kind = kind_of_iam_id(&record.iam_id).ok_or_else(|| {
                    AppError::Internal(format!("an API key authenticates `{}`, which is no identity", record.iam_id))
                })?;
                CallerKind::AccountIdentity { account, kind }
            }
        };
        Ok(Caller { iam_id: record.iam_id, kind, region: None })
    }

    /// Creates an account and its administrator's API key (operator only).
    pub async fn create_account(
        &self,
        caller: &Caller,
        name: &str,
        id: Option<&str>,
        api_key: Option<&str>,
    ) -> AppResult<(NewAccount, Revision)> {
        if !may_manage_accounts(caller) {
            return Err(AppError::Forbidden("only the operator may create accounts".into()));
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_ACCOUNT_NAME_CHARS {
            return Err(AppError::BadRequest(format!(
                "the account name `{name}` must be 1 to {MAX_ACCOUNT_NAME_CHARS} characters"
            )));
        }
        if let Some(character) = forbidden_character(name, false) {
            return Err(AppError::BadRequest(format!(
                "the account name contains the character {}, which a name may not hold",
                describe(character)
            )));
        }
        // An explicit id lets a user reproduce documents that name real account ids (`e38cfd44…` in IBM's DNS sharing guide).
        let id = match id {
            Some(text) => AccountId::parse(text).ok_or_else(|| {
                AppError::BadRequest(format!("the account id `{text}` must be 32 lowercase hexadecimal characters"))
            })?,
            None => {
                let mut bytes = [0u8; 16];
                rand::thread_rng().fill_bytes(&mut bytes);
                AccountId::from_bytes(bytes)
            }
        };
        if self.store.account(&id).await?.is_some() {
            return Err(AppError::AccountExists(id.to_string()));
        }
        let account = AccountRecord { id, name: name.to_owned(), created_at: now_millis() };
        let api_key = match api_key {
            // A chosen key lets fixtures (`serve --init`, test suites) name the key they will use; it is still only
            // stored as its digest.
            Some(chosen) => {
                check_chosen_api_key(chosen)?;
                if self.store.api_key(&api_key_digest(chosen)).await?.is_some() {
                    return Err(AppError::BadRequest("this API key is already in use; choose another".into()));
                }
                chosen.to_owned()
            }
            None => generate_api_key(),
        };
        let administrator = UserRecord {
            account: account.id.clone(),
            iam_id: administrator_iam_id(&account.id),
            email: administrator_email(&account.id),
            firstname: "Account".to_owned(),
            lastname: "Administrator".to_owned(),
            state: "ACTIVE".to_owned(),
            administrator: true,
            added_on: account.created_at,
        };
        let key = administrator_key(&account, &administrator.iam_id);
        let revision = self.store.create_account(&account, &administrator, &key, &api_key_digest(&api_key)).await?;
        self.caught_up(revision).await?;
        Ok((NewAccount { account: account.into(), api_key }, revision))
    }

    /// Every account (operator only).
    pub async fn list_accounts(&self, caller: &Caller) -> AppResult<Vec<Account>> {
        if !may_manage_accounts(caller) {
            return Err(AppError::Forbidden("only the operator may list accounts".into()));
        }
        Ok(self.store.list_accounts().await?.into_iter().map(Account::from).collect())
    }

    /// One account: the operator may see any, an administrator only their own.
    pub async fn account(&self, caller: &Caller, id: &AccountId) -> AppResult<Option<Account>> {
        if !caller.is_operator() && caller.account() != Some(id) {
            return Ok(None);
        }
        Ok(self.store.account(id).await?.map(Account::from))
    }

    /// `GET /v1/accounts/{id}/settings/identity`: the caller's own account's IAM settings (the operator may read any
    /// account's). Another account's are refused with 403 whether or not it exists: account ids are not secret (every
    /// CRN shows one), and IAM Identity refuses because the caller holds no access in that account.
    pub async fn account_settings(&self, caller: &Caller, id: &str) -> AppResult<AccountSettings> {
        let account = match caller.account() {
            Some(own) if own.as_str() == id => own.clone(),
            Some(_) => {
                return Err(AppError::Forbidden(format!(
                    "the settings of account `{id}` are readable only by that account's identities"
                )));
            }
            None => AccountId::parse(id).ok_or_else(|| AppError::AccountNotFound(id.to_owned()))?,
        };
        self.store.account(&account).await?.ok_or_else(|| AppError::AccountNotFound(id.to_owned()))?;
        // hubspoke has no way to change these settings, so every account keeps their first version.
        Ok(AccountSettings { account, entity_tag: "1".to_owned() })
    }

    /// The key tokens are signed with, generated (RSA 2048) and stored on first use.
    pub async fn signing_key(&self) -> AppResult<SigningKeyRecord> {
        if let Some(key) = self.store.signing_key().await? {
            return Ok(key);
        }
        let candidate = tokio::task::spawn_blocking(|| -> AppResult<SigningKeyRecord> {
            let key = generate_signing_key()
                .map_err(|e| AppError::Internal(format!("generating the token signing key: {e}")))?;
            let pem = key
                .to_pkcs8_pem(LineEnding::LF)
                .map_err(|e| AppError::Internal(format!("encoding the token signing key: {e}")))?;
            let mut kid = [0u8; 8];
            rand::thread_rng().fill_bytes(&mut kid);
            Ok(SigningKeyRecord { kid: format!("hubspoke-{}", hex::encode(kid)), private_key_pem: pem.to_string() })
        })
        .await
        .map_err(|e| AppError::Internal(format!("generating the token signing key: {e}")))??;
        Ok(self.store.signing_key_or_insert(&candidate, now_millis()).await?)
    }
}

/// A 2048-bit RSA key (public exponent 65537) from two 1024-bit primes searched for on every core at once (up to
/// four): the search is most of a new database's start, and two searchers find two primes in about half the time one
/// takes. Each candidate is random with its two top bits set (so the product has exactly 2048 bits) and odd, and
/// passes the same probable-prime test the RSA crate's own generator applies.
fn generate_signing_key() -> Result<rsa::RsaPrivateKey, String> {
    use std::sync::atomic::{AtomicBool, Ordering};

    let searchers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(2, 4);
    let done = AtomicBool::new(false);
    let (found, primes) = std::sync::mpsc::channel::<rsa::BigUint>();
    std::thread::scope(|scope| {
        for _ in 0..searchers {
            let (found, done) = (found.clone(), &done);
            scope.spawn(move || {
                let mut random = rand::thread_rng();
                let mut candidate = [0u8; 128];
                // Stops within one candidate's test once the key is made.
                while !done.load(Ordering::Relaxed) {
                    random.fill_bytes(&mut candidate);
                    candidate[0] |= 0xc0;
                    candidate[127] |= 1;
                    let candidate = rsa::BigUint::from_bytes_be(&candidate);
                    if num_bigint_dig::prime::probably_prime(&candidate, 20) && found.send(candidate).is_err() {
                        return;
                    }
                }
            });
        }
        drop(found);
        let exponent = rsa::BigUint::from(65_537u32);
        let mut pair: Vec<rsa::BigUint> = Vec::with_capacity(2);
        for prime in primes.iter() {
            if pair.contains(&prime) {
                continue;
            }
            pair.push(prime);
            if pair.len() < 2 {
                continue;
            }
            // Two primes fail only when 65537 divides one of them less one; the next prime found replaces the pair.
            if let Ok(key) = rsa::RsaPrivateKey::from_primes(std::mem::take(&mut pair), exponent.clone()) {
                done.store(true, Ordering::Relaxed);
                return Ok(key);
            }
        }
        // Only a searcher that failed ends its search before the key is made.
        Err("the prime searchers stopped".to_owned())
    })
}

#[cfg(test)]
mod tests {
    use rsa::traits::{PrivateKeyParts, PublicKeyParts};

    use super::{generate_api_key, generate_signing_key};

    #[test]
    fn signing_keys_are_valid_2048_bit_keys_and_never_repeat() {
        let (first, second) = (generate_signing_key().unwrap(), generate_signing_key().unwrap());
        for key in [&first, &second] {
            key.validate().unwrap();
            assert_eq!(key.n().bits(), 2048);
            assert_eq!(key.e(), &rsa::BigUint::from(65_537u32));
            assert_eq!(key.primes().len(), 2);
        }
        assert_ne!(first.n(), second.n());
    }

    #[test]
    fn api_keys_never_begin_with_a_hyphen() {
        // One key in 64 would begin with `-` if nothing prevented it; 2000 draws would all but surely meet one.
        for _ in 0..2000 {
            let key = generate_api_key();
            assert_eq!(key.len(), 43);
            assert!(!key.starts_with('-'), "{key}");
        }
    }
}
