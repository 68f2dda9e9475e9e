//! Access tokens: RS256 JWTs shaped like IBM's, signed with the key kept in the store, and the JWKS that publishes it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hubspoke_app::identities::TokenProfile;
use hubspoke_iam::identity::{IdentityKind, kind_of_iam_id, service_id_entity};
use hubspoke_iam::{AccountId, Caller, CallerKind};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// How long an access token lives, in seconds (IBM: at most 60 minutes).
pub const TOKEN_LIFETIME_SECONDS: i64 = 3600;

/// The `account` claim.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccountClaim {
    /// Always true for hubspoke accounts.
    pub valid: bool,
    /// The account id (empty for the operator, which has no account).
    pub bss: String,
}

/// The claims of an access token: IBM's plus `hubspoke_role`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The IAM id.
    pub iam_id: String,
    /// The same as `iam_id`; Terraform requires it.
    pub id: String,
    /// `IBMid` for users, `iam` for service IDs, `hubspoke` for the operator.
    pub realmid: String,
    /// A user's IBMid without its `IBMid-` prefix; a service ID's `ServiceId-…` id.
    pub identifier: String,
    /// The subject: a user's e-mail address, a service ID's `ServiceId-…` id.
    pub sub: String,
    /// `user` for users, `ServiceId` for service IDs and the operator.
    pub sub_type: String,
    /// The account.
    pub account: AccountClaim,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Expires at, seconds since the epoch.
    pub exp: i64,
    /// The issuer.
    pub iss: String,
    /// How the token was obtained.
    pub grant_type: String,
    /// Always `ibm openid`.
    pub scope: String,
    /// `bx` when the client authenticated as `bx:bx` (the CLI and Terraform), otherwise `default`.
    pub client_id: String,
    /// A unique token id.
    pub jti: String,
    /// `operator`, `administrator` or `identity` (any other user or service ID): what the bearer may do in hubspoke.
    pub hubspoke_role: String,
    /// A user's full name or a service ID's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A user's e-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A user's given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// A user's family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// How a service ID authenticated: its subject, IAM id, kind and name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authn: Option<Authn>,
}

/// The `authn` claim of a service ID's token.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Authn {
    /// `ServiceId-…`.
    pub sub: String,
    /// `iam-ServiceId-…`.
    pub iam_id: String,
    /// `ServiceId`.
    pub sub_type: String,
    /// The service ID's name.
    pub name: String,
}

/// Why a token was refused; the client only ever sees `invalid_token`.
#[derive(Debug)]
pub struct InvalidToken(pub String);

/// Issues and verifies tokens.
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    kid: String,
    issuer: String,
    jwk: Value,
    verified: VerifiedTokens,
}

/// The token service once the signing key is there. A new database (every `--ephemeral` one) generates its RSA key
/// while the server already listens and reports ready; only what needs the key (a token exchange, a token check, the
/// JWKS) waits for it, a fraction of a second at most. While the database holding the key cannot be reached, those
/// requests are refused as the database's other readers are, and the server keeps asking for the key.
#[derive(Default)]
pub struct Tokens {
    service: std::sync::OnceLock<Result<TokenService, String>>,
    /// Why the key could not be read just now, while it is being asked for again.
    unreachable: std::sync::Mutex<Option<String>>,
    arrived: tokio::sync::Notify,
}

/// Why a request cannot have the token service.
#[derive(Debug, PartialEq, Eq)]
pub enum Missing<'a> {
    /// The key could not be had; the server stops.
    Failed(&'a str),
    /// The database holding the key cannot be reached now; the server keeps asking.
    Unreachable(String),
}

impl Tokens {
    /// Tokens whose service is already there.
    pub fn ready(service: TokenService) -> Tokens {
        let tokens = Tokens::default();
        tokens.arrive(Ok(service));
        tokens
    }

    /// Hands over the service, or why there is none (every waiting request then fails with it). Only the first call
    /// counts.
    pub fn arrive(&self, service: Result<TokenService, String>) {
        let _ = self.service.set(service);
        self.arrived.notify_waiters();
    }

