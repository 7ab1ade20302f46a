//! The JSON API end to end: the real server on port 0, over SQLite and over PostgreSQL, one module
//! per feature family, and the checks that sweep every operation (isolation, hostile input, the
//! authorization matrix).

mod authz_matrix;
mod commissions;
mod discussion;
mod hostile;
mod idempotency;
mod invoices;
mod isolation;
mod jobs;
mod leads;
mod opportunities;
mod orders;
mod registrations;
mod users;

use serde_json::{Value, json};
use testkit::registration_body;

async fn reg_sor(client: &testkit::Client, id: i64) -> String {
    let reg = client.get(&format!("/registrations/{id}")).await.expect(200);
    reg.body["sor_number"].as_str().unwrap().to_owned()
}

/// A PO for `customer` (in Springfield, an education customer like `registration_body`'s).
fn order_body(po: &str, customer: &str, sor: Option<&str>, lines: &[(&str, i64)]) -> Value {
    json!({
        "po_number": po,
        "customer": {"name": customer, "city": "Springfield", "country": "US", "segment": "education"},
        "sor_number": sor,
        "lines": lines.iter().map(|(sku, quantity)| json!({"sku": sku, "quantity": quantity})).collect::<Vec<_>>(),
    })
}

/// A lead for `company` in the US, offered to partner A by hand (the world's partners have no
/// country, so the rules give it to nobody).
pub(crate) async fn lead_of_a(app: &testkit::TestApp, company: &str) -> i64 {
    let w = &app.world;
    let lead = store_conformance::leads::lead(company, Some("US"), None, None);
    let lead = w
        .store
        .create_lead(&w.admin, lead, store_conformance::today())
        .await
        .unwrap();
    let to_a = domain::leads::input::Assign {
        partner_id: w.partner_a.partner_id.unwrap(),
        note: None,
    };
    w.store
        .assign_lead(&w.west_manager, lead.id, to_a, store_conformance::today())
        .await
        .unwrap()
        .id
}

/// Partner A's invoice `number` of `quantity` × MB-100 for `amount_minor` (cost 70 %), issued on
/// 2026-11-20 by the administrator.
async fn issued_invoice_of_a(app: &testkit::TestApp, number: &str, quantity: i64, amount_minor: i64) -> i64 {
    let w = &app.world;
    let invoice = domain::invoices::input::NewInvoice {
        number: number.into(),
        partner_id: w.partner_a.partner_id,
        opportunity_id: None,
        order_id: None,
        currency: domain::Currency::parse("USD").unwrap(),
        lines: vec![domain::invoices::input::NewInvoiceLine {
            sku: "MB-100".into(),
            description: None,
            quantity,
            amount_minor,
            cost_minor: amount_minor / 10 * 7,
        }],
    };
    let today = store_conformance::today();
    let id = w.store.create_invoice(&w.admin, invoice, today).await.unwrap().id;
    let issued_on = jiff::civil::date(2026, 11, 20);
    w.store.issue_invoice(&w.admin, id, issued_on, today).await.unwrap().id
}

/// Partner A's issued invoice INV-A1 (10 × MB-100 at 8,000.00).
pub(crate) async fn invoice_of_a(app: &testkit::TestApp) -> i64 {
    issued_invoice_of_a(app, "INV-A1", 10, 800_000).await
}

