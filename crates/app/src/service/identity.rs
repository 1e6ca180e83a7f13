//! Banks, firms and users: added by the roles RULES.md 8 allows, each change audited.

use jumpup_domain::regno::BusinessNumber;
use jumpup_domain::workflow::{BankCode, FirmId, Role};
use jumpup_store::identity::{self as store, NewFirm, Scope};
use jumpup_store::{StoreError, audit};
use serde_json::json;

use super::in_write_tx;
use super::{Result, ServiceError, Services, actor, entry, require_role};

/// Who may add a firm.
pub const ADD_FIRM_ROLES: &[Role] = &[Role::Admin, Role::Tp];

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Who activates and deactivates accounts: the Technopark (firms' accounts) and administrators.
pub const ACCOUNT_MANAGERS: &[Role] = &[Role::Tp, Role::Admin];

/// The work an argon2id password hash takes: memory in KiB and passes (one lane).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordCost {
    pub memory_kib: u32,
    pub iterations: u32,
}

impl PasswordCost {
    /// argon2's recommended default (19 MiB, 2 passes): about 50 ms a hash here.
    pub const DEFAULT: PasswordCost = PasswordCost {
        memory_kib: 19_456,
        iterations: 2,
    };
}

/// An argon2id hash of a password in PHC form, with a fresh random salt; the password itself
/// is never stored or logged. Checking it later reads the cost from the hash.
pub fn hash_password(password: &str, cost: PasswordCost) -> Result<String> {
    use argon2::{Algorithm, Argon2, Params, PasswordHasher, Version};
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ServiceError::bad_input(
            "password",
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    let params = Params::new(cost.memory_kib, cost.iterations, 1, None)
        .map_err(|e| ServiceError::bad_input("password", format!("bad argon2 cost: {e}")))?;
    let hash: argon2::PasswordHash = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.as_bytes())
        .map_err(|e| ServiceError::bad_input("password", format!("cannot be hashed: {e}")))?;
    Ok(hash.to_string())
}

/// Whether `password` matches a stored hash.
pub fn verify_password(password: &str, stored: &str) -> bool {
    use argon2::{Argon2, PasswordHash, PasswordVerifier};
    PasswordHash::new(stored).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// The scope a new user gets, by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewScope {
    None,
    Bank(BankCode),
    Firm(BusinessNumber),
}

/// A firm's required fields are there.
fn check_firm(firm: &NewFirm) -> Result<()> {
    for (field, value) in [
        ("name", &firm.name),
        ("address", &firm.address),
        ("district", &firm.district),
        ("industry_code", &firm.industry_code),
    ] {
        if value.trim().is_empty() {
            return Err(ServiceError::bad_input(field, "is required"));
        }
    }
    Ok(())
}

fn check_user_name(name: &str, field: &str) -> Result<()> {
    if name.trim().is_empty() || name.len() > 64 {
        return Err(ServiceError::bad_input(field, "must be 1 to 64 characters"));
    }
    Ok(())
}

fn conflict(e: StoreError, code: &'static str, message: String) -> ServiceError {
    match e {
        StoreError::Conflict { .. } => ServiceError::refused(code, message),
        other => other.into(),
    }
}

impl Services {
    /// Adds a partner bank (`admin`).
    pub async fn add_bank(&self, actor_name: &str, code: BankCode, name: &str) -> Result<i64> {
        if name.trim().is_empty() {
            return Err(ServiceError::bad_input("name", "is required"));
        }
        in_write_tx!(self, |tx| {
            let (user, _) = actor(tx, actor_name).await?;
            require_role(&user, super::ADMIN_ROLES, "add a bank")?;
            let at = self.clock.now();
            let id = store::insert_bank(tx, code, name.trim(), at)
                .await
                .map_err(|e| conflict(e, "bank_exists", format!("bank {code} exists")))?;
            let after = json!({ "bank_id": id, "code": code.as_str() }).to_string();
            audit::append(
                tx,
                entry(
                    at,
                    Some(&user),
                    "bank.add",
                    format!("bank:{id}"),
                    "null".into(),
                    after,
                ),
            )
            .await?;
            Ok(id)
        })
    }

