//! Opening an opportunity, from wherever it comes (the portal, the sales team, a lead, an approved
//! registration, a renewal): its number, its manager under the rules of engagement, its first
//! history row, its audit entry and the manager's notice — written once for every source.

use crate::sql::directory::load_settings;
use crate::sql::kit::*;
use crate::sql::opportunities::managers::{notify_party, region_of};
use crate::sql::opportunities::rows::{load_opportunity, snapshot};
use crate::sql::write::{Change, Write};
use domain::opportunities::{self as roe, MemberRole, OpportunityNumber, Party, Source, Standing};

pub(crate) struct OpenOpportunity<'a> {
    pub customer_id: i64,
    pub name: &'a str,
    pub source: Source,
    /// The manager proposed: on a major account the opportunity is turned over to the MAM.
    pub manager: Party,
    pub forecast: Money,
    pub close_date: Date,
    /// (product id, quantity).
    pub products: &'a [(i64, i64)],
    /// The manager's region when absent.
    pub region_id: Option<i64>,
    pub renewal_of: Option<i64>,
    /// The pipeline's first stage when absent.
    pub stage: Option<&'a str>,
    pub plan: Option<&'a str>,
}

/// The account's Major Account Manager, if it is a major account.
pub(crate) async fn mam_of(conn: &mut Conn, customer_id: i64) -> StoreResult<Option<Party>> {
    let row = sqlx::query("SELECT mam_user_id, mam_partner_id FROM major_accounts WHERE customer_id = $1")
        .bind(customer_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|row| {
        Ok(match get::<Option<i64>>(&row, "mam_user_id")? {
            Some(user) => Party::user(user),
            None => Party::partner(get(&row, "mam_partner_id")?),
        })
    })
    .transpose()
}

/// ROE-2, ROE-3: refuses when an open opportunity of another manager on the account holds rights
/// that cover `products` (all of the account for its MAM). A partner learns until when, not whose.
pub(crate) async fn check_rights(
    conn: &mut Conn,
    actor: Option<&Actor>,
    customer_id: i64,
    pursuer: Party,
    products: &[(i64, i64)],
    today: Date,
) -> StoreResult<()> {
    let mam = mam_of(conn, customer_id).await?;
    let rows = sqlx::query(
        "SELECT o.id, o.number, o.status, o.rights_through, o.manager_user_id, o.manager_partner_id FROM opportunities o \
         WHERE o.customer_id = $1 AND o.status = 'open' ORDER BY o.id",
    )
    .bind(customer_id)
    .fetch_all(&mut *conn)
    .await?;
    let wanted: BTreeSet<i64> = products.iter().map(|(id, _)| *id).collect();
    for row in &rows {
        let id: i64 = get(row, "id")?;
        let manager = crate::sql::opportunities::rows::manager_of(row)?;
        let forecast: Vec<i64> =
            sqlx::query_scalar("SELECT product_id FROM opportunity_lines WHERE opportunity_id = $1")
                .bind(id)
                .fetch_all(&mut *conn)
                .await?;
        let standing = Standing {
            manager,
            status: roe::Status::parse(&get::<String>(row, "status")?).map_err(corrupt)?,
            rights_through: parse_date(&get::<String>(row, "rights_through")?)?,
            products: forecast.into_iter().collect(),
            manager_is_mam: mam == Some(manager),
        };
        if roe::stands_in_the_way(&standing, pursuer, &wanted, today) {
            let number: String = get(row, "number")?;
            let whose = if actor.is_some_and(Actor::is_staff) {
                format!("{number} ")
            } else {
                String::new()
            };
            return Err(StoreError::conflict(format!(
                "another party's opportunity {whose}on this account holds the rights to these products through {}; \
                 after that day the account is open to all parties",
                standing.rights_through
            )));
        }
    }
    Ok(())
}

