//! The SQL implementation of [`store::Store`], written once and compiled by each backend crate
//! against its own concrete sqlx types (`#[path]`-included as `mod ops`). The including crate
//! provides `crate::dialect` with:
//! - `type Db` (the sqlx database), `BACKEND` (its name) and `MIGRATIONS` (versioned SQL);
//! - `begin_write(pool)`: a transaction that holds the database's single write lock from its first
//!   statement (SQLite `BEGIN IMMEDIATE`; PostgreSQL an advisory transaction lock), so every write
//!   sees every earlier commit and commit order is filing order;
//! - `begin_queue(pool)` and `SKIP_LOCKED`: for the outbox, which does not need the write lock;
//! - `backup(pool, destination)`;
//! - `after_bulk_load(pool, tables)`: after the benchmark loader wrote rows with explicit ids.
//!
//! SQL here is the common dialect of SQLite ≥ 3.35 and PostgreSQL: `$n` placeholders, `RETURNING`,
//! `ON CONFLICT`, partial indexes.

use crate::dialect::{self, Db};
use domain::access::{self, Access};
use domain::audit::{AuditFields, GENESIS, chain_hash};
use domain::calendar::business_date;
use domain::directory::customers::Customer;
use domain::directory::files::{Line, PartnerRow};
use domain::directory::input::NewPartner;
use domain::directory::products::{NewProduct, ProductLine};
use domain::directory::{self, ActivationStage, PartnerLevel, Segment};
use domain::notify::Draft;
use domain::orders::input::NewOrder;
use domain::registrations::input::{Approval, ChangeRequest, NewRegistration, Outcome};
use domain::registrations::matching::{CustomerIdentity, could_match, name_index_keys, score_match};
use domain::registrations::{self as rules, Action, RequestKind, RequestStatus, Status, notify, policy};
use domain::settings::{ProgramSettings, route_approver};
use domain::sor::SorNumber;
use domain::{Actor, Currency, FieldErrors, Money, Role};
use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::{Value, json};
use sqlx::{Pool, QueryBuilder, Row};
use std::collections::BTreeMap;
use store::*;

#[path = "orders.rs"]
mod orders;
#[path = "web.rs"]
mod web;
use orders::{link_won_orders, load_products, order_links, write_price_list};

type Conn = <Db as sqlx::Database>::Connection;
type DbRow = <Db as sqlx::Database>::Row;

/// Candidate customers looked at per conflict check; keeps the check bounded at any data size.
const MAX_CANDIDATE_CUSTOMERS: i64 = 200;
/// How long a reserved idempotency key waits for its first request before another may take over.
const IDEMPOTENCY_LEASE_US: i64 = 60_000_000;
/// Rows handled per transaction by the sweeps, so a large backlog never holds the write lock long.
const SWEEP_BATCH: i64 = 500;

pub struct SqlStore {
    /// Reads. For SQLite a pool of several connections; for PostgreSQL the same pool as `write`.
    read: Pool<Db>,
    /// Writes. For SQLite a single connection: writers queue in the pool rather than spin on the
    /// file lock.
    write: Pool<Db>,
}

fn us(t: Timestamp) -> i64 {
    t.as_microsecond()
}

fn at(micros: i64) -> Timestamp {
    Timestamp::from_microsecond(micros).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn db(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            StoreError::Unavailable(e.to_string())
        }
        _ => StoreError::Database(e.to_string()),
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| d.is_unique_violation())
}

fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| d.is_foreign_key_violation())
}

/// Maps a unique violation to a conflict with `message`, anything else to a database error.
fn unique_or_db(message: &str) -> impl Fn(sqlx::Error) -> StoreError + '_ {
    move |e| {
        if is_unique_violation(&e) {
            StoreError::conflict(message)
        } else {
            db(e)
        }
    }
}

fn parse_date(raw: &str) -> StoreResult<Date> {
    raw.parse()
        .map_err(|e| StoreError::Database(format!("bad date '{raw}' in database: {e}")))
}

fn parse_currency(raw: &str) -> StoreResult<Currency> {
    Currency::parse(raw).map_err(StoreError::Database)
}

fn corrupt(e: String) -> StoreError {
    StoreError::Database(format!("unreadable value in database: {e}"))
}

fn get<'r, T>(row: &'r DbRow, column: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, Db> + sqlx::Type<Db>,
{
    row.try_get(column).map_err(db)
}

fn check(access: Access, entity: &'static str, what: &str) -> StoreResult<()> {
    match access {
        Access::Allowed => Ok(()),
        Access::Hidden => Err(StoreError::NotFound(entity)),
        Access::Forbidden => Err(StoreError::Forbidden(format!("you may not {what}"))),
    }
}

fn require_admin(actor: Option<&Actor>, what: &str) -> StoreResult<()> {
    match actor {
        Some(a) if !access::can_administer(a) => Err(StoreError::Forbidden(format!("only administrators may {what}"))),
        _ => Ok(()),
    }
}

impl SqlStore {
    pub fn new(read: Pool<Db>, write: Pool<Db>) -> Self {
        SqlStore { read, write }
    }

    /// Applies every migration not yet applied, each in its own transaction.
    pub async fn migrate(&self) -> StoreResult<Vec<i64>> {
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_us BIGINT NOT NULL)",
        )
        .execute(&self.write)
        .await
        .map_err(db)?;
        let mut applied = Vec::new();
        for (version, sql) in dialect::MIGRATIONS {
            let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
            let done: Option<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                .bind(*version)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
            if done.is_some() {
                continue;
            }
            sqlx::raw_sql(*sql).execute(&mut *tx).await.map_err(db)?;
            sqlx::query("INSERT INTO schema_migrations (version, applied_us) VALUES ($1, $2)")
                .bind(*version)
                .bind(us(Timestamp::now()))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            tx.commit().await.map_err(db)?;
            applied.push(*version);
        }
        Ok(applied)
    }
}

// ---------------------------------------------------------------------------------------------
// Shared steps of the write operations.

/// The company's business date at `now`.
async fn today(conn: &mut Conn, now: Timestamp) -> StoreResult<Date> {
    Ok(business_date(now, &load_settings(conn).await?.zone()))
}

async fn load_settings(conn: &mut Conn) -> StoreResult<ProgramSettings> {
    let body: Option<String> = sqlx::query_scalar("SELECT body FROM program_settings WHERE id = 1")
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
    match body {
        Some(b) => serde_json::from_str(&b).map_err(|e| corrupt(e.to_string())),
        None => Ok(ProgramSettings::default()),
    }
}

/// One change as the audit trail records it.
struct Change<'a> {
    actor: Option<&'a Actor>,
    action: &'a str,
    entity_type: &'a str,
    entity_id: i64,
    before: Option<&'a Value>,
    after: Option<&'a Value>,
}

/// Appends one entry to the hash-chained audit trail (PLT-2). Runs under the write lock, so the
/// head it extends is the latest.
async fn audit(conn: &mut Conn, change: Change<'_>, now: Timestamp) -> StoreResult<()> {
    audit_many(conn, &[change], now).await
}

