//! Banks, firms and users (RULES.md 8): one role per user; a bank user belongs to one bank, a
//! firm user to one firm. Resident registration numbers have no column anywhere.

use chrono::{DateTime, Utc};
use jumpup_domain::ids::{BankId, FirmId, UserId};
use jumpup_domain::regno::{BusinessNumber, CorporateNumber};
use jumpup_domain::workflow::{BankCode, Role};
use sqlx::Row;

use crate::{Db, Result, StoreError, Tx, with_db, with_tx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bank {
    pub bank_id: BankId,
    pub code: BankCode,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFirm {
    pub business_no: BusinessNumber,
    pub corporate_no: Option<CorporateNumber>,
    pub name: String,
    pub address: String,
    pub district: String,
    pub industry_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firm {
    pub firm_id: FirmId,
    pub business_no: BusinessNumber,
    pub corporate_no: Option<CorporateNumber>,
    pub name: String,
    pub address: String,
    pub district: String,
    pub industry_code: String,
}

/// What a user is scoped to, by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    None,
    Bank(BankId),
    Firm(FirmId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub user_id: UserId,
    pub name: String,
    pub role: Role,
    /// The bank's code for a bank user.
    pub bank: Option<BankCode>,
    pub firm: Option<FirmId>,
    pub active: bool,
}

pub async fn insert_bank(
    tx: &mut Tx,
    code: BankCode,
    name: &str,
    at: DateTime<Utc>,
) -> Result<BankId> {
    let id: i64 = with_tx!(tx, c => {
        sqlx::query_scalar("insert into bank (code, name, created_at) values ($1, $2, $3) returning bank_id")
            .bind(code.as_str())
            .bind(name)
            .bind(at)
            .fetch_one(c)
            .await?
    });
    Ok(BankId(id))
}

fn bank_code(text: &str) -> Result<BankCode> {
    BankCode::parse(text).ok_or_else(|| StoreError::Corrupt(format!("bank code {text:?}")))
}

pub async fn bank_by_code(tx: &mut Tx, code: BankCode) -> Result<Option<Bank>> {
    let row: Option<(i64, String, String)> = with_tx!(tx, c => {
        sqlx::query_as("select bank_id, code, name from bank where code = $1")
            .bind(code.as_str())
            .fetch_optional(c)
            .await?
    });
    row.map(|(bank_id, code, name)| {
        Ok(Bank {
            bank_id: BankId(bank_id),
            code: bank_code(&code)?,
            name,
        })
    })
    .transpose()
}

pub async fn insert_firm(tx: &mut Tx, firm: &NewFirm, at: DateTime<Utc>) -> Result<FirmId> {
    let id: i64 = with_tx!(tx, c => {
        sqlx::query_scalar(
            "insert into firm (business_no, corporate_no, name, address, district, industry_code, created_at)
             values ($1, $2, $3, $4, $5, $6, $7)
             returning firm_id",
        )
        .bind(firm.business_no.to_string())
        .bind(firm.corporate_no.map(|c| c.to_string()))
        .bind(&firm.name)
        .bind(&firm.address)
        .bind(&firm.district)
        .bind(&firm.industry_code)
        .bind(at)
        .fetch_one(c)
        .await?
    });
    Ok(FirmId(id))
}

const FIRM_COLUMNS: &str =
    "select firm_id, business_no, corporate_no, name, address, district, industry_code from firm";

fn firm_from<R: Row>(r: &R) -> Result<Firm>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let business_no: String = r.try_get("business_no")?;
    let corporate_no: Option<String> = r.try_get("corporate_no")?;
    Ok(Firm {
        firm_id: FirmId(r.try_get("firm_id")?),
        business_no: BusinessNumber::parse(&business_no)
            .map_err(|_| StoreError::Corrupt(format!("business number of firm {business_no}")))?,
        corporate_no: corporate_no
            .map(|c| {
                CorporateNumber::parse(&c)
                    .map_err(|_| StoreError::Corrupt("a corporate number".into()))
            })
            .transpose()?,
        name: r.try_get("name")?,
        address: r.try_get("address")?,
        district: r.try_get("district")?,
        industry_code: r.try_get("industry_code")?,
    })
}

pub async fn firm_by_business_no(tx: &mut Tx, business_no: BusinessNumber) -> Result<Option<Firm>> {
    let sql = sqlx::AssertSqlSafe(format!("{FIRM_COLUMNS} where business_no = $1"));
    with_tx!(tx, c => {
        sqlx::query(sql).bind(business_no.to_string()).fetch_optional(c).await?.map(|r| firm_from(&r)).transpose()
    })
}

pub async fn firm_by_id(db: &Db, firm_id: FirmId) -> Result<Option<Firm>> {
    let sql = sqlx::AssertSqlSafe(format!("{FIRM_COLUMNS} where firm_id = $1"));
    with_db!(db, p => {
        sqlx::query(sql).bind(firm_id.0).fetch_optional(p).await?.map(|r| firm_from(&r)).transpose()
    })
}

/// Firms in id order after `after`, at most `limit`; only `only` when given (a firm's own).
pub async fn firms_page(
    db: &Db,
    only: Option<FirmId>,
    after: i64,
    limit: i64,
) -> Result<Vec<Firm>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{FIRM_COLUMNS} where firm_id > $1 and ($2 is null or firm_id = $2) order by firm_id limit $3"
    ));
    with_db!(db, p => {
        sqlx::query(sql)
            .bind(after)
            .bind(only.map(|f| f.0))
            .bind(limit)
            .fetch_all(p)
            .await?
            .iter()
            .map(firm_from)
            .collect()
    })
}

