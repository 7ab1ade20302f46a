//! Who manages and who takes part (ROE-2, ROE-5): changing the manager with its history and the
//! notices to both, re-assignment with the open renewals, major accounts, revenue-share teams.

use crate::sql::kit::*;
use crate::sql::opportunities::open::record_term;
use crate::sql::opportunities::rows::{load_opportunity, snapshot};
use crate::sql::write::{Change, Write};
use domain::opportunities::{self as roe, Party, PartyKind};

/// The region an opportunity of `manager` belongs to: a partner's region, or the region an internal
/// manager leads.
pub(crate) async fn region_of(conn: &mut Conn, manager: Party) -> StoreResult<Option<i64>> {
    let sql = match manager.kind {
        PartyKind::Partner => "SELECT region_id FROM partners WHERE id = $1",
        PartyKind::User => "SELECT MIN(id) FROM regions WHERE manager_user_id = $1",
    };
    Ok(sqlx::query_scalar::<_, Option<i64>>(sql)
        .bind(manager.id)
        .fetch_optional(&mut *conn)
        .await?
        .flatten())
}

/// The active users who act as `party`: the user, or the partner's users.
pub(crate) async fn users_of(conn: &mut Conn, party: Party) -> StoreResult<Vec<i64>> {
    let sql = match party.kind {
        PartyKind::User => "SELECT id FROM users WHERE id = $1 AND active = $2",
        PartyKind::Partner => "SELECT id FROM users WHERE partner_id = $1 AND active = $2 ORDER BY id",
    };
    Ok(sqlx::query_scalar(sql)
        .bind(party.id)
        .bind(true)
        .fetch_all(&mut *conn)
        .await?)
}

/// Tells every user of `party`, once per `key`.
pub(crate) async fn notify_party(
    tx: &mut Write<'_>,
    party: Party,
    key: &str,
    draft: &Draft,
    opportunity_id: i64,
) -> StoreResult<()> {
    for user in users_of(tx, party).await? {
        tx.notify(&format!("{key}:{user}"), user, draft, ("opportunity", opportunity_id))
            .await?;
    }
    Ok(())
}

/// Makes `to` the one manager of opportunity `id` (the current term ends now), moves its region
/// with it, records why, and tells both managers. No-op when `to` manages it already.
pub(crate) async fn change_manager(tx: &mut Write<'_>, id: i64, to: Party, reason: &str) -> StoreResult<bool> {
    let before = load_opportunity(tx, id).await?;
    let from = before.manager.party;
    if from == to {
        return Ok(false);
    }
    sqlx::query("UPDATE opportunity_managers SET to_us = $1 WHERE opportunity_id = $2 AND to_us IS NULL")
        .bind(us(tx.now()))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    record_term(tx, id, to, reason, None).await?;
    let region = region_of(tx, to).await?.or(before.region_id);
    sqlx::query("UPDATE opportunities SET manager_user_id = $1, manager_partner_id = $2, region_id = $3 WHERE id = $4")
        .bind(to.user_id())
        .bind(to.partner_id())
        .bind(region)
        .bind(id)
        .execute(&mut **tx)
        .await
        .on_foreign_key(StoreError::invalid("to", "no such user or partner"))?;
    let after = load_opportunity(tx, id).await?;
    tx.audit(Change {
        action: "opportunity.manager",
        entity_type: "opportunity",
        entity_id: id,
        before: Some(&snapshot(&before)),
        after: Some(&snapshot(&after)),
    })
    .await?;
    let key = format!("opportunity-manager:{id}:{}", us(tx.now()));
    let gained = roe::notify::now_managing(&after.number, &after.name, reason);
    notify_party(tx, to, &key, &gained, id).await?;
    let lost = roe::notify::no_longer_managing(&after.number, &after.name, reason);
    notify_party(tx, from, &key, &lost, id).await?;
    Ok(true)
}

/// Checks that `party` exists (and, for an internal user, can manage: staff, active).
pub(crate) async fn check_party(conn: &mut Conn, field: &str, party: Party) -> StoreResult<()> {
    let found: Option<i64> = match party.kind {
        PartyKind::User => {
            sqlx::query_scalar("SELECT id FROM users WHERE id = $1 AND partner_id IS NULL AND active = $2")
                .bind(party.id)
                .bind(true)
                .fetch_optional(&mut *conn)
                .await?
        }
        PartyKind::Partner => {
            sqlx::query_scalar("SELECT id FROM partners WHERE id = $1")
                .bind(party.id)
                .fetch_optional(&mut *conn)
                .await?
        }
    };
    match found {
        Some(_) => Ok(()),
        None => Err(StoreError::invalid(
            field,
            format!("no active internal user or partner with id {}", party.id),
        )),
    }
}

/// The open renewals of `ids`, and theirs, so a re-assignment moves the whole revenue stream.
pub(crate) async fn open_renewals(conn: &mut Conn, ids: &[i64]) -> StoreResult<Vec<i64>> {
    let mut found = Vec::new();
    let mut frontier = ids.to_vec();
    while !frontier.is_empty() {
        let mut qb = QueryBuilder::<Db>::new("SELECT id FROM opportunities WHERE status = 'open' AND renewal_of IN ");
        push_id_list(&mut qb, &frontier);
        frontier = qb.build_query_scalar().fetch_all(&mut *conn).await?;
        frontier.retain(|id| !found.contains(id) && !ids.contains(id));
        found.extend(&frontier);
    }
    Ok(found)
}
