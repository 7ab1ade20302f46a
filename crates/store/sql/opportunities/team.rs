//! The decisions around an opportunity's manager and team: renewals (ROE-4), later close dates
//! (ROE-3), revenue-share teams and co-sell partners (ROE-2, ROE-4), re-assignment and major
//! accounts (ROE-5).

use crate::sql::directory::load_settings;
use crate::sql::directory::products::{price_rule, price_versions};
use crate::sql::kit::*;
use crate::sql::opportunities::managers::{change_manager, check_party, notify_party, open_renewals};
use crate::sql::opportunities::open::{OpenOpportunity, add_member, mam_of, open_opportunity};
use crate::sql::opportunities::rows::{REQUEST_SELECT, load_opportunity, major_account_of, request_from_row};
use crate::sql::opportunities::{record, refresh_rights};
use crate::sql::write::{Change, Write};
use domain::opportunities::input::{MajorAccount, Reassignment, Selection};
use domain::opportunities::{self as roe, MemberRole, Party, RenewableLine, Source};
use domain::orders::price_in_effect;

/// ROE-4: won business with term products opens its renewal, managed by the same manager.
pub(crate) async fn open_renewal(tx: &mut Write<'_>, won: &Opportunity) -> StoreResult<Option<i64>> {
    let rows = sqlx::query(
        "SELECT l.product_id, l.quantity, p.maintenance_term_months FROM opportunity_lines l \
         JOIN products p ON p.id = l.product_id WHERE l.opportunity_id = $1 ORDER BY l.product_id",
    )
    .bind(won.id)
    .fetch_all(&mut **tx)
    .await?;
    let settings = load_settings(tx).await?;
    let today = business_date(tx.now(), &settings.zone());
    // List prices are versioned (product_prices): the renewal is priced at the one in force today.
    let ids = rows
        .iter()
        .map(|row| get::<i64>(row, "product_id"))
        .collect::<StoreResult<Vec<_>>>()?;
    let versions = price_versions(tx, &ids).await?;
    let list_price = |product_id: i64| {
        let rules: Vec<_> = versions
            .get(&product_id)
            .map(|v| v.iter().map(price_rule).collect())
            .unwrap_or_default();
        price_in_effect(&rules, today).map_or(0, |v| v.list_minor)
    };
    let lines = rows
        .iter()
        .map(|row| {
            let product_id = get(row, "product_id")?;
            Ok(RenewableLine {
                product_id,
                quantity: get(row, "quantity")?,
                list_price_minor: list_price(product_id),
                term_months: get::<Option<i64>>(row, "maintenance_term_months")?.map(|m| m as u32),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let Some(plan) = roe::plan_renewal(today, &lines) else {
        return Ok(None);
    };
    let name = format!("Renewal: {}", won.name);
    let (id, _) = open_opportunity(
        tx,
        OpenOpportunity {
            customer_id: won.customer_id,
            name: &name,
            source: Source::Renewal,
            manager: won.manager.party,
            forecast: Money {
                amount_minor: plan.amount_minor.max(1),
                currency: won.forecast.currency,
            },
            close_date: plan.close_date,
            products: &plan.lines,
            region_id: won.region_id,
            renewal_of: Some(won.id),
            stage: None,
            plan: None,
        },
    )
    .await?;
    Ok(Some(id))
}

/// Sales management, or the administrators when nobody holds that role.
async fn sales_management(conn: &mut Conn) -> StoreResult<Vec<i64>> {
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE role = 'sales_manager' AND active = $1 ORDER BY id")
            .bind(true)
            .fetch_all(&mut *conn)
            .await?;
    if !ids.is_empty() {
        return Ok(ids);
    }
    Ok(
        sqlx::query_scalar("SELECT id FROM users WHERE role = 'admin' AND active = $1 ORDER BY id")
            .bind(true)
            .fetch_all(&mut *conn)
            .await?,
    )
}

async fn insert_request(tx: &mut Write<'_>, id: i64, kind: &str, body: &Value) -> StoreResult<i64> {
    let requested_by = tx.actor().map(|a| a.user_id);
    let request_id: i64 = sqlx::query_scalar(
        "INSERT INTO opportunity_requests (opportunity_id, kind, requested_by, body, status, created_us) \
         VALUES ($1, $2, $3, $4, 'pending', $5) RETURNING id",
    )
    .bind(id)
    .bind(kind)
    .bind(requested_by)
    .bind(body.to_string())
    .bind(us(tx.now()))
    .fetch_one(&mut **tx)
    .await
    .on_unique("a request of this kind already waits for a decision on this opportunity")?;
    tx.audit(Change {
        action: "opportunity.request",
        entity_type: "opportunity",
        entity_id: id,
        before: None,
        after: Some(&json!({"request_id": request_id, "kind": kind, "body": body})),
    })
    .await?;
    Ok(request_id)
}

/// The pending request of `kind`, or 409 when none waits.
async fn pending_request(tx: &mut Write<'_>, id: i64, kind: &str) -> StoreResult<OpportunityRequest> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{REQUEST_SELECT} WHERE q.opportunity_id = $1 AND q.kind = $2 AND q.status = 'pending'"
    )))
    .bind(id)
    .bind(kind)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::conflict("no request of this kind waits on this opportunity"))?;
    request_from_row(&row)
}