    /// Fails the requests waiting for the key, and those that ask until it arrives, with `reason`: the database
    /// holding it cannot be reached now.
    pub fn unreachable(&self, reason: String) {
        *self.unreachable.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(reason);
        self.arrived.notify_waiters();
    }

    fn unreachable_reason(&self) -> Option<String> {
        self.unreachable.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// The service, once it has arrived.
    pub async fn get(&self) -> Result<&TokenService, Missing<'_>> {
        loop {
            if let Some(service) = self.service.get() {
                return service.as_ref().map_err(|reason| Missing::Failed(reason));
            }
            if let Some(reason) = self.unreachable_reason() {
                return Err(Missing::Unreachable(reason));
            }
            // Registered before the second look, so that an arrival between the two cannot be missed.
            let arrival = self.arrived.notified();
            tokio::pin!(arrival);
            arrival.as_mut().enable();
            if self.service.get().is_none() && self.unreachable_reason().is_none() {
                arrival.await;
            }
        }
    }
}

/// Tokens whose signature was already checked, with their expiry. Checking an RS256 signature is most of what an
/// AuthZEN decision costs over HTTP (the http benchmark: 6.6k against 125k requests/s for a bare endpoint); clients
/// send the same token for an hour. Only a token that passed the full check is remembered, and only the exact same
/// string finds it (the whole token is kept and compared); its expiry is checked on every use.
///
/// An entry is found by a keyed hash of the token's last bytes, which are its signature's: distinct tokens differ
/// there, and hashing a few bytes instead of the whole kilobyte-long token keeps the lookup off the request's
/// profile. Two tokens that did share those bytes would only take each other's place.
#[derive(Default)]
struct VerifiedTokens {
    hasher: std::hash::RandomState,
    remembered: std::sync::Mutex<std::collections::HashMap<u64, Remembered>>,
}

/// A token that passed the full check.
struct Remembered {
    token: Box<str>,
    caller: Caller,
    expires: i64,
}

/// How many of a token's last bytes find it among the remembered ones.
const TOKEN_TAIL: usize = 32;

impl VerifiedTokens {
    fn key(&self, token: &str) -> u64 {
        use std::hash::BuildHasher;
        self.hasher.hash_one(&token.as_bytes()[token.len().saturating_sub(TOKEN_TAIL)..])
    }

    /// The caller of a remembered token that has not expired at `now`; an expired one is forgotten.
    fn recall(&self, token: &str, now: i64) -> Option<Caller> {
        let key = self.key(token);
        let mut remembered = self.remembered.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = remembered.get(&key).filter(|entry| &*entry.token == token)?;
        if now <= entry.expires + LEEWAY_SECONDS {
            return Some(entry.caller.clone());
        }
        remembered.remove(&key);
        None
    }

    fn remember(&self, token: &str, caller: Caller, expires: i64) {
        let key = self.key(token);
        let mut remembered = self.remembered.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if remembered.len() >= VERIFIED_TOKENS {
            remembered.clear();
        }
        remembered.insert(key, Remembered { token: token.into(), caller, expires });
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.remembered.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len()
    }
}

/// At most this many remembered tokens; when full, the memory starts over (a flood of distinct valid tokens costs
/// signature checks, never memory).
const VERIFIED_TOKENS: usize = 10_000;

/// The clock skew tolerated on `exp`, as in the full check.
const LEEWAY_SECONDS: i64 = 5;

