//! Opportunities and the rules of engagement over HTTP (ROE-1 … ROE-5).

use serde_json::{Value, json};
use testkit::{Backend, TestApp};

testkit::on_both_backends!(opportunities_over_http);

fn opportunity_body(account: &str, sku: &str, close: &str) -> Value {
    json!({
        "customer": {"name": account, "city": "Springfield", "country": "US", "segment": "education"},
        "name": format!("{account} lecture halls"),
        "forecast": {"amount_minor": 1_250_050, "currency": "USD"},
        "close_date": close,
        "products": [{"sku": sku, "quantity": 3}],
        "plan": "Site survey, then a pilot room"
    })
}

/// The API of ROE-1 … ROE-5 end to end: every bad field named, creation retry-safe, a later close
/// date asked for and approved, the pipeline's totals, the CSV export, a lost outcome with its reason.
async fn opportunities_over_http(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = app.client_for(&app.world.partner_a).await;
    let b = app.client_for(&app.world.partner_b).await;
    let lead_actor = app.staff("lead@vendor.example", domain::Role::SalesManager).await;
    let lead = app.client_for(&lead_actor).await;

    // Every bad field is named, as problem+json, and nothing is created.
    let refused = a
        .post(
            "/opportunities",
            &json!({"name": " ", "forecast": {"amount_minor": 0, "currency": "usd"}, "close_date": "2026-11-01", "products": []}),
        )
        .await
        .expect(422);
    assert_eq!(refused.headers["content-type"], "application/problem+json");
    assert_eq!(
        refused.error_fields(),
        [
            "customer",
            "name",
            "forecast.amount_minor",
            "forecast.currency",
            "close_date",
            "products"
        ]
    );
    assert_eq!(a.get("/opportunities").await.expect(200).body["items"], json!([]));

    // Retry-safe: the same key answers the first 201 again and creates nothing more.
    let body = opportunity_body("Lakeside University", "MB-100", "2027-01-31");
    let key = [("Idempotency-Key", "opp-lakeside-1")];
    let first = a
        .send(reqwest::Method::POST, "/opportunities", Some(&body), &key)
        .await
        .expect(201);
    assert_eq!(first.body["number"], "OPP-2026-000001");
    assert_eq!(first.body["rights_through"], "2027-05-01");
    assert_eq!(first.body["manager"]["kind"], "partner");
    let again = a
        .send(reqwest::Method::POST, "/opportunities", Some(&body), &key)
        .await
        .expect(201);
    assert_eq!(again.body, first.body);
    let id = first.body["id"].as_i64().unwrap();
    assert_eq!(a.get("/opportunities").await.body["items"].as_array().unwrap().len(), 1);

    // Another partner cannot pursue the forecasted product: 409 with until when.
    let blocked = b
        .post(
            "/opportunities",
            &opportunity_body("Lakeside University", "MB-100", "2027-01-31"),
        )
        .await
        .expect(409);
    assert!(
        blocked.body["detail"].as_str().unwrap().contains("2027-05-01"),
        "{}",
        blocked.body
    );

    // A later close date is asked for, not set; sales management approves it.
    let later = a
        .send(
            reqwest::Method::PATCH,
            &format!("/opportunities/{id}"),
            Some(&json!({"close_date": "2027-03-31"})),
            &[],
        )
        .await
        .expect(422);
    assert_eq!(later.error_fields(), ["close_date"]);
    a.post(
        &format!("/opportunities/{id}/close-date"),
        &json!({"close_date": "2027-03-31", "reason": "The board meets in March"}),
    )
    .await
    .expect(201);
    a.post(
        &format!("/opportunities/{id}/close-date/decide"),
        &json!({"approve": true}),
    )
    .await
    .expect(403);
    let approved = lead
        .post(
            &format!("/opportunities/{id}/close-date/decide"),
            &json!({"approve": true, "note": "fine"}),
        )
        .await
        .expect(200);
    assert_eq!(
        (
            approved.body["close_date"].clone(),
            approved.body["rights_through"].clone()
        ),
        (json!("2027-03-31"), json!("2027-06-29"))
    );

    // The pipeline's totals and the export.
    let totals = lead.get("/opportunities/pipeline").await.expect(200);
    assert_eq!(
        totals.body["by_stage"],
        json!([{"stage": "Qualification", "count": 1, "forecast": {"amount_minor": 1_250_050, "currency": "USD"}}])
    );
    assert_eq!(totals.body["by_month"][0]["month"], "2027-03");
    lead.get("/opportunities?status=dormant").await.expect(422);
    // A form's empty fields are no filter.
    let blank = lead
        .get("/opportunities?status=&stage=&partner_id=&region_id=&close_from=&close_to=")
        .await
        .expect(200);
    assert_eq!(blank.body["items"].as_array().unwrap().len(), 1);
    let csv = lead.get("/opportunities/export").await.expect(200);
    let text = csv.body.as_str().unwrap();
    assert!(
        text.starts_with("number,name,customer,country,source,stage,status,manager"),
        "{text}"
    );
    assert!(text.contains("OPP-2026-000001,Lakeside University lecture halls,Lakeside University,US,partner,Qualification,open,Northwind AV,partner,West,12500.50,USD,2027-03-31,2027-06-29,MB-100×3,"), "{text}");
    assert!(
        !b.get("/opportunities/export")
            .await
            .body
            .as_str()
            .unwrap()
            .contains("OPP-2026-000001")
    );

    // Copies of quotes and contracts: recognised by content, downloaded as they were shared.
    let disguised = a
        .send_raw(
            &format!("/opportunities/{id}/documents?file_name=Quote.pdf&purpose=quote"),
            "application/pdf",
            b"MZ\x90\x00 a program".to_vec(),
        )
        .await
        .expect(422);
    assert_eq!(disguised.error_fields(), ["file"]);
    let shared = a
        .send_raw(
            &format!("/opportunities/{id}/documents?file_name=Quote%204471.pdf&purpose=quote"),
            "application/pdf",
            b"%PDF-1.7 quote 4471".to_vec(),
        )
        .await
        .expect(201);
    assert_eq!(
        (shared.body["purpose"].clone(), shared.body["kind"].clone()),
        (json!("quote"), json!("pdf"))
    );
    let document = shared.body["id"].as_i64().unwrap();
    let download = lead
        .get(&format!("/opportunities/{id}/documents/{document}"))
        .await
        .expect(200);
    assert!(
        download.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    b.get(&format!("/opportunities/{id}/documents/{document}"))
        .await
        .expect(404);

    // Lost needs its reason.
    let lost = a
        .post(&format!("/opportunities/{id}/close"), &json!({"outcome": "lost"}))
        .await
        .expect(422);
    assert_eq!(lost.error_fields(), ["reason"]);
    let closed = a
        .post(
            &format!("/opportunities/{id}/close"),
            &json!({"outcome": "lost", "reason": "Went with the incumbent"}),
        )
        .await
        .expect(200);
    assert_eq!(closed.body["status"], "lost");
    let history = closed.body["managers"].as_array().unwrap();
    assert_eq!(history[0]["reason"], "Opened from partner portal");
    app.stop().await;
}