pub async fn count_users(tx: &mut Tx) -> Result<i64> {
    let n: i64 =
        with_tx!(tx, c => sqlx::query_scalar("select count(*) from app_user").fetch_one(c).await?);
    Ok(n)
}

pub async fn insert_user(
    tx: &mut Tx,
    name: &str,
    role: Role,
    scope: Scope,
    password_hash: Option<&str>,
    active: bool,
    at: DateTime<Utc>,
) -> Result<UserId> {
    let (bank_id, firm_id) = match scope {
        Scope::None => (None, None),
        Scope::Bank(b) => (Some(b.0), None),
        Scope::Firm(f) => (None, Some(f.0)),
    };
    let id: i64 = with_tx!(tx, c => {
        sqlx::query_scalar(
            "insert into app_user (name, role, bank_id, firm_id, password_hash, active, created_at)
             values ($1, $2, $3, $4, $5, $6, $7)
             returning user_id",
        )
        .bind(name)
        .bind(role.as_str())
        .bind(bank_id)
        .bind(firm_id)
        .bind(password_hash)
        .bind(active)
        .bind(at)
        .fetch_one(c)
        .await?
    });
    Ok(UserId(id))
}

/// `user_id, name, role, bank code, firm_id, active`.
type UserRow = (i64, String, String, Option<String>, Option<i64>, bool);

const USER_SELECT: &str = "select u.user_id, u.name, u.role, b.code, u.firm_id, u.active
     from app_user u
     left join bank b on b.bank_id = u.bank_id";

fn user_from(row: UserRow) -> Result<User> {
    let (user_id, name, role, bank, firm, active) = row;
    Ok(User {
        user_id: UserId(user_id),
        name,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))?,
        bank: bank.as_deref().map(bank_code).transpose()?,
        firm: firm.map(FirmId),
        active,
    })
}

/// A user by name, with the bank's code for a bank user.
pub async fn user_by_name(tx: &mut Tx, name: &str) -> Result<Option<User>> {
    let sql = sqlx::AssertSqlSafe(format!("{USER_SELECT} where u.name = $1"));
    let row: Option<UserRow> =
        with_tx!(tx, c => sqlx::query_as(sql).bind(name).fetch_optional(c).await?);
    row.map(user_from).transpose()
}

