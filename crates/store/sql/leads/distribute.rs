//! Distribution in the store: load the lead's place, the candidates in its country or region with
//! their open leads and the partners who declined it; let `domain::leads::choose_partner` decide;
//! write the offer (or why nobody) with its audit entry and messages — inside the caller's write.

use crate::sql::kit::*;
use crate::sql::leads::rows::{load_lead, snapshot};
use crate::sql::registrations::lifecycle::deciders;
use crate::sql::write::{Change, Write};
use domain::leads::{Candidate, LeadPlace, LeadStatus, NoPartner, choose_partner, notify as lead_notify};
use domain::settings::LeadDistribution;

/// Partners in `country` or `region`, each with its open leads other than `lead_id`.
async fn candidates(
    conn: &mut Conn,
    country: &str,
    region_id: Option<i64>,
    lead_id: i64,
) -> StoreResult<Vec<Candidate>> {
    let rows = sqlx::query(
        "SELECT p.*, (SELECT COUNT(*) FROM leads o WHERE o.partner_id = p.id AND o.status = 'offered' AND o.id <> $3) AS open_leads \
         FROM partners p WHERE p.country = $1 OR p.region_id = $2 ORDER BY p.id",
    )
    .bind(country)
    .bind(region_id.unwrap_or(-1))
    .bind(lead_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let reach = crate::sql::directory::reach_from_row(row)?;
            Ok(Candidate {
                partner_id: get(row, "id")?,
                level: PartnerLevel::parse(&get::<String>(row, "level")?).map_err(corrupt)?,
                country: reach.country,
                region_id: get(row, "region_id")?,
                location: reach.location,
                capacity: reach.lead_capacity,
                open_leads: u32::try_from(get::<i64>(row, "open_leads")?).unwrap_or(u32::MAX),
            })
        })
        .collect()
}

/// The partners who declined this lead.
pub(crate) async fn decliners(conn: &mut Conn, lead_id: i64) -> StoreResult<BTreeSet<i64>> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT partner_id FROM lead_declines WHERE lead_id = $1")
        .bind(lead_id)
        .fetch_all(&mut *conn)
        .await?;
    Ok(ids.into_iter().collect())
}

/// Runs the rules for lead `id` (not accepted) and records their outcome.
pub(crate) async fn distribute(tx: &mut Write<'_>, id: i64, rules: &LeadDistribution) -> StoreResult<Lead> {
    let lead = load_lead(tx, id).await?;
    let place = LeadPlace {
        country: lead.company.country.as_deref(),
        region: lead.region_id.zip(lead.region_name.as_deref()),
        location: lead.location,
    };
    let found = match place.country {
        Some(country) => candidates(tx, country, lead.region_id, id).await?,
        None => Vec::new(),
    };
    let declined = decliners(tx, id).await?;
    match choose_partner(&place, &found, &declined, rules) {
        Ok(chosen) => offer(tx, lead, chosen.partner_id, &chosen.reason).await,
        Err(none) => unplaced(tx, lead, &none).await,
    }
}

/// Offers `lead` to `partner_id` with the sentence saying why, and tells the partner's users.
pub(crate) async fn offer(tx: &mut Write<'_>, lead: Lead, partner_id: i64, why: &str) -> StoreResult<Lead> {
    let after = set_outcome(tx, &lead, LeadStatus::Offered, Some(partner_id), why, "lead.offer").await?;
    let users: Vec<i64> = sqlx::query_scalar("SELECT id FROM users WHERE partner_id = $1 AND active = $2 ORDER BY id")
        .bind(partner_id)
        .bind(true)
        .fetch_all(&mut **tx)
        .await?;
    let draft = lead_notify::lead_offered(lead.id, &lead.company.name, why);
    for user in users {
        let key = format!("lead-offered:{}:{partner_id}:{user}", lead.id);
        tx.notify(&key, user, &draft, ("lead", lead.id)).await?;
    }
    Ok(after)
}

/// Records why nobody has the lead and tells the region's channel manager (or the fallback
/// approver, or the administrators).
async fn unplaced(tx: &mut Write<'_>, lead: Lead, none: &NoPartner) -> StoreResult<Lead> {
    let status = match none {
        NoPartner::NoCountry => LeadStatus::Unassigned,
        NoPartner::NobodyLeft { .. } => LeadStatus::NoPartner,
    };
    let why = none.reason();
    let after = set_outcome(tx, &lead, status, None, &why, "lead.unplaced").await?;
    let manager: Option<i64> = match lead.region_id {
        Some(region) => sqlx::query_scalar("SELECT manager_user_id FROM regions WHERE id = $1")
            .bind(region)
            .fetch_optional(&mut **tx)
            .await?
            .flatten(),
        None => None,
    };
    let fallback = crate::sql::directory::load_settings(tx).await?.fallback_approver_id;
    let draft = lead_notify::no_partner_available(lead.id, &lead.company.name, &why);
    for user in deciders(tx, route_approver(manager, fallback)).await? {
        let key = format!("lead-unplaced:{}:{}:{user}", lead.id, lead.declines.len());
        tx.notify(&key, user, &draft, ("lead", lead.id)).await?;
    }
    Ok(after)
}

async fn set_outcome(
    tx: &mut Write<'_>,
    lead: &Lead,
    status: LeadStatus,
    partner_id: Option<i64>,
    why: &str,
    action: &str,
) -> StoreResult<Lead> {
    sqlx::query("UPDATE leads SET status = $1, partner_id = $2, reason = $3, updated_us = $4 WHERE id = $5")
        .bind(status.as_str())
        .bind(partner_id)
        .bind(why)
        .bind(us(tx.now()))
        .bind(lead.id)
        .execute(&mut **tx)
        .await?;
    let after = load_lead(tx, lead.id).await?;
    tx.audit(Change {
        action,
        entity_type: "lead",
        entity_id: lead.id,
        before: Some(&snapshot(lead)),
        after: Some(&snapshot(&after)),
    })
    .await?;
    Ok(after)
}