    /// Adds a firm (`admin` or `tp`); one firm per business registration number.
    pub async fn add_firm(&self, actor_name: &str, firm: &NewFirm) -> Result<FirmId> {
        check_firm(firm)?;
        in_write_tx!(self, |tx| {
            let (user, _) = actor(tx, actor_name).await?;
            require_role(&user, ADD_FIRM_ROLES, "add a firm")?;
            let at = self.clock.now();
            let id = store::insert_firm(tx, firm, at).await.map_err(|e| {
                conflict(
                    e,
                    "firm_exists",
                    format!("a firm with business number {} exists", firm.business_no),
                )
            })?;
            let after = json!({ "firm_id": id.0, "district": firm.district, "industry_code": firm.industry_code }).to_string();
            audit::append(
                tx,
                entry(
                    at,
                    Some(&user),
                    "firm.add",
                    format!("firm:{}", id.0),
                    "null".into(),
                    after,
                ),
            )
            .await?;
            Ok(id)
        })
    }

    /// Adds a user (`admin`; the very first user, an admin, needs no actor).
    pub async fn add_user(
        &self,
        actor_name: Option<&str>,
        name: &str,
        role: Role,
        scope: NewScope,
        password_hash: Option<&str>,
    ) -> Result<i64> {
        check_user_name(name, "NAME")?;
        match (role, scope) {
            (Role::Bank, NewScope::Bank(_)) | (Role::Firm, NewScope::Firm(_)) => {}
            (Role::Bank, _) => {
                return Err(ServiceError::bad_input(
                    "--bank",
                    "a bank user needs --bank CODE",
                ));
            }
            (Role::Firm, _) => {
                return Err(ServiceError::bad_input(
                    "--firm",
                    "a firm user needs --firm BUSINESS_NO",
                ));
            }
            (_, NewScope::None) => {}
            (_, _) => {
                return Err(ServiceError::bad_input(
                    "--role",
                    "only bank and firm users belong to a bank or firm",
                ));
            }
        }
        in_write_tx!(self, |tx| {
            let acting = match actor_name {
                Some(a) => {
                    let (user, _) = actor(tx, a).await?;
                    require_role(&user, super::ADMIN_ROLES, "add users")?;
                    Some(user)
                }
                None => {
                    if store::count_users(tx).await? > 0 {
                        return Err(ServiceError::refused(
                            "actor_required",
                            "only the first user, an admin, is added without --actor",
                        ));
                    }
                    if role != Role::Admin {
                        return Err(ServiceError::refused(
                            "first_user_admin",
                            "the first user must be an admin",
                        ));
                    }
                    None
                }
            };
            let scope = match scope {
                NewScope::None => Scope::None,
                NewScope::Bank(code) => Scope::Bank(
                    store::bank_by_code(tx, code)
                        .await?
                        .ok_or_else(|| {
                            ServiceError::refused("unknown_bank", format!("no bank {code}"))
                        })?
                        .bank_id,
                ),
                NewScope::Firm(no) => Scope::Firm(
                    store::firm_by_business_no(tx, no)
                        .await?
                        .ok_or_else(|| {
                            ServiceError::refused("unknown_firm", format!("no firm {no}"))
                        })?
                        .firm_id,
                ),
            };
            let at = self.clock.now();
            let id = store::insert_user(tx, name.trim(), role, scope, password_hash, true, at)
                .await
                .map_err(|e| conflict(e, "user_exists", format!("a user named {name:?} exists")))?;
            let after = json!({ "user_id": id, "role": role.as_str(), "bank_id": match scope { Scope::Bank(b) => Some(b), _ => None }, "firm_id": match scope { Scope::Firm(f) => Some(f.0), _ => None } }).to_string();
            audit::append(
                tx,
                entry(
                    at,
                    acting.as_ref(),
                    "user.add",
                    format!("user:{id}"),
                    "null".into(),
                    after,
                ),
            )
            .await?;
            Ok(id)
        })
    }
}

/// A firm that registered itself: its account waits for a `tp` user to activate it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registered {
    pub user_id: i64,
    pub firm_id: FirmId,
}

impl Services {
    /// A firm registers itself with its business registration number (RULES.md 8): the firm
    /// (unless already known without an account) and an inactive firm user. Audited as a
    /// self-registration; the password is kept only as its hash.
    pub async fn register_firm(
        &self,
        firm: &NewFirm,
        user_name: &str,
        password: &str,
    ) -> Result<Registered> {
        check_firm(firm)?;
        check_user_name(user_name, "user_name")?;
        let hash = hash_password(password, self.password_cost)?;
        in_write_tx!(self, |tx| {
            let at = self.clock.now();
            let firm_id = match store::firm_by_business_no(tx, firm.business_no).await? {
                Some(known) => {
                    if store::count_firm_users(tx, known.firm_id).await? > 0 {
                        return Err(ServiceError::refused(
                            "firm_registered",
                            "this business number already has an account; ask the Technopark",
                        ));
                    }
                    known.firm_id
                }
                None => store::insert_firm(tx, firm, at).await?,
            };
            let user_id = store::insert_user(
                tx,
                user_name.trim(),
                Role::Firm,
                Scope::Firm(firm_id),
                Some(&hash),
                false,
                at,
            )
            .await
            .map_err(|e| {
                conflict(
                    e,
                    "user_exists",
                    format!("a user named {user_name:?} exists"),
                )
            })?;
            let mut e = entry(
                at,
                None,
                "firm.register",
                format!("user:{user_id}"),
                "null".into(),
                json!({ "user_id": user_id, "firm_id": firm_id.0, "active": false }).to_string(),
            );
            e.actor = format!("self:user:{user_id}");
            e.role = Role::Firm.as_str().to_owned();
            audit::append(tx, e).await?;
            Ok(Registered { user_id, firm_id })
        })
    }