/// A user by name, read outside any transaction (the caller of a read).
pub async fn user_by_name_read(db: &Db, name: &str) -> Result<Option<User>> {
    let sql = sqlx::AssertSqlSafe(format!("{USER_SELECT} where u.name = $1"));
    let row: Option<UserRow> =
        with_db!(db, p => sqlx::query_as(sql).bind(name).fetch_optional(p).await?);
    row.map(user_from).transpose()
}

/// A user by id, with the bank's code for a bank user.
pub async fn user_by_id(tx: &mut Tx, user_id: UserId) -> Result<Option<User>> {
    let sql = sqlx::AssertSqlSafe(format!("{USER_SELECT} where u.user_id = $1"));
    let row: Option<UserRow> =
        with_tx!(tx, c => sqlx::query_as(sql).bind(user_id.0).fetch_optional(c).await?);
    row.map(user_from).transpose()
}

/// The user an unrevoked API token belongs to, in one read (every request with a token
/// signs in through this).
pub async fn user_of_token(db: &Db, token_hash: &str) -> Result<Option<User>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{USER_SELECT} join api_token t on t.user_id = u.user_id
         where t.token_hash = $1 and t.revoked_at is null"
    ));
    let row: Option<UserRow> =
        with_db!(db, p => sqlx::query_as(sql).bind(token_hash).fetch_optional(p).await?);
    row.map(user_from).transpose()
}

/// A user by id, read outside any transaction (signing a request in).
pub async fn user_by_id_read(db: &Db, user_id: UserId) -> Result<Option<User>> {
    let sql = sqlx::AssertSqlSafe(format!("{USER_SELECT} where u.user_id = $1"));
    let row: Option<UserRow> =
        with_db!(db, p => sqlx::query_as(sql).bind(user_id.0).fetch_optional(p).await?);
    row.map(user_from).transpose()
}

/// Users in id order, at most `limit` after `after`.
pub async fn users(tx: &mut Tx, after: i64, limit: i64) -> Result<Vec<User>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{USER_SELECT} where u.user_id > $1 order by u.user_id limit $2"
    ));
    let rows: Vec<UserRow> =
        with_tx!(tx, c => sqlx::query_as(sql).bind(after).bind(limit).fetch_all(c).await?);
    rows.into_iter().map(user_from).collect()
}

/// Inactive firm accounts waiting for the Technopark (self-registered, not made by an
/// administrator), oldest first, each with its firm's name and business number and whether it
/// claims a firm already known.
pub async fn inactive_firm_accounts(
    tx: &mut Tx,
    limit: i64,
) -> Result<Vec<(User, String, String, bool)>> {
    type Row = (
        i64,
        String,
        String,
        Option<String>,
        Option<i64>,
        bool,
        String,
        String,
        bool,
    );
    let rows: Vec<Row> = with_tx!(tx, c => {
        sqlx::query_as(
            "select u.user_id, u.name, u.role, cast(null as text), u.firm_id, u.active, f.name,
                    f.business_no, u.firm_claim
             from app_user u join firm f on f.firm_id = u.firm_id
             where u.role = 'firm' and not u.active and u.proposed_by is null
             order by u.user_id
             limit $1",
        )
        .bind(limit)
        .fetch_all(c)
        .await?
    });
    rows.into_iter()
        .map(
            |(id, name, role, bank, firm, active, firm_name, business_no, claim)| {
                Ok((
                    user_from((id, name, role, bank, firm, active))?,
                    firm_name,
                    business_no,
                    claim,
                ))
            },
        )
        .collect()
}

/// How an account someone else made comes into use (see migration 14).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Onboarding {
    /// The administrator who made it, while it waits for a second person's confirmation.
    pub proposed_by: Option<UserId>,
    /// A self-registration claiming a firm already known.
    pub firm_claim: bool,
}