/// Appends several entries at once (imports): one read of the head, multi-row inserts, one update.
async fn audit_many(conn: &mut Conn, changes: &[Change<'_>], now: Timestamp) -> StoreResult<()> {
    let Some(_) = changes.first() else {
        return Ok(());
    };
    let head = sqlx::query("SELECT last_id, last_hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
    let mut id: i64 = get(&head, "last_id")?;
    let mut hash: String = get(&head, "last_hash")?;
    let mut rows = Vec::with_capacity(changes.len());
    for change in changes {
        id += 1;
        let before = change.before.map(Value::to_string);
        let after = change.after.map(Value::to_string);
        let actor_user_id = change.actor.map(|a| a.user_id);
        hash = chain_hash(
            &hash,
            &AuditFields {
                id,
                at_us: us(now),
                actor_user_id,
                action: change.action,
                entity_type: change.entity_type,
                entity_id: change.entity_id,
                before: before.as_deref(),
                after: after.as_deref(),
            },
        );
        rows.push((id, actor_user_id, change, before, after, hash.clone()));
    }
    insert_rows(
        conn,
        "INSERT INTO audit_log (id, at_us, actor_user_id, action, entity_type, entity_id, before, after, hash) ",
        &rows,
        |mut row, (id, actor_user_id, change, before, after, hash)| {
            row.push_bind(*id)
                .push_bind(us(now))
                .push_bind(*actor_user_id)
                .push_bind(change.action.to_owned())
                .push_bind(change.entity_type.to_owned())
                .push_bind(change.entity_id)
                .push_bind(before.clone())
                .push_bind(after.clone())
                .push_bind(hash.clone());
        },
    )
    .await?;
    sqlx::query("UPDATE audit_head SET last_id = $1, last_hash = $2 WHERE id = 1")
        .bind(id)
        .bind(&hash)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

/// Queues a message in the outbox, in the caller's transaction (PLT-3). The dedupe key makes the
/// same announcement idempotent: queued twice, it is stored once. Returns whether it was new.
async fn enqueue(
    conn: &mut Conn,
    dedupe_key: &str,
    recipient_user_id: i64,
    draft: &Draft,
    entity: (&str, i64),
    now: Timestamp,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO outbox (dedupe_key, kind, recipient_user_id, recipient_email, subject, body, entity_type, entity_id, created_us, next_attempt_us) \
         SELECT $1, $2, id, email, $3, $4, $5, $6, $7, $7 FROM users WHERE id = $8 \
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(dedupe_key)
    .bind(draft.kind)
    .bind(&draft.subject)
    .bind(&draft.body)
    .bind(entity.0)
    .bind(entity.1)
    .bind(us(now))
    .bind(recipient_user_id)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(done.rows_affected() > 0)
}

/// Queues a message about a registration to the partner user who submitted it.
async fn tell_submitter(
    conn: &mut Conn,
    reg: &RegRow,
    dedupe_key: &str,
    draft: &Draft,
    now: Timestamp,
) -> StoreResult<()> {
    enqueue(conn, dedupe_key, reg.submitted_by, draft, ("registration", reg.id), now).await?;
    Ok(())
}

/// Who hears about a registration awaiting a decision: its approver, or every administrator when
/// no approver could be routed.
async fn deciders(conn: &mut Conn, approver_id: Option<i64>) -> StoreResult<Vec<i64>> {
    match approver_id {
        Some(id) => Ok(vec![id]),
        None => sqlx::query_scalar("SELECT id FROM users WHERE role = 'admin' AND active = $1 ORDER BY id")
            .bind(true)
            .fetch_all(&mut *conn)
            .await
            .map_err(db),
    }
}

// ---------------------------------------------------------------------------------------------
// Row mapping.

fn user_from_row(row: &DbRow) -> StoreResult<User> {
    Ok(User {
        id: get(row, "id")?,
        email: get(row, "email")?,
        display_name: get(row, "display_name")?,
        role: Role::parse(&get::<String>(row, "role")?).map_err(corrupt)?,
        partner_id: get(row, "partner_id")?,
        active: get(row, "active")?,
        created_at: at(get(row, "created_us")?),
        password_hash: get(row, "password_hash")?,
        locked_until: get::<Option<i64>>(row, "locked_until_us")?.map(at),
        failed_sign_ins: u32::try_from(get::<i64>(row, "failed_sign_ins")?).unwrap_or(u32::MAX),
    })
}

fn partner_from_row(row: &DbRow) -> StoreResult<Partner> {
    Ok(Partner {
        id: get(row, "id")?,
        name: get(row, "name")?,
        level: PartnerLevel::parse(&get::<String>(row, "level")?).map_err(corrupt)?,
        activation_stage: ActivationStage::parse(&get::<String>(row, "activation_stage")?).map_err(corrupt)?,
        region_id: get(row, "region_id")?,
        created_at: at(get(row, "created_us")?),
    })
}

/// A product without its prices; [`with_prices`] adds the versions in force.
fn product_from_row(row: &DbRow) -> StoreResult<Product> {
    Ok(Product {
        id: get(row, "id")?,
        sku: get(row, "sku")?,
        name: get(row, "name")?,
        category: get(row, "category")?,
        is_accessory: get(row, "is_accessory")?,
        maintenance_term_months: get::<Option<i64>>(row, "maintenance_term_months")?.map(|m| m as u32),
        price: None,
        next_price: None,
    })
}

fn price_version_from_row(row: &DbRow) -> StoreResult<PriceVersion> {
    let currency = parse_currency(&get::<String>(row, "currency")?)?;
    let money = |column: &str| -> StoreResult<Money> {
        Ok(Money {
            amount_minor: get(row, column)?,
            currency,
        })
    };
    Ok(PriceVersion {
        effective_from: parse_date(&get::<String>(row, "effective_from")?)?,
        list_price: money("list_price_minor")?,
        partner_price: money("partner_price_minor")?,
        msrp: money("msrp_minor")?,
        rrsp: money("rrsp_minor")?,
    })
}

/// Every price version of these products, oldest first.
async fn price_versions(conn: &mut Conn, product_ids: &[i64]) -> StoreResult<BTreeMap<i64, Vec<PriceVersion>>> {
    let mut versions: BTreeMap<i64, Vec<PriceVersion>> = BTreeMap::new();
    if product_ids.is_empty() {
        return Ok(versions);
    }
    let mut qb = QueryBuilder::<Db>::new("SELECT * FROM product_prices WHERE product_id IN ");
    push_id_list(&mut qb, product_ids);
    qb.push(" ORDER BY product_id, effective_from");
    for row in qb.build().fetch_all(&mut *conn).await.map_err(db)? {
        versions
            .entry(get(&row, "product_id")?)
            .or_default()
            .push(price_version_from_row(&row)?);
    }
    Ok(versions)
}

/// The domain's view of a price version (amounts only: one currency per program).
fn price_rule(v: &PriceVersion) -> domain::orders::PriceVersion {
    domain::orders::PriceVersion {
        effective_from: v.effective_from,
        list_minor: v.list_price.amount_minor,
        partner_minor: v.partner_price.amount_minor,
        msrp_minor: v.msrp.amount_minor,
        rrsp_minor: v.rrsp.amount_minor,
    }
}

/// Adds to each product the version in force on `today` and the next one scheduled.
async fn with_prices(conn: &mut Conn, products: &mut [Product], today: Date) -> StoreResult<()> {
    let ids: Vec<i64> = products.iter().map(|p| p.id).collect();
    let mut versions = price_versions(conn, &ids).await?;
    for product in products {
        let list = versions.remove(&product.id).unwrap_or_default();
        let rules: Vec<_> = list.iter().map(price_rule).collect();
        product.price = domain::orders::price_in_effect(&rules, today).and_then(|current| {
            list.iter()
                .find(|v| v.effective_from == current.effective_from)
                .cloned()
        });
        product.next_price = list.into_iter().find(|v| v.effective_from > today);
    }
    Ok(())
}

/// The customer as the registration's partner described it: partners share customer rows (that is
/// what makes a claim unique) but never see what another partner typed.
const REG_CUSTOMER_COLUMNS: &str = "r.customer_id AS c_id, r.customer_name AS c_name, r.customer_domain AS c_domain, \
     r.customer_tax_id AS c_tax_id, r.customer_city AS c_city, r.customer_postal_code AS c_postal_code, \
     r.customer_country AS c_country, r.customer_segment AS c_segment";

const CUSTOMER_COLUMNS: &str = "c.id AS c_id, c.name AS c_name, c.domain AS c_domain, c.tax_id AS c_tax_id, \
     c.city AS c_city, c.postal_code AS c_postal_code, c.country AS c_country, c.segment AS c_segment";

fn customer_from_row(row: &DbRow) -> StoreResult<CustomerRecord> {
    Ok(CustomerRecord {
        id: get(row, "c_id")?,
        name: get(row, "c_name")?,
        domain: get(row, "c_domain")?,
        tax_id: get(row, "c_tax_id")?,
        city: get(row, "c_city")?,
        postal_code: get(row, "c_postal_code")?,
        country: get(row, "c_country")?,
        segment: Segment::parse(&get::<String>(row, "c_segment")?).map_err(corrupt)?,
    })
}

fn identity_of(c: &CustomerRecord) -> CustomerIdentity {
    CustomerIdentity::from_raw(
        &c.name,
        c.domain.as_deref(),
        c.tax_id.as_deref(),
        c.city.as_deref(),
        c.postal_code.as_deref(),
        &c.country,
    )
}

/// A registration row with what it joins, before lines and redaction.
struct RegRow {
    id: i64,
    partner_id: i64,
    partner_name: String,
    status: Status,
    customer: CustomerRecord,
    estimated_value: Money,
    expected_close: Date,
    description: Option<String>,
    approver_id: Option<i64>,
    submitted_by: i64,
    submitted_at: Timestamp,
    sor_number: Option<String>,
    valid_through: Option<Date>,
    decided_by: Option<i64>,
    decided_at: Option<Timestamp>,
    decision_reason: Option<String>,
    closed_at: Option<Timestamp>,
    possible_conflict: bool,
    conflicts: Vec<ConflictMatch>,
}

fn reg_select() -> String {
    format!(
        "SELECT r.id, r.partner_id, p.name AS partner_name, r.status, r.est_value_minor, r.currency, \
         r.expected_close, r.description, r.approver_id, r.submitted_by, r.submitted_us, r.sor_number, \
         r.valid_through, r.decided_by, r.decided_us, r.decision_reason, r.closed_us, r.possible_conflict, \
         r.conflicts, {REG_CUSTOMER_COLUMNS} \
         FROM registrations r JOIN partners p ON p.id = r.partner_id"
    )
}

fn reg_from_row(row: &DbRow) -> StoreResult<RegRow> {
    let optional_date = |column: &str| -> StoreResult<Option<Date>> {
        get::<Option<String>>(row, column)?
            .as_deref()
            .map(parse_date)
            .transpose()
    };
    Ok(RegRow {
        id: get(row, "id")?,
        partner_id: get(row, "partner_id")?,
        partner_name: get(row, "partner_name")?,
        status: Status::parse(&get::<String>(row, "status")?).map_err(corrupt)?,
        customer: customer_from_row(row)?,
        estimated_value: Money {
            amount_minor: get(row, "est_value_minor")?,
            currency: parse_currency(&get::<String>(row, "currency")?)?,
        },
        expected_close: parse_date(&get::<String>(row, "expected_close")?)?,
        description: get(row, "description")?,
        approver_id: get(row, "approver_id")?,
        submitted_by: get(row, "submitted_by")?,
        submitted_at: at(get(row, "submitted_us")?),
        sor_number: get(row, "sor_number")?,
        valid_through: optional_date("valid_through")?,
        decided_by: get(row, "decided_by")?,
        decided_at: get::<Option<i64>>(row, "decided_us")?.map(at),
        decision_reason: get(row, "decision_reason")?,
        closed_at: get::<Option<i64>>(row, "closed_us")?.map(at),
        possible_conflict: get(row, "possible_conflict")?,
        conflicts: serde_json::from_str(&get::<String>(row, "conflicts")?).map_err(|e| corrupt(e.to_string()))?,
    })
}

async fn load_reg(conn: &mut Conn, id: i64) -> StoreResult<RegRow> {
    let sql = format!("{} WHERE r.id = $1", reg_select());
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound("registration"))?;
    let mut reg = reg_from_row(&row)?;
    refresh_matches(conn, &mut reg.conflicts).await?;
    Ok(reg)
}

/// Matches are stored as found; their status and SOR number are read fresh, so an approver never
/// acts on a match that has since been approved, declined or closed without seeing it.
async fn refresh_matches(conn: &mut Conn, matches: &mut [ConflictMatch]) -> StoreResult<()> {
    if matches.is_empty() {
        return Ok(());
    }
    let mut qb = QueryBuilder::<Db>::new("SELECT id, status, sor_number FROM registrations WHERE id IN ");
    push_id_list(&mut qb, &matches.iter().map(|m| m.registration_id).collect::<Vec<_>>());
    let mut current = BTreeMap::new();
    for row in qb.build().fetch_all(&mut *conn).await.map_err(db)? {
        let status = Status::parse(&get::<String>(&row, "status")?).map_err(corrupt)?;
        current.insert(
            get::<i64>(&row, "id")?,
            (status, get::<Option<String>>(&row, "sor_number")?),
        );
    }
    for m in matches.iter_mut() {
        if let Some((status, sor)) = current.remove(&m.registration_id) {
            m.status = status;
            m.sor_number = sor;
        }
    }
    Ok(())
}

struct LineRow {
    product_id: i64,
    line: RegisteredLine,
}

async fn load_lines(conn: &mut Conn, registration_id: i64) -> StoreResult<Vec<LineRow>> {
    let rows = sqlx::query(
        "SELECT l.product_id, l.sku, l.quantity, l.ordered_quantity, l.ordered_minor, pr.name, r.currency \
         FROM registration_lines l JOIN products pr ON pr.id = l.product_id \
         JOIN registrations r ON r.id = l.registration_id WHERE l.registration_id = $1 ORDER BY l.sku",
    )
    .bind(registration_id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    rows.iter()
        .map(|row| {
            Ok(LineRow {
                product_id: get(row, "product_id")?,
                line: RegisteredLine {
                    sku: get(row, "sku")?,
                    product_name: get(row, "name")?,
                    quantity: get(row, "quantity")?,
                    ordered_quantity: get(row, "ordered_quantity")?,
                    ordered_value: Money {
                        amount_minor: get(row, "ordered_minor")?,
                        currency: parse_currency(&get::<String>(row, "currency")?)?,
                    },
                },
            })
        })
        .collect()
}

/// The view of a registration for `actor`: partners learn that a conflict may exist, never with whom.
/// `orders` are the orders drawn on it, when loaded for an actor who may read them.
fn present(reg: RegRow, lines: Vec<LineRow>, orders: Option<Vec<OrderLink>>, actor: &Actor) -> Registration {
    Registration {
        id: reg.id,
        partner_id: reg.partner_id,
        partner_name: reg.partner_name,
        status: reg.status,
        customer: reg.customer,
        products: lines.into_iter().map(|l| l.line).collect(),
        estimated_value: reg.estimated_value,
        expected_close_date: reg.expected_close,
        description: reg.description,
        sor_number: reg.sor_number,
        valid_through: reg.valid_through,
        approver_id: reg.approver_id,
        submitted_by: reg.submitted_by,
        submitted_at: reg.submitted_at,
        decided_by: reg.decided_by,
        decided_at: reg.decided_at,
        decision_reason: reg.decision_reason,
        closed_at: reg.closed_at,
        orders,
        possible_conflict: reg.possible_conflict,
        conflicts: actor.is_staff().then_some(reg.conflicts),
        allowed_actions: reg
            .status
            .allowed_actions()
            .iter()
            .map(|a| a.as_str().to_owned())
            .collect(),
    }
}

/// What the audit trail records of a registration: its business state, and of its conflicts only
/// which registrations matched and how strongly.
fn snapshot(reg: &RegRow, lines: &[LineRow]) -> Value {
    json!({
        "status": reg.status,
        "partner_id": reg.partner_id,
        "customer_id": reg.customer.id,
        "customer_name": reg.customer.name,
        "products": lines.iter().map(|l| json!({"sku": l.line.sku, "quantity": l.line.quantity})).collect::<Vec<_>>(),
        "estimated_value": reg.estimated_value,
        "expected_close_date": reg.expected_close,
        "sor_number": reg.sor_number,
        "valid_through": reg.valid_through,
        "approver_id": reg.approver_id,
        "decision_reason": reg.decision_reason,
        "conflicts": reg.conflicts.iter().map(|m| json!({"registration_id": m.registration_id, "score": m.score})).collect::<Vec<_>>(),
    })
}

async fn reload(conn: &mut Conn, id: i64) -> StoreResult<(RegRow, Vec<LineRow>)> {
    let reg = load_reg(conn, id).await?;
    let lines = load_lines(conn, id).await?;
    Ok((reg, lines))
}

// ---------------------------------------------------------------------------------------------
// Customers and conflict matching (REG-6).

/// Finds the customer row these details name exactly — by tax id, then domain, then normalised
/// name in the same city and country — or creates it. Fuzzy resemblance does not merge rows; it is
/// reported by [`find_matches`].
async fn resolve_customer(conn: &mut Conn, customer: &Customer, now: Timestamp) -> StoreResult<i64> {
    let identity = customer.identity();
    if let Some(id) = find_customer(conn, &identity).await? {
        return Ok(id);
    }
    insert_customer(conn, customer, &identity, now).await
}

/// The customer row these exact keys name, if any.
async fn find_customer(conn: &mut Conn, identity: &CustomerIdentity) -> StoreResult<Option<i64>> {
    let city_norm = identity.city.clone().unwrap_or_default();
    sqlx::query_scalar(
        "SELECT id FROM customers WHERE (tax_id IS NOT NULL AND tax_id = $1) \
         OR (domain IS NOT NULL AND domain = $2) \
         OR (name_norm = $3 AND country = $4 AND city_norm = $5) \
         ORDER BY (tax_id IS NOT NULL AND tax_id = $1) DESC, (domain IS NOT NULL AND domain = $2) DESC, id LIMIT 1",
    )
    .bind(&identity.tax_id)
    .bind(&identity.domain)
    .bind(&identity.name)
    .bind(&identity.country)
    .bind(&city_norm)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)
}

async fn insert_customer(
    conn: &mut Conn,
    customer: &Customer,
    identity: &CustomerIdentity,
    now: Timestamp,
) -> StoreResult<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO customers (name, name_norm, domain, tax_id, city, city_norm, postal_code, postal_norm, country, segment, created_us) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(&customer.name)
    .bind(&identity.name)
    .bind(&identity.domain)
    .bind(&identity.tax_id)
    .bind(&customer.city)
    .bind(identity.city.clone().unwrap_or_default())
    .bind(&customer.postal_code)
    .bind(&identity.postal_code)
    .bind(&identity.country)
    .bind(customer.segment.as_str())
    .bind(us(now))
    .fetch_one(&mut *conn)
    .await
    .map_err(unique_or_db("a customer with this tax id, domain or name already exists"))?;
    index_names(conn, &[(id, identity.name.as_str())]).await?;
    Ok(id)
}

/// Adds customers' name keys to the candidate index and to the per-key counts that let a conflict
/// check probe the rarest keys first; multi-row statements, one round trip each.
async fn index_names(conn: &mut Conn, customers: &[(i64, &str)]) -> StoreResult<()> {
    let mut keys = Vec::new();
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for (id, name) in customers {
        for key in name_index_keys(name) {
            *counts.entry(key.clone()).or_default() += 1;
            keys.push((key, *id));
        }
    }
    insert_rows(
        conn,
        "INSERT INTO customer_keys (key, customer_id) ",
        &keys,
        |mut row, (key, id)| {
            row.push_bind(key.clone()).push_bind(*id);
        },
    )
    .await?;
    let counts: Vec<(String, i64)> = counts.into_iter().collect();
    for chunk in counts.chunks(ROWS_PER_STATEMENT) {
        let mut qb = QueryBuilder::<Db>::new("INSERT INTO customer_key_counts (key, customers) ");
        qb.push_values(chunk, |mut row, (key, n)| {
            row.push_bind(key.clone()).push_bind(*n);
        });
        qb.push(" ON CONFLICT (key) DO UPDATE SET customers = customer_key_counts.customers + excluded.customers");
        qb.build().execute(&mut *conn).await.map_err(db)?;
    }
    Ok(())
}

fn push_id_list(qb: &mut QueryBuilder<Db>, ids: &[i64]) {
    qb.push("(");
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    list.push_unseparated(")");
}

const IDENTITY_COLUMNS: &str = "id, name_norm, domain, tax_id, city_norm, postal_norm, country";

/// The stored, already normalised identity of a customer row.
fn stored_identity(row: &DbRow) -> StoreResult<CustomerIdentity> {
    let city: String = get(row, "city_norm")?;
    Ok(CustomerIdentity {
        name: get(row, "name_norm")?,
        domain: get(row, "domain")?,
        tax_id: get(row, "tax_id")?,
        city: (!city.is_empty()).then_some(city),
        postal_code: get(row, "postal_norm")?,
        country: get(row, "country")?,
    })
}

/// Customers that could be `identity`, by id: exact keys (same row, tax id, domain, normalised name)
/// and the customers sharing its rarest name keys, bounded, then filtered by
/// [`could_match`] before any registration is read.
async fn candidate_customers(
    conn: &mut Conn,
    identity: &CustomerIdentity,
    customer_id: Option<i64>,
) -> StoreResult<Vec<i64>> {
    let mut qb = QueryBuilder::<Db>::new(format!("SELECT {IDENTITY_COLUMNS} FROM customers WHERE id = "));
    qb.push_bind(customer_id.unwrap_or(-1));
    if let Some(tax) = &identity.tax_id {
        qb.push(" OR tax_id = ").push_bind(tax.clone());
    }
    if let Some(domain) = &identity.domain {
        qb.push(" OR domain = ").push_bind(domain.clone());
    }
    qb.push(" OR (name_norm = ")
        .push_bind(identity.name.clone())
        .push(" AND country = ")
        .push_bind(identity.country.clone())
        .push(")");
    let mut rows = qb.build().fetch_all(&mut *conn).await.map_err(db)?;
    let keys = rarest_keys(conn, &name_index_keys(&identity.name)).await?;
    if !keys.is_empty() {
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {IDENTITY_COLUMNS} FROM customers WHERE id IN (SELECT customer_id FROM customer_keys WHERE key IN ("
        ));
        let mut list = qb.separated(", ");
        for key in keys {
            list.push_bind(key);
        }
        list.push_unseparated(") LIMIT ");
        qb.push_bind(MAX_CANDIDATE_CUSTOMERS).push(")");
        rows.extend(qb.build().fetch_all(&mut *conn).await.map_err(db)?);
    }
    let mut candidates = Vec::new();
    for row in &rows {
        if could_match(identity, &stored_identity(row)?) {
            candidates.push(get::<i64>(row, "id")?);
        }
    }
    candidates.sort_unstable();
    candidates.dedup();
    Ok(candidates)
}

/// The name keys to probe: rarest first, as many as fit in the candidate budget, at least one.
async fn rarest_keys(conn: &mut Conn, keys: &[String]) -> StoreResult<Vec<String>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Db>::new("SELECT key, customers FROM customer_key_counts WHERE key IN (");
    let mut list = qb.separated(", ");
    for key in keys {
        list.push_bind(key.clone());
    }
    list.push_unseparated(") ORDER BY customers, key");
    let mut chosen = Vec::new();
    let mut budget = 0;
    for row in qb.build().fetch_all(&mut *conn).await.map_err(db)? {
        let count: i64 = get(&row, "customers")?;
        if !chosen.is_empty() && budget + count > MAX_CANDIDATE_CUSTOMERS {
            break;
        }
        budget += count;
        chosen.push(get(&row, "key")?);
    }
    Ok(chosen)
}

