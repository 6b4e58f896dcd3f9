//! User accounts: argon2id password hashes, org-unit membership and roles.
//!
//! Journal snapshots of a user never contain the password hash; a password change is recorded
//! as the fact that it happened.

use crate::bind::Bind;
use crate::journal::{Change, append};
use crate::{Backend, Store, StoreError, now_utc};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use rectify_core::org::Role;
use serde_json::{Value, json};
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub roles: Vec<Role>,
    pub disabled: bool,
    pub created_at: String,
}

impl User {
    fn snapshot(&self) -> Value {
        json!({
            "id": self.id,
            "username": self.username,
            "display_name": self.display_name,
            "unit_id": self.unit_id,
            "roles": self.roles.iter().map(|r| r.code()).collect::<Vec<_>>(),
            "disabled": self.disabled,
        })
    }
}

#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    /// Code or name of the user's org unit.
    pub unit: &'a str,
    pub roles: &'a [Role],
    pub password: &'a str,
}

pub const MIN_PASSWORD_CHARS: usize = 8;

fn check_username(username: &str) -> Result<(), StoreError> {
    let ok_len = (2..=32).contains(&username.len());
    let ok_chars = username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok_len && ok_chars {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "用户名“{username}”无效：须为 2–32 位字母、数字、点、下划线或连字符"
        )))
    }
}

fn check_password(password: &str) -> Result<(), StoreError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(StoreError::Invalid(format!(
            "密码太短：至少 {MIN_PASSWORD_CHARS} 个字符"
        )));
    }
    Ok(())
}

/// Hashes off the async runtime: argon2 is deliberately slow.
async fn hash_password(password: &str) -> Result<String, StoreError> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let mut salt = [0_u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt)
            .map_err(|e| StoreError::Corrupt(format!("生成盐值失败：{e}")))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| StoreError::Corrupt(format!("密码哈希失败：{e}")))
    })
    .await
    .map_err(|e| StoreError::Corrupt(format!("密码哈希任务失败：{e}")))?
}

async fn password_matches(stored_hash: &str, password: &str) -> bool {
    let (stored, password) = (stored_hash.to_string(), password.to_string());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Ends every session of the user, in the transaction of a password change, a disable or a
/// re-enable: a session opened before must not outlive the password it was opened with, nor
/// come back when a disabled account is enabled again.
async fn end_sessions(conn: &mut sqlx::AnyConnection, user_id: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .arg(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Refuses to disable the last enabled administrator: nobody could then manage accounts
/// without editing the database. On PostgreSQL an advisory lock serialises the check, so two
/// administrators disabling each other at once cannot both pass it; SQLite's write
/// transaction already does.
async fn refuse_disabling_last_admin(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    user_id: i64,
) -> Result<(), StoreError> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(7310003)")
            .execute(&mut *conn)
            .await?;
    }
    let others: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users u JOIN user_roles r ON r.user_id = u.id \
         WHERE r.role = $1 AND u.disabled = 0 AND u.id <> $2",
    )
    .arg(Role::Admin.code())
    .arg(user_id)
    .fetch_one(conn)
    .await?;
    if others == 0 {
        return Err(StoreError::Refused(
            "这是最后一个启用的系统管理员账号，不能停用；请先启用或新建另一个管理员".into(),
        ));
    }
    Ok(())
}

/// Checked against when the username does not exist, so a wrong name costs as long as a wrong
/// password and the timing does not reveal which accounts exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Xz7mWm2+2Hr6Up0oZ8M1TqS0aTDlGLfKiK6pG9m0Fw";