pub async fn onboarding(tx: &mut Tx, user_id: UserId) -> Result<Onboarding> {
    let (proposed_by, firm_claim): (Option<i64>, bool) = with_tx!(tx, c => {
        sqlx::query_as("select proposed_by, firm_claim from app_user where user_id = $1")
            .bind(user_id.0)
            .fetch_one(c)
            .await?
    });
    Ok(Onboarding {
        proposed_by: proposed_by.map(UserId),
        firm_claim,
    })
}

pub async fn mark_proposed(tx: &mut Tx, user_id: UserId, by: UserId) -> Result<()> {
    with_tx!(tx, c => {
        sqlx::query("update app_user set proposed_by = $2 where user_id = $1")
            .bind(user_id.0)
            .bind(by.0)
            .execute(c)
            .await?;
    });
    Ok(())
}

/// Marks a firm account as a claim on a known firm (`true`), or as an ordinary firm account
/// once the claim is checked (`false`).
pub async fn set_firm_claim(tx: &mut Tx, user_id: UserId, claim: bool) -> Result<()> {
    with_tx!(tx, c => {
        sqlx::query("update app_user set firm_claim = $2 where user_id = $1")
            .bind(user_id.0)
            .bind(claim)
            .execute(c)
            .await?;
    });
    Ok(())
}

/// A proposed account confirmed: active, with a one-time setup code (its digest) until `until`.
pub async fn confirm_proposed(
    tx: &mut Tx,
    user_id: UserId,
    setup_hash: &str,
    until: DateTime<Utc>,
) -> Result<()> {
    with_tx!(tx, c => {
        sqlx::query(
            "update app_user set active = $2, proposed_by = null, setup_hash = $3, \
             setup_until = $4 where user_id = $1",
        )
        .bind(user_id.0)
        .bind(true)
        .bind(setup_hash)
        .bind(until)
        .execute(c)
        .await?;
    });
    Ok(())
}

/// The active account named `name` holding the setup code of this digest, still valid at `now`.
pub async fn user_by_setup(
    tx: &mut Tx,
    name: &str,
    setup_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<User>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{USER_SELECT} where u.name = $1 and u.setup_hash = $2 and u.setup_until > $3 \
         and u.active"
    ));
    let row: Option<UserRow> = with_tx!(tx, c => {
        sqlx::query_as(sql)
            .bind(name)
            .bind(setup_hash)
            .bind(now)
            .fetch_optional(c)
            .await?
    });
    row.map(user_from).transpose()
}

/// The password set with the setup code, which is spent.
pub async fn finish_setup(tx: &mut Tx, user_id: UserId, password_hash: &str) -> Result<()> {
    with_tx!(tx, c => {
        sqlx::query(
            "update app_user set password_hash = $2, setup_hash = null, setup_until = null \
             where user_id = $1",
        )
        .bind(user_id.0)
        .bind(password_hash)
        .execute(c)
        .await?;
    });
    Ok(())
}

/// Accounts an administrator made that wait for a second person, oldest first, each with the
/// administrator's name.
pub async fn proposed_accounts(tx: &mut Tx, limit: i64) -> Result<Vec<(User, String)>> {
    let sql = "select u.user_id, u.name, u.role, b.code, u.firm_id, u.active, p.name
         from app_user u left join bank b on b.bank_id = u.bank_id
         join app_user p on p.user_id = u.proposed_by
         order by u.user_id limit $1";
    type Row = (
        i64,
        String,
        String,
        Option<String>,
        Option<i64>,
        bool,
        String,
    );
    let rows: Vec<Row> = with_tx!(tx, c => {
        sqlx::query_as(sql).bind(limit).fetch_all(c).await?
    });
    rows.into_iter()
        .map(|(id, name, role, bank, firm, active, by)| {
            Ok((user_from((id, name, role, bank, firm, active))?, by))
        })
        .collect()
}

pub async fn set_active(tx: &mut Tx, user_id: UserId, active: bool) -> Result<()> {
    with_tx!(tx, c => {
        sqlx::query("update app_user set active = $2 where user_id = $1")
            .bind(user_id.0)
            .bind(active)
            .execute(c)
            .await?;
    });
    Ok(())
}

