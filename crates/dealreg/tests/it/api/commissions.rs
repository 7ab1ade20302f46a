//! Commissions over HTTP (issue 15, items 2, 4, 5, 7, 8): plans and versions with problems naming each
//! field, a payment earning on the partner's draft with its explanation, the preview, confirmation
//! only once the period is over, the report as JSON and CSV, and partners reading only their own.

use super::commission_order_of_a;
use serde_json::json;
use testkit::{Backend, TestApp};

testkit::on_both_backends!(finance_runs_commissions_over_http);

async fn finance_runs_commissions_over_http(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = &app.world;
    let finance = app.staff("finance@vendor.example", domain::Role::Finance).await;
    let fin = app.client_for(&finance).await;
    let a = app.client_for(&w.partner_a).await;
    let b = app.client_for(&w.partner_b).await;

    // A plan and a version: every bad field named, nothing written.
    let refused = fin
        .post("/commission-plans", &json!({"name": " ", "deciding_date": "whenever"}))
        .await
        .expect(422);
    assert_eq!(refused.headers["content-type"], "application/problem+json");
    assert_eq!(refused.error_fields(), ["name", "deciding_date"]);
    a.post("/commission-plans", &json!({"name": "Mine"})).await.expect(403);
    let plan = fin
        .post("/commission-plans", &json!({"name": "Services 2027"}))
        .await
        .expect(201);
    assert_eq!(plan.body["deciding_date"], "invoice");
    let id = plan.body["id"].as_i64().unwrap();
    let bad = json!({"effective_from": "2027-02-30", "rules": [
        {"name": "Services", "kind": "sections", "currency": "USD",
         "bands": [{"from_minor": 0, "to_minor": 99_999, "rate_bp": 500}, {"from_minor": 200_000, "rate_bp": 800}]},
        {"name": "Too much", "kind": "amount_percentage", "rate_bp": 10_001}]});
    let refused = fin
        .post(&format!("/commission-plans/{id}/versions"), &bad)
        .await
        .expect(422);
    let fields = refused.error_fields();
    assert!(fields.contains(&"effective_from".to_owned()), "{fields:?}");
    assert!(fields.contains(&"rules[1].rate_bp".to_owned()), "{fields:?}");
    assert!(fields.iter().any(|f| f.starts_with("rules[0].bands")), "{fields:?}");
    let plan = fin.get(&format!("/commission-plans/{id}")).await.expect(200);
    assert_eq!(plan.body["versions"], json!([]));

    // Partner A's November order (see `commission_order_of_a`): 10 % of 4,000.00.
    let order = commission_order_of_a(&app).await;
    let read = fin.get(&format!("/commission-orders/{order}")).await.expect(200);
    assert_eq!(read.body["state"], "draft");
    assert_eq!(read.body["total"], json!({"amount_minor": 40_000, "currency": "USD"}));
    assert_eq!(
        read.body["lines"][0]["explanation"],
        "10% of 4,000.00 USD amount under Gold 2026 v1, rule 'Everything'"
    );
    assert_eq!(read.body["lines"][0]["explained"]["after"]["rate_bp"], 1_000);
    a.get(&format!("/commission-orders/{order}")).await.expect(200);
    b.get(&format!("/commission-orders/{order}")).await.expect(404);
    let listed = b.get("/commission-orders").await.expect(200);
    assert_eq!(listed.body["items"], json!([]));
    let invoice = read.body["lines"][0]["invoice_id"].as_i64().unwrap();
    let preview = a
        .get(&format!("/invoices/{invoice}/commission-preview"))
        .await
        .expect(200);
    assert_eq!(preview.body["earned"]["amount_minor"], 40_000);
    b.get(&format!("/invoices/{invoice}/commission-preview"))
        .await
        .expect(404);

    // November is not over on the suite's today (2026-11-22): confirming is refused, nothing changes.
    let early = fin
        .post(&format!("/commission-orders/{order}/confirm"), &json!({}))
        .await
        .expect(409);
    assert!(
        early.body["detail"]
            .as_str()
            .unwrap()
            .contains("November 2026 is not over"),
        "{}",
        early.body
    );
    a.post(&format!("/commission-orders/{order}/confirm"), &json!({}))
        .await
        .expect(403);
    app.clock.set(store_conformance::ts("2026-12-01T09:00:00Z"));
    let confirmed = fin
        .post(&format!("/commission-orders/{order}/confirm"), &json!({}))
        .await
        .expect(200);
    assert_eq!(confirmed.body["state"], "confirmed");
    assert_eq!(confirmed.body["payout"]["amount_minor"], 40_000);

    // The report: per partner, period and rule; a partner's is its own; the CSV in decimals.
    let report = fin.get("/commission-report").await.expect(200);
    assert_eq!(report.body[0]["confirmed_minor"], 40_000);
    assert_eq!(report.body[0]["period_label"], "November 2026");
    assert_eq!(b.get("/commission-report").await.expect(200).body, json!([]));
    let bad = fin.get("/commission-report?from=someday").await.expect(422);
    assert_eq!(bad.error_fields(), ["from"]);
    let csv = fin.get("/commission-report.csv").await.expect(200).body;
    let csv = csv.as_str().unwrap();
    let mut rows = csv.lines();
    assert_eq!(
        rows.next().unwrap(),
        "partner_id,partner,level,period,period_start,currency,plan,version,rule,earned,clawed_back,draft,confirmed"
    );
    assert!(
        rows.next()
            .unwrap()
            .ends_with(",November 2026,2026-11-01,USD,Gold 2026,1,Everything,400.00,0.00,0.00,400.00"),
        "{csv}"
    );

    // A partner's terms: its own plan overrides its level's; another partner's are not found.
    let terms = fin
        .send(
            reqwest::Method::PUT,
            &format!("/partners/{}/program", w.partner_a.partner_id.unwrap()),
            Some(&json!({"own_plan_id": id, "payout_period": "quarter", "next_review_on": "2027-03-31"})),
            &[],
        )
        .await
        .expect(200);
    assert_eq!(terms.body["plan_source"], "partner");
    assert_eq!(terms.body["effective_payout_period"], "quarter");
    let refused = fin
        .send(
            reqwest::Method::PUT,
            &format!("/partners/{}/program", w.partner_a.partner_id.unwrap()),
            Some(&json!({"payout_period": "year"})),
            &[],
        )
        .await
        .expect(422);
    assert_eq!(refused.error_fields(), ["payout_period"]);
    b.get(&format!("/partners/{}/program", w.partner_a.partner_id.unwrap()))
        .await
        .expect(404);
}
