//! Invoices (issue 15, item 3): entered, made from an order, issued, paid, credited, cancelled — each
//! one write with its audit entry. A payment or credit note is recorded once by its external id: the
//! database's unique index refuses a second row, and a resend of the same one is answered as it
//! stands.

pub(crate) mod rows;

use crate::sql::commissions::earn::{Event, earn};
use crate::sql::kit::*;
use crate::sql::registrations::rows::product_ids;
use crate::sql::write::{Change, Write};
use domain::invoices::files::InvoiceRow;
use domain::invoices::input::{NewCreditNote, NewInvoice, NewInvoiceLine, NewPayment};
use domain::invoices::policy::{can_keep_invoices, can_read_invoice};
use domain::invoices::{
    CreditRoom, InvoiceStatus, check_cancel, check_credit, check_creditable, check_issue, check_payment,
};
use rows::{INVOICE_SELECT, balance_of, invoice_from_row, load_invoice, snapshot, with_details};

fn require_keeper(actor: &Actor) -> StoreResult<()> {
    if can_keep_invoices(actor) {
        Ok(())
    } else {
        Err(StoreError::Forbidden(
            "only finance and administrators keep invoices".into(),
        ))
    }
}

/// The invoice as `actor` may see it: another partner's is not found.
async fn visible(conn: &mut Conn, actor: &Actor, id: i64) -> StoreResult<Invoice> {
    let invoice = load_invoice(conn, id).await?;
    check(
        can_read_invoice(actor, Some(invoice.partner_id)),
        "invoice",
        "read invoices",
    )?;
    Ok(present(actor, invoice))
}

/// The vendor's cost is its own: a partner reads its invoices without it.
fn present(actor: &Actor, mut invoice: Invoice) -> Invoice {
    if !actor.is_staff() {
        for line in &mut invoice.lines {
            line.cost_minor = None;
        }
    }
    invoice
}

/// The invoice a keeper changes, in `tx`: read first (404 for what the actor may not see), then the
/// keeper's right (403).
async fn kept(tx: &mut Write<'_>, actor: &Actor, id: i64) -> StoreResult<Invoice> {
    let invoice = visible(tx, actor, id).await?;
    require_keeper(actor)?;
    Ok(invoice)
}

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid(FieldErrors::single(field, message))
}

/// Checks a new invoice against what is on record and answers who earns on it and whose it is: the
/// partner named, else its order's, else the partner managing its opportunity (an order or opportunity
/// of another partner than the one named is refused); its number must not have been entered before.
async fn check_new_invoice(conn: &mut Conn, invoice: &NewInvoice) -> StoreResult<(i64, Option<i64>)> {
    let mut partner = invoice.partner_id;
    let mut customer = None;
    let mut agree = |field: &str, theirs: Option<i64>, what: String| -> StoreResult<()> {
        match (partner, theirs) {
            (Some(named), Some(theirs)) if named != theirs => {
                Err(invalid(field, format!("{what} is another partner's")))
            }
            (None, theirs) => {
                partner = theirs;
                Ok(())
            }
            _ => Ok(()),
        }
    };
    if let Some(order) = invoice.order_id {
        let row: Option<(i64, i64)> = sqlx::query_as("SELECT partner_id, customer_id FROM orders WHERE id = $1")
            .bind(order)
            .fetch_optional(&mut *conn)
            .await?;
        let (owner, of_customer) = row.ok_or_else(|| invalid("order_id", format!("there is no order {order}")))?;
        agree("order_id", Some(owner), format!("order {order}"))?;
        customer = Some(of_customer);
    }
    if let Some(opportunity) = invoice.opportunity_id {
        let row: Option<(Option<i64>, i64)> =
            sqlx::query_as("SELECT manager_partner_id, customer_id FROM opportunities WHERE id = $1")
                .bind(opportunity)
                .fetch_optional(&mut *conn)
                .await?;
        let (manager, of_customer) =
            row.ok_or_else(|| invalid("opportunity_id", format!("there is no opportunity {opportunity}")))?;
        if manager.is_some() {
            agree("opportunity_id", manager, format!("opportunity {opportunity}"))?;
        }
        customer = customer.or(Some(of_customer));
    }
    let partner = partner.ok_or_else(|| {
        invalid(
            "partner_id",
            "the opportunity is managed by the vendor's own team: name the partner who earns on the invoice",
        )
    })?;
    // Checked here rather than left to the foreign key and unique index, whose violation would end a
    // PostgreSQL transaction that an import still wants to report more lines from.
    let known: Option<i64> = sqlx::query_scalar("SELECT id FROM partners WHERE id = $1")
        .bind(partner)
        .fetch_optional(&mut *conn)
        .await?;
    known.ok_or_else(|| invalid("partner_id", format!("there is no partner {partner}")))?;
    let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM invoices WHERE number = $1")
        .bind(&invoice.number)
        .fetch_optional(&mut *conn)
        .await?;
    if taken.is_some() {
        return Err(invalid(
            "number",
            format!("invoice {} was entered already", invoice.number),
        ));
    }
    Ok((partner, customer))
}

