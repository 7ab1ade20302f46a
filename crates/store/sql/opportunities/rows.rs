//! Reading opportunities: the row with its account, manager and region, its lines, and the detail
//! its page shows.

use crate::sql::kit::*;
use crate::sql::orders::links::linked_orders;
use domain::opportunities::{self as roe, MemberRole, Party, PartyKind};

/// The SELECT every opportunity read starts from; the manager's name comes from the user or partner.
pub(crate) const OPP_SELECT: &str = "SELECT o.*, c.name AS customer_name, c.country AS customer_country, \
     COALESCE(mp.name, mu.display_name) AS manager_name, rg.name AS region_name \
     FROM opportunities o JOIN customers c ON c.id = o.customer_id \
     LEFT JOIN partners mp ON mp.id = o.manager_partner_id LEFT JOIN users mu ON mu.id = o.manager_user_id \
     LEFT JOIN regions rg ON rg.id = o.region_id";

pub(crate) fn manager_of(row: &DbRow) -> StoreResult<Party> {
    match (
        get::<Option<i64>>(row, "manager_user_id")?,
        get::<Option<i64>>(row, "manager_partner_id")?,
    ) {
        (Some(user), None) => Ok(Party::user(user)),
        (None, Some(partner)) => Ok(Party::partner(partner)),
        _ => Err(corrupt("an opportunity without exactly one manager".into())),
    }
}

/// The row without its lines (filled by [`with_lines`]).
pub(crate) fn opportunity_from_row(row: &DbRow) -> StoreResult<Opportunity> {
    Ok(Opportunity {
        id: get(row, "id")?,
        number: get(row, "number")?,
        customer_id: get(row, "customer_id")?,
        customer_name: get(row, "customer_name")?,
        customer_country: get(row, "customer_country")?,
        name: get(row, "name")?,
        source: roe::Source::parse(&get::<String>(row, "source")?).map_err(corrupt)?,
        stage: get(row, "stage")?,
        status: roe::Status::parse(&get::<String>(row, "status")?).map_err(corrupt)?,
        outcome_reason: get(row, "outcome_reason")?,
        forecast: Money {
            amount_minor: get(row, "forecast_minor")?,
            currency: parse_currency(&get::<String>(row, "currency")?)?,
        },
        close_date: parse_date(&get::<String>(row, "close_date")?)?,
        rights_through: parse_date(&get::<String>(row, "rights_through")?)?,
        plan: get(row, "plan")?,
        manager: NamedParty {
            party: manager_of(row)?,
            name: get(row, "manager_name")?,
        },
        region_id: get(row, "region_id")?,
        region_name: get(row, "region_name")?,
        renewal_of: get(row, "renewal_of")?,
        created_at: at(get(row, "created_us")?),
        closed_at: get::<Option<i64>>(row, "closed_us")?.map(at),
        products: Vec::new(),
    })
}

/// Fills the forecast lines of `opportunities` in one query.
pub(crate) async fn with_lines(conn: &mut Conn, opportunities: &mut [Opportunity]) -> StoreResult<()> {
    if opportunities.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = opportunities.iter().map(|o| o.id).collect();
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT l.opportunity_id, l.product_id, l.quantity, p.sku, p.name FROM opportunity_lines l \
         JOIN products p ON p.id = l.product_id WHERE l.opportunity_id IN ",
    );
    push_id_list(&mut qb, &ids);
    qb.push(" ORDER BY p.sku");
    let mut by_id: BTreeMap<i64, Vec<ForecastLine>> = BTreeMap::new();
    for row in qb.build().fetch_all(&mut *conn).await? {
        by_id
            .entry(get(&row, "opportunity_id")?)
            .or_default()
            .push(ForecastLine {
                product_id: get(&row, "product_id")?,
                sku: get(&row, "sku")?,
                product_name: get(&row, "name")?,
                quantity: get(&row, "quantity")?,
            });
    }
    for o in opportunities.iter_mut() {
        o.products = by_id.remove(&o.id).unwrap_or_default();
    }
    Ok(())
}

pub(crate) async fn load_opportunity(conn: &mut Conn, id: i64) -> StoreResult<Opportunity> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{OPP_SELECT} WHERE o.id = $1")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("opportunity"))?;
    let mut opportunity = [opportunity_from_row(&row)?];
    with_lines(conn, &mut opportunity).await?;
    let [opportunity] = opportunity;
    Ok(opportunity)
}

