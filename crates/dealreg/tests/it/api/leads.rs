//! Leads over HTTP (PRG-2): entry with problems naming each field, distribution with its reason,
//! the partner's answer, hand assignment, CSV import and export, the rules.

use serde_json::json;
use store_conformance::leads::place;
use testkit::{Backend, TestApp};

testkit::on_both_backends!(
    leads_are_distributed_and_answered_over_http,
    leads_import_and_export_as_csv
);

fn potsdam_lead() -> serde_json::Value {
    json!({
        "source": "web_form",
        "company": {"name": "Potsdam Gymnasium", "domain": "potsdam-gym.example", "country": "DE", "city": "Potsdam"},
        "contact_name": "Jana Krüger", "contact_email": "jana@potsdam-gym.example",
        "latitude": 52.39, "longitude": 13.065,
        "estimated_value": {"amount_minor": 4_800_000, "currency": "USD"},
        "products": [{"sku": "MB-100", "quantity": 12}]
    })
}

/// A (Berlin) and B (Munich) in Germany.
async fn german_partners(app: &TestApp) {
    let w = &app.world;
    place(w, &w.partner_a, "DE", Some((52.52, 13.405)), None).await;
    place(w, &w.partner_b, "DE", Some((48.137, 11.575)), None).await;
}

async fn leads_are_distributed_and_answered_over_http(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    german_partners(&app).await;
    let manager = app.client_for(&app.world.west_manager).await;
    let a = app.client_for(&app.world.partner_a).await;
    let b = app.client_for(&app.world.partner_b).await;

    let bad = json!({"source": "cold_call", "company": {"name": "", "country": "XX"}, "latitude": 52.0,
        "estimated_value": {"amount_minor": 0, "currency": "USD"}});
    let refused = manager.post("/leads", &bad).await.expect(422);
    assert_eq!(refused.headers["content-type"], "application/problem+json");
    assert_eq!(
        refused.error_fields(),
        [
            "source",
            "company.name",
            "company.country",
            "longitude",
            "estimated_value.amount_minor"
        ]
    );
    a.post("/leads", &potsdam_lead()).await.expect(403);

    let key = [("Idempotency-Key", "lead-potsdam-1")];
    let created = manager
        .send(reqwest::Method::POST, "/leads", Some(&potsdam_lead()), &key)
        .await
        .expect(201);
    let id = created.body["id"].as_i64().unwrap();
    assert_eq!(created.body["status"], "offered");
    assert_eq!(
        created.body["reason"],
        "Same country (Germany) · Gold, weight 3 · 0 of 5 open leads · 27 km"
    );
    let again = manager
        .send(reqwest::Method::POST, "/leads", Some(&potsdam_lead()), &key)
        .await
        .expect(201);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.body["id"], id);

    let mine = a.get("/leads?status=offered").await.expect(200);
    assert_eq!(mine.body["items"][0]["id"], id);
    assert_eq!(mine.body["items"][0]["declines"], json!([]));
    b.get(&format!("/leads/{id}")).await.expect(404);
    assert_eq!(b.get("/leads").await.expect(200).body["items"], json!([]));
    manager.get("/leads?status=lost").await.expect(422);

    // A declines: the reason is required; then the lead goes to B at once.
    let missing = a.post(&format!("/leads/{id}/decline"), &json!({})).await.expect(422);
    assert_eq!(missing.error_fields(), ["reason"]);
    a.post(
        &format!("/leads/{id}/decline"),
        &json!({"reason": "Fully booked until March"}),
    )
    .await
    .expect(204);
    a.get(&format!("/leads/{id}")).await.expect(404);
    let moved = manager.get(&format!("/leads/{id}")).await.expect(200);
    assert_eq!(moved.body["partner_id"], app.world.partner_b.partner_id.unwrap());
    assert_eq!(moved.body["declines"][0]["reason"], "Fully booked until March");
    let to_a = json!({"partner_id": app.world.partner_a.partner_id});
    let back = manager.post(&format!("/leads/{id}/assign"), &to_a).await.expect(422);
    assert_eq!(back.error_fields(), ["partner_id"]);

    let accepted = b.post(&format!("/leads/{id}/accept"), &json!({})).await.expect(200);
    assert_eq!(accepted.body["status"], "accepted");
    assert_eq!(accepted.body["declines"], json!([]));
    let opportunity = accepted.body["opportunity_id"].as_i64().unwrap();
    let opened = b.get(&format!("/opportunities/{opportunity}")).await.expect(200);
    assert_eq!(opened.body["source"], "lead", "{}", opened.body);
    a.get(&format!("/opportunities/{opportunity}")).await.expect(404);
    b.post(&format!("/leads/{id}/accept"), &json!({})).await.expect(409);
    manager
        .post(&format!("/leads/{id}/distribute"), &json!({}))
        .await
        .expect(409);
    let by_partner = format!(
        "/leads?partner_id={}&status=accepted",
        app.world.partner_b.partner_id.unwrap()
    );
    assert_eq!(manager.get(&by_partner).await.body["items"][0]["id"], id);

    // The rules: channel managers set them, each bad field named.
    let rules = manager.get("/leads/rules").await.expect(200);
    assert_eq!(rules.body["level_weights"]["gold"], 3);
    let wrong = json!({"level_weights": {"gold": 101, "tin": 1}, "default_capacity": 0});
    let wrong = manager
        .send(reqwest::Method::PUT, "/leads/rules", Some(&wrong), &[])
        .await
        .expect(422);
    assert_eq!(
        wrong.error_fields(),
        ["level_weights.gold", "level_weights.tin", "default_capacity"]
    );
    a.get("/leads/rules").await.expect(403);
    app.client_for(&app.world.order_entry)
        .await
        .get("/leads/rules")
        .await
        .expect(403);
    app.stop().await;
}