async fn insert_invoice(
    tx: &mut Write<'_>,
    actor: &Actor,
    invoice: &NewInvoice,
    partner: i64,
    customer: Option<i64>,
) -> StoreResult<Invoice> {
    let total: i64 = invoice.lines.iter().map(|l| l.amount_minor).sum();
    let skus: Vec<ProductLine> = invoice
        .lines
        .iter()
        .map(|l| ProductLine {
            sku: l.sku.clone(),
            quantity: l.quantity,
        })
        .collect();
    let products = product_ids(tx, &skus).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO invoices (number, status, partner_id, opportunity_id, order_id, customer_id, currency, \
         total_minor, credited_minor, paid_minor, created_by, created_us) \
         VALUES ($1, 'draft', $2, $3, $4, $5, $6, $7, 0, 0, $8, $9) RETURNING id",
    )
    .bind(&invoice.number)
    .bind(partner)
    .bind(invoice.opportunity_id)
    .bind(invoice.order_id)
    .bind(customer)
    .bind(invoice.currency.as_str())
    .bind(total)
    .bind(actor.user_id)
    .bind(us(tx.now()))
    .fetch_one(&mut **tx)
    .await
    .on_unique(&format!("invoice {} was entered meanwhile", invoice.number))?;
    let lines: Vec<(i64, &NewInvoiceLine, Option<i64>)> = invoice
        .lines
        .iter()
        .zip(products)
        .enumerate()
        .map(|(i, (line, (product, _)))| (i as i64 + 1, line, product))
        .collect();
    insert_rows(
        tx,
        "INSERT INTO invoice_lines (invoice_id, line_no, sku, product_id, description, quantity, amount_minor, \
         cost_minor, credited_minor) ",
        &lines,
        |mut b, (no, line, product)| {
            b.push_bind(id)
                .push_bind(*no)
                .push_bind(line.sku.clone())
                .push_bind(*product)
                .push_bind(line.description.clone())
                .push_bind(line.quantity)
                .push_bind(line.amount_minor)
                .push_bind(line.cost_minor)
                .push_bind(0i64);
        },
    )
    .await?;
    let created = load_invoice(tx, id).await?;
    tx.audit(Change {
        action: "invoice.create",
        entity_type: "invoice",
        entity_id: id,
        before: None,
        after: Some(&snapshot(&created)),
    })
    .await?;
    Ok(created)
}

/// Writes the invoice's new status and figures and audits the change as `action`.
async fn update_figures(
    tx: &mut Write<'_>,
    before: &Invoice,
    action: &'static str,
    detail: Value,
) -> StoreResult<Invoice> {
    let after = load_invoice(tx, before.id).await?;
    let mut recorded = snapshot(&after);
    recorded["detail"] = detail;
    tx.audit(Change {
        action,
        entity_type: "invoice",
        entity_id: before.id,
        before: Some(&snapshot(before)),
        after: Some(&recorded),
    })
    .await?;
    Ok(after)
}

async fn issue(tx: &mut Write<'_>, before: &Invoice, issued_on: Date) -> StoreResult<Invoice> {
    check_issue(before.status).map_err(StoreError::conflict)?;
    sqlx::query("UPDATE invoices SET status = 'issued', issued_on = $1 WHERE id = $2")
        .bind(issued_on.to_string())
        .bind(before.id)
        .execute(&mut **tx)
        .await?;
    update_figures(tx, before, "invoice.issue", json!({"issued_on": issued_on.to_string()})).await
}

