//! The shared kit of the SQL implementation: connection and row types, value conversions, access checks, paging and multi-row inserts. Every module starts with `use crate::sql::kit::*`.

pub(crate) use crate::dialect::{self, Db};
pub(crate) use crate::sql::SqlStore;
pub(crate) use async_trait::async_trait;
pub(crate) use domain::access::{self, Access};
pub(crate) use domain::audit::{AuditFields, GENESIS, chain_hash, content_hash};
pub(crate) use domain::calendar::business_date;
pub(crate) use domain::directory::customers::Customer;
pub(crate) use domain::directory::files::{Line, PartnerRow};
pub(crate) use domain::directory::input::{LeadReach, NewPartner};
pub(crate) use domain::directory::products::{NewProduct, ProductLine};
pub(crate) use domain::directory::{self, ActivationStage, PartnerLevel, Segment};
pub(crate) use domain::leads::Coordinates;
pub(crate) use domain::notify::Draft;
pub(crate) use domain::orders::input::NewOrder;
pub(crate) use domain::orders::{
    self as ordering, CitedSor, LineDecision, LineRequest, OrderContext, OrderStatus, PriceBasis, SorLineUsage,
    SorOnFile,
};
pub(crate) use domain::registrations::input::{Approval, ChangeRequest, NewRegistration, Outcome};
pub(crate) use domain::registrations::matching::{CustomerIdentity, could_match, name_index_keys, score_match};
pub(crate) use domain::registrations::{self as rules, Action, RequestKind, RequestStatus, Status, notify, policy};
pub(crate) use domain::settings::{ProgramSettings, route_approver};
pub(crate) use domain::sor::SorNumber;
pub(crate) use domain::{Actor, Currency, FieldErrors, Money, Role};
pub(crate) use jiff::Timestamp;
pub(crate) use jiff::civil::Date;
pub(crate) use serde_json::{Value, json};
pub(crate) use sqlx::{Pool, QueryBuilder, Row};
pub(crate) use std::collections::{BTreeMap, BTreeSet};
pub(crate) use store::*;

pub(crate) type Conn = <Db as sqlx::Database>::Connection;

pub(crate) type DbRow = <Db as sqlx::Database>::Row;

pub(crate) fn us(t: Timestamp) -> i64 {
    t.as_microsecond()
}