    /// Activates or deactivates an account (`tp` for firms' accounts, `admin` for any; no one
    /// deactivates themself). Deactivation ends the user's sessions and revokes their API
    /// tokens in the same transaction, so nothing signed in as them works afterwards.
    pub async fn set_user_active(
        &self,
        actor_name: &str,
        target: UserKey<'_>,
        active: bool,
    ) -> Result<store::User> {
        in_write_tx!(self, |tx| {
            let (acting, _) = actor(tx, actor_name).await?;
            require_role(&acting, ACCOUNT_MANAGERS, "activate or deactivate accounts")?;
            let user = match target {
                UserKey::Id(id) => store::user_by_id(tx, id).await?,
                UserKey::Name(name) => store::user_by_name(tx, name).await?,
            }
            .ok_or_else(|| ServiceError::refused("unknown_user", format!("no user {target}")))?;
            if acting.role == Role::Tp && user.role != Role::Firm {
                return Err(ServiceError::refused(
                    "role_not_allowed",
                    "the tp role activates and deactivates firms' accounts only",
                ));
            }
            if !active && user.user_id == acting.user_id {
                return Err(ServiceError::refused(
                    "own_account",
                    "a user cannot deactivate their own account",
                ));
            }
            if user.active == active {
                return Ok(user);
            }
            let at = self.clock.now();
            store::set_active(tx, user.user_id, active).await?;
            if !active {
                jumpup_store::sessions::delete_sessions_of_user(tx, user.user_id, None).await?;
                jumpup_store::sessions::revoke_tokens_of_user(tx, user.user_id, at).await?;
            }
            audit::append(
                tx,
                entry(
                    at,
                    Some(&acting),
                    if active {
                        "user.activate"
                    } else {
                        "user.deactivate"
                    },
                    format!("user:{}", user.user_id),
                    json!({ "active": !active }).to_string(),
                    json!({ "active": active }).to_string(),
                ),
            )
            .await?;
            Ok(store::User { active, ..user })
        })
    }

    /// Lifts every sign-in lock and delay on `name` (an administrator any account's, `tp` a
    /// firm's), audited as `user.unlock`.
    pub async fn unlock_user(&self, actor_name: &str, target: UserKey<'_>) -> Result<store::User> {
        use super::throttle;
        use jumpup_store::sessions as throttled;
        in_write_tx!(self, |tx| {
            let (acting, _) = actor(tx, actor_name).await?;
            require_role(&acting, ACCOUNT_MANAGERS, "unlock accounts")?;
            let user = match target {
                UserKey::Id(id) => store::user_by_id(tx, id).await?,
                UserKey::Name(name) => store::user_by_name(tx, name).await?,
            }
            .ok_or_else(|| ServiceError::refused("unknown_user", format!("no user {target}")))?;
            if acting.role == Role::Tp && user.role != Role::Firm {
                return Err(ServiceError::refused(
                    "role_not_allowed",
                    "the tp role unlocks firms' accounts only",
                ));
            }
            let at = self.clock.now();
            let stale = at - throttle::WINDOW;
            throttled::throttle_forget(tx, &throttle::pair_prefix(&user.name), stale).await?;
            throttled::throttle_forget(tx, &throttle::name_key(&user.name), stale).await?;
            throttled::lift_lockouts(tx, &user.name, &acting.name, at).await?;
            audit::append(
                tx,
                entry(
                    at,
                    Some(&acting),
                    "user.unlock",
                    format!("user:{}", user.user_id),
                    "null".into(),
                    "null".into(),
                ),
            )
            .await?;
            Ok(user)
        })
    }