async fn set_status(tx: &mut Write<'_>, id: i64, status: InvoiceStatus) -> StoreResult<()> {
    sqlx::query("UPDATE invoices SET status = $1 WHERE id = $2")
        .bind(status.as_str())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A payment or credit note recorded before under this external id: the same one again counts once
/// (`Ok(true)`); anything else under it is a conflict.
fn already_recorded(
    kind: &str,
    external_id: &str,
    earlier: Option<(i64, i64, String)>,
    now: (i64, i64, String),
) -> StoreResult<bool> {
    match earlier {
        None => Ok(false),
        Some(earlier) if earlier == now => Ok(true),
        Some(_) => Err(StoreError::conflict(format!(
            "{kind} {external_id} was recorded already, on another invoice or with another amount or date"
        ))),
    }
}

/// Each line a credit note names must be the invoice's and have that much left.
fn credit_room(invoice: &Invoice, credit: &NewCreditNote) -> Result<(), FieldErrors> {
    let balance = balance_of(invoice);
    let mut errors = FieldErrors::default();
    for (i, (line_no, amount)) in credit.lines.iter().enumerate() {
        match invoice.lines.iter().find(|l| l.line_no == *line_no) {
            None => errors.add(
                format!("lines[{i}].line_no"),
                format!("the invoice has no line {line_no}"),
            ),
            Some(line) => {
                let room = CreditRoom {
                    amount: line.amount_minor,
                    credited: line.credited_minor,
                };
                if let Err(message) = check_credit(&balance, room, *amount) {
                    errors.add(format!("lines[{i}].amount_minor"), message);
                }
            }
        }
    }
    errors.into_result(())
}

/// The credit note, its lines, and what each invoice line has had taken back.
async fn write_credit_note(tx: &mut Write<'_>, id: i64, credit: &NewCreditNote, total: i64) -> StoreResult<()> {
    let recorded_by = tx.actor().map(|a| a.user_id);
    let note_id: i64 = sqlx::query_scalar(
        "INSERT INTO credit_notes (invoice_id, external_id, credited_on, amount_minor, recorded_by, created_us) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(id)
    .bind(&credit.external_id)
    .bind(credit.credited_on.to_string())
    .bind(total)
    .bind(recorded_by)
    .bind(us(tx.now()))
    .fetch_one(&mut **tx)
    .await
    .on_unique("this credit note was recorded meanwhile; send it again to see the invoice")?;
    for (line_no, amount) in &credit.lines {
        sqlx::query(
            "INSERT INTO credit_note_lines (credit_note_id, invoice_id, line_no, amount_minor) VALUES ($1, $2, $3, $4)",
        )
        .bind(note_id)
        .bind(id)
        .bind(line_no)
        .bind(amount)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "UPDATE invoice_lines SET credited_minor = credited_minor + $1 WHERE invoice_id = $2 AND line_no = $3",
        )
        .bind(amount)
        .bind(id)
        .bind(line_no)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[async_trait]
impl InvoiceStore for SqlStore {
    async fn create_invoice(&self, actor: &Actor, invoice: NewInvoice, now: Timestamp) -> StoreResult<Invoice> {
        require_keeper(actor)?;
        let mut tx = self.begin(Some(actor), now).await?;
        let (partner, customer) = check_new_invoice(&mut tx, &invoice).await?;
        let created = insert_invoice(&mut tx, actor, &invoice, partner, customer).await?;
        tx.commit_answering(&created).await?;
        Ok(created)
    }

    async fn invoice_order(
        &self,
        actor: &Actor,
        order_id: i64,
        number: String,
        now: Timestamp,
    ) -> StoreResult<Invoice> {
        let mut tx = self.begin(Some(actor), now).await?;
        let order: Option<(i64, String)> = sqlx::query_as("SELECT partner_id, currency FROM orders WHERE id = $1")
            .bind(order_id)
            .fetch_optional(&mut *tx)
            .await?;
        let (owner, currency) = order.ok_or(StoreError::NotFound("order"))?;
        // Another partner's order is not found, as on every route of a record not one's own.
        if actor.role.is_partner() && actor.confined_to_partner() != Some(owner) {
            return Err(StoreError::NotFound("order"));
        }
        require_keeper(actor)?;
        let currency = parse_currency(&currency)?;
        // The lines order entry priced; a refused line (no price) is not invoiced.
        let rows = sqlx::query(
            "SELECT l.sku, l.quantity, l.amount_minor, p.name FROM order_lines l JOIN products p ON p.id = l.product_id \
             WHERE l.order_id = $1 AND l.unit_price_minor IS NOT NULL ORDER BY l.line_no",
        )
        .bind(order_id)
        .fetch_all(&mut *tx)
        .await?;
        let lines = rows
            .iter()
            .map(|row| {
                Ok(NewInvoiceLine {
                    sku: get(row, "sku")?,
                    description: Some(get(row, "name")?),
                    quantity: get(row, "quantity")?,
                    amount_minor: get(row, "amount_minor")?,
                    cost_minor: 0,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        if lines.is_empty() {
            return Err(StoreError::conflict("the order has no priced line to invoice"));
        }
        let invoice = NewInvoice {
            number,
            partner_id: None,
            opportunity_id: None,
            order_id: Some(order_id),
            currency,
            lines,
        };
        let (partner, customer) = check_new_invoice(&mut tx, &invoice).await?;
        let created = insert_invoice(&mut tx, actor, &invoice, partner, customer).await?;
        tx.commit_answering(&created).await?;
        Ok(created)
    }

    async fn import_invoices(
        &self,
        actor: &Actor,
        rows: Vec<Line<InvoiceRow>>,
        now: Timestamp,
    ) -> StoreResult<ImportReport> {
        require_keeper(actor)?;
        let mut tx = self.begin(Some(actor), now).await?;
        let mut errors = FieldErrors::default();
        for row in &rows {
            let (partner, customer) = match check_new_invoice(&mut tx, &row.value.invoice).await {
                Ok(placed) => placed,
                Err(StoreError::Invalid(found)) => {
                    errors.0.extend(found.at_line(row.line).0);
                    continue;
                }
                Err(other) => return Err(other),
            };
            if !errors.is_empty() {
                continue;
            }
            let created = insert_invoice(&mut tx, actor, &row.value.invoice, partner, customer).await?;
            if let Some(issued_on) = row.value.issued_on {
                issue(&mut tx, &created, issued_on).await?;
            }
        }
        // Any error, and the write is dropped unfinished: nothing of the file is kept.
        errors.into_result(()).map_err(StoreError::from)?;
        let report = ImportReport {
            rows: rows.len() as u64,
            created: rows.len() as u64,
            updated: 0,
        };
        tx.commit_answering(&report).await?;
        Ok(report)
    }

    async fn issue_invoice(&self, actor: &Actor, id: i64, issued_on: Date, now: Timestamp) -> StoreResult<Invoice> {
        let mut tx = self.begin(Some(actor), now).await?;
        let before = kept(&mut tx, actor, id).await?;
        let after = issue(&mut tx, &before, issued_on).await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn cancel_invoice(&self, actor: &Actor, id: i64, now: Timestamp) -> StoreResult<Invoice> {
        let mut tx = self.begin(Some(actor), now).await?;
        let before = kept(&mut tx, actor, id).await?;
        check_cancel(before.status, &balance_of(&before)).map_err(StoreError::conflict)?;
        set_status(&mut tx, id, InvoiceStatus::Cancelled).await?;
        let after = update_figures(&mut tx, &before, "invoice.cancel", Value::Null).await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn record_payment(
        &self,
        actor: &Actor,
        id: i64,
        payment: NewPayment,
        now: Timestamp,
    ) -> StoreResult<Invoice> {
        let mut tx = self.begin(Some(actor), now).await?;
        let before = kept(&mut tx, actor, id).await?;
        let earlier: Option<(i64, i64, String)> =
            sqlx::query_as("SELECT invoice_id, amount_minor, paid_on FROM invoice_payments WHERE external_id = $1")
                .bind(&payment.external_id)
                .fetch_optional(&mut *tx)
                .await?;
        let this = (id, payment.amount_minor, payment.paid_on.to_string());
        if already_recorded("payment", &payment.external_id, earlier, this)? {
            return Ok(before);
        }
        let mut balance = balance_of(&before);
        check_payment(before.status, &balance, payment.amount_minor).map_err(|m| {
            if before.status == InvoiceStatus::Issued {
                invalid("amount_minor", m)
            } else {
                StoreError::conflict(m)
            }
        })?;
        sqlx::query(
            "INSERT INTO invoice_payments (invoice_id, external_id, amount_minor, paid_on, recorded_by, created_us) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(&payment.external_id)
        .bind(payment.amount_minor)
        .bind(payment.paid_on.to_string())
        .bind(actor.user_id)
        .bind(us(now))
        .execute(&mut *tx)
        .await
        .on_unique("this payment was recorded meanwhile; send it again to see the invoice")?;
        balance.paid += payment.amount_minor;
        sqlx::query("UPDATE invoices SET paid_minor = $1, status = $2 WHERE id = $3")
            .bind(balance.paid)
            .bind(balance.status().as_str())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let detail = json!({"external_id": payment.external_id, "amount_minor": payment.amount_minor,
                            "paid_on": payment.paid_on.to_string()});
        let after = update_figures(&mut tx, &before, "invoice.payment", detail).await?;
        let event = Event {
            kind: "payment",
            external_id: &payment.external_id,
            on: payment.paid_on,
        };
        earn(&mut tx, &before, &after, event).await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn record_credit_note(
        &self,
        actor: &Actor,
        id: i64,
        credit: NewCreditNote,
        now: Timestamp,
    ) -> StoreResult<Invoice> {
        let mut tx = self.begin(Some(actor), now).await?;
        let before = kept(&mut tx, actor, id).await?;
        let total: i64 = credit.lines.iter().map(|(_, amount)| amount).sum();
        let earlier: Option<(i64, i64, String)> =
            sqlx::query_as("SELECT invoice_id, amount_minor, credited_on FROM credit_notes WHERE external_id = $1")
                .bind(&credit.external_id)
                .fetch_optional(&mut *tx)
                .await?;
        if already_recorded(
            "credit note",
            &credit.external_id,
            earlier,
            (id, total, credit.credited_on.to_string()),
        )? {
            return Ok(before);
        }
        check_creditable(before.status).map_err(StoreError::conflict)?;
        let mut balance = balance_of(&before);
        credit_room(&before, &credit).map_err(StoreError::from)?;
        write_credit_note(&mut tx, id, &credit, total).await?;
        balance.credited += total;
        sqlx::query("UPDATE invoices SET credited_minor = $1, status = $2 WHERE id = $3")
            .bind(balance.credited)
            .bind(balance.status().as_str())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let detail = json!({"external_id": credit.external_id, "amount_minor": total,
                            "credited_on": credit.credited_on.to_string()});
        let after = update_figures(&mut tx, &before, "invoice.credit", detail).await?;
        let event = Event {
            kind: "credit_note",
            external_id: &credit.external_id,
            on: credit.credited_on,
        };
        earn(&mut tx, &before, &after, event).await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn get_invoice(&self, actor: &Actor, id: i64) -> StoreResult<Invoice> {
        let mut conn = self.read.acquire().await?;
        visible(&mut conn, actor, id).await
    }

    async fn list_invoices(
        &self,
        actor: &Actor,
        filter: InvoiceFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Invoice>> {
        let mut qb = QueryBuilder::<Db>::new(format!("{INVOICE_SELECT} WHERE "));
        push_keyset(&mut qb, "i.id", &page, false);
        if actor.role.is_partner() {
            qb.push(" AND i.partner_id = ")
                .push_bind(actor.confined_to_partner().unwrap_or(-1));
        }
        if let Some(partner) = filter.partner_id {
            qb.push(" AND i.partner_id = ").push_bind(partner);
        }
        if let Some(status) = filter.status {
            qb.push(" AND i.status = ").push_bind(status.as_str());
        }
        push_page_order(&mut qb, "i.id", &page, false);
        let mut conn = self.read.acquire().await?;
        let rows = qb.build().fetch_all(&mut *conn).await?;
        let invoices = rows.iter().map(invoice_from_row).collect::<StoreResult<Vec<_>>>()?;
        let mut page = Page::from_rows(invoices, &page, |i| i.id);
        with_details(&mut conn, &mut page.items).await?;
        page.items = page.items.into_iter().map(|i| present(actor, i)).collect();
        Ok(page)
    }
}