async fn settle_request(
    tx: &mut Write<'_>,
    request: &OpportunityRequest,
    approve: bool,
    note: Option<&str>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE opportunity_requests SET status = $1, decided_by = $2, decided_us = $3, note = $4 WHERE id = $5",
    )
    .bind(if approve { "approved" } else { "declined" })
    .bind(tx.actor().map(|a| a.user_id))
    .bind(us(tx.now()))
    .bind(note)
    .bind(request.id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// ROE-3: the manager asks to move the forecast close date later.
pub(crate) async fn ask_close_date(
    tx: &mut Write<'_>,
    opportunity: &Opportunity,
    to: Date,
    reason: &str,
) -> StoreResult<()> {
    if !roe::close_date_needs_approval(opportunity.close_date, to) {
        return Err(StoreError::invalid(
            "close_date",
            format!(
                "only a date later than {} needs approval; set an earlier one on the opportunity",
                opportunity.close_date
            ),
        ));
    }
    let body = json!({"close_date": to.to_string(), "from": opportunity.close_date.to_string(), "reason": reason});
    insert_request(tx, opportunity.id, "close_date", &body).await?;
    let draft = roe::notify::close_date_requested(&opportunity.number, &opportunity.name, opportunity.close_date, to);
    for user in sales_management(tx).await? {
        let key = format!("close-date-asked:{}:{to}:{user}", opportunity.id);
        tx.notify(&key, user, &draft, ("opportunity", opportunity.id)).await?;
    }
    Ok(())
}

pub(crate) async fn decide_close_date(
    tx: &mut Write<'_>,
    before: &Opportunity,
    approve: bool,
    note: Option<&str>,
) -> StoreResult<()> {
    let request = pending_request(tx, before.id, "close_date").await?;
    let to = request
        .close_date
        .ok_or_else(|| corrupt("a close-date request without a date".into()))?;
    settle_request(tx, &request, approve, note).await?;
    if approve {
        sqlx::query("UPDATE opportunities SET close_date = $1, reminded_for = NULL WHERE id = $2")
            .bind(to.to_string())
            .bind(before.id)
            .execute(&mut **tx)
            .await?;
        refresh_rights(tx, before.id).await?;
        record(tx, "opportunity.close_date", before).await?;
    }
    let draft = roe::notify::close_date_decided(&before.number, to, approve, note);
    let key = format!("close-date-decided:{}", request.id);
    tx.notify(&key, request.requested_by, &draft, ("opportunity", before.id))
        .await?;
    Ok(())
}

/// ROE-2: the manager the opportunity was turned over from asks the MAM for a revenue-share team.
pub(crate) async fn ask_revenue_share(
    tx: &mut Write<'_>,
    actor: &Actor,
    detail: &OpportunityDetail,
    shares: &[(Party, u32)],
) -> StoreResult<()> {
    let opportunity = &detail.opportunity;
    let original = detail
        .members
        .iter()
        .find(|m| m.role == MemberRole::TurnedOver && roe::policy::acts_as(actor, m.member.party))
        .map(|m| m.member.party)
        .ok_or_else(|| {
            StoreError::Forbidden("only the manager it was turned over from asks for a revenue-share team".into())
        })?;
    let mam = mam_of(tx, opportunity.customer_id)
        .await?
        .filter(|mam| *mam == opportunity.manager.party)
        .ok_or_else(|| {
            StoreError::conflict("only an opportunity its Major Account Manager manages runs as a revenue-share team")
        })?;
    roe::check_shares(shares, original, mam).map_err(|m| StoreError::invalid("shares", m))?;
    for (i, (party, _)) in shares.iter().enumerate() {
        check_party(tx, &format!("shares[{i}].party"), *party).await?;
    }
    let listed: Vec<Share> = shares
        .iter()
        .map(|(party, share_bp)| Share {
            party: *party,
            share_bp: *share_bp,
        })
        .collect();
    let body = json!({"shares": listed, "original": original});
    insert_request(tx, opportunity.id, "revenue_share", &body).await?;
    let mut names = Vec::new();
    for (party, bp) in shares {
        let name = crate::sql::opportunities::rows::party_name(tx, *party).await?;
        names.push(format!("{name} {}", roe::percent(u64::from(*bp))));
    }
    let draft = roe::notify::consent_asked(&opportunity.number, &opportunity.name, &names.join(", "));
    notify_party(
        tx,
        mam,
        &format!("consent-asked:{}", opportunity.id),
        &draft,
        opportunity.id,
    )
    .await
}

/// ROE-2: the MAM's own, explicit consent — nobody else may give it, sales management included.
pub(crate) async fn decide_revenue_share(
    tx: &mut Write<'_>,
    actor: &Actor,
    detail: &OpportunityDetail,
    agree: bool,
    note: Option<&str>,
) -> StoreResult<()> {
    let opportunity = &detail.opportunity;
    let mam = mam_of(tx, opportunity.customer_id).await?;
    if !mam.is_some_and(|mam| roe::policy::acts_as(actor, mam)) {
        return Err(StoreError::Forbidden(
            "only the account's Major Account Manager gives or refuses its consent".into(),
        ));
    }
    let request = pending_request(tx, opportunity.id, "revenue_share").await?;
    settle_request(tx, &request, agree, note).await?;
    let action = if agree {
        "opportunity.revenue_share.agree"
    } else {
        "opportunity.revenue_share.refuse"
    };
    tx.audit(Change {
        action,
        entity_type: "opportunity",
        entity_id: opportunity.id,
        before: None,
        after: Some(&json!({"request_id": request.id, "shares": request.shares, "note": note})),
    })
    .await?;
    if agree {
        let original = detail
            .members
            .iter()
            .find(|m| m.role == MemberRole::TurnedOver)
            .map(|m| m.member.party)
            .ok_or_else(|| corrupt("a revenue-share request without its original manager".into()))?;
        for share in &request.shares {
            add_member(
                tx,
                opportunity.id,
                share.party,
                MemberRole::RevenueShare,
                Some(share.share_bp),
            )
            .await?;
        }
        change_manager(
            tx,
            opportunity.id,
            original,
            "Revenue-share team agreed by the Major Account Manager",
        )
        .await?;
    }
    let draft = roe::notify::consent_given(&opportunity.number, agree);
    let key = format!("consent-given:{}", request.id);
    tx.notify(&key, request.requested_by, &draft, ("opportunity", opportunity.id))
        .await?;
    Ok(())
}

/// ROE-4: a co-sell partner takes part in the manager's selling activities.
pub(crate) async fn add_co_sell(tx: &mut Write<'_>, opportunity: &Opportunity, partner_id: i64) -> StoreResult<()> {
    let party = Party::partner(partner_id);
    check_party(tx, "partner_id", party).await?;
    if opportunity.manager.party == party {
        return Err(StoreError::invalid(
            "partner_id",
            "the manager is not its own co-sell partner",
        ));
    }
    add_member(tx, opportunity.id, party, MemberRole::CoSell, None).await?;
    tx.audit(Change {
        action: "opportunity.co_sell",
        entity_type: "opportunity",
        entity_id: opportunity.id,
        before: None,
        after: Some(&json!({"partner_id": partner_id})),
    })
    .await?;
    let draft = Draft {
        kind: "opportunity_co_sell",
        subject: format!("You co-sell on {} {}", opportunity.number, opportunity.name),
        body: format!(
            "{} added your company as a co-sell partner on {} ({}). You see its shared timeline; share copies of your \
             quotes and contracts with its manager there.",
            opportunity.manager.name, opportunity.number, opportunity.name
        ),
    };
    notify_party(
        tx,
        party,
        &format!("co-sell:{}", opportunity.id),
        &draft,
        opportunity.id,
    )
    .await
}

/// ROE-5: moves the selected opportunities, with their open renewals, to `to`. Open and won ones
/// move (a won one carries its residual stream); lost and lapsed ones stay.
pub(crate) async fn reassign(tx: &mut Write<'_>, reassignment: &Reassignment) -> StoreResult<Reassigned> {
    check_party(tx, "to", reassignment.to).await?;
    let ids: Vec<i64> = match &reassignment.selection {
        Selection::Ids(ids) => {
            for (i, id) in ids.iter().enumerate() {
                let status: Option<String> = sqlx::query_scalar("SELECT status FROM opportunities WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?;
                match status.as_deref() {
                    Some("open" | "won") => {}
                    Some(_) => {
                        return Err(StoreError::invalid(
                            &format!("opportunity_ids[{i}]"),
                            "lost and lapsed opportunities are not re-assigned",
                        ));
                    }
                    None => {
                        return Err(StoreError::invalid(
                            &format!("opportunity_ids[{i}]"),
                            "no such opportunity",
                        ));
                    }
                }
            }
            ids.clone()
        }
        Selection::PartnersOpen { partner_id, region_id } => {
            let mut qb =
                QueryBuilder::<Db>::new("SELECT id FROM opportunities WHERE status = 'open' AND manager_partner_id = ");
            qb.push_bind(*partner_id);
            if let Some(region) = region_id {
                qb.push(" AND region_id = ").push_bind(*region);
            }
            qb.push(" ORDER BY id");
            qb.build_query_scalar().fetch_all(&mut **tx).await?
        }
    };
    let renewals = open_renewals(tx, &ids).await?;
    let reason = format!("Re-assigned by sales management: {}", reassignment.reason);
    let mut moved = Vec::new();
    for (id, as_renewal) in ids
        .iter()
        .map(|id| (*id, false))
        .chain(renewals.iter().map(|id| (*id, true)))
    {
        if change_manager(tx, id, reassignment.to, &reason).await? {
            let number = load_opportunity(tx, id).await?.number;
            moved.push(MovedOpportunity { id, number, as_renewal });
        }
    }
    Ok(Reassigned { moved })
}

/// ROE-5: elevates the account; its open opportunities managed by others turn over to the MAM.
pub(crate) async fn elevate(tx: &mut Write<'_>, account: &MajorAccount) -> StoreResult<MajorAccountRecord> {
    check_party(tx, "manager", account.manager).await?;
    let before = major_account_of(tx, account.customer_id).await?;
    sqlx::query(
        "INSERT INTO major_accounts (customer_id, mam_user_id, mam_partner_id, plan, since_us) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (customer_id) DO UPDATE SET mam_user_id = excluded.mam_user_id, \
         mam_partner_id = excluded.mam_partner_id, plan = excluded.plan",
    )
    .bind(account.customer_id)
    .bind(account.manager.user_id())
    .bind(account.manager.partner_id())
    .bind(&account.plan)
    .bind(us(tx.now()))
    .execute(&mut **tx)
    .await
    .on_foreign_key(StoreError::invalid("customer_id", "no such customer"))?;
    let open: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM opportunities WHERE customer_id = $1 AND status = 'open' ORDER BY id")
            .bind(account.customer_id)
            .fetch_all(&mut **tx)
            .await?;
    for id in open {
        let current = load_opportunity(tx, id).await?.manager.party;
        if current != account.manager {
            add_member(tx, id, current, MemberRole::TurnedOver, None).await?;
            change_manager(tx, id, account.manager, "Turned over to the Major Account Manager").await?;
        }
    }
    let record = major_account_of(tx, account.customer_id)
        .await?
        .ok_or_else(|| corrupt("a major account vanished as it was written".into()))?;
    let before = before.map(|b| serde_json::to_value(b).unwrap_or(Value::Null));
    let after = serde_json::to_value(&record).unwrap_or(Value::Null);
    tx.audit(Change {
        action: "account.elevate",
        entity_type: "customer",
        entity_id: account.customer_id,
        before: before.as_ref(),
        after: Some(&after),
    })
    .await?;
    Ok(record)
}