    /// The names locked out by failed sign-ins in the last seven days (`admin`), most often
    /// first: name, how many times, the last time.
    pub async fn read_lockouts(
        &self,
        actor_name: &str,
    ) -> Result<Vec<(i64, String, i64, chrono::DateTime<chrono::Utc>)>> {
        let mut tx = self.db.begin_read().await?;
        let (acting, _) = actor(&mut tx, actor_name).await?;
        require_role(&acting, super::ADMIN_ROLES, "see lockouts")?;
        let since = self.clock.now() - chrono::Duration::days(7);
        Ok(jumpup_store::sessions::lockouts_since(&mut tx, since).await?)
    }

    /// Firm accounts waiting for activation (`tp`, `admin`), oldest first, at most 200, with
    /// each firm's name and business number (logged as `firm.list`).
    pub async fn read_pending_accounts(
        &self,
        actor_name: &str,
    ) -> Result<Vec<(store::User, String, String)>> {
        let mut tx = self.db.begin_read().await?;
        let (acting, _) = actor(&mut tx, actor_name).await?;
        require_role(&acting, ACCOUNT_MANAGERS, "see accounts waiting")?;
        let pending = store::inactive_firm_accounts(&mut tx, 200).await?;
        drop(tx);
        self.log_reads(
            &acting,
            "firm.list",
            "firm",
            pending.iter().filter_map(|(u, _, _)| u.firm.map(|f| f.0)),
        )
        .await?;
        Ok(pending)
    }

    /// Users in id order (`admin`), a page at a time.
    pub async fn read_users(
        &self,
        actor_name: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<store::User>> {
        let mut tx = self.db.begin_read().await?;
        let (acting, _) = actor(&mut tx, actor_name).await?;
        require_role(&acting, &[Role::Admin], "list users")?;
        let users = store::users(&mut tx, after, limit.clamp(1, 200)).await?;
        drop(tx);
        Ok(users)
    }
}

/// A user named by id (the API) or by name (the command line).
#[derive(Debug, Clone, Copy)]
pub enum UserKey<'a> {
    Id(i64),
    Name(&'a str),
}

impl std::fmt::Display for UserKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UserKey::Id(id) => write!(f, "{id}"),
            UserKey::Name(name) => write!(f, "{name:?}"),
        }
    }
}

impl Services {
    /// The partner banks, by code (no personal data: any signed-in user may read them).
    pub async fn read_banks(&self) -> Result<Vec<store::Bank>> {
        let mut tx = self.db.begin_read().await?;
        let banks = store::banks_in(&mut tx).await?;
        drop(tx);
        Ok(banks)
    }

    /// A firm's record (RULES.md 8): city, tp, kibo and auditors any firm's, a firm user its
    /// own, an admin any (the caller shows an admin the name and business number only); banks
    /// none. Every read is written to the access log.
    pub async fn read_firm(&self, actor_name: &str, firm_id: FirmId) -> Result<store::Firm> {
        let mut tx = self.db.begin_read().await?;
        let (acting, _) = actor(&mut tx, actor_name).await?;
        drop(tx);
        let only = firm_scope(&acting)?;
        let firm = store::firm_by_id(&self.db, firm_id)
            .await?
            .filter(|f| only.is_none_or(|o| o == f.firm_id))
            .ok_or_else(|| {
                ServiceError::refused(
                    "unknown_firm",
                    format!("no firm {} that this user may see", firm_id.0),
                )
            })?;
        self.log_reads(
            &acting,
            "firm.show",
            "firm",
            std::iter::once(firm.firm_id.0),
        )
        .await?;
        Ok(firm)
    }

    /// Firms in id order, a page at a time, for the same roles as [`Services::read_firm`] (a
    /// firm user sees its own). Logged per firm as `firm.list`.
    pub async fn read_firms(
        &self,
        acting: &store::User,
        after: i64,
        limit: i64,
    ) -> Result<Vec<store::Firm>> {
        let only = firm_scope(acting)?;
        let firms = store::firms_page(&self.db, only, after, limit.clamp(1, 200)).await?;
        self.log_reads(
            acting,
            "firm.list",
            "firm",
            firms.iter().map(|f| f.firm_id.0),
        )
        .await?;
        Ok(firms)
    }
}

/// Which firms a user may read: `None` for all, a firm user only its own; banks none.
fn firm_scope(acting: &store::User) -> Result<Option<FirmId>> {
    require_role(
        acting,
        &[
            Role::City,
            Role::Tp,
            Role::Kibo,
            Role::Auditor,
            Role::Firm,
            Role::Admin,
        ],
        "read firms",
    )?;
    Ok(if acting.role == Role::Firm {
        Some(acting.firm.ok_or_else(|| {
            ServiceError::refused("role_not_allowed", "a firm user without a firm")
        })?)
    } else {
        None
    })
}