/// Partner A's draft commission order: "Gold 2026" (10 % of every amount) made Gold's default plan,
/// and invoice INV-A2 (5 × MB-100 at 4,000.00) paid in full on 2026-11-20, earning 400.00 in
/// November 2026 (not over yet on the suite's today, 2026-11-22).
pub(crate) async fn commission_order_of_a(app: &testkit::TestApp) -> i64 {
    use domain::commissions::input::{NewLevel, NewPlan, NewPlanVersion, NewRule};
    let w = &app.world;
    let today = store_conformance::today();
    let plan = NewPlan {
        name: "Gold 2026".into(),
        deciding_date: domain::commissions::DecidingDate::Invoice,
    };
    let plan = w.store.create_plan(&w.admin, plan, today).await.unwrap();
    let version = NewPlanVersion {
        effective_from: jiff::civil::date(2026, 1, 1),
        effective_until: None,
        rules: vec![NewRule {
            name: "Everything".into(),
            category_id: None,
            level_id: None,
            kind: domain::commissions::RuleKind::AmountPercentage { rate_bp: 1_000 },
        }],
    };
    w.store
        .add_plan_version(&w.admin, plan.id, version, today)
        .await
        .unwrap();
    let levels = w.store.list_levels(&w.admin).await.unwrap();
    let gold = levels
        .iter()
        .find(|l| l.code == domain::directory::PartnerLevel::Gold)
        .unwrap();
    let level = NewLevel {
        name: gold.name.clone(),
        rank: gold.rank,
        default_plan_id: Some(plan.id),
        lead_weight: gold.lead_weight,
    };
    w.store.update_level(&w.admin, gold.id, level, today).await.unwrap();
    let id = issued_invoice_of_a(app, "INV-A2", 5, 400_000).await;
    let on = jiff::civil::date(2026, 11, 20);
    let payment = domain::invoices::input::NewPayment {
        external_id: "BANK-A2".into(),
        amount_minor: 400_000,
        paid_on: on,
    };
    w.store.record_payment(&w.admin, id, payment, today).await.unwrap();
    let orders = w
        .store
        .list_commission_orders(
            &w.admin,
            store::CommissionOrderFilter::default(),
            store::PageRequest::default(),
        )
        .await
        .unwrap();
    orders.items[0].id
}

/// A record of the program's shape (a region, level, stage, category or plan) is the vendor's, the
/// same for every partner: another partner may be told of it, or refused, never shown a partner's record.
pub(crate) fn program_shape(path: &str) -> bool {
    [
        "/regions/",
        "/levels/",
        "/activation-stages/",
        "/product-categories/",
        "/commission-plans/",
    ]
    .iter()
    .any(|prefix| path.starts_with(&format!("{prefix}{{id}}")))
}

/// A letter of intent, a file the attachment endpoints accept.
const LETTER: &[u8] = b"%PDF-1.7 letter of intent";

/// Attaches [`LETTER`] to registration `id` as `client`.
async fn attach_letter(client: &testkit::Client, id: i64) -> testkit::Reply {
    client
        .send_raw(
            &format!("/registrations/{id}/attachments?file_name=LOI.pdf"),
            "application/pdf",
            LETTER.to_vec(),
        )
        .await
}

/// Shares [`LETTER`] on opportunity `id` as `client`, as a contract.
async fn share_letter(client: &testkit::Client, id: i64) -> testkit::Reply {
    client
        .send_raw(
            &format!("/opportunities/{id}/documents?file_name=Contract.pdf&purpose=contract"),
            "application/pdf",
            LETTER.to_vec(),
        )
        .await
}

/// Calls the operation `method path` of the OpenAPI document at `concrete` (its ids filled in) with
/// a body that only access control can refuse: a CSV file, a PDF, or JSON.
async fn call(client: &testkit::Client, method: &str, path: &str, concrete: &str) -> testkit::Reply {
    if path.ends_with("/import") {
        let header = match path {
            "/products/import" => "sku,name,category,currency,list_price,partner_price,msrp,rrsp\n",
            "/partners/import" => "name,level,activation_stage,region\n",
            "/leads/import" => "source,company,estimated_value,currency\n",
            "/invoices/import" => "number,currency,sku,quantity,amount\n",
            _ => "name,country,segment\n",
        };
        client
            .send_raw_with(method, concrete, "text/csv", header.as_bytes().to_vec())
            .await
    } else if (path.ends_with("/attachments") || path.ends_with("/documents")) && method == "post" {
        let concrete = format!("{concrete}?file_name=LOI.pdf");
        client
            .send_raw_with(method, &concrete, "application/pdf", LETTER.to_vec())
            .await
    } else {
        let body = body_for(method, path);
        client
            .send(method.to_uppercase().parse().unwrap(), concrete, body.as_ref(), &[])
            .await
    }
}

