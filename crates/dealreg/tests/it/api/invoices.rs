//! Invoices over HTTP (issue 15, item 3): entry with problems naming each field and an
//! Idempotency-Key, issue, partial and whole payment, the same payment sent twice, a credit note, an
//! order invoiced, and partners reading only their own.

use super::invoice_of_a;
use serde_json::json;
use testkit::{Backend, TestApp};

testkit::on_both_backends!(finance_invoices_and_records_payments_over_http);

async fn finance_invoices_and_records_payments_over_http(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = &app.world;
    let finance = app.staff("finance@vendor.example", domain::Role::Finance).await;
    let fin = app.client_for(&finance).await;
    let a = app.client_for(&w.partner_a).await;
    let b = app.client_for(&w.partner_b).await;

    let bad = json!({"number": "", "currency": "usd", "lines": [{"sku": "MB-100", "quantity": 0}]});
    let refused = fin.post("/invoices", &bad).await.expect(422);
    assert_eq!(refused.headers["content-type"], "application/problem+json");
    assert_eq!(
        refused.error_fields(),
        [
            "number",
            "currency",
            "partner_id",
            "lines[0].quantity",
            "lines[0].amount_minor"
        ]
    );
    let body = json!({"number": "INV-2026-0042", "partner_id": w.partner_a.partner_id, "currency": "USD",
        "lines": [{"sku": "MB-100", "quantity": 5, "amount_minor": 400_000, "cost_minor": 280_000},
                  {"sku": "FREIGHT", "description": "Delivery", "quantity": 1, "amount_minor": 20_000}]});
    a.post("/invoices", &body).await.expect(403);
    let key = [("Idempotency-Key", "invoice-0042")];
    let created = fin
        .send(reqwest::Method::POST, "/invoices", Some(&body), &key)
        .await
        .expect(201);
    let replay = fin
        .send(reqwest::Method::POST, "/invoices", Some(&body), &key)
        .await
        .expect(201);
    assert_eq!(replay.body["id"], created.body["id"]);
    let id = created.body["id"].as_i64().unwrap();
    assert_eq!(created.body["status"], "draft");
    assert_eq!(
        created.body["total"],
        json!({"amount_minor": 420_000, "currency": "USD"})
    );
    assert_eq!(created.body["lines"][1]["product_id"], serde_json::Value::Null);

    let issued = fin
        .post(&format!("/invoices/{id}/issue"), &json!({"issued_on": "2026-11-30"}))
        .await
        .expect(200);
    assert_eq!(issued.body["status"], "issued");
    let pay =
        |external: &str, amount: i64| json!({"external_id": external, "amount_minor": amount, "paid_on": "2026-12-01"});
    let part = fin
        .post(&format!("/invoices/{id}/payments"), &pay("BANK-1", 300_000))
        .await
        .expect(200);
    assert_eq!(part.body["open"]["amount_minor"], 120_000);
    // The same payment sent again counts once; the same id with another amount is a conflict.
    let again = fin
        .post(&format!("/invoices/{id}/payments"), &pay("BANK-1", 300_000))
        .await
        .expect(200);
    assert_eq!(again.body["paid"]["amount_minor"], 300_000);
    fin.post(&format!("/invoices/{id}/payments"), &pay("BANK-1", 1))
        .await
        .expect(409);
    let over = fin
        .post(&format!("/invoices/{id}/payments"), &pay("BANK-2", 120_001))
        .await
        .expect(422);
    assert_eq!(over.error_fields(), ["amount_minor"]);
    let credit =
        json!({"external_id": "CN-1", "credited_on": "2026-12-02", "lines": [{"line_no": 2, "amount_minor": 20_000}]});
    let credited = fin
        .post(&format!("/invoices/{id}/credit-notes"), &credit)
        .await
        .expect(200);
    assert_eq!(credited.body["open"]["amount_minor"], 100_000);
    let paid = fin
        .post(&format!("/invoices/{id}/payments"), &pay("BANK-2", 100_000))
        .await
        .expect(200);
    assert_eq!(paid.body["status"], "paid");

    // Partner A reads its invoices; partner B is told none exists.
    let theirs = a.get(&format!("/invoices/{id}")).await.expect(200);
    assert_eq!(theirs.body["lines"][0]["cost_minor"], serde_json::Value::Null);
    assert_eq!(paid.body["lines"][0]["cost_minor"], 280_000);
    b.get(&format!("/invoices/{id}")).await.expect(404);
    b.post(&format!("/invoices/{id}/payments"), &pay("BANK-3", 1))
        .await
        .expect(404);
    let other = invoice_of_a(&app).await;
    let of_a = a.get("/invoices?status=issued").await.expect(200);
    let listed: Vec<i64> = of_a.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, [other]);
    assert!(
        b.get("/invoices").await.expect(200).body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    fin.get("/invoices?status=unpaid").await.expect(422);
}