/// Other partners' active registrations that may be the same opportunity, strongest first. Every
/// lookup is an index probe — same customer row, tax id, domain, name keys — bounded in size, so the
/// check costs the same at a million registrations as at a hundred.
async fn find_matches(
    conn: &mut Conn,
    identity: &CustomerIdentity,
    customer_id: Option<i64>,
    skus: &[String],
    exclude_partner: Option<i64>,
    exclude_registration: Option<i64>,
) -> StoreResult<Vec<ConflictMatch>> {
    let candidates = candidate_customers(conn, identity, customer_id).await?;
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Db>::new(format!(
        "SELECT r.id, r.partner_id, p.name AS partner_name, r.status, r.sor_number, r.submitted_us, {REG_CUSTOMER_COLUMNS} \
         FROM registrations r JOIN partners p ON p.id = r.partner_id \
         WHERE r.status IN ('submitted', 'approved') AND r.customer_id IN "
    ));
    push_id_list(&mut qb, &candidates);
    if let Some(partner) = exclude_partner {
        qb.push(" AND r.partner_id <> ").push_bind(partner);
    }
    if let Some(reg) = exclude_registration {
        qb.push(" AND r.id <> ").push_bind(reg);
    }
    let rows = qb.build().fetch_all(&mut *conn).await.map_err(db)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let reg_ids: Vec<i64> = rows.iter().map(|r| get(r, "id")).collect::<StoreResult<_>>()?;
    let mut qb =
        QueryBuilder::<Db>::new("SELECT registration_id, sku FROM registration_lines WHERE registration_id IN ");
    push_id_list(&mut qb, &reg_ids);
    let mut skus_by_reg: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for row in qb.build().fetch_all(&mut *conn).await.map_err(db)? {
        skus_by_reg
            .entry(get(&row, "registration_id")?)
            .or_default()
            .push(get(&row, "sku")?);
    }
    let mut matches = Vec::new();
    for row in &rows {
        let id: i64 = get(row, "id")?;
        let customer = customer_from_row(row)?;
        let existing_skus = skus_by_reg.remove(&id).unwrap_or_default();
        // Asked about "all products", every product of the existing registration overlaps.
        let new_skus = if skus.is_empty() { &existing_skus } else { skus };
        // Against the customer as that registration's partner described it, not the shared row.
        let Some(score) = score_match(identity, new_skus, &identity_of(&customer), &existing_skus) else {
            continue;
        };
        matches.push(ConflictMatch {
            registration_id: id,
            partner_id: get(row, "partner_id")?,
            partner_name: get(row, "partner_name")?,
            status: Status::parse(&get::<String>(row, "status")?).map_err(corrupt)?,
            sor_number: get(row, "sor_number")?,
            customer_name: customer.name,
            submitted_at: at(get(row, "submitted_us")?),
            score: score.score,
            is_conflict: score.is_conflict,
            reasons: score.reasons,
        });
    }
    matches.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.registration_id.cmp(&b.registration_id))
    });
    Ok(matches)
}

/// Looks up the products named on lines; every unknown SKU is reported against its line of `field`.
async fn products_for(conn: &mut Conn, field: &str, lines: &[ProductLine]) -> StoreResult<Vec<(i64, ProductLine)>> {
    let mut qb = QueryBuilder::<Db>::new("SELECT id, sku FROM products WHERE sku IN (");
    let mut list = qb.separated(", ");
    for line in lines {
        list.push_bind(line.sku.clone());
    }
    list.push_unseparated(")");
    let mut ids = BTreeMap::new();
    for row in qb.build().fetch_all(&mut *conn).await.map_err(db)? {
        ids.insert(get::<String>(&row, "sku")?, get::<i64>(&row, "id")?);
    }
    let mut errors = FieldErrors::default();
    let mut found = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        match ids.get(&line.sku) {
            Some(id) => found.push((*id, line.clone())),
            None => errors.add(
                format!("{field}[{i}].sku"),
                format!("{} is not on the price list", line.sku),
            ),
        }
    }
    errors.into_result(found).map_err(StoreError::from)
}

async fn insert_lines(conn: &mut Conn, registration_id: i64, lines: &[(i64, ProductLine)]) -> StoreResult<()> {
    let rows: Vec<(i64, i64, ProductLine)> = lines
        .iter()
        .map(|(product_id, line)| (registration_id, *product_id, line.clone()))
        .collect();
    insert_line_rows(conn, &rows).await
}

/// Registration lines as (registration id, product id, line), in multi-row statements.
async fn insert_line_rows(conn: &mut Conn, rows: &[(i64, i64, ProductLine)]) -> StoreResult<()> {
    insert_rows(
        conn,
        "INSERT INTO registration_lines (registration_id, product_id, sku, quantity) ",
        rows,
        |mut row, (id, product, line)| {
            row.push_bind(*id)
                .push_bind(*product)
                .push_bind(line.sku.clone())
                .push_bind(line.quantity);
        },
    )
    .await
}

