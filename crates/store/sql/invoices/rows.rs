//! Reading invoices with their lines, payments and credit notes (one query each for a page).

use crate::sql::kit::*;
use domain::invoices::{Balance, InvoiceStatus};

pub(crate) const INVOICE_SELECT: &str = "SELECT i.*, p.name AS partner_name, c.name AS customer_name FROM invoices i \
     JOIN partners p ON p.id = i.partner_id LEFT JOIN customers c ON c.id = i.customer_id";

fn money(amount_minor: i64, currency: Currency) -> Money {
    Money { amount_minor, currency }
}

pub(crate) fn invoice_from_row(row: &DbRow) -> StoreResult<Invoice> {
    let currency = parse_currency(&get::<String>(row, "currency")?)?;
    let balance = Balance {
        currency,
        total: get(row, "total_minor")?,
        credited: get(row, "credited_minor")?,
        paid: get(row, "paid_minor")?,
    };
    Ok(Invoice {
        id: get(row, "id")?,
        number: get(row, "number")?,
        status: InvoiceStatus::parse(&get::<String>(row, "status")?).map_err(corrupt)?,
        partner_id: get(row, "partner_id")?,
        partner_name: get(row, "partner_name")?,
        opportunity_id: get(row, "opportunity_id")?,
        order_id: get(row, "order_id")?,
        customer_id: get(row, "customer_id")?,
        customer_name: get(row, "customer_name")?,
        currency,
        issued_on: get::<Option<String>>(row, "issued_on")?
            .as_deref()
            .map(parse_date)
            .transpose()?,
        total: money(balance.total, currency),
        credited: money(balance.credited, currency),
        paid: money(balance.paid, currency),
        open: money(balance.open().max(0), currency),
        lines: Vec::new(),
        payments: Vec::new(),
        credit_notes: Vec::new(),
        created_at: at(get(row, "created_us")?),
    })
}

/// The balance an invoice's figures stand at.
pub(crate) fn balance_of(invoice: &Invoice) -> Balance {
    Balance {
        currency: invoice.currency,
        total: invoice.total.amount_minor,
        credited: invoice.credited.amount_minor,
        paid: invoice.paid.amount_minor,
    }
}

async fn rows_of(conn: &mut Conn, sql: &str, ids: &[i64], order: &str) -> StoreResult<Vec<DbRow>> {
    let mut qb = QueryBuilder::<Db>::new(sql);
    push_id_list(&mut qb, ids);
    qb.push(order);
    Ok(qb.build().fetch_all(&mut *conn).await?)
}

/// The credit notes of these invoices with their lines, by invoice.
async fn credit_notes_of(conn: &mut Conn, ids: &[i64]) -> StoreResult<BTreeMap<i64, Vec<CreditNote>>> {
    let credit_lines = rows_of(
        conn,
        "SELECT l.* FROM credit_note_lines l JOIN credit_notes n ON n.id = l.credit_note_id WHERE n.invoice_id IN ",
        ids,
        " ORDER BY l.credit_note_id, l.line_no",
    )
    .await?;
    let mut lines_of_note: BTreeMap<i64, Vec<CreditNoteLine>> = BTreeMap::new();
    for row in credit_lines {
        lines_of_note
            .entry(get(&row, "credit_note_id")?)
            .or_default()
            .push(CreditNoteLine {
                line_no: get(&row, "line_no")?,
                amount_minor: get(&row, "amount_minor")?,
            });
    }
    let mut notes: BTreeMap<i64, Vec<CreditNote>> = BTreeMap::new();
    for row in rows_of(
        conn,
        "SELECT * FROM credit_notes WHERE invoice_id IN ",
        ids,
        " ORDER BY id",
    )
    .await?
    {
        notes.entry(get(&row, "invoice_id")?).or_default().push(CreditNote {
            external_id: get(&row, "external_id")?,
            credited_on: parse_date(&get::<String>(&row, "credited_on")?)?,
            amount_minor: get(&row, "amount_minor")?,
            lines: lines_of_note.remove(&get::<i64>(&row, "id")?).unwrap_or_default(),
            recorded_at: at(get(&row, "created_us")?),
        });
    }
    Ok(notes)
}

/// Fills in the lines, payments and credit notes of these invoices.
pub(crate) async fn with_details(conn: &mut Conn, invoices: &mut [Invoice]) -> StoreResult<()> {
    if invoices.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = invoices.iter().map(|i| i.id).collect();
    let mut lines: BTreeMap<i64, Vec<InvoiceLine>> = BTreeMap::new();
    for row in rows_of(
        conn,
        "SELECT * FROM invoice_lines WHERE invoice_id IN ",
        &ids,
        " ORDER BY invoice_id, line_no",
    )
    .await?
    {
        lines.entry(get(&row, "invoice_id")?).or_default().push(InvoiceLine {
            line_no: get(&row, "line_no")?,
            sku: get(&row, "sku")?,
            product_id: get(&row, "product_id")?,
            description: get(&row, "description")?,
            quantity: get(&row, "quantity")?,
            amount_minor: get(&row, "amount_minor")?,
            cost_minor: Some(get(&row, "cost_minor")?),
            credited_minor: get(&row, "credited_minor")?,
        });
    }
    let mut payments: BTreeMap<i64, Vec<InvoicePayment>> = BTreeMap::new();
    for row in rows_of(
        conn,
        "SELECT * FROM invoice_payments WHERE invoice_id IN ",
        &ids,
        " ORDER BY id",
    )
    .await?
    {
        payments
            .entry(get(&row, "invoice_id")?)
            .or_default()
            .push(InvoicePayment {
                external_id: get(&row, "external_id")?,
                amount_minor: get(&row, "amount_minor")?,
                paid_on: parse_date(&get::<String>(&row, "paid_on")?)?,
                recorded_at: at(get(&row, "created_us")?),
            });
    }
    let mut notes = credit_notes_of(conn, &ids).await?;
    for invoice in invoices {
        invoice.lines = lines.remove(&invoice.id).unwrap_or_default();
        invoice.payments = payments.remove(&invoice.id).unwrap_or_default();
        invoice.credit_notes = notes.remove(&invoice.id).unwrap_or_default();
    }
    Ok(())
}

/// One invoice with everything on it (no visibility check: callers check).
pub(crate) async fn load_invoice(conn: &mut Conn, id: i64) -> StoreResult<Invoice> {
    let sql = format!("{INVOICE_SELECT} WHERE i.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("invoice"))?;
    let mut invoice = [invoice_from_row(&row)?];
    with_details(conn, &mut invoice).await?;
    let [invoice] = invoice;
    Ok(invoice)
}

/// What the audit trail keeps of an invoice: its figures, not its lines.
pub(crate) fn snapshot(invoice: &Invoice) -> Value {
    json!({
        "number": invoice.number,
        "status": invoice.status.as_str(),
        "partner_id": invoice.partner_id,
        "currency": invoice.currency.as_str(),
        "issued_on": invoice.issued_on.map(|d| d.to_string()),
        "total_minor": invoice.total.amount_minor,
        "credited_minor": invoice.credited.amount_minor,
        "paid_minor": invoice.paid.amount_minor,
    })
}