pub(crate) fn at(micros: i64) -> Timestamp {
    Timestamp::from_microsecond(micros).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Constraint violations that mean a rule was broken, mapped where the statement knows which rule.
/// Every other SQL error converts through `From<sqlx::Error> for StoreError`.
pub(crate) trait SqlResultExt<T> {
    /// A unique violation is a conflict with `message` (the database refused a duplicate).
    fn on_unique(self, message: &str) -> StoreResult<T>;
    /// A foreign-key violation is `missing` (the record it refers to does not exist).
    fn on_foreign_key(self, missing: StoreError) -> StoreResult<T>;
    /// Both, for an insert that can break either.
    fn on_unique_or_foreign_key(self, message: &str, missing: StoreError) -> StoreResult<T>;
}

impl<T> SqlResultExt<T> for Result<T, sqlx::Error> {
    fn on_unique(self, message: &str) -> StoreResult<T> {
        self.map_err(|e| match e.as_database_error() {
            Some(d) if d.is_unique_violation() => StoreError::conflict(message),
            _ => e.into(),
        })
    }

    fn on_foreign_key(self, missing: StoreError) -> StoreResult<T> {
        self.map_err(|e| match e.as_database_error() {
            Some(d) if d.is_foreign_key_violation() => missing,
            _ => e.into(),
        })
    }

    fn on_unique_or_foreign_key(self, message: &str, missing: StoreError) -> StoreResult<T> {
        self.map_err(|e| match e.as_database_error() {
            Some(d) if d.is_unique_violation() => StoreError::conflict(message),
            Some(d) if d.is_foreign_key_violation() => missing,
            _ => e.into(),
        })
    }
}

pub(crate) fn parse_date(raw: &str) -> StoreResult<Date> {
    raw.parse()
        .map_err(|e| StoreError::Database(format!("bad date '{raw}' in database: {e}")))
}

pub(crate) fn parse_currency(raw: &str) -> StoreResult<Currency> {
    Currency::parse(raw).map_err(StoreError::Database)
}

pub(crate) fn corrupt(e: String) -> StoreError {
    StoreError::Database(format!("unreadable value in database: {e}"))
}

pub(crate) fn get<'r, T>(row: &'r DbRow, column: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, Db> + sqlx::Type<Db>,
{
    row.try_get(column).map_err(StoreError::from)
}

pub(crate) fn check(access: Access, entity: &'static str, what: &str) -> StoreResult<()> {
    match access {
        Access::Allowed => Ok(()),
        Access::Hidden => Err(StoreError::NotFound(entity)),
        Access::Forbidden => Err(StoreError::Forbidden(format!("you may not {what}"))),
    }
}

pub(crate) fn require_admin(actor: Option<&Actor>, what: &str) -> StoreResult<()> {
    match actor {
        Some(a) if !access::can_administer(a) => Err(StoreError::Forbidden(format!("only administrators may {what}"))),
        _ => Ok(()),
    }
}

/// How one page is fetched by id: `id {op} bound ORDER BY id {dir}`, in the list's order or, going
/// back from `before`, against it (`Page::from_rows` turns those rows round).
pub(crate) struct Keyset {
    pub op: &'static str,
    pub bound: i64,
    pub dir: &'static str,
}

/// The keyset of `page` in a list ordered by id, `ascending` or newest first.
pub(crate) fn keyset(page: &PageRequest, ascending: bool) -> Keyset {
    let downwards = ascending == page.before.is_some();
    let from = page.before.or(page.cursor);
    if downwards {
        Keyset {
            op: "<",
            bound: from.unwrap_or(i64::MAX),
            dir: "DESC",
        }
    } else {
        Keyset {
            op: ">",
            bound: from.unwrap_or(0),
            dir: "ASC",
        }
    }
}

/// Pushes `{column} < bound` (or `>`) for `page`.
pub(crate) fn push_keyset(qb: &mut QueryBuilder<Db>, column: &str, page: &PageRequest, ascending: bool) {
    let k = keyset(page, ascending);
    qb.push(format!("{column} {} ", k.op)).push_bind(k.bound);
}

/// Pushes the order and limit (one row more than the page, to know whether another follows).
pub(crate) fn push_page_order(qb: &mut QueryBuilder<Db>, column: &str, page: &PageRequest, ascending: bool) {
    let k = keyset(page, ascending);
    qb.push(format!(" ORDER BY {column} {} LIMIT ", k.dir))
        .push_bind(i64::from(page.limit) + 1);
}

/// One page of a whole table, newest first.
pub(crate) async fn page_of<T>(
    pool: &Pool<Db>,
    table: &'static str,
    page: PageRequest,
    from_row: fn(&DbRow) -> StoreResult<T>,
    id_of: fn(&T) -> i64,
) -> StoreResult<Page<T>> {
    let mut qb = QueryBuilder::<Db>::new(format!("SELECT * FROM {table} WHERE "));
    push_keyset(&mut qb, "id", &page, false);
    push_page_order(&mut qb, "id", &page, false);
    let rows = qb.build().fetch_all(pool).await?;
    let items = rows.iter().map(from_row).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(items, &page, id_of))
}

/// The next number of `year` from a counter table (`sor_counters`, `opportunity_counters`), drawn in
/// the writing transaction: the row stays locked until commit and a rollback returns the number, so
/// numbers are never duplicated or skipped.
pub(crate) async fn next_of_year(conn: &mut Conn, table: &'static str, year: i16) -> StoreResult<i64> {
    let sql = format!(
        "INSERT INTO {table} (year, last_seq) VALUES ($1, 1) \
         ON CONFLICT (year) DO UPDATE SET last_seq = {table}.last_seq + 1 RETURNING last_seq"
    );
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(i64::from(year))
        .fetch_one(&mut *conn)
        .await?)
}

pub(crate) fn push_id_list(qb: &mut QueryBuilder<Db>, ids: &[i64]) {
    qb.push("(");
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    list.push_unseparated(")");
}

/// Rows per multi-row INSERT: well under both backends' bind-parameter limits.
pub(crate) const ROWS_PER_STATEMENT: usize = 500;

pub(crate) async fn insert_rows<T>(
    conn: &mut Conn,
    head: &str,
    rows: &[T],
    bind: impl Fn(sqlx::query_builder::Separated<'_, Db, &'static str>, &T),
) -> StoreResult<()> {
    upsert_rows(conn, head, "", rows, bind).await
}

/// Like [`insert_rows`], with `tail` (an `ON CONFLICT` clause) after each statement's values.
pub(crate) async fn upsert_rows<T>(
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
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}
