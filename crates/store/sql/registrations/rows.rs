//! Reading and presenting registrations: rows, lines, snapshots for the audit trail.

use crate::sql::directory::customers::customer_from_row;
use crate::sql::kit::*;
use crate::sql::registrations::matching::refresh_matches;
use domain::access::input::Email;
use domain::registrations::contact::CustomerContact;

/// The customer as the registration's partner described it: partners share customer rows (that is
/// what makes a claim unique) but never see what another partner typed.
pub(crate) const REG_CUSTOMER_COLUMNS: &str = "r.customer_id AS c_id, r.customer_name AS c_name, r.customer_domain AS c_domain, \
     r.customer_tax_id AS c_tax_id, r.customer_city AS c_city, r.customer_postal_code AS c_postal_code, \
     r.customer_country AS c_country, r.customer_segment AS c_segment";

/// The customer's contact as the partner gave it, NULL when none.
pub(crate) const REG_CONTACT_COLUMNS: &str = "r.contact_name, r.contact_email, r.contact_phone";

/// The contact of `REG_CONTACT_COLUMNS`.
pub(crate) fn contact_from_row(row: &DbRow) -> StoreResult<Option<CustomerContact>> {
    let Some(name) = get::<Option<String>>(row, "contact_name")? else {
        return Ok(None);
    };
    let email = get::<Option<String>>(row, "contact_email")?
        .map(|e| Email::parse(&e).map_err(corrupt))
        .transpose()?;
    Ok(Some(CustomerContact {
        name,
        email,
        phone: get(row, "contact_phone")?,
    }))
}

/// A registration row with what it joins, before lines and redaction.
pub(crate) struct RegRow {
    pub(crate) id: i64,
    pub(crate) partner_id: i64,
    pub(crate) partner_name: String,
    pub(crate) status: Status,
    pub(crate) customer: CustomerRecord,
    pub(crate) contact: Option<CustomerContact>,
    pub(crate) estimated_value: Money,
    pub(crate) expected_close: Date,
    pub(crate) description: Option<String>,
    pub(crate) approver_id: Option<i64>,
    pub(crate) submitted_by: i64,
    pub(crate) submitted_at: Timestamp,
    pub(crate) sor_number: Option<String>,
    pub(crate) valid_through: Option<Date>,
    pub(crate) decided_by: Option<i64>,
    pub(crate) decided_at: Option<Timestamp>,
    pub(crate) decision_reason: Option<String>,
    pub(crate) closed_at: Option<Timestamp>,
    pub(crate) opportunity_id: Option<i64>,
    pub(crate) possible_conflict: bool,
    pub(crate) conflicts: Vec<ConflictMatch>,
}

pub(crate) fn reg_select() -> String {
    format!(
        "SELECT r.id, r.partner_id, p.name AS partner_name, r.status, r.est_value_minor, r.currency, \
         r.expected_close, r.description, r.approver_id, r.submitted_by, r.submitted_us, r.sor_number, \
         r.valid_through, r.decided_by, r.decided_us, r.decision_reason, r.closed_us, r.opportunity_id, r.possible_conflict, \
         r.conflicts, {REG_CUSTOMER_COLUMNS}, {REG_CONTACT_COLUMNS} \
         FROM registrations r JOIN partners p ON p.id = r.partner_id"
    )
}

pub(crate) fn reg_from_row(row: &DbRow) -> StoreResult<RegRow> {
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
        contact: contact_from_row(row)?,
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
        opportunity_id: get(row, "opportunity_id")?,
        possible_conflict: get(row, "possible_conflict")?,
        conflicts: serde_json::from_str(&get::<String>(row, "conflicts")?).map_err(|e| corrupt(e.to_string()))?,
    })
}

pub(crate) async fn load_reg(conn: &mut Conn, id: i64) -> StoreResult<RegRow> {
    let sql = format!("{} WHERE r.id = $1", reg_select());
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("registration"))?;
    let mut reg = reg_from_row(&row)?;
    refresh_matches(conn, &mut reg.conflicts).await?;
    Ok(reg)
}

