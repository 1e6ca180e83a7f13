//! Banks, firms and users: added by the roles RULES.md 8 allows, each change audited.

pub use jumpup_store::identity::{Firm, NewFirm, User};

use jumpup_domain::ids::{BankId, UserId};
use jumpup_domain::regno::BusinessNumber;
use jumpup_domain::workflow::{BankCode, FirmId, Role};
use jumpup_store::identity::{self as store, Scope};
use jumpup_store::{StoreError, audit};
use serde_json::json;

use super::in_write_tx;
use super::{Field, Reason, Result, ServiceError, Services, actor, entry, require_role};

/// Who may add a firm.
pub const ADD_FIRM_ROLES: &[Role] = &[Role::Admin, Role::Tp];

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Who activates and deactivates accounts: the Technopark (firms' accounts) and administrators.
pub const ACCOUNT_MANAGERS: &[Role] = &[Role::Tp, Role::Admin];
/// Who confirms accounts an administrator made over the network.
pub const CONFIRMERS: &[Role] = &[Role::City, Role::Tp];
/// How long a confirmed account's setup code stays valid.
pub const SETUP_VALIDITY: chrono::Duration = chrono::Duration::days(7);

/// The role that confirms an account of `role`: `city` for officials and administrators,
/// `tp` for banks' and firms' accounts.
pub fn confirmer_of(role: Role) -> Role {
    match role {
        Role::Bank | Role::Firm => Role::Tp,
        _ => Role::City,
    }
}

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
            Field::Password,
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    let params = Params::new(cost.memory_kib, cost.iterations, 1, None)
        .map_err(|e| ServiceError::bad_input(Field::Password, format!("bad argon2 cost: {e}")))?;
    let hash: argon2::PasswordHash = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.as_bytes())
        .map_err(|e| ServiceError::bad_input(Field::Password, format!("cannot be hashed: {e}")))?;
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
        (Field::FirmName, &firm.name),
        (Field::Address, &firm.address),
        (Field::District, &firm.district),
        (Field::IndustryCode, &firm.industry_code),
    ] {
        if value.trim().is_empty() {
            return Err(ServiceError::bad_input(field, "is required"));
        }
    }
    Ok(())
}

fn check_user_name(name: &str, field: Field) -> Result<()> {
    if name.trim().is_empty() || name.len() > 64 {
        return Err(ServiceError::bad_input(field, "must be 1 to 64 characters"));
    }
    Ok(())
}

/// The account a command names, or `unknown_user`.
async fn target_user(tx: &mut jumpup_store::Tx, target: UserKey<'_>) -> Result<store::User> {
    match target {
        UserKey::Id(id) => store::user_by_id(tx, id).await?,
        UserKey::Name(name) => store::user_by_name(tx, name).await?,
    }
    .ok_or_else(|| ServiceError::refused(Reason::UnknownUser, format!("no user {target}")))
}

/// The Technopark manages firms' accounts only (RULES.md 8); administrators any.
fn tp_manages_firms_only(acting: &store::User, user: &store::User) -> Result<()> {
    if acting.role == Role::Tp && user.role != Role::Firm {
        return Err(ServiceError::refused(
            Reason::RoleNotAllowed,
            "the tp role manages firms' accounts only",
        ));
    }
    Ok(())
}

fn conflict(e: StoreError, reason: Reason, message: String) -> ServiceError {
    match e {
        StoreError::Conflict { .. } => ServiceError::refused(reason, message),
        other => other.into(),
    }
}