impl TokenService {
    /// Builds the service from the stored private key (PKCS#8 PEM).
    pub fn new(kid: &str, private_key_pem: &str, issuer: &str) -> Result<TokenService, String> {
        let private =
            rsa::RsaPrivateKey::from_pkcs8_pem(private_key_pem).map_err(|e| format!("reading the signing key: {e}"))?;
        let public = private.to_public_key();
        let n = URL_SAFE_NO_PAD.encode(public.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(public.e().to_bytes_be());
        let encoding = EncodingKey::from_rsa_pem(private_key_pem.as_bytes())
            .map_err(|e| format!("loading the signing key: {e}"))?;
        let decoding =
            DecodingKey::from_rsa_components(&n, &e).map_err(|e| format!("loading the verifying key: {e}"))?;
        let jwk = json!({ "kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig", "n": n, "e": e });
        Ok(TokenService {
            encoding,
            decoding,
            kid: kid.to_owned(),
            issuer: issuer.to_owned(),
            jwk,
            verified: VerifiedTokens::default(),
        })
    }

    /// The JWKS document.
    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.jwk] })
    }

    /// Signs a token for `caller`, issued at `now` (seconds since the epoch), with the names `profile` gives.
    pub fn issue(
        &self,
        caller: &Caller,
        profile: Option<&TokenProfile>,
        client_id: &str,
        now: i64,
    ) -> Result<(String, Claims), String> {
        let kind = caller.identity_kind();
        let (realm, sub_type, account, role) = match &caller.kind {
            CallerKind::Operator => ("hubspoke", "ServiceId", String::new(), "operator"),
            CallerKind::AccountAdministrator(account) => ("IBMid", "user", account.to_string(), "administrator"),
            CallerKind::AccountIdentity { account, kind: IdentityKind::User } => {
                ("IBMid", "user", account.to_string(), "identity")
            }
            CallerKind::AccountIdentity { account, kind: IdentityKind::ServiceId } => {
                ("iam", "ServiceId", account.to_string(), "identity")
            }
        };
        // A user is known by the IBMid without its prefix and by e-mail; a service ID by its entity id for both.
        let identifier = match kind {
            Some(IdentityKind::ServiceId) => {
                service_id_entity(&caller.iam_id).unwrap_or(caller.iam_id.as_str()).to_owned()
            }
            _ => caller.iam_id.split_once('-').map_or(caller.iam_id.as_str(), |(_, rest)| rest).to_owned(),
        };
        let sub = match (kind, profile.and_then(|profile| profile.email.clone())) {
            (Some(IdentityKind::User), Some(email)) => email,
            _ => identifier.clone(),
        };
        let authn = match (kind, profile) {
            (Some(IdentityKind::ServiceId), Some(profile)) => Some(Authn {
                sub: identifier.clone(),
                iam_id: caller.iam_id.clone(),
                sub_type: "ServiceId".to_owned(),
                name: profile.name.clone(),
            }),
            _ => None,
        };
        let claims = Claims {
            iam_id: caller.iam_id.clone(),
            id: caller.iam_id.clone(),
            realmid: realm.to_owned(),
            identifier,
            sub,
            sub_type: sub_type.to_owned(),
            account: AccountClaim { valid: true, bss: account },
            iat: now,
            exp: now + TOKEN_LIFETIME_SECONDS,
            iss: self.issuer.clone(),
            grant_type: "urn:ibm:params:oauth:grant-type:apikey".to_owned(),
            scope: "ibm openid".to_owned(),
            client_id: client_id.to_owned(),
            jti: uuid::Uuid::new_v4().to_string(),
            hubspoke_role: role.to_owned(),
            name: profile.map(|profile| profile.name.clone()),
            email: profile.and_then(|profile| profile.email.clone()),
            given_name: profile.and_then(|profile| profile.given_name.clone()),
            family_name: profile.and_then(|profile| profile.family_name.clone()),
            authn,
        };
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        let token =
            jsonwebtoken::encode(&header, &claims, &self.encoding).map_err(|e| format!("signing a token: {e}"))?;
        Ok((token, claims))
    }

    /// Verifies signature (RS256 with our key only), expiry and issuer, and returns the caller.
    pub fn verify(&self, token: &str) -> Result<Caller, InvalidToken> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs() as i64);
        if let Some(caller) = self.verified.recall(token, now) {
            return Ok(caller);
        }
        let (caller, expires) = self.verify_signature(token)?;
        self.verified.remember(token, caller.clone(), expires);
        Ok(caller)
    }

    /// The full check: signature, issuer, required claims, expiry; returns the caller and the token's expiry.
    fn verify_signature(&self, token: &str) -> Result<(Caller, i64), InvalidToken> {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_required_spec_claims(&["exp", "iat", "iss"]);
        validation.leeway = LEEWAY_SECONDS as u64;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|e| InvalidToken(e.to_string()))?;
        let claims = data.claims;
        let kind = match claims.hubspoke_role.as_str() {
            "operator" => CallerKind::Operator,
            "administrator" => CallerKind::AccountAdministrator(
                AccountId::parse(&claims.account.bss).ok_or_else(|| InvalidToken("malformed account claim".into()))?,
            ),
            "identity" => CallerKind::AccountIdentity {
                account: AccountId::parse(&claims.account.bss)
                    .ok_or_else(|| InvalidToken("malformed account claim".into()))?,
                kind: kind_of_iam_id(&claims.iam_id).ok_or_else(|| InvalidToken("malformed identity".into()))?,
            },
            other => return Err(InvalidToken(format!("unknown role `{other}`"))),
        };
        Ok((Caller { iam_id: claims.iam_id, kind, region: None }, claims.exp))
    }
}