impl Store {
    pub async fn add_user(&self, actor: &str, new: NewUser<'_>) -> Result<User, StoreError> {
        check_username(new.username)?;
        check_password(new.password)?;
        if new.roles.is_empty() {
            return Err(StoreError::Invalid("至少指定一个角色".into()));
        }
        let unit = self.org_unit(new.unit).await?;
        if self.find_user(new.username).await?.is_some() {
            return Err(StoreError::Conflict {
                what: "用户",
                key: new.username.to_string(),
            });
        }
        let hash = hash_password(new.password).await?;
        let created_at = now_utc();
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, display_name, unit_id, password_hash, disabled, created_at)
             VALUES ($1, $2, $3, $4, 0, $5) RETURNING id",
        )
        .arg(new.username)
        .arg(new.display_name)
        .arg(unit.id)
        .arg(hash)
        .arg(created_at.clone())
        .fetch_one(&mut *tx)
        .await?;
        let mut roles = new.roles.to_vec();
        roles.sort();
        roles.dedup();
        for role in &roles {
            sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                .arg(id)
                .arg(role.code())
                .execute(&mut *tx)
                .await?;
        }
        let user = User {
            id,
            username: new.username.to_string(),
            display_name: new.display_name.to_string(),
            unit_id: unit.id,
            unit_name: unit.name,
            roles,
            disabled: false,
            created_at,
        };
        let change = Change {
            actor,
            action: "create",
            entity: "user",
            entity_id: id.to_string(),
            before: None,
            after: Some(user.snapshot()),
        };
        append(&mut tx, self.backend(), change).await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        self.load_users(None).await
    }

    pub async fn find_user(&self, username: &str) -> Result<Option<User>, StoreError> {
        Ok(self.load_users(Some(username)).await?.pop())
    }

    pub async fn user(&self, username: &str) -> Result<User, StoreError> {
        self.find_user(username)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "用户",
                key: username.to_string(),
            })
    }

    async fn load_users(&self, username: Option<&str>) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query(
            "SELECT u.id, u.username, u.display_name, u.unit_id, o.name, u.disabled, u.created_at
             FROM users u JOIN org_units o ON o.id = u.unit_id
             WHERE $1 IS NULL OR u.username = $1
             ORDER BY u.id",
        )
        .arg(username)
        .fetch_all(self.pool())
        .await?;
        let role_rows = sqlx::query("SELECT user_id, role FROM user_roles ORDER BY user_id, role")
            .fetch_all(self.pool())
            .await?;
        let mut users = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: i64 = row.try_get(0)?;
            let mut roles = Vec::new();
            for r in role_rows.iter().filter(|r| r.get::<i64, _>(0) == id) {
                let code: String = r.try_get(1)?;
                roles.push(
                    code.parse::<Role>()
                        .map_err(|e| StoreError::Invalid(e.to_string()))?,
                );
            }
            roles.sort();
            users.push(User {
                id,
                username: row.try_get(1)?,
                display_name: row.try_get(2)?,
                unit_id: row.try_get(3)?,
                unit_name: row.try_get(4)?,
                disabled: row.try_get::<i64, _>(5)? != 0,
                created_at: row.try_get(6)?,
                roles,
            });
        }
        Ok(users)
    }

    pub async fn set_password(
        &self,
        actor: &str,
        username: &str,
        password: &str,
    ) -> Result<(), StoreError> {
        check_password(password)?;
        let user = self.user(username).await?;
        let hash = hash_password(password).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .arg(hash)
            .arg(user.id)
            .execute(&mut *tx)
            .await?;
        end_sessions(&mut tx, user.id).await?;
        let change = Change {
            actor,
            action: "set_password",
            entity: "user",
            entity_id: user.id.to_string(),
            before: None,
            after: Some(json!({"password_changed": true})),
        };
        append(&mut tx, self.backend(), change).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Disables or re-enables an account. Disabled users cannot log in; their history stays.
    pub async fn set_disabled(
        &self,
        actor: &str,
        username: &str,
        disabled: bool,
    ) -> Result<User, StoreError> {
        let before = self.user(username).await?;
        let after = User {
            disabled,
            ..before.clone()
        };
        let mut tx = self.begin_write().await?;
        if disabled && before.roles.contains(&Role::Admin) {
            refuse_disabling_last_admin(&mut tx, self.backend(), before.id).await?;
        }
        sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .arg(i64::from(disabled))
            .arg(before.id)
            .execute(&mut *tx)
            .await?;
        end_sessions(&mut tx, before.id).await?;
        let change = Change {
            actor,
            action: if disabled { "disable" } else { "enable" },
            entity: "user",
            entity_id: before.id.to_string(),
            before: Some(before.snapshot()),
            after: Some(after.snapshot()),
        };
        append(&mut tx, self.backend(), change).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The user, if the name exists, the account is enabled and the password matches.
    pub async fn authenticate(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Option<User>, StoreError> {
        let stored: Option<String> =
            sqlx::query_scalar("SELECT password_hash FROM users WHERE username = $1")
                .arg(username)
                .fetch_optional(self.pool())
                .await?;
        let matches = password_matches(stored.as_deref().unwrap_or(DUMMY_HASH), password).await;
        if stored.is_none() || !matches {
            return Ok(None);
        }
        Ok(self.find_user(username).await?.filter(|u| !u.disabled))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_and_passwords_are_checked() {
        assert!(check_username("zgb.office").is_ok());
        assert!(check_username("整改办").is_err());
        assert!(check_username("a").is_err());
        assert!(check_password("1234567").is_err());
        assert!(check_password("12345678").is_ok());
    }

    #[test]
    fn the_dummy_hash_parses_so_unknown_users_cost_a_real_verification() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