pub(crate) struct LineRow {
    pub(crate) product_id: i64,
    pub(crate) line: RegisteredLine,
}

pub(crate) async fn load_lines(conn: &mut Conn, registration_id: i64) -> StoreResult<Vec<LineRow>> {
    let rows = sqlx::query(
        "SELECT l.product_id, l.sku, l.quantity, l.ordered_quantity, l.ordered_minor, pr.name, r.currency \
         FROM registration_lines l JOIN products pr ON pr.id = l.product_id \
         JOIN registrations r ON r.id = l.registration_id WHERE l.registration_id = $1 ORDER BY l.sku",
    )
    .bind(registration_id)
    .fetch_all(&mut *conn)
    .await?;
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
pub(crate) fn present(reg: RegRow, lines: Vec<LineRow>, orders: Option<Vec<OrderLink>>, actor: &Actor) -> Registration {
    let allowed = policy::allowed_actions(actor, reg.status, reg.partner_id, reg.approver_id)
        .iter()
        .map(|a| a.as_str().to_owned())
        .collect();
    let sees_contact = policy::sees_contact(actor, reg.partner_id, reg.approver_id);
    Registration {
        id: reg.id,
        partner_id: reg.partner_id,
        partner_name: reg.partner_name,
        status: reg.status,
        customer: reg.customer,
        customer_contact: reg.contact.filter(|_| sees_contact),
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
        opportunity_id: reg.opportunity_id,
        orders,
        possible_conflict: reg.possible_conflict,
        conflicts: actor.is_staff().then_some(reg.conflicts),
        allowed_actions: allowed,
    }
}

/// What the audit trail records of a registration: its business state, and of its conflicts only
/// which registrations matched and how strongly.
pub(crate) fn snapshot(reg: &RegRow, lines: &[LineRow]) -> Value {
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

pub(crate) async fn reload(conn: &mut Conn, id: i64) -> StoreResult<(RegRow, Vec<LineRow>)> {
    let reg = load_reg(conn, id).await?;
    let lines = load_lines(conn, id).await?;
    Ok((reg, lines))
}

pub(crate) fn conflicts_json(matches: &[ConflictMatch]) -> StoreResult<String> {
    serde_json::to_string(matches).map_err(|e| StoreError::Database(e.to_string()))
}

pub(crate) fn redact_conflicts(state: &mut Value) {
    if let Some(object) = state.as_object_mut() {
        object.remove("conflicts");
        if let Some(inner) = object.get_mut("registration") {
            redact_conflicts(inner);
        }
    }
}

pub(crate) fn change_request_from_row(row: &DbRow) -> StoreResult<ChangeRequestRecord> {
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

pub(crate) async fn load_change_request(conn: &mut Conn, id: i64) -> StoreResult<ChangeRequestRecord> {
    let row = sqlx::query("SELECT * FROM change_requests WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("request"))?;
    change_request_from_row(&row)
}

/// Looks up the products named on lines; every unknown SKU is reported against its line of `field`.
/// Each line with the id of the product its SKU names, `None` for a SKU the price list does not know.
pub(crate) async fn product_ids(
    conn: &mut Conn,
    lines: &[ProductLine],
) -> StoreResult<Vec<(Option<i64>, ProductLine)>> {
    // `IN ()` is no SQL PostgreSQL reads; a lead may name no product.
    if lines.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Db>::new("SELECT id, sku FROM products WHERE sku IN (");
    let mut list = qb.separated(", ");
    for line in lines {
        list.push_bind(line.sku.clone());
    }
    list.push_unseparated(")");
    let mut ids = BTreeMap::new();
    for row in qb.build().fetch_all(&mut *conn).await? {
        ids.insert(get::<String>(&row, "sku")?, get::<i64>(&row, "id")?);
    }
    Ok(lines
        .iter()
        .map(|line| (ids.get(&line.sku).copied(), line.clone()))
        .collect())
}

/// The products a registration names: every SKU must be on the price list.
pub(crate) async fn products_for(
    conn: &mut Conn,
    field: &str,
    lines: &[ProductLine],
) -> StoreResult<Vec<(i64, ProductLine)>> {
    let mut errors = FieldErrors::default();
    let mut found = Vec::with_capacity(lines.len());
    for (i, (id, line)) in product_ids(conn, lines).await?.into_iter().enumerate() {
        match id {
            Some(id) => found.push((id, line)),
            None => errors.add(
                format!("{field}[{i}].sku"),
                format!("{} is not on the price list", line.sku),
            ),
        }
    }
    errors.into_result(found).map_err(StoreError::from)
}

pub(crate) async fn insert_lines(
    conn: &mut Conn,
    registration_id: i64,
    lines: &[(i64, ProductLine)],
) -> StoreResult<()> {
    let rows: Vec<(i64, i64, ProductLine)> = lines
        .iter()
        .map(|(product_id, line)| (registration_id, *product_id, line.clone()))
        .collect();
    insert_line_rows(conn, &rows).await
}

/// Registration lines as (registration id, product id, line), in multi-row statements.
pub(crate) async fn insert_line_rows(conn: &mut Conn, rows: &[(i64, i64, ProductLine)]) -> StoreResult<()> {
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

/// Who files a registration, where it goes, and what it may conflict with.
pub(crate) struct Filing<'a> {
    pub(crate) partner_id: i64,
    pub(crate) customer_id: i64,
    pub(crate) approver_id: Option<i64>,
    pub(crate) submitted_by: i64,
    pub(crate) matches: &'a [ConflictMatch],
}

/// Writes a new registration in status `submitted`, with the customer as the partner named it.
pub(crate) async fn insert_registration(
    conn: &mut Conn,
    registration: &NewRegistration,
    filing: Filing<'_>,
    now: Timestamp,
) -> StoreResult<i64> {
    let id: i64 = sqlx::query_scalar(
            "INSERT INTO registrations (partner_id, customer_id, status, est_value_minor, currency, expected_close, description, \
             approver_id, submitted_by, submitted_us, possible_conflict, conflicts, customer_name, customer_domain, \
             customer_tax_id, customer_city, customer_postal_code, customer_country, customer_segment, \
             contact_name, contact_email, contact_phone) \
             VALUES ($1, $2, 'submitted', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
             $19, $20, $21) RETURNING id",
        )
        .bind(filing.partner_id)
        .bind(filing.customer_id)
        .bind(registration.estimated_value.amount_minor)
        .bind(registration.estimated_value.currency.as_str())
        .bind(registration.expected_close.to_string())
        .bind(&registration.description)
        .bind(filing.approver_id)
        .bind(filing.submitted_by)
        .bind(us(now))
        .bind(filing.matches.iter().any(|m| m.is_conflict))
        .bind(conflicts_json(filing.matches)?)
        .bind(&registration.customer.name)
        .bind(&registration.customer.domain)
        .bind(&registration.customer.tax_id)
        .bind(&registration.customer.city)
        .bind(&registration.customer.postal_code)
        .bind(&registration.customer.country)
        .bind(registration.customer.segment.as_str())
        .bind(registration.contact.as_ref().map(|c| c.name.clone()))
        .bind(registration.contact.as_ref().and_then(|c| c.email.as_ref()).map(|e| e.as_str().to_owned()))
        .bind(registration.contact.as_ref().and_then(|c| c.phone.clone()))
        .fetch_one(&mut *conn)
        .await?;
    Ok(id)
}

/// REG-2: the submitting partner's name, and the approver its registration is routed to — the
/// regional manager of the partner's region, or the program's fallback approver.
pub(crate) async fn route_submission(
    conn: &mut Conn,
    partner_id: i64,
    settings: &ProgramSettings,
) -> StoreResult<(String, Option<i64>)> {
    let partner = sqlx::query(
        "SELECT p.name, r.manager_user_id FROM partners p JOIN regions r ON r.id = p.region_id WHERE p.id = $1",
    )
    .bind(partner_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound("partner"))?;
    let approver_id = route_approver(get(&partner, "manager_user_id")?, settings.fallback_approver_id);
    Ok((get(&partner, "name")?, approver_id))
}