/// A user's stored password hash, read in the caller's transaction.
pub async fn password_hash_in(tx: &mut Tx, user_id: UserId) -> Result<Option<String>> {
    let row: Option<(Option<String>,)> = with_tx!(tx, c => {
        sqlx::query_as("select password_hash from app_user where user_id = $1")
            .bind(user_id.0)
            .fetch_optional(c)
            .await?
    });
    Ok(row.and_then(|(h,)| h))
}

pub async fn set_password_hash(tx: &mut Tx, user_id: UserId, hash: &str) -> Result<()> {
    with_tx!(tx, c => {
        sqlx::query("update app_user set password_hash = $2 where user_id = $1")
            .bind(user_id.0)
            .bind(hash)
            .execute(c)
            .await?;
    });
    Ok(())
}

/// What an import compares of a stored firm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmSummary {
    pub firm_id: FirmId,
    pub name: String,
    pub district: String,
    pub corporate_no: Option<String>,
}

/// The firms with these business numbers (as stored, hyphenated), by number.
pub async fn firms_by_business_no(
    tx: &mut Tx,
    business_nos: &[String],
) -> Result<std::collections::HashMap<String, FirmSummary>> {
    let rows = chunked!(
        tx,
        business_nos,
        "select business_no, firm_id, name, district, corporate_no from firm where business_no in (",
        ")",
        (String, i64, String, String, Option<String>)
    );
    Ok(rows
        .into_iter()
        .map(|(b, id, name, district, corporate_no)| {
            (
                b,
                FirmSummary {
                    firm_id: FirmId(id),
                    name,
                    district,
                    corporate_no,
                },
            )
        })
        .collect())
}

/// Rows per multi-row insert: well inside both databases' parameter limits.
pub const BATCH_ROWS: usize = 500;

/// Inserts many firms with multi-row statements; returns each business number's new id.
pub async fn insert_firms(
    tx: &mut Tx,
    firms: &[NewFirm],
    at: DateTime<Utc>,
) -> Result<Vec<(String, FirmId)>> {
    let rows = crate::write_rows!(
        tx,
        firms,
        "insert into firm (business_no, corporate_no, name, address, district, industry_code, created_at) ",
        |b, f: &NewFirm| b
            .push_bind(f.business_no.to_string())
            .push_bind(f.corporate_no.map(|c| c.to_string()))
            .push_bind(f.name.clone())
            .push_bind(f.address.clone())
            .push_bind(f.district.clone())
            .push_bind(f.industry_code.clone())
            .push_bind(at),
        returning " returning business_no, firm_id" as (String, i64)
    );
    Ok(rows.into_iter().map(|(b, id)| (b, FirmId(id))).collect())
}

/// A user's stored password hash, if any (for login).
pub async fn password_hash(db: &Db, name: &str) -> Result<Option<String>> {
    let row: Option<(Option<String>,)> = with_db!(db, p => {
        sqlx::query_as("select password_hash from app_user where name = $1").bind(name).fetch_optional(p).await?
    });
    Ok(row.and_then(|(h,)| h))
}

/// Every bank's id by its code, read in the caller's transaction.
pub async fn bank_ids(tx: &mut Tx) -> Result<std::collections::HashMap<String, BankId>> {
    Ok(banks_in(tx)
        .await?
        .into_iter()
        .map(|b| (b.code.as_str().to_owned(), b.bank_id))
        .collect())
}

/// Every bank, read in the caller's transaction.
pub async fn banks_in(tx: &mut Tx) -> Result<Vec<Bank>> {
    let rows: Vec<(i64, String, String)> = with_tx!(tx, c => {
        sqlx::query_as("select bank_id, code, name from bank order by code").fetch_all(c).await?
    });
    rows.into_iter()
        .map(|(bank_id, code, name)| {
            Ok(Bank {
                bank_id: BankId(bank_id),
                code: bank_code(&code)?,
                name,
            })
        })
        .collect()
}