/// Opens the opportunity in `tx`: returns its id and number.
pub(crate) async fn open_opportunity(tx: &mut Write<'_>, open: OpenOpportunity<'_>) -> StoreResult<(i64, String)> {
    let settings = load_settings(tx).await?;
    let today = business_date(tx.now(), &settings.zone());
    let stage = match open.stage {
        Some(stage) => settings
            .pipeline_stages
            .iter()
            .find(|s| s.eq_ignore_ascii_case(stage))
            .cloned()
            .ok_or_else(|| StoreError::invalid("stage", format!("one of: {}", settings.pipeline_stages.join(", "))))?,
        None => settings.pipeline_stages.first().cloned().unwrap_or_default(),
    };
    // A renewal keeps its manager (ROE-4) and an approved registration is REG-6's to decide; every
    // other opening meets the rights of the managers already on the account.
    if !matches!(open.source, Source::Renewal | Source::Registration) {
        let actor = tx.actor();
        check_rights(tx, actor, open.customer_id, open.manager, open.products, today).await?;
    }
    let (manager, turned_over_from) = if open.source == Source::Renewal {
        (open.manager, None)
    } else {
        roe::manager_on_account(open.manager, mam_of(tx, open.customer_id).await?)
    };
    let region_id = match open.region_id {
        Some(region) => Some(region),
        None => region_of(tx, manager).await?,
    };
    let number = OpportunityNumber {
        year: today.year(),
        seq: next_of_year(tx, "opportunity_counters", today.year()).await?,
    }
    .to_string();
    let now = us(tx.now());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO opportunities (number, customer_id, name, source, stage, status, forecast_minor, currency, close_date, \
         rights_through, plan, manager_user_id, manager_partner_id, region_id, renewal_of, created_by, created_us) \
         VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
    )
    .bind(&number)
    .bind(open.customer_id)
    .bind(open.name)
    .bind(open.source.as_str())
    .bind(&stage)
    .bind(open.forecast.amount_minor)
    .bind(open.forecast.currency.as_str())
    .bind(open.close_date.to_string())
    .bind(roe::rights_through(open.close_date, settings.grace_days, None).to_string())
    .bind(open.plan)
    .bind(manager.user_id())
    .bind(manager.partner_id())
    .bind(region_id)
    .bind(open.renewal_of)
    .bind(tx.actor().map(|a| a.user_id))
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .on_foreign_key(StoreError::invalid("manager", "no such user, partner or region"))?;
    insert_rows(
        tx,
        "INSERT INTO opportunity_lines (opportunity_id, product_id, quantity) ",
        open.products,
        |mut row, (product, quantity)| {
            row.push_bind(id).push_bind(*product).push_bind(*quantity);
        },
    )
    .await?;
    let opened_as = format!("Opened from {}", open.source.label().to_lowercase());
    if let Some(original) = turned_over_from {
        record_term(tx, id, original, &opened_as, Some(now)).await?;
        add_member(tx, id, original, MemberRole::TurnedOver, None).await?;
        record_term(tx, id, manager, "Turned over to the Major Account Manager", None).await?;
    } else {
        record_term(tx, id, manager, &opened_as, None).await?;
    }
    let opened = load_opportunity(tx, id).await?;
    tx.audit(Change {
        action: "opportunity.open",
        entity_type: "opportunity",
        entity_id: id,
        before: None,
        after: Some(&snapshot(&opened)),
    })
    .await?;
    // The partner of an approved registration hears of it in the APPROVED message; a MAM given an
    // opportunity, and every other new manager, hear of it here.
    let reason = match turned_over_from {
        Some(_) => Some("the account is a major account you manage".to_owned()),
        None if open.source == Source::Registration => None,
        None => Some(opened_as),
    };
    if let Some(reason) = reason {
        let draft = roe::notify::now_managing(&number, open.name, &reason);
        notify_party(tx, manager, &format!("opportunity-open:{id}"), &draft, id).await?;
    }
    Ok((id, number))
}

/// A manager's term from now (or ended at `to_us`, for a term that ended as it began).
pub(crate) async fn record_term(
    tx: &mut Write<'_>,
    id: i64,
    manager: Party,
    reason: &str,
    to_us: Option<i64>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO opportunity_managers (opportunity_id, party_kind, party_id, from_us, to_us, reason, assigned_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(manager.kind.as_str())
    .bind(manager.id)
    .bind(us(tx.now()))
    .bind(to_us)
    .bind(reason)
    .bind(tx.actor().map(|a| a.user_id))
    .execute(&mut **tx)
    .await
    .on_unique("the opportunity has a manager already")?;
    Ok(())
}

pub(crate) async fn add_member(
    tx: &mut Write<'_>,
    id: i64,
    party: Party,
    role: MemberRole,
    share_bp: Option<u32>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO opportunity_members (opportunity_id, party_kind, party_id, role, share_bp, added_us) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (opportunity_id, party_kind, party_id, role) \
         DO UPDATE SET share_bp = excluded.share_bp",
    )
    .bind(id)
    .bind(party.kind.as_str())
    .bind(party.id)
    .bind(role.as_str())
    .bind(share_bp.map(i64::from))
    .bind(us(tx.now()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