impl Services {
    /// Adds a partner bank (`admin`).
    pub async fn add_bank(&self, actor_name: &str, code: BankCode, name: &str) -> Result<BankId> {
        if name.trim().is_empty() {
            return Err(ServiceError::bad_input(Field::Name, "is required"));
        }
        in_write_tx!(self, |tx| {
            let (user, _) = actor(tx, actor_name).await?;
            require_role(&user, super::ADMIN_ROLES, "add a bank")?;
            let at = self.clock.now();
            let id = store::insert_bank(tx, code, name.trim(), at)
                .await
                .map_err(|e| conflict(e, Reason::BankExists, format!("bank {code} exists")))?;
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
                    Reason::FirmExists,
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

    /// Adds a user (`admin`; the very first user, an admin, needs no actor), active at once:
    /// the command line's way, trusted like the database's own credentials.
    pub async fn add_user(
        &self,
        actor_name: Option<&str>,
        name: &str,
        role: Role,
        scope: NewScope,
        password_hash: Option<&str>,
    ) -> Result<UserId> {
        self.insert_account(actor_name, name, role, scope, password_hash, false)
            .await
    }

    /// Proposes a user over the network (`admin`): inactive and without a password until a
    /// second person confirms it ([`Services::confirm_user`]), so an administrator never holds
    /// a credential for a business role.
    pub async fn propose_user(
        &self,
        actor_name: &str,
        name: &str,
        role: Role,
        scope: NewScope,
    ) -> Result<UserId> {
        self.insert_account(Some(actor_name), name, role, scope, None, true)
            .await
    }

    async fn insert_account(
        &self,
        actor_name: Option<&str>,
        name: &str,
        role: Role,
        scope: NewScope,
        password_hash: Option<&str>,
        proposed: bool,
    ) -> Result<UserId> {
        check_user_name(name, Field::Name)?;
        match (role, scope) {
            (Role::Bank, NewScope::Bank(_)) | (Role::Firm, NewScope::Firm(_)) => {}
            (Role::Bank, _) => {
                return Err(ServiceError::bad_input(
                    Field::Bank,
                    "a bank user needs --bank CODE",
                ));
            }
            (Role::Firm, _) => {
                return Err(ServiceError::bad_input(
                    Field::Firm,
                    "a firm user needs --firm BUSINESS_NO",
                ));
            }
            (_, NewScope::None) => {}
            (_, _) => {
                return Err(ServiceError::bad_input(
                    Field::Role,
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
                            Reason::ActorRequired,
                            "only the first user, an admin, is added without --actor",
                        ));
                    }
                    if role != Role::Admin {
                        return Err(ServiceError::refused(
                            Reason::FirstUserAdmin,
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
                            ServiceError::refused(Reason::UnknownBank, format!("no bank {code}"))
                        })?
                        .bank_id,
                ),
                NewScope::Firm(no) => Scope::Firm(
                    store::firm_by_business_no(tx, no)
                        .await?
                        .ok_or_else(|| {
                            ServiceError::refused(Reason::UnknownFirm, format!("no firm {no}"))
                        })?
                        .firm_id,
                ),
            };
            let at = self.clock.now();
            let id = store::insert_user(tx, name.trim(), role, scope, password_hash, !proposed, at)
                .await
                .map_err(|e| {
                    conflict(
                        e,
                        Reason::UserExists,
                        format!("a user named {name:?} exists"),
                    )
                })?;
            if proposed && let Some(admin) = &acting {
                store::mark_proposed(tx, id, admin.user_id).await?;
            }
            let after = json!({ "user_id": id, "role": role.as_str(), "bank_id": match scope { Scope::Bank(b) => Some(b), _ => None }, "firm_id": match scope { Scope::Firm(f) => Some(f.0), _ => None } }).to_string();
            audit::append(
                tx,
                entry(
                    at,
                    acting.as_ref(),
                    if proposed { "user.propose" } else { "user.add" },
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
    pub user_id: UserId,
}

impl Services {
    /// Counts a registration sent from the client at `address` (every one, even one refused
    /// later), refusing it beyond [`REGISTRATIONS_PER_ADDRESS`] within the throttling window.
    /// The API and the registration page call it before [`Services::register_firm`].
    ///
    /// [`REGISTRATIONS_PER_ADDRESS`]: super::throttle::REGISTRATIONS_PER_ADDRESS
    pub async fn count_registration(&self, address: &str) -> Result<()> {
        use super::throttle as rule;
        use jumpup_store::sessions as counters;
        let key = rule::registration_key(address);
        let now = self.clock.now();
        in_write_tx!(self, |tx| {
            let sent = rule::current(counters::throttle_get(tx, &key).await?, now);
            if let Some(s) = sent
                && s.failures >= rule::REGISTRATIONS_PER_ADDRESS
            {
                return Err(ServiceError::Throttled {
                    reason: Reason::TooManyRegistrations,
                    until: s.last_at + rule::WINDOW,
                });
            }
            let counted = rule::count(sent, now, i64::MAX, chrono::Duration::zero());
            counters::throttle_put(tx, &key, counted).await?;
            Ok(())
        })
    }

    /// A firm registers itself with its business registration number (RULES.md 8): an
    /// inactive firm user, and the firm unless it is known. Naming a known firm (the number is
    /// public) makes the account a claim that `tp` activates only against evidence; the answer
    /// is the same either way, so it tells no one whether a number is known. Audited as a
    /// self-registration; the password is kept only as its hash.
    pub async fn register_firm(
        &self,
        firm: &NewFirm,
        user_name: &str,
        password: &str,
    ) -> Result<Registered> {
        check_firm(firm)?;
        check_user_name(user_name, Field::UserName)?;
        let hash = hash_password(password, self.password_cost)?;
        in_write_tx!(self, |tx| {
            let at = self.clock.now();
            let (firm_id, claim) = match store::firm_by_business_no(tx, firm.business_no).await? {
                Some(known) => (known.firm_id, true),
                None => (store::insert_firm(tx, firm, at).await?, false),
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
                    Reason::UserExists,
                    format!("a user named {user_name:?} exists"),
                )
            })?;
            if claim {
                store::set_firm_claim(tx, user_id, true).await?;
            }
            let mut e = entry(
                at,
                None,
                "firm.register",
                format!("user:{user_id}"),
                "null".into(),
                json!({ "user_id": user_id, "firm_id": firm_id.0, "active": false, "firm_claim": claim }).to_string(),
            );
            e.actor = format!("self:user:{user_id}");
            e.role = Role::Firm.as_str().to_owned();
            audit::append(tx, e).await?;
            Ok(Registered { user_id })
        })
    }

    /// Activates or deactivates an account (`tp` for firms' accounts, `admin` for any; no one
    /// deactivates themself). Deactivation ends the user's sessions and revokes their API
    /// tokens in the same transaction, so nothing signed in as them works afterwards.
    ///
    /// An account an administrator proposed is activated only by its confirmation; a
    /// self-registration claiming a known firm only with the `evidence` checked (a sentence
    /// naming it, kept in the audit log).
    pub async fn set_user_active(
        &self,
        actor_name: &str,
        target: UserKey<'_>,
        active: bool,
        evidence: Option<&str>,
    ) -> Result<store::User> {
        in_write_tx!(self, |tx| {
            let (acting, _) = actor(tx, actor_name).await?;
            require_role(&acting, ACCOUNT_MANAGERS, "activate or deactivate accounts")?;
            let user = target_user(tx, target).await?;
            tp_manages_firms_only(&acting, &user)?;
            if !active && user.user_id == acting.user_id {
                return Err(ServiceError::refused(
                    Reason::OwnAccount,
                    "a user cannot deactivate their own account",
                ));
            }
            if user.active == active {
                return Ok(user);
            }
            let onboarding = store::onboarding(tx, user.user_id).await?;
            let evidence = evidence.map(str::trim).filter(|e| !e.is_empty());
            if active && onboarding.proposed_by.is_some() {
                return Err(ServiceError::refused(
                    Reason::ConfirmationRequired,
                    "an account an administrator made is put in use by its confirmation",
                ));
            }
            if active && onboarding.firm_claim {
                if evidence.is_none() {
                    return Err(ServiceError::refused(
                        Reason::ClaimEvidenceRequired,
                        "this account claims a firm already known: name the evidence checked",
                    ));
                }
                store::set_firm_claim(tx, user.user_id, false).await?;
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
                    match (active && onboarding.firm_claim, evidence) {
                        (true, Some(evidence)) => {
                            json!({ "active": active, "firm_claim": "confirmed", "evidence": evidence })
                        }
                        _ => json!({ "active": active }),
                    }
                    .to_string(),
                ),
            )
            .await?;
            Ok(store::User { active, ..user })
        })
    }

    /// Confirms an account an administrator proposed: a `city` user confirms an official's or
    /// an administrator's, `tp` a bank's or a firm's, never the administrator who made it. The
    /// account becomes active with a one-time setup code (returned once, kept as its digest,
    /// valid for [`SETUP_VALIDITY`]) that the confirmer hands to its user, who sets the
    /// password with it ([`Services::set_up_password`]).
    pub async fn confirm_user(
        &self,
        actor_name: &str,
        target: UserKey<'_>,
    ) -> Result<(store::User, String)> {
        let code = super::secrets::new_secret();
        in_write_tx!(self, |tx| {
            let (acting, _) = actor(tx, actor_name).await?;
            require_role(&acting, CONFIRMERS, "confirm accounts")?;
            let user = target_user(tx, target).await?;
            let Some(proposer) = store::onboarding(tx, user.user_id).await?.proposed_by else {
                return Err(ServiceError::refused(
                    Reason::NotAwaitingConfirmation,
                    "this account waits for no confirmation",
                ));
            };
            if confirmer_of(user.role) != acting.role {
                return Err(ServiceError::refused(
                    Reason::RoleNotAllowed,
                    "a city user confirms officials' and administrators' accounts, tp banks' and firms'",
                ));
            }
            if proposer == acting.user_id {
                return Err(ServiceError::refused(
                    Reason::OwnAccount,
                    "the one who made an account does not confirm it",
                ));
            }
            let at = self.clock.now();
            let hash = super::secrets::secret_hash(&code);
            store::confirm_proposed(tx, user.user_id, &hash, at + SETUP_VALIDITY).await?;
            audit::append(
                tx,
                entry(
                    at,
                    Some(&acting),
                    "user.confirm",
                    format!("user:{}", user.user_id),
                    json!({ "active": false, "proposed_by": proposer }).to_string(),
                    json!({ "active": true }).to_string(),
                ),
            )
            .await?;
            Ok((
                store::User {
                    active: true,
                    ..user
                },
                code.clone(),
            ))
        })
    }

    /// A confirmed account's user sets the password with the one-time setup code the confirmer
    /// handed over; the code is spent. A wrong, spent or expired code is refused alike.
    pub async fn set_up_password(
        &self,
        name: &str,
        code: &str,
        new_password: &str,
    ) -> Result<store::User> {
        let hash = hash_password(new_password, self.password_cost)?;
        in_write_tx!(self, |tx| {
            let at = self.clock.now();
            let user = store::user_by_setup(tx, name, &super::secrets::secret_hash(code), at)
                .await?
                .ok_or_else(|| {
                    ServiceError::refused(
                        Reason::SetupFailed,
                        "the name or the setup code is wrong, used or expired",
                    )
                })?;
            store::finish_setup(tx, user.user_id, &hash).await?;
            let mut e = entry(
                at,
                None,
                "user.setup",
                format!("user:{}", user.user_id),
                "null".into(),
                "null".into(),
            );
            e.actor = format!("self:user:{}", user.user_id);
            e.role = user.role.as_str().to_owned();
            audit::append(tx, e).await?;
            Ok(user)
        })
    }

    /// Accounts waiting for the viewer's confirmation (`city`: officials' and
    /// administrators'; `tp`: banks' and firms'), oldest first, with who made each.
    pub async fn read_proposed_accounts(
        &self,
        actor_name: &str,
    ) -> Result<Vec<(store::User, String)>> {
        let mut tx = self.db.begin_read().await?;
        let (acting, _) = actor(&mut tx, actor_name).await?;
        require_role(&acting, CONFIRMERS, "see accounts waiting for confirmation")?;
        Ok(store::proposed_accounts(&mut tx, 200)
            .await?
            .into_iter()
            .filter(|(u, _)| confirmer_of(u.role) == acting.role)
            .collect())
    }

    /// Lifts every sign-in lock and delay on `name` (an administrator any account's, `tp` a
    /// firm's), audited as `user.unlock`.
    pub async fn unlock_user(&self, actor_name: &str, target: UserKey<'_>) -> Result<store::User> {
        use super::throttle;
        use jumpup_store::sessions as throttled;
        in_write_tx!(self, |tx| {
            let (acting, _) = actor(tx, actor_name).await?;
            require_role(&acting, ACCOUNT_MANAGERS, "unlock accounts")?;
            let user = target_user(tx, target).await?;
            tp_manages_firms_only(&acting, &user)?;
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
    ) -> Result<Vec<(UserId, String, i64, chrono::DateTime<chrono::Utc>)>> {
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
    ) -> Result<Vec<(store::User, String, String, bool)>> {
        let mut tx = self.db.begin_read().await?;
        let (acting, _) = actor(&mut tx, actor_name).await?;
        require_role(&acting, ACCOUNT_MANAGERS, "see accounts waiting")?;
        let pending = store::inactive_firm_accounts(&mut tx, 200).await?;
        drop(tx);
        self.log_reads(
            &acting,
            "firm.list",
            "firm",
            pending
                .iter()
                .filter_map(|(u, _, _, _)| u.firm.map(|f| f.0)),
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
    Id(UserId),
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
                    Reason::UnknownFirm,
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
        actor_name: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<store::Firm>> {
        let acting = &self.reader(actor_name).await?;
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
            ServiceError::refused(Reason::RoleNotAllowed, "a firm user without a firm")
        })?)
    } else {
        None
    })
}