async fn leads_import_and_export_as_csv(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    german_partners(&app).await;
    let manager = app.client_for(&app.world.west_manager).await;
    let header = "source,company,country,city,latitude,longitude,estimated_value,currency,products";
    let bad = format!(
        "{header}\nmarketing,Potsdam Gymnasium,DE,Potsdam,52.39,13.065,48000.00,USD,MB-100:12\nvendor,Lost GmbH,XX,,,,12.5.0,USD,\n"
    );
    let refused = manager
        .send_raw("/leads/import", "text/csv", bad.into_bytes())
        .await
        .expect(422);
    let problems: Vec<(i64, &str)> = refused.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_i64().unwrap(), e["field"].as_str().unwrap()))
        .collect();
    assert_eq!(
        problems,
        [(3, "estimated_value"), (3, "country"), (3, "estimated_value")]
    );
    assert_eq!(manager.get("/leads").await.body["items"], json!([]));
    let good = format!(
        "{header}\nmarketing,Potsdam Gymnasium,DE,Potsdam,52.39,13.065,48000.00,USD,MB-100:12\nvendor,Nameless Co,,,,,1200,USD,\n"
    );
    let report = manager
        .send_raw("/leads/import", "text/csv", good.into_bytes())
        .await
        .expect(200);
    assert_eq!(report.body, json!({"rows": 2, "created": 2, "updated": 0}));
    let exported = manager.get("/leads/export").await.expect(200);
    let text = exported.body.as_str().unwrap();
    assert!(text.starts_with("id,status,partner,reason,source,company"), "{text}");
    assert!(
        text.contains(",offered,Northwind AV,Same country (Germany) · Gold, weight 3 · 0 of 5 open leads · 27 km,")
            || text.contains("\"Same country (Germany)"),
        "{text}"
    );
    assert!(
        text.contains(
            "unassigned,,Not assigned automatically: the lead names no country. Assign it by hand.,vendor,Nameless Co"
        ),
        "{text}"
    );
    let a = app.client_for(&app.world.partner_a).await;
    let theirs = a.get("/leads/export").await.expect(200);
    assert!(!theirs.body.as_str().unwrap().contains("Nameless Co"));
    app.stop().await;
}
