//! Accounts (created with their administrator and that user's API key), API keys by digest, the operator's key and
//! the token signing key.

use hubspoke_iam::AccountId;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::SqlStore;
use super::changes::append_change;
use super::identities::{insert_key, insert_user};
use crate::{
    AccountRecord, ApiKeyRecord, EntityKind, IdentityKeyRecord, KeyOwner, Revision, SigningKeyRecord, StoreError,
    StoreResult, UserRecord,
};

fn account_from_row(row: &AnyRow) -> StoreResult<AccountRecord> {
    let id: String = row.get("id");
    Ok(AccountRecord {
        id: AccountId::parse(&id).ok_or_else(|| StoreError::Corrupt(format!("account id `{id}`")))?,
        name: row.get("name"),
        created_at: row.get("created_at"),
    })
}

impl SqlStore {
    pub(super) async fn insert_account(
        &self,
        account: &AccountRecord,
        administrator: &UserRecord,
        admin_key: &IdentityKeyRecord,
        digest: &str,
    ) -> StoreResult<Revision> {
        let mut tx = self.write().await?;
        sqlx::query("INSERT INTO accounts (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(account.id.as_str())
            .bind(&account.name)
            .bind(account.created_at)
            .execute(&mut *tx)
            .await?;
        insert_user(&mut tx, administrator).await?;
        insert_key(&mut tx, admin_key, digest).await?;
        let revision =
            append_change(&mut tx, self.backend, EntityKind::Account, account.id.as_str(), account.created_at).await?;
        tx.commit().await?;
        Ok(revision)
    }

    pub(super) async fn read_accounts(&self) -> StoreResult<Vec<AccountRecord>> {
        let rows = sqlx::query("SELECT id, name, created_at FROM accounts ORDER BY created_at, id")
            .fetch_all(&self.reader)
            .await?;
        rows.iter().map(account_from_row).collect()
    }

    pub(super) async fn read_account(&self, id: &AccountId) -> StoreResult<Option<AccountRecord>> {
        let row = sqlx::query("SELECT id, name, created_at FROM accounts WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.reader)
            .await?;
        row.as_ref().map(account_from_row).transpose()
    }

    pub(super) async fn insert_operator_key(&self, key: &ApiKeyRecord) -> StoreResult<()> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO api_keys (digest, iam_id, account_id, operator, created_at) VALUES ($1, $2, NULL, 1, $3) \
             ON CONFLICT (digest) DO NOTHING",
        )
        .bind(&key.digest)
        .bind(&key.iam_id)
        .bind(key.created_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    pub(super) async fn read_api_key(&self, digest: &str) -> StoreResult<Option<ApiKeyRecord>> {
        // A key authenticates as its account's administrator when the user it belongs to is that administrator.
        let row = sqlx::query(
            "SELECT k.digest, k.iam_id, k.account_id, k.operator, k.created_at, \
             (SELECT COUNT(*) FROM users u WHERE u.account_id = k.account_id AND u.iam_id = k.iam_id \
              AND u.administrator = 1) AS administrator \
             FROM api_keys k WHERE k.digest = $1",
        )
        .bind(digest)
        .fetch_optional(&self.reader)
        .await?;
        row.map(|row| {
            let owner = match row.get::<Option<String>, _>("account_id") {
                None => KeyOwner::Operator,
                Some(account) => {
                    let account = AccountId::parse(&account)
                        .ok_or_else(|| StoreError::Corrupt(format!("key account `{account}`")))?;
                    if row.get::<i64, _>("administrator") > 0 {
                        KeyOwner::AccountAdministrator(account)
                    } else {
                        KeyOwner::AccountIdentity(account)
                    }
                }
            };
            Ok(ApiKeyRecord {
                digest: row.get("digest"),
                iam_id: row.get("iam_id"),
                owner,
                created_at: row.get("created_at"),
            })
        })
        .transpose()
    }

    pub(super) async fn read_signing_key(&self) -> StoreResult<Option<SigningKeyRecord>> {
        let row = sqlx::query("SELECT kid, private_key_pem FROM signing_keys WHERE slot = 1")
            .fetch_optional(&self.reader)
            .await?;
        Ok(row.map(|row| SigningKeyRecord { kid: row.get("kid"), private_key_pem: row.get("private_key_pem") }))
    }

    pub(super) async fn insert_signing_key(
        &self,
        candidate: &SigningKeyRecord,
        now: i64,
    ) -> StoreResult<SigningKeyRecord> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO signing_keys (slot, kid, private_key_pem, created_at) VALUES (1, $1, $2, $3) ON CONFLICT (slot) DO NOTHING",
        )
        .bind(&candidate.kid)
        .bind(&candidate.private_key_pem)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        // Whoever stored first, every replica signs with the stored key.
        let row =
            sqlx::query("SELECT kid, private_key_pem FROM signing_keys WHERE slot = 1").fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(SigningKeyRecord { kid: row.get("kid"), private_key_pem: row.get("private_key_pem") })
    }
}
