//! Isolation between partners: every operation, as another partner.

use super::{
    attach_letter, call, commission_order_of_a, invoice_of_a, lead_of_a, order_body, program_shape, reg_sor,
    share_letter,
};
use serde_json::json;
use testkit::{Backend, TestApp, registration_body};

testkit::on_both_backends!(a_second_partner_reaches_nothing_of_the_first);

/// Every operation of the OpenAPI document, called with partner B's token against partner A's
/// records: nothing of A's comes back, and A's records answer 404. Generated from the route table,
/// so a new endpoint cannot be forgotten.
async fn a_second_partner_reaches_nothing_of_the_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = app.client_for(&app.world.partner_a).await;
    let manager = app.client_for(&app.world.west_manager).await;
    let b = app.client_for(&app.world.partner_b).await;
    let secret_customer = "Quixotic Secret Academy";
    let reg = a
        .submit(&registration_body(
            secret_customer,
            Some("quixotic-secret.example"),
            &["MB-100"],
        ))
        .await;
    manager.approve(reg.id, &json!({})).await;
    let request = a
        .post(
            &format!("/registrations/{}/requests", reg.id),
            &json!({"kind": "extension", "valid_through": "2027-05-01"}),
        )
        .await
        .expect(201);
    let request_id = request.body["id"].as_i64().unwrap();
    let attachment_id = attach_letter(&a, reg.id).await.expect(201).body["id"].as_i64().unwrap();
    let sor = reg_sor(&a, reg.id).await;
    let opportunity_id = a.get(&format!("/registrations/{}", reg.id)).await.body["opportunity_id"]
        .as_i64()
        .expect("an approved registration belongs to an opportunity");
    let document_id = share_letter(&a, opportunity_id).await.expect(201).body["id"]
        .as_i64()
        .unwrap();
    let order = a
        .post(
            "/orders",
            &order_body("PO-SECRET", secret_customer, Some(&sor), &[("MB-100", 1)]),
        )
        .await
        .expect(201);
    let order_id = order.body["id"].as_i64().unwrap();
    let lead_id = lead_of_a(&app, secret_customer).await;
    let invoice_id = invoice_of_a(&app).await;
    let commission_order_id = commission_order_of_a(&app).await;
    let notification_id = a.get("/notifications").await.body["items"][0]["id"].as_i64().unwrap();
    let (_, doc) = web::api();
    let doc = serde_json::to_value(&doc).unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, _) in item.as_object().unwrap() {
            let concrete = if path.starts_with("/registrations/{id}") {
                path.replace("{id}", &reg.id.to_string())
                    .replace("{attachment_id}", &attachment_id.to_string())
            } else if path.starts_with("/opportunities/{id}") {
                path.replace("{id}", &opportunity_id.to_string())
                    .replace("{document_id}", &document_id.to_string())
            } else if path.starts_with("/orders/{id}") {
                path.replace("{id}", &order_id.to_string())
            } else if path.starts_with("/leads/{id}") {
                path.replace("{id}", &lead_id.to_string())
            } else if path.starts_with("/invoices/{id}") {
                path.replace("{id}", &invoice_id.to_string())
            } else if path.starts_with("/requests/{id}") {
                path.replace("{id}", &request_id.to_string())
            } else if path.starts_with("/commission-orders/{id}") {
                path.replace("{id}", &commission_order_id.to_string())
            } else if path.starts_with("/partners/{id}") {
                path.replace("{id}", &app.world.partner_a.partner_id.unwrap().to_string())
            } else if path.starts_with("/users/{id}") {
                path.replace("{id}", &app.world.partner_a.user_id.to_string())
            } else if path.starts_with("/notifications/{id}") {
                path.replace("{id}", &notification_id.to_string())
            } else if program_shape(path) {
                // Regions, levels, stages, categories and plans are the vendor's, the same for every
                // partner: refused (403), not hidden.
                path.replace("{id}", "1")
            } else {
                assert!(
                    !path.contains('{'),
                    "{path} is new: teach this test which of partner A's records it addresses"
                );
                path.clone()
            };
            let reply = call(&b, method, path, &concrete).await;
            let text = reply.body.to_string();
            assert!(reply.status.as_u16() < 500, "{method} {concrete}: {}", reply.status);
            assert!(
                !text.contains(secret_customer) && !text.contains("Northwind AV"),
                "{method} {concrete} leaked: {text}"
            );
            if program_shape(path) {
                assert_eq!(reply.status.as_u16(), 403, "{method} {concrete}: {text}");
            } else if path.contains('{') {
                assert_eq!(reply.status.as_u16(), 404, "{method} {concrete}: {text}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} operations found");
    // B's own order citing A's SOR learns nothing of it.
    let probe = b
        .post(
            "/orders",
            &order_body("PO-PROBE", secret_customer, Some(&sor), &[("MB-100", 1)]),
        )
        .await
        .expect(201);
    assert_eq!(
        probe.body["lines"][0]["reason"],
        format!("refused: {sor} is not an SOR of this partner")
    );
    // And nothing changed for A.
    let after = a.get(&format!("/registrations/{}", reg.id)).await.expect(200);
    assert_eq!(after.body["status"], "approved");
    assert_eq!(
        a.get(&format!("/registrations/{}/requests", reg.id)).await.body[0]["status"],
        "pending"
    );
    app.stop().await;
}
