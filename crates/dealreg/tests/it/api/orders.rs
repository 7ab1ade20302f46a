//! Orders and price lists over HTTP (ORD-1 … ORD-5).

use super::{order_body, reg_sor};
use serde_json::json;
use testkit::{Backend, TestApp, registration_body};

testkit::on_both_backends!(orders_and_price_lists_over_http);

/// ORD-1 … ORD-5 through HTTP: a price list file, a PO verified and priced, the PO sent again, the
/// order list and its CSV export.
async fn orders_and_price_lists_over_http(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.client_for(&app.world.admin).await;
    let a = app.client_for(&app.world.partner_a).await;
    let manager = app.client_for(&app.world.west_manager).await;
    let desk = app.client_for(&app.world.order_entry).await;

    // A file with a bad row: every problem with its line and column, nothing imported.
    let header = "sku,name,category,accessory,currency,list_price,partner_price,msrp,rrsp";
    let bad = format!(
        "{header}\nLAMP-9,Projector lamp,accessories,yes,USD,199.00,120.00,189.00,179.00\nCORD-1,Power cord,accessories,perhaps,USD,9.99,5,9.50,abc\n"
    );
    let refused = admin
        .send_raw("/products/import", "text/csv", bad.into_bytes())
        .await
        .expect(422);
    let problems: Vec<(i64, &str)> = refused.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_i64().unwrap(), e["field"].as_str().unwrap()))
        .collect();
    assert_eq!(problems, [(3, "rrsp"), (3, "accessory")]);
    let listed = admin.get("/products/export").await.expect(200);
    assert!(!listed.body.as_str().unwrap().contains("LAMP-9"));
    let good = format!("{header}\nLAMP-9,Projector lamp,accessories,yes,USD,199.00,120.00,189.00,179.00\n");
    let report = admin
        .send_raw("/products/import", "text/csv", good.into_bytes())
        .await
        .expect(200);
    assert_eq!(report.body, json!({"rows": 1, "created": 1, "updated": 0}));
    a.send_raw("/products/import", "text/csv", b"sku\n".to_vec())
        .await
        .expect(422);
    let exported = a.get("/products/export").await.expect(200);
    assert_eq!(exported.headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        exported
            .body
            .as_str()
            .unwrap()
            .contains("LAMP-9,Projector lamp,accessories,yes,,USD,199.00,120.00,189.00,179.00,2026-11-22")
    );

    // A PO under a valid SOR: each line priced with its reason.
    let reg = a
        .submit(&registration_body("Springfield School District", None, &["MB-100"]))
        .await;
    manager.approve(reg.id, &json!({})).await;
    let sor = reg_sor(&a, reg.id).await;
    let po = order_body(
        "4500012345",
        "Springfield School District",
        Some(&sor),
        &[("MB-100", 2), ("LAMP-9", 1)],
    );
    let entered = a.post("/orders", &po).await.expect(201);
    assert_eq!(entered.body["status"], "accepted");
    assert_eq!(
        entered.body["total"],
        json!({"amount_minor": 712_000, "currency": "USD"})
    );
    assert_eq!(entered.body["lines"][0]["reason"], format!("partner price under {sor}"));
    assert_eq!(entered.body["lines"][1]["unit_price"]["amount_minor"], 12_000);
    // The same PO again: the same order, 200; other content under that PO number: 409.
    let again = a.post("/orders", &po).await.expect(200);
    assert_eq!(again.body["id"], entered.body["id"]);
    let changed = order_body(
        "4500012345",
        "Springfield School District",
        Some(&sor),
        &[("MB-100", 3)],
    );
    assert_eq!(a.post("/orders", &changed).await.expect(409).body["status"], 409);
    // Issue 13, defect 6: a SKU nobody sells refuses its own line; the rest of the PO is priced, and
    // the partner is told it was partially accepted, not refused.
    let po = order_body(
        "PO-7001",
        "Springfield School District",
        Some(&sor),
        &[("MB-100", 1), ("NOPE-9", 4)],
    );
    let partly = a.post("/orders", &po).await.expect(201);
    assert_eq!(partly.body["status"], "partially_accepted");
    assert_eq!(partly.body["total"]["amount_minor"], 350_000);
    assert_eq!(partly.body["lines"][1]["reason"], "refused: no product with SKU NOPE-9");
    assert_eq!(partly.body["lines"][1]["basis"], serde_json::Value::Null);
    assert_eq!(a.post("/orders", &po).await.expect(200).body["id"], partly.body["id"]);
    let inbox = a.get("/notifications").await.expect(200);
    let told = inbox.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["entity_type"] == "order" && n["entity_id"] == partly.body["id"])
        .unwrap_or_else(|| panic!("no message about the order in {}", inbox.body))
        .clone();
    assert_eq!(
        told["subject"],
        "Order partially accepted: PO number PO-7001 for Springfield School District"
    );
    assert!(
        told["body"]
            .as_str()
            .unwrap()
            .contains("1 of 2 lines priced, total 3,500.00 USD"),
        "{told}"
    );
    // Bad input names every field.
    let bad =
        json!({"customer": {"name": "X", "country": "USA", "segment": "education"}, "sor_number": "42", "lines": []});
    let problem = a.post("/orders", &bad).await.expect(422);
    let fields: Vec<&str> = problem.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["po_number", "customer.country", "sor_number", "lines"]);
    // Order entry enters for a named partner; without one, the field is named.
    let mut for_a = order_body("4500012346", "Springfield School District", None, &[("MB-100", 1)]);
    desk.post("/orders", &for_a).await.expect(422);
    for_a["partner_id"] = json!(app.world.partner_a.partner_id);
    let refused = desk.post("/orders", &for_a).await.expect(201);
    assert_eq!(refused.body["status"], "refused");
    assert_eq!(refused.body["lines"][0]["reason"], "refused: no SOR");
    manager.get("/orders").await.expect(403);

    // Lists filter; the export has one row per line with its reason.
    let listed = desk
        .get(&format!("/orders?sor_number={sor}&status=accepted"))
        .await
        .expect(200);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    desk.get("/orders?status=lost").await.expect(422);
    let csv = desk.get("/orders/export?status=refused").await.expect(200);
    let text = csv.body.as_str().unwrap();
    assert!(text.starts_with("order_id,po_number,partner,order_date"), "{text}");
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("refused: no SOR"));
    // The registration shows what was ordered against it.
    let seen = a.get(&format!("/registrations/{}", reg.id)).await.expect(200);
    // Two of the first PO and the one priced line of PO-7001.
    assert_eq!(seen.body["products"][0]["ordered_quantity"], 3);
    assert_eq!(seen.body["orders"][0]["po_number"], "4500012345");
    app.stop().await;
}