/// A valid body for each operation, so that only access control can refuse it.
fn body_for(method: &str, path: &str) -> Option<Value> {
    if !["post", "put", "patch"].contains(&method) {
        return None;
    }
    Some(match path {
        "/registrations" => registration_body("Partner B Prospect", None, &["MB-200"]),
        "/orders" => order_body("PO-B-1", "Partner B Prospect", None, &[("MB-200", 1)]),
        "/registrations/check" => json!({"customer": {"name": "Quixotic Secret Academy", "country": "US"}}),
        p if p.ends_with("/decline") => json!({"reason": "not mine to decide"}),
        "/leads" => json!({"source": "marketing", "company": {"name": "Partner B Lead", "country": "US"},
            "estimated_value": {"amount_minor": 100_000, "currency": "USD"}}),
        "/leads/{id}/assign" => json!({"partner_id": 2}),
        "/leads/rules" => json!({"level_weights": {"gold": 3}, "default_capacity": 5}),
        p if p.ends_with("/close") => json!({"outcome": "lost", "reason": "the customer chose another vendor"}),
        "/opportunities" => json!({
            "customer": {"name": "Partner B Prospect", "country": "US", "segment": "commercial"},
            "name": "Lecture halls", "forecast": {"amount_minor": 1_000_000, "currency": "USD"},
            "close_date": "2027-03-31", "products": [{"sku": "MB-200", "quantity": 2}]
        }),
        "/opportunities/{id}" => json!({"plan": "Call the dean on Monday"}),
        "/opportunities/{id}/close-date" => json!({"close_date": "2027-06-30", "reason": "budget moved a quarter"}),
        p if p.ends_with("/decide") => json!({"approve": true}),
        "/opportunities/{id}/revenue-share" => json!({"shares": [
            {"party": {"kind": "partner", "id": 2}, "share_bp": 4000},
            {"party": {"kind": "user", "id": 1}, "share_bp": 6000}
        ]}),
        "/opportunities/{id}/co-sell" => json!({"partner_id": 2}),
        "/opportunities/{id}/notes" => json!({"body": "Met the IT director"}),
        "/opportunities/reassign" => {
            json!({"opportunity_ids": [1], "to": {"kind": "partner", "id": 2}, "reason": "coverage"})
        }
        "/major-accounts" => {
            json!({"customer_id": 1, "manager": {"kind": "partner", "id": 2}, "plan": "Grow the district"})
        }
        p if p.ends_with("/comments") => json!({"body": "Is this still open?"}),
        p if p.ends_with("/requests") => json!({"kind": "extension", "valid_through": "2027-06-01"}),
        "/partners" => json!({"name": "Sneaky AV", "level": "gold", "activation_stage": "ramp_up", "region_id": 1}),
        "/customers" => json!({"name": "Someone", "country": "US", "segment": "commercial"}),
        "/products" => {
            json!({"sku": "X-1", "name": "X", "category": "x", "list_price_minor": 1, "partner_price_minor": 1, "msrp_minor": 1, "rrsp_minor": 1, "currency": "USD"})
        }
        "/invoices" => json!({"number": "INV-SNEAKY", "partner_id": 1, "currency": "USD",
            "lines": [{"sku": "MB-100", "quantity": 1, "amount_minor": 100_000}]}),
        "/orders/{id}/invoice" => json!({"number": "INV-FROM-ORDER"}),
        "/invoices/{id}/issue" => json!({"issued_on": "2026-11-30"}),
        "/invoices/{id}/payments" => json!({"external_id": "BANK-M", "amount_minor": 100, "paid_on": "2026-12-01"}),
        "/invoices/{id}/credit-notes" => {
            json!({"external_id": "CN-M", "credited_on": "2026-12-01", "lines": [{"line_no": 1, "amount_minor": 100}]})
        }
        "/levels/{id}" => json!({"name": "Gold", "rank": 3, "lead_weight": 3}),
        "/activation-stages/{id}" => json!({"name": "Ramp-up", "position": 2}),
        "/product-categories" => json!({"name": "Sneaky category"}),
        "/commission-plans" => json!({"name": "Sneaky plan"}),
        "/commission-plans/{id}/versions" => json!({"effective_from": "2027-01-01",
            "rules": [{"name": "All", "kind": "amount_percentage", "rate_bp": 9_000}]}),
        "/partners/{id}/program" => json!({"payout_period": "week"}),
        "/regions" => json!({"name": "Sneaky"}),
        "/regions/{id}/manager" => json!({"manager_user_id": 2}),
        "/users" => json!({"email": "sneaky@b.example", "display_name": "S", "role": "admin"}),
        "/users/{id}" => json!({"display_name": "Sneaky"}),
        "/settings" => {
            json!({"default_validity_days": 999, "max_validity_days": 1000, "reminder_days_before": 1, "time_zone": "UTC", "currency": "USD"})
        }
        _ => json!({}),
    })
}