/// Takes the claims of an approved registration: one row per (customer, product), unique in the
/// database, so no two approved registrations can ever cover the same customer and product.
async fn take_claims(conn: &mut Conn, reg: &RegRow, lines: &[LineRow]) -> StoreResult<()> {
    for line in lines {
        let held: Option<(i64, String)> = sqlx::query_as(
            "SELECT c.registration_id, p.name FROM claims c JOIN partners p ON p.id = c.partner_id \
             WHERE c.customer_id = $1 AND c.product_id = $2",
        )
        .bind(reg.customer.id)
        .bind(line.product_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
        if let Some((holder, partner)) = held {
            return Err(StoreError::conflict(format!(
                "{} is already covered for {} by approved registration #{holder} of {partner}; \
                 a customer and product can be protected for one registration only",
                line.line.sku, reg.customer.name
            )));
        }
        sqlx::query(
            "INSERT INTO claims (customer_id, product_id, registration_id, partner_id) VALUES ($1, $2, $3, $4)",
        )
        .bind(reg.customer.id)
        .bind(line.product_id)
        .bind(reg.id)
        .bind(reg.partner_id)
        .execute(&mut *conn)
        .await
        .map_err(unique_or_db(
            "another approved registration already covers this customer and product",
        ))?;
    }
    Ok(())
}

/// A registration that leaves the approved state gives up its protection and its pending requests.
async fn release(conn: &mut Conn, registration_id: i64) -> StoreResult<()> {
    sqlx::query("DELETE FROM claims WHERE registration_id = $1")
        .bind(registration_id)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    sqlx::query("UPDATE change_requests SET status = 'void' WHERE registration_id = $1 AND status = 'pending'")
        .bind(registration_id)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

fn conflicts_json(matches: &[ConflictMatch]) -> StoreResult<String> {
    serde_json::to_string(matches).map_err(|e| StoreError::Database(e.to_string()))
}

/// Audits a change to a registration: reloads its new state and records it beside the old one.
async fn record_change(
    conn: &mut Conn,
    actor: Option<&Actor>,
    action: &str,
    before: (&RegRow, &[LineRow]),
    now: Timestamp,
) -> StoreResult<(RegRow, Vec<LineRow>)> {
    let (reg, lines) = before;
    let (after, after_lines) = reload(conn, reg.id).await?;
    let change = Change {
        actor,
        action,
        entity_type: "registration",
        entity_id: reg.id,
        before: Some(&snapshot(reg, lines)),
        after: Some(&snapshot(&after, &after_lines)),
    };
    audit(conn, change, now).await?;
    Ok((after, after_lines))
}

/// Moves a registration to the status `action` leads to, recording who decided and why.
async fn transition(
    conn: &mut Conn,
    reg: &RegRow,
    action: Action,
    actor: &Actor,
    reason: Option<&str>,
    now: Timestamp,
) -> StoreResult<Status> {
    let next = reg.status.apply(action)?;
    let closing = matches!(next, Status::Won | Status::Lost | Status::Withdrawn);
    sqlx::query(
        "UPDATE registrations SET status = $1, decided_by = COALESCE($2, decided_by), decided_us = COALESCE($3, decided_us), \
         decision_reason = COALESCE($4, decision_reason), closed_us = $5 WHERE id = $6",
    )
    .bind(next.as_str())
    .bind((!closing).then_some(actor.user_id))
    .bind((!closing).then_some(us(now)))
    .bind(reason)
    .bind(closing.then_some(us(now)))
    .bind(reg.id)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    if reg.status == Status::Approved {
        release(conn, reg.id).await?;
    }
    Ok(next)
}

// ---------------------------------------------------------------------------------------------

fn change_request_from_row(row: &DbRow) -> StoreResult<ChangeRequestRecord> {
    Ok(ChangeRequestRecord {
        id: get(row, "id")?,
        registration_id: get(row, "registration_id")?,
        kind: RequestKind::parse(&get::<String>(row, "kind")?).map_err(corrupt)?,
        status: RequestStatus::parse(&get::<String>(row, "status")?).map_err(corrupt)?,
        change: serde_json::from_str(&get::<String>(row, "change")?).map_err(|e| corrupt(e.to_string()))?,
        reason: get(row, "reason")?,
        requested_by: get(row, "requested_by")?,
        requested_at: at(get(row, "requested_us")?),
        decided_by: get(row, "decided_by")?,
        decided_at: get::<Option<i64>>(row, "decided_us")?.map(at),
        decision_reason: get(row, "decision_reason")?,
    })
}

async fn load_change_request(conn: &mut Conn, id: i64) -> StoreResult<ChangeRequestRecord> {
    let row = sqlx::query("SELECT * FROM change_requests WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound("request"))?;
    change_request_from_row(&row)
}

fn audit_entry_from_row(row: &DbRow) -> StoreResult<AuditEntry> {
    let json_column = |column: &str| -> StoreResult<Option<Value>> {
        get::<Option<String>>(row, column)?
            .map(|s| serde_json::from_str(&s).map_err(|e| corrupt(e.to_string())))
            .transpose()
    };
    Ok(AuditEntry {
        id: get(row, "id")?,
        at: at(get(row, "at_us")?),
        actor_user_id: get(row, "actor_user_id")?,
        action: get(row, "action")?,
        entity_type: get(row, "entity_type")?,
        entity_id: get(row, "entity_id")?,
        before: json_column("before")?,
        after: json_column("after")?,
        hash: get(row, "hash")?,
    })
}

fn outbox_from_row(row: &DbRow) -> StoreResult<OutboxMessage> {
    Ok(OutboxMessage {
        id: get(row, "id")?,
        dedupe_key: get(row, "dedupe_key")?,
        kind: get(row, "kind")?,
        recipient_email: get(row, "recipient_email")?,
        subject: get(row, "subject")?,
        body: get(row, "body")?,
        attempts: get(row, "attempts")?,
    })
}

fn page_cursor(page: &PageRequest) -> i64 {
    page.cursor.unwrap_or(i64::MAX)
}

/// One page of a whole table, newest first.
async fn page_of<T>(
    pool: &Pool<Db>,
    table: &'static str,
    page: PageRequest,
    from_row: fn(&DbRow) -> StoreResult<T>,
    id_of: fn(&T) -> i64,
) -> StoreResult<Page<T>> {
    let sql = format!("SELECT * FROM {table} WHERE id < $1 ORDER BY id DESC LIMIT $2");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(page_cursor(&page))
        .bind(i64::from(page.limit) + 1)
        .fetch_all(pool)
        .await
        .map_err(db)?;
    let items = rows.iter().map(from_row).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(items, page.limit, id_of))
}

// ---------------------------------------------------------------------------------------------

#[async_trait::async_trait]
impl Store for SqlStore {
    fn backend(&self) -> &'static str {
        dialect::BACKEND
    }

    async fn settings(&self) -> StoreResult<ProgramSettings> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        load_settings(&mut conn).await
    }

    async fn update_settings(
        &self,
        actor: &Actor,
        settings: ProgramSettings,
        now: Timestamp,
    ) -> StoreResult<ProgramSettings> {
        require_admin(Some(actor), "change program settings")?;
        settings.validate()?;
        let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
        if let Some(approver) = settings.fallback_approver_id {
            let role: Option<String> = sqlx::query_scalar("SELECT role FROM users WHERE id = $1 AND active = $2")
                .bind(approver)
                .bind(true)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
            if !matches!(role.as_deref(), Some("admin" | "channel_manager")) {
                return Err(StoreError::invalid(
                    "fallback_approver_id",
                    "must be an active channel manager or administrator",
                ));
            }
        }
        let before = load_settings(&mut tx).await?;
        let body = serde_json::to_string(&settings).map_err(|e| StoreError::Database(e.to_string()))?;
        sqlx::query("INSERT INTO program_settings (id, body) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET body = excluded.body")
            .bind(&body)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        audit(
            &mut tx,
            Change {
                actor: Some(actor),
                action: "settings.update",
                entity_type: "settings",
                entity_id: 1,
                before: Some(&json!(before)),
                after: Some(&json!(settings)),
            },
            now,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(settings)
    }

    async fn create_user(&self, actor: Option<&Actor>, user: NewUserRecord, now: Timestamp) -> StoreResult<User> {
        require_admin(actor, "create users")?;
        let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
        let row = sqlx::query(
            "INSERT INTO users (email, display_name, role, partner_id, password_hash, active, created_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
        )
        .bind(user.email.as_str())
        .bind(&user.display_name)
        .bind(user.role.as_str())
        .bind(user.partner_id)
        .bind(&user.password_hash)
        .bind(true)
        .bind(us(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_foreign_key_violation(&e) {
                StoreError::invalid("partner_id", "no such partner")
            } else {
                unique_or_db("a user with this e-mail address already exists")(e)
            }
        })?;
        let created = user_from_row(&row)?;
        audit(
            &mut tx,
            Change {
                actor,
                action: "user.create",
                entity_type: "user",
                entity_id: created.id,
                before: None,
                after: Some(&json!(created)),
            },
            now,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(created)
    }

    async fn list_users(&self, actor: &Actor, page: PageRequest) -> StoreResult<Page<User>> {
        require_admin(Some(actor), "list users")?;
        page_of(&self.read, "users", page, user_from_row, |u| u.id).await
    }

    async fn set_user_active(
        &self,
        actor: Option<&Actor>,
        user_id: i64,
        active: bool,
        now: Timestamp,
    ) -> StoreResult<User> {
        if actor.is_some_and(|a| a.role.is_partner()) {
            // Users belong to partners or to the vendor; neither is a partner's business.
            return Err(StoreError::NotFound("user"));
        }
        require_admin(actor, "activate or deactivate users")?;
        let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
        let before = sqlx::query("SELECT * FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound("user"))?;
        let before = user_from_row(&before)?;
        let row = sqlx::query("UPDATE users SET active = $1 WHERE id = $2 RETURNING *")
            .bind(active)
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        let after = user_from_row(&row)?;
        let action = if active { "user.activate" } else { "user.deactivate" };
        let change = Change {
            actor,
            action,
            entity_type: "user",
            entity_id: user_id,
            before: Some(&json!(before)),
            after: Some(&json!(after)),
        };
        audit(&mut tx, change, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(after)
    }

    async fn find_user(&self, id: i64) -> StoreResult<Option<User>> {
        let row = sqlx::query("SELECT * FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        let row = sqlx::query("SELECT * FROM users WHERE email = $1")
            .bind(email.trim().to_lowercase())
            .fetch_optional(&self.read)
            .await
            .map_err(db)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn create_token(
        &self,
        actor: Option<&Actor>,
        user_id: i64,
        label: &str,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<ApiToken> {
        require_admin(actor, "create tokens")?;
        let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
        let row = sqlx::query(
            "INSERT INTO api_tokens (user_id, label, token_hash, created_us) VALUES ($1, $2, $3, $4) \
             RETURNING id, user_id, label, created_us, revoked_us",
        )
        .bind(user_id)
        .bind(label)
        .bind(token_hash)
        .bind(us(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_foreign_key_violation(&e) {
                StoreError::NotFound("user")
            } else {
                db(e)
            }
        })?;
        let token = ApiToken {
            id: get(&row, "id")?,
            user_id: get(&row, "user_id")?,
            label: get(&row, "label")?,
            created_at: at(get(&row, "created_us")?),
            revoked_at: None,
        };
        audit(
            &mut tx,
            Change {
                actor,
                action: "token.create",
                entity_type: "user",
                entity_id: user_id,
                before: None,
                after: Some(&json!(token)),
            },
            now,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(token)
    }

    async fn revoke_token(&self, actor: Option<&Actor>, token_id: i64, now: Timestamp) -> StoreResult<ApiToken> {
        require_admin(actor, "revoke tokens")?;
        let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
        let row = sqlx::query(
            "UPDATE api_tokens SET revoked_us = COALESCE(revoked_us, $1) WHERE id = $2 \
             RETURNING id, user_id, label, created_us, revoked_us",
        )
        .bind(us(now))
        .bind(token_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound("token"))?;
        let token = ApiToken {
            id: get(&row, "id")?,
            user_id: get(&row, "user_id")?,
            label: get(&row, "label")?,
            created_at: at(get(&row, "created_us")?),
            revoked_at: get::<Option<i64>>(&row, "revoked_us")?.map(at),
        };
        audit(
            &mut tx,
            Change {
                actor,
                action: "token.revoke",
                entity_type: "user",
                entity_id: token.user_id,
                before: None,
                after: Some(&json!(token)),
            },
            now,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(token)
    }

    async fn authenticate(&self, token_hash: &str) -> StoreResult<Option<Actor>> {
        let row = sqlx::query(
            "SELECT u.id, u.email, u.role, u.partner_id FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_us IS NULL AND u.active = $2",
        )
        .bind(token_hash)
        .bind(true)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        row.map(|row| {
            Ok(Actor {
                user_id: get(&row, "id")?,
                email: get(&row, "email")?,
                role: Role::parse(&get::<String>(&row, "role")?).map_err(corrupt)?,
                partner_id: get(&row, "partner_id")?,
            })
        })
        .transpose()
    }

    async fn create_region(
        &self,
        actor: Option<&Actor>,
        name: &str,
        manager_user_id: Option<i64>,
        now: Timestamp,
    ) -> StoreResult<Region> {
        require_admin(actor, "create regions")?;
        let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
        if let Some(manager) = manager_user_id {
            check_manager(&mut tx, manager).await?;
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO regions (name, manager_user_id, created_us) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(name)
        .bind(manager_user_id)
        .bind(us(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(unique_or_db("a region with this name already exists"))?;
        let region = Region {
            id,
            name: name.to_owned(),
            manager_user_id,
        };
        audit(
            &mut tx,
            Change {
                actor,
                action: "region.create",
                entity_type: "region",
                entity_id: id,
                before: None,
                after: Some(&json!(region)),
            },
            now,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(region)
    }

    async fn assign_region_manager(
        &self,
        actor: Option<&Actor>,
        region_id: i64,
        manager_user_id: i64,
        now: Timestamp,
    ) -> StoreResult<Region> {
        require_admin(actor, "assign regional managers")?;
        let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
        check_manager(&mut tx, manager_user_id).await?;
        let row = sqlx::query("SELECT id, name, manager_user_id FROM regions WHERE id = $1")
            .bind(region_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound("region"))?;
        let before = Region {
            id: get(&row, "id")?,
            name: get(&row, "name")?,
            manager_user_id: get(&row, "manager_user_id")?,
        };
        sqlx::query("UPDATE regions SET manager_user_id = $1 WHERE id = $2")
            .bind(manager_user_id)
            .bind(region_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let after = Region {
            manager_user_id: Some(manager_user_id),
            ..before.clone()
        };
        audit(
            &mut tx,
            Change {
                actor,
                action: "region.assign_manager",
                entity_type: "region",
                entity_id: region_id,
                before: Some(&json!(before)),
                after: Some(&json!(after)),
            },
            now,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(after)
    }

    async fn list_regions(&self) -> StoreResult<Vec<Region>> {
        let rows = sqlx::query("SELECT id, name, manager_user_id FROM regions ORDER BY name")
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(Region {
                    id: get(r, "id")?,
                    name: get(r, "name")?,
                    manager_user_id: get(r, "manager_user_id")?,
                })
            })
            .collect()
    }

    async fn create_partner(&self, actor: Option<&Actor>, partner: NewPartner, now: Timestamp) -> StoreResult<Partner> {
        require_admin(actor, "create partners")?;
        let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
        let row = sqlx::query(
            "INSERT INTO partners (name, level, activation_stage, region_id, created_us) VALUES ($1, $2, $3, $4, $5) RETURNING *",
        )
        .bind(&partner.name)
        .bind(partner.level.as_str())
        .bind(partner.activation_stage.as_str())
        .bind(partner.region_id)
        .bind(us(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_foreign_key_violation(&e) {
                StoreError::invalid("region_id", "no such region")
            } else {
                unique_or_db("a partner with this name already exists")(e)
            }
        })?;
        let created = partner_from_row(&row)?;
        audit(
            &mut tx,
            Change {
                actor,
                action: "partner.create",
                entity_type: "partner",
                entity_id: created.id,
                before: None,
                after: Some(&json!(created)),
            },
            now,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(created)
    }

    async fn get_partner(&self, actor: &Actor, id: i64) -> StoreResult<Partner> {
        check(access::can_view(actor, id), "partner", "view this partner")?;
        let row = sqlx::query("SELECT * FROM partners WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?
            .ok_or(StoreError::NotFound("partner"))?;
        partner_from_row(&row)
    }

    async fn list_partners(&self, actor: &Actor, page: PageRequest) -> StoreResult<Page<Partner>> {
        let mut qb = QueryBuilder::<Db>::new("SELECT * FROM partners WHERE id < ");
        qb.push_bind(page_cursor(&page));
        if actor.role.is_partner() {
            qb.push(" AND id = ").push_bind(actor.partner_id.unwrap_or(-1));
        }
        qb.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(page.limit) + 1);
        let rows = qb.build().fetch_all(&self.read).await.map_err(db)?;
        let partners = rows.iter().map(partner_from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(partners, page.limit, |p| p.id))
    }

    async fn create_product(&self, actor: Option<&Actor>, product: NewProduct, now: Timestamp) -> StoreResult<Product> {
        require_admin(actor, "change the price list")?;
        let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM products WHERE sku = $1")
            .bind(&product.sku)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if exists.is_some() {
            return Err(StoreError::conflict(format!(
                "a product with SKU {} already exists; import a price list to change its prices",
                product.sku
            )));
        }
        let settings = load_settings(&mut tx).await?;
        if product.currency != settings.currency {
            return Err(StoreError::invalid(
                "currency",
                format!(
                    "{} differs from the program's currency {}",
                    product.currency, settings.currency
                ),
            ));
        }
        let today = business_date(now, &settings.zone());
        let sku = product.sku.clone();
        write_price_list(
            &mut tx,
            actor,
            &[Line {
                line: 0,
                value: product,
            }],
            today,
            now,
        )
        .await?;
        let mut created = load_products(&mut tx, "sku = $1", &sku).await?;
        with_prices(&mut tx, &mut created, today).await?;
        tx.commit().await.map_err(db)?;
        created.pop().ok_or(StoreError::NotFound("product"))
    }

    async fn list_products(&self, now: Timestamp, page: PageRequest) -> StoreResult<Page<Product>> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        let today = today(&mut conn, now).await?;
        let mut products = page_of(&self.read, "products", page, product_from_row, |p| p.id).await?;
        with_prices(&mut conn, &mut products.items, today).await?;
        Ok(products)
    }

    async fn import_products(
        &self,
        actor: Option<&Actor>,
        rows: Vec<Line<NewProduct>>,
        now: Timestamp,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> StoreResult<ImportReport> {
        self.import_price_list(actor, rows, now, progress).await
    }

    async fn export_products(&self) -> StoreResult<Vec<PriceListEntry>> {
        self.price_list().await
    }

    async fn import_partners(
        &self,
        actor: Option<&Actor>,
        rows: Vec<Line<PartnerRow>>,
        now: Timestamp,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> StoreResult<ImportReport> {
        self.import_partner_rows(actor, rows, now, progress).await
    }

    async fn export_partners(&self, actor: Option<&Actor>) -> StoreResult<Vec<PartnerEntry>> {
        self.partner_list(actor).await
    }

    async fn import_customers(
        &self,
        actor: Option<&Actor>,
        rows: Vec<Line<Customer>>,
        now: Timestamp,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> StoreResult<ImportReport> {
        self.import_customer_rows(actor, rows, now, progress).await
    }

    async fn export_customers(&self, actor: Option<&Actor>) -> StoreResult<Vec<CustomerRecord>> {
        self.customer_list(actor).await
    }

    async fn enter_order(&self, actor: &Actor, order: NewOrder, now: Timestamp) -> StoreResult<(Order, bool)> {
        self.verify_and_price(actor, order, now).await
    }

    async fn get_order(&self, actor: &Actor, id: i64) -> StoreResult<Order> {
        self.order(actor, id).await
    }

    async fn list_orders(&self, actor: &Actor, filter: OrderFilter, page: PageRequest) -> StoreResult<Page<Order>> {
        self.orders(actor, filter, page).await
    }

    async fn create_customer(
        &self,
        actor: Option<&Actor>,
        customer: Customer,
        now: Timestamp,
    ) -> StoreResult<CustomerRecord> {
        if actor.is_some_and(|a| !directory::can_manage_customers(a)) {
            return Err(StoreError::Forbidden(
                "only administrators and channel managers may create customers".into(),
            ));
        }
        let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
        let id = insert_customer(&mut tx, &customer, &customer.identity(), now).await?;
        let record = CustomerRecord {
            id,
            name: customer.name,
            domain: customer.domain,
            tax_id: customer.tax_id,
            city: customer.city,
            postal_code: customer.postal_code,
            country: customer.country,
            segment: customer.segment,
        };
        audit(
            &mut tx,
            Change {
                actor,
                action: "customer.create",
                entity_type: "customer",
                entity_id: id,
                before: None,
                after: Some(&json!(record)),
            },
            now,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(record)
    }

    async fn list_customers(&self, actor: &Actor, page: PageRequest) -> StoreResult<Page<CustomerRecord>> {
        let mut qb = match actor.confined_to_partner() {
            // A partner knows the customers it registered, as it described them, and no others.
            Some(partner) => {
                let mut qb = QueryBuilder::<Db>::new(format!(
                    "SELECT {REG_CUSTOMER_COLUMNS} FROM registrations r WHERE r.id IN \
                     (SELECT MAX(id) FROM registrations WHERE partner_id = "
                ));
                qb.push_bind(partner)
                    .push(" GROUP BY customer_id) AND r.customer_id < ");
                qb
            }
            None if actor.role.is_partner() => {
                return Ok(Page {
                    items: Vec::new(),
                    next_cursor: None,
                });
            }
            None => QueryBuilder::<Db>::new(format!("SELECT {CUSTOMER_COLUMNS} FROM customers c WHERE c.id < ")),
        };
        qb.push_bind(page_cursor(&page));
        qb.push(" ORDER BY c_id DESC LIMIT ")
            .push_bind(i64::from(page.limit) + 1);
        let rows = qb.build().fetch_all(&self.read).await.map_err(db)?;
        let customers = rows.iter().map(customer_from_row).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(customers, page.limit, |c| c.id))
    }

    async fn submit_registration(
        &self,
        actor: &Actor,
        registration: NewRegistration,
        now: Timestamp,
    ) -> StoreResult<Registration> {
        let partner_id = policy::can_submit(actor)
            .ok_or_else(|| StoreError::Forbidden("only partner users submit registrations".into()))?;
        let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
        let settings = load_settings(&mut tx).await?;
        if registration.estimated_value.currency != settings.currency {
            return Err(StoreError::invalid(
                "estimated_value.currency",
                format!("must be the program currency, {}", settings.currency),
            ));
        }
        let partner = sqlx::query(
            "SELECT p.name, r.manager_user_id FROM partners p JOIN regions r ON r.id = p.region_id WHERE p.id = $1",
        )
        .bind(partner_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound("partner"))?;
        let partner_name: String = get(&partner, "name")?;
        let approver_id = route_approver(get(&partner, "manager_user_id")?, settings.fallback_approver_id);
        let lines = products_for(&mut tx, "products", &registration.lines).await?;
        let customer_id = resolve_customer(&mut tx, &registration.customer, now).await?;
        let skus: Vec<String> = registration.lines.iter().map(|l| l.sku.clone()).collect();
        let matches = find_matches(
            &mut tx,
            &registration.customer.identity(),
            Some(customer_id),
            &skus,
            Some(partner_id),
            None,
        )
        .await?;
        let possible_conflict = matches.iter().any(|m| m.is_conflict);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO registrations (partner_id, customer_id, status, est_value_minor, currency, expected_close, description, \
             approver_id, submitted_by, submitted_us, possible_conflict, conflicts, customer_name, customer_domain, \
             customer_tax_id, customer_city, customer_postal_code, customer_country, customer_segment) \
             VALUES ($1, $2, 'submitted', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
        )
        .bind(partner_id)
        .bind(customer_id)
        .bind(registration.estimated_value.amount_minor)
        .bind(registration.estimated_value.currency.as_str())
        .bind(registration.expected_close.to_string())
        .bind(&registration.description)
        .bind(approver_id)
        .bind(actor.user_id)
        .bind(us(now))
        .bind(possible_conflict)
        .bind(conflicts_json(&matches)?)
        .bind(&registration.customer.name)
        .bind(&registration.customer.domain)
        .bind(&registration.customer.tax_id)
        .bind(&registration.customer.city)
        .bind(&registration.customer.postal_code)
        .bind(&registration.customer.country)
        .bind(registration.customer.segment.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        insert_lines(&mut tx, id, &lines).await?;
        let (reg, lines) = reload(&mut tx, id).await?;
        audit(
            &mut tx,
            Change {
                actor: Some(actor),
                action: "registration.submit",
                entity_type: "registration",
                entity_id: id,
                before: None,
                after: Some(&snapshot(&reg, &lines)),
            },
            now,
        )
        .await?;
        let draft = notify::submitted(
            id,
            &partner_name,
            &reg.customer.name,
            reg.estimated_value,
            possible_conflict,
        );
        for recipient in deciders(&mut tx, approver_id).await? {
            enqueue(
                &mut tx,
                &format!("submitted:{id}:{recipient}"),
                recipient,
                &draft,
                ("registration", id),
                now,
            )
            .await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(present(reg, lines, None, actor))
    }

    async fn get_registration(&self, actor: &Actor, id: i64) -> StoreResult<Registration> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        let reg = load_reg(&mut conn, id).await?;
        check(
            access::can_view(actor, reg.partner_id),
            "registration",
            "view this registration",
        )?;
        let lines = load_lines(&mut conn, id).await?;
        let orders = order_links(&mut conn, actor, &reg).await?;
        Ok(present(reg, lines, orders, actor))
    }

    async fn list_registrations(
        &self,
        actor: &Actor,
        filter: RegistrationFilter,
        page: PageRequest,
    ) -> StoreResult<Page<RegistrationSummary>> {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT r.id, r.partner_id, p.name AS partner_name, r.status, r.customer_id, r.customer_name, \
             r.est_value_minor, r.currency, r.expected_close, r.sor_number, r.valid_through, r.submitted_us, r.possible_conflict \
             FROM registrations r JOIN partners p ON p.id = r.partner_id WHERE ",
        );
        if filter.oldest_first {
            qb.push("r.id > ").push_bind(page.cursor.unwrap_or(0));
        } else {
            qb.push("r.id < ").push_bind(page_cursor(&page));
        }
        if let Some(approver) = filter.approver_id {
            qb.push(" AND r.approver_id = ").push_bind(approver);
        }
        if actor.role.is_partner() {
            qb.push(" AND r.partner_id = ")
                .push_bind(actor.partner_id.unwrap_or(-1));
        }
        if let Some(partner) = filter.partner_id {
            qb.push(" AND r.partner_id = ").push_bind(partner);
        }
        if let Some(status) = filter.status {
            qb.push(" AND r.status = ").push_bind(status.as_str());
        }
        if let Some(customer) = filter.customer_id {
            qb.push(" AND r.customer_id = ").push_bind(customer);
        }
        if let Some(before) = filter.expiring_before {
            qb.push(" AND r.status = 'approved' AND r.valid_through <= ")
                .push_bind(before.to_string());
        }
        qb.push(if filter.oldest_first {
            " ORDER BY r.id ASC LIMIT "
        } else {
            " ORDER BY r.id DESC LIMIT "
        })
        .push_bind(i64::from(page.limit) + 1);
        let rows = qb.build().fetch_all(&self.read).await.map_err(db)?;
        let items = rows
            .iter()
            .map(|row| {
                Ok(RegistrationSummary {
                    id: get(row, "id")?,
                    partner_id: get(row, "partner_id")?,
                    partner_name: get(row, "partner_name")?,
                    status: Status::parse(&get::<String>(row, "status")?).map_err(corrupt)?,
                    customer_id: get(row, "customer_id")?,
                    customer_name: get(row, "customer_name")?,
                    estimated_value: Money {
                        amount_minor: get(row, "est_value_minor")?,
                        currency: parse_currency(&get::<String>(row, "currency")?)?,
                    },
                    expected_close_date: parse_date(&get::<String>(row, "expected_close")?)?,
                    sor_number: get(row, "sor_number")?,
                    valid_through: get::<Option<String>>(row, "valid_through")?
                        .as_deref()
                        .map(parse_date)
                        .transpose()?,
                    submitted_at: at(get(row, "submitted_us")?),
                    possible_conflict: get(row, "possible_conflict")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, page.limit, |r| r.id))
    }

    async fn approve_registration(
        &self,
        actor: &Actor,
        id: i64,
        approval: Approval,
        now: Timestamp,
    ) -> StoreResult<Registration> {
        let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
        let (reg, lines) = reload(&mut tx, id).await?;
        check(
            policy::can_decide(actor, reg.partner_id, reg.approver_id),
            "registration",
            "decide this registration",
        )?;
        reg.status.apply(Action::Approve)?;
        let settings = load_settings(&mut tx).await?;
        let today = business_date(now, &settings.zone());
        let valid_through = rules::resolve_validity(
            approval.validity,
            today,
            settings.default_validity_days,
            settings.max_validity_days,
        )
        .map_err(|e| StoreError::invalid("valid_through", e.to_string()))?;
        // Checked again at approval: registrations filed since submission count too.
        let skus: Vec<String> = lines.iter().map(|l| l.line.sku.clone()).collect();
        let matches = find_matches(
            &mut tx,
            &identity_of(&reg.customer),
            Some(reg.customer.id),
            &skus,
            Some(reg.partner_id),
            Some(id),
        )
        .await?;
        let blocking: Vec<ConflictMatch> = matches
            .iter()
            .filter(|m| rules::stands_in_the_way(m.is_conflict, m.status, m.registration_id, id))
            .cloned()
            .collect();
        if !blocking.is_empty() && !approval.acknowledge_conflicts {
            return Err(StoreError::Conflict {
                message: format!(
                    "{} other registration(s) may be the same opportunity and were filed first or are approved; \
                     review them and approve again with acknowledge_conflicts=true if they are different opportunities",
                    blocking.len()
                ),
                matches: blocking,
            });
        }
        take_claims(&mut tx, &reg, &lines).await?;
        let sor = next_sor_number(&mut tx, today).await?.to_string();
        sqlx::query(
            "UPDATE registrations SET status = 'approved', sor_number = $1, valid_through = $2, decided_by = $3, decided_us = $4, approved_us = $4, \
             decision_reason = $5, possible_conflict = $6, conflicts = $7 WHERE id = $8",
        )
        .bind(&sor)
        .bind(valid_through.to_string())
        .bind(actor.user_id)
        .bind(us(now))
        .bind(&approval.note)
        .bind(matches.iter().any(|m| m.is_conflict))
        .bind(conflicts_json(&matches)?)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(unique_or_db("SOR number already issued"))?;
        let (after, after_lines) =
            record_change(&mut tx, Some(actor), "registration.approve", (&reg, &lines), now).await?;
        let draft = notify::approved(id, &sor, &after.customer.name, valid_through);
        tell_submitter(&mut tx, &after, &format!("approved:{id}"), &draft, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(present(after, after_lines, None, actor))
    }

    async fn decline_registration(
        &self,
        actor: &Actor,
        id: i64,
        reason: String,
        now: Timestamp,
    ) -> StoreResult<Registration> {
        let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
        let (reg, lines) = reload(&mut tx, id).await?;
        check(
            policy::can_decide(actor, reg.partner_id, reg.approver_id),
            "registration",
            "decide this registration",
        )?;
        transition(&mut tx, &reg, Action::Decline, actor, Some(&reason), now).await?;
        let (after, after_lines) =
            record_change(&mut tx, Some(actor), "registration.decline", (&reg, &lines), now).await?;
        let draft = notify::declined(id, &after.customer.name, &reason);
        tell_submitter(&mut tx, &after, &format!("declined:{id}"), &draft, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(present(after, after_lines, None, actor))
    }

    async fn withdraw_registration(
        &self,
        actor: &Actor,
        id: i64,
        reason: Option<String>,
        now: Timestamp,
    ) -> StoreResult<Registration> {
        self.close_with(actor, id, Action::Withdraw, reason, now).await
    }

    async fn close_registration(
        &self,
        actor: &Actor,
        id: i64,
        outcome: Outcome,
        reason: Option<String>,
        now: Timestamp,
    ) -> StoreResult<Registration> {
        let action = match outcome {
            Outcome::Won => Action::CloseWon,
            Outcome::Lost => Action::CloseLost,
        };
        self.close_with(actor, id, action, reason, now).await
    }

    async fn request_change(
        &self,
        actor: &Actor,
        registration_id: i64,
        change: ChangeRequest,
        reason: Option<String>,
        now: Timestamp,
    ) -> StoreResult<ChangeRequestRecord> {
        let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
        let reg = load_reg(&mut tx, registration_id).await?;
        check(
            policy::can_request_change(actor, reg.partner_id),
            "registration",
            "request changes; partners ask for their own registrations",
        )?;
        rules::check_request_allowed(reg.status).map_err(StoreError::conflict)?;
        let settings = load_settings(&mut tx).await?;
        let today = business_date(now, &settings.zone());
        match &change {
            ChangeRequest::Extension { valid_through } => {
                let current = reg
                    .valid_through
                    .ok_or_else(|| StoreError::Database("approved registration without validity".into()))?;
                rules::check_extension(*valid_through, current, today, settings.max_validity_days)
                    .map_err(|e| StoreError::invalid("valid_through", e.to_string()))?;
            }
            ChangeRequest::Update {
                lines, estimated_value, ..
            } => {
                if let Some(lines) = lines {
                    products_for(&mut tx, "products", lines).await?;
                }
                if estimated_value.is_some_and(|v| v.currency != settings.currency) {
                    return Err(StoreError::invalid(
                        "estimated_value.currency",
                        format!("must be the program currency, {}", settings.currency),
                    ));
                }
            }
        }
        let change_json = serde_json::to_string(&change).map_err(|e| StoreError::Database(e.to_string()))?;
        let row = sqlx::query(
            "INSERT INTO change_requests (registration_id, kind, change, status, reason, requested_by, requested_us) \
             VALUES ($1, $2, $3, 'pending', $4, $5, $6) RETURNING *",
        )
        .bind(registration_id)
        .bind(change.kind().as_str())
        .bind(change_json)
        .bind(&reason)
        .bind(actor.user_id)
        .bind(us(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(unique_or_db(
            "a request for this registration is already pending; wait for its decision",
        ))?;
        let request = change_request_from_row(&row)?;
        audit(
            &mut tx,
            Change {
                actor: Some(actor),
                action: "request.create",
                entity_type: "registration",
                entity_id: registration_id,
                before: None,
                after: Some(&json!(request)),
            },
            now,
        )
        .await?;
        let draft = notify::change_requested(
            registration_id,
            change.kind().as_str(),
            &reg.partner_name,
            &reg.customer.name,
        );
        for recipient in deciders(&mut tx, reg.approver_id).await? {
            enqueue(
                &mut tx,
                &format!("request:{}:{recipient}", request.id),
                recipient,
                &draft,
                ("registration", registration_id),
                now,
            )
            .await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(request)
    }

    async fn decide_change(
        &self,
        actor: &Actor,
        request_id: i64,
        approve: bool,
        reason: Option<String>,
        now: Timestamp,
    ) -> StoreResult<ChangeRequestRecord> {
        let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
        let request = load_change_request(&mut tx, request_id).await?;
        let (reg, lines) = reload(&mut tx, request.registration_id).await?;
        check(
            policy::can_decide(actor, reg.partner_id, reg.approver_id),
            "request",
            "decide this request",
        )?;
        rules::check_request_decidable(request.status, reg.status).map_err(StoreError::conflict)?;
        if approve {
            let change: ChangeRequest =
                serde_json::from_value(request.change.clone()).map_err(|e| corrupt(e.to_string()))?;
            self.apply_change(&mut tx, &reg, &change, now).await?;
        }
        let status = if approve {
            RequestStatus::Approved
        } else {
            RequestStatus::Declined
        };
        let row = sqlx::query(
            "UPDATE change_requests SET status = $1, decided_by = $2, decided_us = $3, decision_reason = $4 WHERE id = $5 RETURNING *",
        )
        .bind(status.as_str())
        .bind(actor.user_id)
        .bind(us(now))
        .bind(&reason)
        .bind(request_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let decided = change_request_from_row(&row)?;
        let (after, after_lines) = reload(&mut tx, reg.id).await?;
        audit(
            &mut tx,
            Change {
                actor: Some(actor),
                action: if approve { "request.approve" } else { "request.decline" },
                entity_type: "registration",
                entity_id: reg.id,
                before: Some(&snapshot(&reg, &lines)),
                after: Some(&json!({"request": decided, "registration": snapshot(&after, &after_lines)})),
            },
            now,
        )
        .await?;
        let draft = notify::change_decided(
            reg.id,
            decided.kind.as_str(),
            approve,
            &reg.customer.name,
            reason.as_deref(),
        );
        enqueue(
            &mut tx,
            &format!("request-decided:{request_id}"),
            decided.requested_by,
            &draft,
            ("registration", reg.id),
            now,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(decided)
    }

    async fn list_change_requests(&self, actor: &Actor, registration_id: i64) -> StoreResult<Vec<ChangeRequestRecord>> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        let reg = load_reg(&mut conn, registration_id).await?;
        check(
            access::can_view(actor, reg.partner_id),
            "registration",
            "view this registration",
        )?;
        let rows = sqlx::query("SELECT * FROM change_requests WHERE registration_id = $1 ORDER BY id")
            .bind(registration_id)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
        rows.iter().map(change_request_from_row).collect()
    }

    async fn check_claim(&self, actor: &Actor, customer: Customer, skus: Vec<String>) -> StoreResult<ClaimStatus> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        let matches = find_matches(
            &mut conn,
            &customer.identity(),
            None,
            &skus,
            actor.confined_to_partner(),
            None,
        )
        .await?;
        Ok(if matches.iter().any(|m| m.is_conflict) {
            ClaimStatus::Claimed
        } else {
            ClaimStatus::Free
        })
    }

    async fn registration_history(&self, actor: &Actor, id: i64) -> StoreResult<Vec<AuditEntry>> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        let reg = load_reg(&mut conn, id).await?;
        check(
            access::can_view(actor, reg.partner_id),
            "registration",
            "view this registration",
        )?;
        let rows =
            sqlx::query("SELECT * FROM audit_log WHERE entity_type = 'registration' AND entity_id = $1 ORDER BY id")
                .bind(id)
                .fetch_all(&mut *conn)
                .await
                .map_err(db)?;
        let mut entries = rows.iter().map(audit_entry_from_row).collect::<StoreResult<Vec<_>>>()?;
        if actor.role.is_partner() {
            for entry in &mut entries {
                for state in [&mut entry.before, &mut entry.after].into_iter().flatten() {
                    redact_conflicts(state);
                }
            }
        }
        Ok(entries)
    }

    async fn run_sweeps(&self, now: Timestamp) -> StoreResult<SweepReport> {
        let mut report = SweepReport::default();
        loop {
            let expired = self.expire_batch(now).await?;
            report.expired += expired;
            if expired < SWEEP_BATCH as u64 {
                break;
            }
        }
        loop {
            let queued = self.remind_batch(now).await?;
            report.reminders_queued += queued;
            if queued < SWEEP_BATCH as u64 {
                break;
            }
        }
        report.sessions_removed = self.remove_expired_sessions(now).await?;
        Ok(report)
    }

    async fn claim_outbox(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<OutboxMessage>> {
        let mut tx = dialect::begin_queue(&self.write).await.map_err(db)?;
        let sql = format!(
            "UPDATE outbox SET lease_until_us = $1, attempts = attempts + 1 WHERE id IN \
             (SELECT id FROM outbox WHERE delivered_us IS NULL AND next_attempt_us <= $2 \
              AND (lease_until_us IS NULL OR lease_until_us < $2) ORDER BY id LIMIT $3{}) \
             RETURNING id, dedupe_key, kind, recipient_email, subject, body, attempts",
            dialect::SKIP_LOCKED
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(us(lease_until))
            .bind(us(now))
            .bind(limit)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        let mut messages = rows.iter().map(outbox_from_row).collect::<StoreResult<Vec<_>>>()?;
        messages.sort_by_key(|m| m.id);
        Ok(messages)
    }

    async fn mark_delivered(&self, id: i64, now: Timestamp) -> StoreResult<()> {
        sqlx::query("UPDATE outbox SET delivered_us = $1, lease_until_us = NULL, last_error = NULL WHERE id = $2 AND delivered_us IS NULL")
            .bind(us(now))
            .bind(id)
            .execute(&self.write)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn mark_failed(&self, id: i64, error: &str, retry_at: Timestamp) -> StoreResult<()> {
        sqlx::query("UPDATE outbox SET last_error = $1, next_attempt_us = $2, lease_until_us = NULL WHERE id = $3 AND delivered_us IS NULL")
            .bind(error)
            .bind(us(retry_at))
            .bind(id)
            .execute(&self.write)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn registration_counts(&self, actor: &Actor) -> StoreResult<Vec<StatusCount>> {
        let mut qb = QueryBuilder::<Db>::new("SELECT status, COUNT(*) AS n FROM registrations");
        if actor.role.is_partner() {
            qb.push(" WHERE partner_id = ")
                .push_bind(actor.partner_id.unwrap_or(-1));
        }
        qb.push(" GROUP BY status");
        let rows = qb.build().fetch_all(&self.read).await.map_err(db)?;
        let mut counts = rows
            .iter()
            .map(|row| {
                Ok(StatusCount {
                    status: Status::parse(&get::<String>(row, "status")?).map_err(corrupt)?,
                    count: get::<i64>(row, "n")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        counts.sort_by_key(|c| Status::ALL.iter().position(|s| *s == c.status));
        Ok(counts)
    }

    async fn report(&self, actor: &Actor, since: Timestamp) -> StoreResult<Report> {
        self.report_figures(actor, since).await
    }

    async fn list_notifications(&self, actor: &Actor, page: PageRequest) -> StoreResult<Page<Notification>> {
        let rows = sqlx::query(
            "SELECT id, kind, subject, body, entity_type, entity_id, created_us, delivered_us FROM outbox \
             WHERE recipient_user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(actor.user_id)
        .bind(page_cursor(&page))
        .bind(i64::from(page.limit) + 1)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(Notification {
                    id: get(r, "id")?,
                    kind: get(r, "kind")?,
                    subject: get(r, "subject")?,
                    body: get(r, "body")?,
                    entity_type: get(r, "entity_type")?,
                    entity_id: get(r, "entity_id")?,
                    created_at: at(get(r, "created_us")?),
                    delivered_at: get::<Option<i64>>(r, "delivered_us")?.map(at),
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, page.limit, |n| n.id))
    }

    async fn load_session(&self, id: &str, now: Timestamp) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT record FROM web_sessions WHERE id = $1 AND expires_us > $2")
            .bind(id)
            .bind(us(now))
            .fetch_optional(&self.read)
            .await
            .map_err(db)
    }

    async fn save_session(&self, id: &str, record: &str, expires: Timestamp) -> StoreResult<()> {
        self.store_session(id, record, expires).await
    }

    async fn delete_session(&self, id: &str) -> StoreResult<()> {
        self.forget_session(id).await
    }

    async fn record_sign_in(&self, user_id: i64, succeeded: bool, now: Timestamp) -> StoreResult<User> {
        self.count_sign_in(user_id, succeeded, now).await
    }

    async fn create_password_reset(
        &self,
        user_id: i64,
        token_hash: &str,
        link: &str,
        expires: Timestamp,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.issue_password_reset(user_id, token_hash, link, expires, now).await
    }

    async fn reset_password(&self, token_hash: &str, password_hash: &str, now: Timestamp) -> StoreResult<User> {
        self.spend_password_reset(token_hash, password_hash, now).await
    }

    async fn verify_audit(&self) -> StoreResult<AuditVerification> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        let mut prev = GENESIS.to_owned();
        let mut expected_id = 1;
        let mut after = 0;
        loop {
            let rows = sqlx::query("SELECT * FROM audit_log WHERE id > $1 ORDER BY id LIMIT 1000")
                .bind(after)
                .fetch_all(&mut *conn)
                .await
                .map_err(db)?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let id: i64 = get(row, "id")?;
                let before: Option<String> = get(row, "before")?;
                let after_state: Option<String> = get(row, "after")?;
                let action: String = get(row, "action")?;
                let entity_type: String = get(row, "entity_type")?;
                let fields = AuditFields {
                    id,
                    at_us: get(row, "at_us")?,
                    actor_user_id: get(row, "actor_user_id")?,
                    action: &action,
                    entity_type: &entity_type,
                    entity_id: get(row, "entity_id")?,
                    before: before.as_deref(),
                    after: after_state.as_deref(),
                };
                let stored: String = get(row, "hash")?;
                if id != expected_id || chain_hash(&prev, &fields) != stored {
                    return Ok(AuditVerification {
                        entries: (expected_id - 1) as u64,
                        first_bad_id: Some(expected_id),
                        head_hash: prev,
                    });
                }
                prev = stored;
                expected_id += 1;
                after = id;
            }
        }
        let head = sqlx::query("SELECT last_id, last_hash FROM audit_head WHERE id = 1")
            .fetch_one(&mut *conn)
            .await
            .map_err(db)?;
        let entries = (expected_id - 1) as u64;
        // Entries cut off the end of the chain show as a head that points past the last entry.
        if get::<i64>(&head, "last_id")? != after || get::<String>(&head, "last_hash")? != prev {
            return Ok(AuditVerification {
                entries,
                first_bad_id: Some(expected_id),
                head_hash: prev,
            });
        }
        Ok(AuditVerification {
            entries,
            first_bad_id: None,
            head_hash: prev,
        })
    }

    async fn reserve_idempotency_key(
        &self,
        user_id: i64,
        key: &str,
        fingerprint: &str,
        now: Timestamp,
    ) -> StoreResult<Reservation> {
        let mut tx = dialect::begin_queue(&self.write).await.map_err(db)?;
        let taken = sqlx::query(
            "INSERT INTO idempotency_keys (user_id, key, fingerprint, status, body, created_us) VALUES ($1, $2, $3, 0, '', $4) \
             ON CONFLICT (user_id, key) DO NOTHING",
        )
        .bind(user_id)
        .bind(key)
        .bind(fingerprint)
        .bind(us(now))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if taken.rows_affected() == 1 {
            tx.commit().await.map_err(db)?;
            return Ok(Reservation::Reserved);
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT fingerprint, status, body, created_us FROM idempotency_keys WHERE user_id = $1 AND key = $2{}",
            dialect::FOR_UPDATE
        )))
        .bind(user_id)
        .bind(key)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let stored = StoredResponse {
            fingerprint: get(&row, "fingerprint")?,
            status: get::<i64>(&row, "status")? as u16,
            body: get(&row, "body")?,
        };
        let reservation = if stored.fingerprint != fingerprint {
            Reservation::Mismatch
        } else if stored.status != 0 {
            Reservation::Done(stored)
        } else if get::<i64>(&row, "created_us")? < us(now) - IDEMPOTENCY_LEASE_US {
            // Its first request died before answering: this one takes its place.
            sqlx::query("UPDATE idempotency_keys SET created_us = $1 WHERE user_id = $2 AND key = $3")
                .bind(us(now))
                .bind(user_id)
                .bind(key)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            Reservation::Reserved
        } else {
            Reservation::InProgress
        };
        tx.commit().await.map_err(db)?;
        Ok(reservation)
    }

    async fn complete_idempotency_key(&self, user_id: i64, key: &str, status: u16, body: &str) -> StoreResult<()> {
        sqlx::query("UPDATE idempotency_keys SET status = $1, body = $2 WHERE user_id = $3 AND key = $4")
            .bind(i64::from(status))
            .bind(body)
            .bind(user_id)
            .bind(key)
            .execute(&self.write)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn release_idempotency_key(&self, user_id: i64, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status = 0")
            .bind(user_id)
            .bind(key)
            .execute(&self.write)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn backup(&self, destination: &std::path::Path) -> StoreResult<()> {
        dialect::backup(&self.read, destination).await
    }
}

/// REG-2: only a channel manager or an administrator can be a region's approver.
async fn check_manager(conn: &mut Conn, user_id: i64) -> StoreResult<()> {
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
    if matches!(role.as_deref(), Some("admin" | "channel_manager")) {
        Ok(())
    } else {
        Err(StoreError::invalid(
            "manager_user_id",
            "must be a channel manager or administrator",
        ))
    }
}

/// REG-3: the next SOR number of the approval's business year, drawn in the approving transaction:
/// the counter row is locked until commit, and a rollback returns the number, so numbers are never
/// duplicated or skipped.
async fn next_sor_number(conn: &mut Conn, approved_on: Date) -> StoreResult<SorNumber> {
    let year = approved_on.year();
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO sor_counters (year, last_seq) VALUES ($1, 1) \
         ON CONFLICT (year) DO UPDATE SET last_seq = sor_counters.last_seq + 1 RETURNING last_seq",
    )
    .bind(i64::from(year))
    .fetch_one(&mut *conn)
    .await
    .map_err(db)?;
    Ok(SorNumber { year, seq })
}

fn redact_conflicts(state: &mut Value) {
    if let Some(object) = state.as_object_mut() {
        object.remove("conflicts");
        if let Some(inner) = object.get_mut("registration") {
            redact_conflicts(inner);
        }
    }
}

impl SqlStore {
    /// Withdrawal and closing (REG-7): the partner, its approver or an administrator ends the
    /// registration; an approved one gives up its claims.
    async fn close_with(
        &self,
        actor: &Actor,
        id: i64,
        action: Action,
        reason: Option<String>,
        now: Timestamp,
    ) -> StoreResult<Registration> {
        let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
        let (reg, lines) = reload(&mut tx, id).await?;
        check(
            policy::can_close(actor, reg.partner_id, reg.approver_id),
            "registration",
            "close this registration",
        )?;
        transition(&mut tx, &reg, action, actor, reason.as_deref(), now).await?;
        let action_name = format!("registration.{}", action.as_str());
        let (after, after_lines) = record_change(&mut tx, Some(actor), &action_name, (&reg, &lines), now).await?;
        if action == Action::CloseWon {
            link_won_orders(&mut tx, actor, id, now).await?;
        }
        let orders = order_links(&mut tx, actor, &after).await?;
        tx.commit().await.map_err(db)?;
        Ok(present(after, after_lines, orders, actor))
    }

    /// REG-5: applies an approved update or extension to the registration.
    async fn apply_change(
        &self,
        conn: &mut Conn,
        reg: &RegRow,
        change: &ChangeRequest,
        now: Timestamp,
    ) -> StoreResult<()> {
        match change {
            ChangeRequest::Extension { valid_through } => {
                let settings = load_settings(conn).await?;
                let today = business_date(now, &settings.zone());
                let current = reg
                    .valid_through
                    .ok_or_else(|| StoreError::Database("approved registration without validity".into()))?;
                rules::check_extension(*valid_through, current, today, settings.max_validity_days)
                    .map_err(|e| StoreError::conflict(format!("the extension can no longer be granted: {e}")))?;
                sqlx::query("UPDATE registrations SET valid_through = $1 WHERE id = $2")
                    .bind(valid_through.to_string())
                    .bind(reg.id)
                    .execute(&mut *conn)
                    .await
                    .map_err(db)?;
            }
            ChangeRequest::Update {
                lines: new_lines,
                estimated_value,
                expected_close,
            } => {
                if let Some(new_lines) = new_lines {
                    let products = products_for(conn, "products", new_lines).await?;
                    sqlx::query("DELETE FROM claims WHERE registration_id = $1")
                        .bind(reg.id)
                        .execute(&mut *conn)
                        .await
                        .map_err(db)?;
                    sqlx::query("DELETE FROM registration_lines WHERE registration_id = $1")
                        .bind(reg.id)
                        .execute(&mut *conn)
                        .await
                        .map_err(db)?;
                    insert_lines(conn, reg.id, &products).await?;
                    let updated = load_lines(conn, reg.id).await?;
                    take_claims(conn, reg, &updated).await?;
                    let skus: Vec<String> = updated.iter().map(|l| l.line.sku.clone()).collect();
                    let matches = find_matches(
                        conn,
                        &identity_of(&reg.customer),
                        Some(reg.customer.id),
                        &skus,
                        Some(reg.partner_id),
                        Some(reg.id),
                    )
                    .await?;
                    sqlx::query("UPDATE registrations SET possible_conflict = $1, conflicts = $2 WHERE id = $3")
                        .bind(matches.iter().any(|m| m.is_conflict))
                        .bind(conflicts_json(&matches)?)
                        .bind(reg.id)
                        .execute(&mut *conn)
                        .await
                        .map_err(db)?;
                }
                sqlx::query(
                    "UPDATE registrations SET est_value_minor = COALESCE($1, est_value_minor), expected_close = COALESCE($2, expected_close) WHERE id = $3",
                )
                .bind(estimated_value.map(|v| v.amount_minor))
                .bind(expected_close.map(|d| d.to_string()))
                .bind(reg.id)
                .execute(&mut *conn)
                .await
                .map_err(db)?;
            }
        }
        Ok(())
    }

    /// REG-4: expires approved registrations past their last valid day, one batch per transaction.
    async fn expire_batch(&self, now: Timestamp) -> StoreResult<u64> {
        let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
        let settings = load_settings(&mut tx).await?;
        let today = business_date(now, &settings.zone());
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM registrations WHERE status = 'approved' AND valid_through < $1 ORDER BY id LIMIT $2",
        )
        .bind(today.to_string())
        .bind(SWEEP_BATCH)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        for id in &ids {
            let (reg, lines) = reload(&mut tx, *id).await?;
            let next = reg.status.apply(Action::Expire)?;
            sqlx::query("UPDATE registrations SET status = $1 WHERE id = $2")
                .bind(next.as_str())
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            release(&mut tx, *id).await?;
            record_change(&mut tx, None, "registration.expire", (&reg, &lines), now).await?;
            if let (Some(sor), Some(through)) = (&reg.sor_number, reg.valid_through) {
                let draft = notify::expired(sor, &reg.customer.name, through);
                tell_submitter(&mut tx, &reg, &format!("expired:{id}"), &draft, now).await?;
            }
        }
        tx.commit().await.map_err(db)?;
        Ok(ids.len() as u64)
    }

    /// REG-4: queues one reminder per registration and validity end, `reminder_days_before` ahead.
    async fn remind_batch(&self, now: Timestamp) -> StoreResult<u64> {
        let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
        let settings = load_settings(&mut tx).await?;
        let today = business_date(now, &settings.zone());
        let horizon = rules::valid_through(today, settings.reminder_days_before);
        let rows = sqlx::query(
            "SELECT r.id, r.sor_number, r.valid_through, r.submitted_by, r.customer_name FROM registrations r \
             WHERE r.status = 'approved' AND r.valid_through >= $1 AND r.valid_through <= $2 \
             AND (r.reminded_for IS NULL OR r.reminded_for <> r.valid_through) ORDER BY r.id LIMIT $3",
        )
        .bind(today.to_string())
        .bind(horizon.to_string())
        .bind(SWEEP_BATCH)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        for row in &rows {
            let id: i64 = get(row, "id")?;
            let through = parse_date(&get::<String>(row, "valid_through")?)?;
            if !rules::reminder_due(through, today, settings.reminder_days_before) {
                continue;
            }
            let sor: Option<String> = get(row, "sor_number")?;
            let customer: String = get(row, "customer_name")?;
            let draft = notify::expiry_reminder(sor.as_deref().unwrap_or_default(), &customer, through, today);
            enqueue(
                &mut tx,
                &format!("reminder:{id}:{through}"),
                get(row, "submitted_by")?,
                &draft,
                ("registration", id),
                now,
            )
            .await?;
            sqlx::query("UPDATE registrations SET reminded_for = valid_through WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(rows.len() as u64)
    }
}

/// The raw limit benchmarks compare with: `count` single-row INSERT transactions, one after the
/// other on `conn`, into a new table `raw_insert` (dropped afterwards) of a scratch database. Returns transactions per
/// second; the durability is whatever `conn` was opened with.
pub async fn durable_insert_rate(conn: &mut Conn, count: usize) -> StoreResult<f64> {
    sqlx::raw_sql("CREATE TABLE raw_insert (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    let started = std::time::Instant::now();
    for i in 0..count {
        sqlx::query("INSERT INTO raw_insert (id, body) VALUES ($1, $2)")
            .bind(i as i64)
            .bind(format!("row {i}"))
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    let rate = count as f64 / started.elapsed().as_secs_f64();
    sqlx::raw_sql("DROP TABLE raw_insert")
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(rate)
}

/// Rows per multi-row INSERT: well under both backends' bind-parameter limits.
const ROWS_PER_STATEMENT: usize = 500;

async fn insert_rows<T>(
    conn: &mut Conn,
    head: &str,
    rows: &[T],
    bind: impl Fn(sqlx::query_builder::Separated<'_, Db, &'static str>, &T),
) -> StoreResult<()> {
    upsert_rows(conn, head, "", rows, bind).await
}

/// Like [`insert_rows`], with `tail` (an `ON CONFLICT` clause) after each statement's values.
async fn upsert_rows<T>(
    conn: &mut Conn,
    head: &str,
    tail: &str,
    rows: &[T],
    bind: impl Fn(sqlx::query_builder::Separated<'_, Db, &'static str>, &T),
) -> StoreResult<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut qb = QueryBuilder::<Db>::new(head);
        qb.push_values(chunk, &bind);
        qb.push(tail);
        qb.build().execute(&mut *conn).await.map_err(db)?;
    }
    Ok(())
}

impl SqlStore {
    /// Loads benchmark data into an empty database fast, with multi-row inserts: customers with
    /// their name keys and key counts, registrations with their lines, claims and SOR numbers kept
    /// consistent. For benchmarks only: it writes no audit entries and no notifications, and
    /// refuses a database that already has registrations.
    pub async fn load_benchmark_fixture(&self, fixture: &Fixture, progress: impl Fn(usize)) -> StoreResult<()> {
        let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
        let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registrations")
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        if existing > 0 {
            return Err(StoreError::conflict(
                "benchmark fixtures load only into a database without registrations",
            ));
        }
        let first_customer: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM customers")
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        // Customers that resolve to the same row (same tax id, domain or name in a city) share it.
        let mut row_of_key: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
        let mut customer_ids = Vec::with_capacity(fixture.customers.len());
        let mut new_customers = Vec::new();
        for customer in &fixture.customers {
            let identity = customer.identity();
            let keys = [
                identity.tax_id.as_ref().map(|t| format!("t:{t}")),
                identity.domain.as_ref().map(|d| format!("d:{d}")),
                Some(format!(
                    "n:{}|{}|{}",
                    identity.name,
                    identity.country,
                    identity.city.clone().unwrap_or_default()
                )),
            ];
            let known = keys.iter().flatten().find_map(|k| row_of_key.get(k).copied());
            let id = known.unwrap_or_else(|| {
                let id = first_customer + new_customers.len() as i64;
                new_customers.push((id, customer, identity));
                id
            });
            for key in keys.into_iter().flatten() {
                row_of_key.entry(key).or_insert(id);
            }
            customer_ids.push(id);
        }
        let now = us(fixture.submitted_at);
        insert_rows(
            &mut tx,
            "INSERT INTO customers (id, name, name_norm, domain, tax_id, city, city_norm, postal_code, postal_norm, country, segment, created_us) ",
            &new_customers,
            |mut row, (id, customer, identity)| {
                row.push_bind(*id)
                    .push_bind(customer.name.clone())
                    .push_bind(identity.name.clone())
                    .push_bind(identity.domain.clone())
                    .push_bind(identity.tax_id.clone())
                    .push_bind(customer.city.clone())
                    .push_bind(identity.city.clone().unwrap_or_default())
                    .push_bind(customer.postal_code.clone())
                    .push_bind(identity.postal_code.clone())
                    .push_bind(identity.country.clone())
                    .push_bind(customer.segment.as_str())
                    .push_bind(now);
            },
        )
        .await?;
        let names: Vec<(i64, &str)> = new_customers
            .iter()
            .map(|(id, _, identity)| (*id, identity.name.as_str()))
            .collect();
        index_names(&mut tx, &names).await?;
        tx.commit().await.map_err(db)?;

        let first_registration: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM registrations")
            .fetch_one(&self.read)
            .await
            .map_err(db)?;
        let year = business_date(fixture.submitted_at, &jiff::tz::TimeZone::UTC).year();
        let mut claimed: std::collections::HashSet<(i64, i64)> = std::collections::HashSet::new();
        let mut sor_seq = 0i64;
        let through = fixture.valid_through.to_string();
        for (chunk_index, chunk) in fixture.registrations.chunks(20_000).enumerate() {
            let mut tx = dialect::begin_write(&self.write).await.map_err(db)?;
            let mut regs = Vec::with_capacity(chunk.len());
            let mut lines = Vec::new();
            let mut claims = Vec::new();
            for (offset, reg) in chunk.iter().enumerate() {
                let id = first_registration + (chunk_index * 20_000 + offset) as i64;
                let customer_id = customer_ids[reg.customer];
                let wanted: Vec<(i64, i64)> = reg.lines.iter().map(|(p, _)| (customer_id, *p)).collect();
                let approve = reg.approve && wanted.iter().all(|k| !claimed.contains(k));
                let sor = approve.then(|| {
                    sor_seq += 1;
                    claimed.extend(wanted.iter().copied());
                    claims.extend(wanted.iter().map(|(c, p)| (*c, *p, id, reg.partner_id)));
                    SorNumber { year, seq: sor_seq }.to_string()
                });
                lines.extend(reg.lines.iter().map(|(p, l)| (id, *p, l.clone())));
                regs.push((id, reg, customer_id, sor));
            }
            insert_rows(
                &mut tx,
                "INSERT INTO registrations (id, partner_id, customer_id, status, est_value_minor, currency, expected_close, \
                 approver_id, submitted_by, submitted_us, sor_number, valid_through, approved_us, possible_conflict, conflicts, \
                 customer_name, customer_domain, customer_tax_id, customer_city, customer_postal_code, customer_country, \
                 customer_segment) ",
                &regs,
                |mut row, (id, reg, customer_id, sor)| {
                    let customer = &fixture.customers[reg.customer];
                    row.push_bind(*id)
                        .push_bind(reg.partner_id)
                        .push_bind(*customer_id)
                        .push_bind(if sor.is_some() { "approved" } else { "submitted" })
                        .push_bind(1_000_000i64)
                        .push_bind("USD")
                        .push_bind(through.clone())
                        .push_bind(reg.approver_id)
                        .push_bind(reg.submitted_by)
                        .push_bind(now)
                        .push_bind(sor.clone())
                        .push_bind(sor.as_ref().map(|_| through.clone()))
                        .push_bind(sor.as_ref().map(|_| now))
                        .push_bind(false)
                        .push_bind("[]")
                        .push_bind(customer.name.clone())
                        .push_bind(customer.domain.clone())
                        .push_bind(customer.tax_id.clone())
                        .push_bind(customer.city.clone())
                        .push_bind(customer.postal_code.clone())
                        .push_bind(customer.country.clone())
                        .push_bind(customer.segment.as_str());
                },
            )
            .await?;
            insert_line_rows(&mut tx, &lines).await?;
            insert_rows(
                &mut tx,
                "INSERT INTO claims (customer_id, product_id, registration_id, partner_id) ",
                &claims,
                |mut row, (c, p, r, partner)| {
                    row.push_bind(*c).push_bind(*p).push_bind(*r).push_bind(*partner);
                },
            )
            .await?;
            sqlx::query(
                "INSERT INTO sor_counters (year, last_seq) VALUES ($1, $2) ON CONFLICT (year) DO UPDATE SET last_seq = excluded.last_seq",
            )
            .bind(i64::from(year))
            .bind(sor_seq)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            tx.commit().await.map_err(db)?;
            progress(chunk_index * 20_000 + chunk.len());
        }
        dialect::after_bulk_load(&self.write, &["customers", "registrations"])
            .await
            .map_err(db)?;
        Ok(())
    }
}