#[cfg(test)]
mod tests {
    use std::time::{SystemTime, UNIX_EPOCH};

    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use hubspoke_iam::{AccountId, Caller, CallerKind};
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};
    use serde_json::{Value, json};

    use super::TokenService;

    const ISSUER: &str = "https://iam.cloud.ibm.com/identity";

    fn private_key_pem() -> String {
        let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
        key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string()
    }

    fn now() -> i64 {
        SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
    }

    /// Whoever asks before the key arrives waits for it, however the arrival interleaves with the asking; a key that
    /// could not be had fails every waiter with the reason, and a later arrival changes nothing.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn requests_before_the_key_wait_for_it() {
        for round in 0..50 {
            let tokens = std::sync::Arc::new(super::Tokens::default());
            let waiters: Vec<_> = (0..4)
                .map(|_| {
                    let tokens = tokens.clone();
                    tokio::spawn(async move {
                        tokens.get().await.map(|service| service.kid.clone()).map_err(|missing| match missing {
                            super::Missing::Failed(reason) => reason.to_owned(),
                            super::Missing::Unreachable(reason) => format!("unreachable: {reason}"),
                        })
                    })
                })
                .collect();
            tokio::task::yield_now().await;
            let (first, expected) = match round % 2 {
                0 => (Ok(TokenService::new("key-1", &PEM, ISSUER).unwrap()), Ok("key-1".to_owned())),
                _ => (Err("no key".to_owned()), Err("no key".to_owned())),
            };
            tokens.arrive(first);
            tokens.arrive(Ok(TokenService::new("late", &PEM, ISSUER).unwrap()));
            for waiter in waiters {
                let answer = tokio::time::timeout(std::time::Duration::from_secs(5), waiter).await.unwrap().unwrap();
                assert_eq!(answer, expected);
            }
        }
        let ready = super::Tokens::ready(TokenService::new("key-1", &PEM, ISSUER).unwrap());
        assert_eq!(ready.get().await.unwrap().kid, "key-1");
    }

    /// While the database holding the key cannot be reached, waiting requests and new ones are refused with the
    /// reason instead of waiting for as long as it is down; once the key arrives, it is served.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn requests_while_the_key_is_unreachable_are_refused_until_it_arrives() {
        let tokens = std::sync::Arc::new(super::Tokens::default());
        let waiter = tokio::spawn({
            let tokens = tokens.clone();
            async move { tokens.get().await.map(|service| service.kid.clone()).map_err(|m| format!("{m:?}")) }
        });
        tokio::task::yield_now().await;
        tokens.unreachable("database down".into());
        let answer = tokio::time::timeout(std::time::Duration::from_secs(5), waiter).await.unwrap().unwrap();
        assert_eq!(answer, Err(r#"Unreachable("database down")"#.to_owned()));
        assert_eq!(tokens.get().await.err(), Some(super::Missing::Unreachable("database down".into())));
        tokens.arrive(Ok(TokenService::new("key-1", &PEM, ISSUER).unwrap()));
        assert_eq!(tokens.get().await.unwrap().kid, "key-1");
    }

    /// One key for the tests that only need some key.
    static PEM: std::sync::LazyLock<String> = std::sync::LazyLock::new(private_key_pem);

    fn sign(algorithm: Algorithm, key: &EncodingKey, claims: &Value) -> String {
        let mut header = Header::new(algorithm);
        header.kid = Some("key-1".to_owned());
        jsonwebtoken::encode(&header, claims, key).unwrap()
    }

    /// A verified token is remembered, but only until it expires, and only that exact string.
    #[test]
    fn remembered_tokens_still_expire() {
        let service = TokenService::new("key-1", &private_key_pem(), ISSUER).unwrap();
        let caller = Caller {
            iam_id: "IBMid-admin".into(),
            kind: CallerKind::AccountAdministrator(AccountId::parse(&"a".repeat(32)).unwrap()),
            region: None,
        };
        let (token, _) = service.issue(&caller, None, "bx", now()).unwrap();
        assert_eq!(service.verify(&token).unwrap(), caller);
        assert_eq!(service.verify(&token).unwrap(), caller, "the second use is answered from memory");
        assert_eq!(service.verified.len(), 1);

        // A token that expired an hour ago, put in the memory as if it had been checked while valid, is refused.
        let (stale, claims) = service.issue(&caller, None, "bx", now() - 7200).unwrap();
        service.verified.remember(&stale, caller.clone(), claims.exp);
        assert_eq!(service.verified.len(), 2);
        assert!(service.verify(&stale).is_err());
        assert_eq!(service.verified.len(), 1, "the stale entry is gone");

        // A string that ends as a remembered token does but differs before is not taken for it.
        let mut altered = token.clone();
        altered.replace_range(..1, if altered.starts_with('e') { "f" } else { "e" });
        assert!(service.verify(&altered).is_err());
        assert_eq!(service.verified.recall(&token, now()), Some(caller.clone()), "the genuine token is still known");

        // The same claims with another signature are a different string: fully checked, and refused.
        let mut forged = token.rsplit_once('.').unwrap().0.to_owned();
        forged.push_str(".AAAA");
        assert!(service.verify(&forged).is_err());
    }

    /// A service ID's token carries its own claims and verifies back to the same caller; a user's likewise.
    #[test]
    fn identities_tokens_carry_their_claims_and_verify_back() {
        use hubspoke_app::identities::TokenProfile;
        use hubspoke_iam::identity::IdentityKind;

        let service = TokenService::new("key-1", &private_key_pem(), ISSUER).unwrap();
        let account = AccountId::parse(&"b".repeat(32)).unwrap();
        let robot = Caller {
            iam_id: "iam-ServiceId-0f0e".into(),
            kind: CallerKind::AccountIdentity { account: account.clone(), kind: IdentityKind::ServiceId },
            region: None,
        };
        let profile = TokenProfile { name: "robot".into(), email: None, given_name: None, family_name: None };
        let (token, claims) = service.issue(&robot, Some(&profile), "default", now()).unwrap();
        assert_eq!((claims.sub.as_str(), claims.identifier.as_str()), ("ServiceId-0f0e", "ServiceId-0f0e"));
        assert_eq!((claims.realmid.as_str(), claims.sub_type.as_str()), ("iam", "ServiceId"));
        assert_eq!(claims.authn.as_ref().map(|authn| authn.name.as_str()), Some("robot"));
        assert_eq!(service.verify(&token).unwrap(), robot);

        let person = Caller {
            iam_id: "IBMid-ABCDE12345".into(),
            kind: CallerKind::AccountIdentity { account, kind: IdentityKind::User },
            region: None,
        };
        let profile = TokenProfile {
            name: "Ana Lima".into(),
            email: Some("ana@example.com".into()),
            given_name: Some("Ana".into()),
            family_name: Some("Lima".into()),
        };
        let (token, claims) = service.issue(&person, Some(&profile), "default", now()).unwrap();
        assert_eq!((claims.sub.as_str(), claims.identifier.as_str()), ("ana@example.com", "ABCDE12345"));
        assert_eq!((claims.realmid.as_str(), claims.hubspoke_role.as_str()), ("IBMid", "identity"));
        assert_eq!(service.verify(&token).unwrap(), person);
    }

    /// Every way a token can be forged or stale; each must be refused for its own reason, and the genuine one accepted.
    #[test]
    fn only_genuine_current_tokens_from_this_issuer_verify() {
        let ours = private_key_pem();
        let theirs = private_key_pem();
        let service = TokenService::new("key-1", &ours, ISSUER).unwrap();
        let our_key = EncodingKey::from_rsa_pem(ours.as_bytes()).unwrap();
        let their_key = EncodingKey::from_rsa_pem(theirs.as_bytes()).unwrap();
        let caller = Caller {
            iam_id: "IBMid-admin-0123456789abcdef0123456789abcdef".to_owned(),
            kind: CallerKind::AccountAdministrator(AccountId::parse("0123456789abcdef0123456789abcdef").unwrap()),
            region: None,
        };
        let (genuine, claims) = service.issue(&caller, None, "default", now()).unwrap();
        assert_eq!(service.verify(&genuine).unwrap().iam_id, caller.iam_id);
        let claims = serde_json::to_value(&claims).unwrap();
        let with = |changes: Value| {
            let mut changed = claims.clone();
            for (name, value) in changes.as_object().unwrap() {
                if value.is_null() {
                    changed.as_object_mut().unwrap().remove(name);
                } else {
                    changed[name] = value.clone();
                }
            }
            changed
        };
        // The public key's modulus as an HMAC secret: the classic RS256 → HS256 confusion.
        let modulus = service.jwks()["keys"][0]["n"].as_str().unwrap().to_owned();
        let (header, _, signature) = {
            let mut parts = genuine.split('.');
            (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap())
        };
        let escalated = URL_SAFE_NO_PAD.encode(with(json!({ "hubspoke_role": "operator" })).to_string());

        let cases: Vec<(&str, &str, String)> = vec![
            ("signed with another key", "InvalidSignature", sign(Algorithm::RS256, &their_key, &claims)),
            (
                "expired an hour ago",
                "ExpiredSignature",
                sign(Algorithm::RS256, &our_key, &with(json!({ "iat": now() - 7200, "exp": now() - 3600 }))),
            ),
            (
                "expired beyond the leeway",
                "ExpiredSignature",
                sign(Algorithm::RS256, &our_key, &with(json!({ "exp": now() - 30 }))),
            ),
            (
                "another issuer",
                "InvalidIssuer",
                sign(Algorithm::RS256, &our_key, &with(json!({ "iss": "https://iam.example.com/identity" }))),
            ),
            (
                "an audience",
                "InvalidAudience",
                sign(Algorithm::RS256, &our_key, &with(json!({ "aud": "https://other.example.com" }))),
            ),
            ("no expiry", "missing field `exp`", sign(Algorithm::RS256, &our_key, &with(json!({ "exp": null })))),
            ("no issuer", "missing field `iss`", sign(Algorithm::RS256, &our_key, &with(json!({ "iss": null })))),
            (
                "an unknown role",
                "unknown role",
                sign(Algorithm::RS256, &our_key, &with(json!({ "hubspoke_role": "root" }))),
            ),
            (
                "a malformed account",
                "malformed account",
                sign(Algorithm::RS256, &our_key, &with(json!({ "account": { "valid": true, "bss": "x" } }))),
            ),
            ("RS384 with our key", "InvalidAlgorithm", sign(Algorithm::RS384, &our_key, &claims)),
            (
                "HS256 keyed with our public modulus",
                "InvalidAlgorithm",
                sign(Algorithm::HS256, &EncodingKey::from_secret(modulus.as_bytes()), &claims),
            ),
            (
                "alg none",
                "unknown variant `none`",
                format!("{}.{}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#), escalated),
            ),
            ("claims changed after signing", "InvalidSignature", format!("{header}.{escalated}.{signature}")),
            ("no signature", "InvalidSignature", format!("{header}.{escalated}.")),
            ("not a JWT", "InvalidToken", "garbage".to_owned()),
        ];
        for (case, reason, token) in cases {
            let refusal = service.verify(&token).err().map(|e| e.0).unwrap_or_else(|| panic!("{case} was accepted"));
            assert!(refusal.contains(reason), "a token with {case} was refused for `{refusal}`, not `{reason}`");
        }
    }
}