/// The name people read for a party.
pub(crate) async fn party_name(conn: &mut Conn, party: Party) -> StoreResult<String> {
    let sql = match party.kind {
        PartyKind::User => "SELECT display_name FROM users WHERE id = $1",
        PartyKind::Partner => "SELECT name FROM partners WHERE id = $1",
    };
    sqlx::query_scalar(sql)
        .bind(party.id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| {
            StoreError::invalid(
                "id",
                format!("no {} with id {}", party.kind.label().to_lowercase(), party.id),
            )
        })
}

fn party_of(row: &DbRow) -> StoreResult<Party> {
    Ok(Party {
        kind: PartyKind::parse(&get::<String>(row, "party_kind")?).map_err(corrupt)?,
        id: get(row, "party_id")?,
    })
}

/// Names a party row's kind and id resolve to, joined in SQL.
const PARTY_NAME: &str = "COALESCE((SELECT name FROM partners WHERE x.party_kind = 'partner' AND id = x.party_id), \
     (SELECT display_name FROM users WHERE x.party_kind = 'user' AND id = x.party_id)) AS party_name";

pub(crate) async fn members_of(conn: &mut Conn, id: i64) -> StoreResult<Vec<Member>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT x.*, {PARTY_NAME} FROM opportunity_members x WHERE x.opportunity_id = $1 ORDER BY x.added_us, x.party_id"
    )))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Member {
                member: NamedParty {
                    party: party_of(row)?,
                    name: get(row, "party_name")?,
                },
                role: MemberRole::parse(&get::<String>(row, "role")?).map_err(corrupt)?,
                share_bp: get::<Option<i64>>(row, "share_bp")?.map(|bp| bp as u32),
                added_at: at(get(row, "added_us")?),
            })
        })
        .collect()
}

async fn managers_of(conn: &mut Conn, id: i64) -> StoreResult<Vec<ManagerTerm>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT x.*, {PARTY_NAME} FROM opportunity_managers x WHERE x.opportunity_id = $1 ORDER BY x.id"
    )))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ManagerTerm {
                manager: NamedParty {
                    party: party_of(row)?,
                    name: get(row, "party_name")?,
                },
                from: at(get(row, "from_us")?),
                to: get::<Option<i64>>(row, "to_us")?.map(at),
                reason: get(row, "reason")?,
            })
        })
        .collect()
}

pub(crate) fn request_from_row(row: &DbRow) -> StoreResult<OpportunityRequest> {
    let body: Value = serde_json::from_str(&get::<String>(row, "body")?).map_err(|e| corrupt(e.to_string()))?;
    let kind = match get::<String>(row, "kind")?.as_str() {
        "close_date" => OpportunityRequestKind::CloseDate,
        "revenue_share" => OpportunityRequestKind::RevenueShare,
        other => return Err(corrupt(format!("unknown request kind {other}"))),
    };
    Ok(OpportunityRequest {
        id: get(row, "id")?,
        kind,
        status: get(row, "status")?,
        requested_by: get(row, "requested_by")?,
        requested_by_name: get(row, "requested_by_name")?,
        created_at: at(get(row, "created_us")?),
        close_date: body["close_date"].as_str().map(parse_date).transpose()?,
        reason: body["reason"].as_str().map(str::to_owned),
        shares: serde_json::from_value(body["shares"].clone()).unwrap_or_default(),
        decided_by: get(row, "decided_by")?,
        decided_at: get::<Option<i64>>(row, "decided_us")?.map(at),
        note: get(row, "note")?,
    })
}

pub(crate) const REQUEST_SELECT: &str = "SELECT q.*, u.display_name AS requested_by_name FROM opportunity_requests q \
     JOIN users u ON u.id = q.requested_by";

async fn requests_of(conn: &mut Conn, id: i64) -> StoreResult<Vec<OpportunityRequest>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{REQUEST_SELECT} WHERE q.opportunity_id = $1 ORDER BY q.id DESC"
    )))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(request_from_row).collect()
}

async fn registrations_of(conn: &mut Conn, id: i64) -> StoreResult<Vec<(RegistrationLink, i64)>> {
    let rows = sqlx::query(
        "SELECT r.id, r.partner_id, p.name, r.status, r.sor_number, r.valid_through FROM registrations r \
         JOIN partners p ON p.id = r.partner_id WHERE r.opportunity_id = $1 ORDER BY r.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let link = RegistrationLink {
                registration_id: get(row, "id")?,
                partner_name: get(row, "name")?,
                status: Status::parse(&get::<String>(row, "status")?).map_err(corrupt)?,
                sor_number: get(row, "sor_number")?,
                valid_through: get::<Option<String>>(row, "valid_through")?
                    .as_deref()
                    .map(parse_date)
                    .transpose()?,
            };
            Ok((link, get(row, "partner_id")?))
        })
        .collect()
}

async fn timeline_of(conn: &mut Conn, id: i64) -> StoreResult<Vec<TimelineNote>> {
    let rows = sqlx::query(
        "SELECT n.*, u.display_name FROM opportunity_notes n JOIN users u ON u.id = n.author_id \
         WHERE n.opportunity_id = $1 ORDER BY n.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(TimelineNote {
                id: get(row, "id")?,
                author_id: get(row, "author_id")?,
                author_name: get(row, "display_name")?,
                body: get(row, "body")?,
                created_at: at(get(row, "created_us")?),
            })
        })
        .collect()
}

pub(crate) async fn major_account_of(conn: &mut Conn, customer_id: i64) -> StoreResult<Option<MajorAccountRecord>> {
    let sql = format!("{MAJOR_SELECT} WHERE a.customer_id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(customer_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(major_account_from_row).transpose()
}

pub(crate) const MAJOR_SELECT: &str = "SELECT a.*, c.name AS customer_name, COALESCE(mp.name, mu.display_name) AS manager_name, \
     (SELECT COUNT(*) FROM opportunities o WHERE o.customer_id = a.customer_id AND o.status = 'open') AS open_count \
     FROM major_accounts a JOIN customers c ON c.id = a.customer_id \
     LEFT JOIN partners mp ON mp.id = a.mam_partner_id LEFT JOIN users mu ON mu.id = a.mam_user_id";

pub(crate) fn major_account_from_row(row: &DbRow) -> StoreResult<MajorAccountRecord> {
    let party = match (
        get::<Option<i64>>(row, "mam_user_id")?,
        get::<Option<i64>>(row, "mam_partner_id")?,
    ) {
        (Some(user), None) => Party::user(user),
        (None, Some(partner)) => Party::partner(partner),
        _ => return Err(corrupt("a major account without exactly one manager".into())),
    };
    Ok(MajorAccountRecord {
        customer_id: get(row, "customer_id")?,
        customer_name: get(row, "customer_name")?,
        manager: NamedParty {
            party,
            name: get(row, "manager_name")?,
        },
        plan: get(row, "plan")?,
        since: at(get(row, "since_us")?),
        open_opportunities: get(row, "open_count")?,
    })
}

/// The page of one opportunity as `actor` may see it: 404 for a partner that takes no part.
pub(crate) async fn load_detail(conn: &mut Conn, actor: &Actor, id: i64) -> StoreResult<OpportunityDetail> {
    let opportunity = load_opportunity(conn, id).await?;
    let members = members_of(conn, id).await?;
    let parties: Vec<Party> = members.iter().map(|m| m.member.party).collect();
    check(
        roe::policy::can_view(actor, opportunity.manager.party, &parties),
        "opportunity",
        "see this opportunity",
    )?;
    let mut orders = Vec::new();
    let mut registrations = Vec::new();
    for (link, partner_id) in registrations_of(conn, id).await? {
        if domain::orders::policy::can_read_order(actor, partner_id) == Access::Allowed {
            orders.extend(linked_orders(conn, link.registration_id).await?);
        }
        if access::can_view(actor, partner_id) == Access::Allowed {
            registrations.push(link);
        }
    }
    let renewals = sqlx::query_scalar("SELECT id FROM opportunities WHERE renewal_of = $1 ORDER BY id")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    Ok(OpportunityDetail {
        managers: managers_of(conn, id).await?,
        requests: requests_of(conn, id).await?,
        major_account: major_account_of(conn, opportunity.customer_id).await?,
        timeline: timeline_of(conn, id).await?,
        opportunity,
        members,
        registrations,
        orders,
        renewals,
    })
}

/// What the audit trail records of an opportunity.
pub(crate) fn snapshot(opportunity: &Opportunity) -> Value {
    serde_json::to_value(opportunity).unwrap_or(Value::Null)
}
