//! Registrations over HTTP: the lifecycle from filing to won, regional routing, and what a partner
//! learns of a conflict, that the document and the parsers agree on what a customer must name, and
//! the end customer's contact.

use serde_json::{Value, json};
use testkit::{Backend, TestApp, registration_body};

testkit::on_both_backends!(
    registration_lifecycle_over_http,
    partners_learn_of_a_conflict_but_not_its_holder,
    the_document_and_the_parsers_agree_that_a_customer_names_its_segment,
    the_customer_contact_round_trips_and_bad_parts_are_named
);

async fn registration_lifecycle_over_http(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let partner = app.client_for(&app.world.partner_a).await;
    let manager = app.client_for(&app.world.west_manager).await;
    let reg = partner
        .submit(&registration_body(
            "Springfield School District",
            Some("springfield.k12.il.us"),
            &["MB-100"],
        ))
        .await;
    assert_eq!(reg.status.as_str(), "submitted");
    assert_eq!(reg.estimated_value.amount_minor, 3_500_000);
    // Each reader is offered what they may do: the partner withdraws, its manager decides.
    assert_eq!(reg.allowed_actions, ["withdraw"]);
    let queue = manager.get("/registrations?status=submitted").await.expect(200);
    assert_eq!(queue.body["items"][0]["id"], reg.id);
    let decidable = manager.get(&format!("/registrations/{}", reg.id)).await.expect(200);
    assert_eq!(
        decidable.body["allowed_actions"],
        json!(["approve", "decline", "withdraw"])
    );
    let approved = manager
        .approve(reg.id, &json!({"validity_days": 90, "note": "good fit"}))
        .await;
    assert_eq!(approved.sor_number.as_deref(), Some("SOR-2026-000001"));
    assert_eq!(
        approved.valid_through.map(|d| d.to_string()).as_deref(),
        Some("2027-02-20")
    );
    let seen = partner.get(&format!("/registrations/{}", reg.id)).await.expect(200);
    assert_eq!(seen.body["sor_number"], "SOR-2026-000001");
    assert!(seen.body.get("conflicts").is_none());
    let inbox = partner.get("/notifications").await.expect(200);
    assert_eq!(
        inbox.body["items"][0]["subject"],
        "APPROVED: SOR-2026-000001 for Springfield School District"
    );
    // REG-5: the partner asks for more time, the manager grants it.
    let request = partner
        .send(
            reqwest::Method::POST,
            &format!("/registrations/{}/requests", reg.id),
            Some(&json!({"kind": "extension", "valid_through": "2027-04-30", "reason": "board meets in April"})),
            &[],
        )
        .await
        .expect(201);
    let request_id = request.body["id"].as_i64().unwrap();
    manager
        .post(&format!("/requests/{request_id}/approve"), &json!({}))
        .await
        .expect(200);
    let extended = partner.get(&format!("/registrations/{}", reg.id)).await.expect(200);
    assert_eq!(extended.body["valid_through"], "2027-04-30");
    let requests = partner
        .get(&format!("/registrations/{}/requests", reg.id))
        .await
        .expect(200);
    assert_eq!(requests.body[0]["status"], "approved");
    let won = partner
        .post(&format!("/registrations/{}/close", reg.id), &json!({"outcome": "won"}))
        .await
        .expect(200);
    assert_eq!(won.body["status"], "won");
    let history = partner
        .get(&format!("/registrations/{}/history", reg.id))
        .await
        .expect(200);
    let actions: Vec<&str> = history
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "registration.submit",
            "registration.approve",
            "request.create",
            "request.approve",
            "registration.close_won",
            "registration.orders_linked"
        ]
    );
    // REG-2: an administrator hands region West to the East manager; new filings go to them.
    let admin = app.client_for(&app.world.admin).await;
    let (west, east) = (app.world.west_manager.user_id, app.world.east_manager.user_id);
    let regions = admin.get("/regions").await.expect(200).body;
    let region = regions
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["manager_user_id"] == west)
        .cloned()
        .unwrap();
    let path = format!("/regions/{}/manager", region["id"]);
    let moved = admin.post(&path, &json!({"manager_user_id": east})).await.expect(200);
    assert_eq!(moved.body["manager_user_id"], east);
    admin
        .post(&path, &json!({"manager_user_id": app.world.partner_a.user_id}))
        .await
        .expect(422);
    manager.post(&path, &json!({"manager_user_id": west})).await.expect(403);
    let next = partner
        .submit(&registration_body("Shelbyville Community College", None, &["MB-200"]))
        .await;
    assert_eq!(next.approver_id, Some(east));
    app.stop().await;
}

async fn partners_learn_of_a_conflict_but_not_its_holder(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = app.client_for(&app.world.partner_a).await;
    let b = app.client_for(&app.world.partner_b).await;
    let manager = app.client_for(&app.world.west_manager).await;
    let check = json!({"customer": {"name": "Springfield Sch. Dist.", "city": "Springfield", "country": "US"}, "products": ["MB-100"]});
    assert_eq!(
        b.post("/registrations/check", &check).await.expect(200).body,
        json!({"status": "free"})
    );
    let first = a
        .submit(&registration_body(
            "Springfield School District, Inc.",
            None,
            &["MB-100"],
        ))
        .await;
    let answer = b.post("/registrations/check", &check).await.expect(200);
    assert_eq!(
        answer.body,
        json!({"status": "claimed"}),
        "only claimed or free, never by whom"
    );
    let second = b
        .submit(&registration_body("Springfield Sch. Dist.", None, &["MB-100"]))
        .await;
    let seen_by_b = b.get(&format!("/registrations/{}", second.id)).await.expect(200);
    assert_eq!(seen_by_b.body["possible_conflict"], true);
    assert!(seen_by_b.body.get("conflicts").is_none());
    let seen_by_manager = manager.get(&format!("/registrations/{}", second.id)).await.expect(200);
    assert_eq!(seen_by_manager.body["conflicts"][0]["registration_id"], first.id);
    assert_eq!(seen_by_manager.body["conflicts"][0]["partner_name"], "Northwind AV");
    let refused = manager
        .post(&format!("/registrations/{}/approve", second.id), &json!({}))
        .await
        .expect(409);
    assert_eq!(refused.body["matches"][0]["registration_id"], first.id);
    app.stop().await;
}

/// Issue 10: the segment decides the price without an SOR (ORD-3), so the OpenAPI document requires
/// it of a customer, and the parsers refuse a registration or an order without it; only the claim
/// check, whose answer is about the organisation, lets it out.
async fn the_document_and_the_parsers_agree_that_a_customer_names_its_segment(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let partner = app.client_for(&app.world.partner_a).await;
    let document = partner.get("/openapi.json").await.expect(200).body;
    let requires_segment = |schema: &Value| schema["required"].as_array().unwrap().contains(&json!("segment"));
    let schemas = &document["components"]["schemas"];
    assert!(requires_segment(&schemas["CustomerInput"]));
    for body in ["NewRegistrationInput", "OrderInput"] {
        let customer = &schemas[body]["properties"]["customer"];
        assert_eq!(customer["$ref"], "#/components/schemas/CustomerInput", "{body}");
    }
    assert!(!requires_segment(&schemas["ClaimCheckInput"]["properties"]["customer"]));

    let mut registration = registration_body("Springfield School District", None, &["MB-100"]);
    registration["customer"].as_object_mut().unwrap().remove("segment");
    let refused = partner.post("/registrations", &registration).await.expect(422);
    assert_eq!(refused.error_fields(), ["customer.segment"]);
    let mut order = super::order_body("PO-NO-SEGMENT", "Springfield School District", None, &[("MB-100", 1)]);
    order["customer"].as_object_mut().unwrap().remove("segment");
    let refused = partner.post("/orders", &order).await.expect(422);
    assert_eq!(refused.error_fields(), ["customer.segment"]);
    partner
        .post("/registrations/check", &json!({"customer": registration["customer"]}))
        .await
        .expect(200);
    app.stop().await;
}

/// Issue 13, defect 12: the end customer's contact is filed with the registration, answered to its
/// partner and its approver (not to another manager), and a bad e-mail address or phone number is a
/// 422 problem naming `customer_contact.email` / `.phone`; the document describes the contact.
async fn the_customer_contact_round_trips_and_bad_parts_are_named(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let partner = app.client_for(&app.world.partner_a).await;
    let manager = app.client_for(&app.world.west_manager).await;
    let other_manager = app.client_for(&app.world.east_manager).await;
    let mut body = registration_body("Springfield School District", None, &["MB-100"]);
    body["customer_contact"] = json!({"name": " Dana Whitfield ", "email": "Dana.Whitfield@Springfield.K12.il.us", "phone": "+1 (217) 555-0142"});
    let filed = partner.post("/registrations", &body).await.expect(201);
    let expected = json!({"name": "Dana Whitfield", "email": "dana.whitfield@springfield.k12.il.us", "phone": "+1 (217) 555-0142"});
    assert_eq!(filed.body["customer_contact"], expected);
    let path = format!("/registrations/{}", filed.body["id"]);
    assert_eq!(partner.get(&path).await.expect(200).body["customer_contact"], expected);
    assert_eq!(manager.get(&path).await.expect(200).body["customer_contact"], expected);
    assert_eq!(
        other_manager.get(&path).await.expect(200).body["customer_contact"],
        Value::Null
    );
    let listed = partner.get("/registrations").await.expect(200);
    assert_eq!(listed.body["items"][0]["customer_contact"], expected);

    body["customer_contact"] = json!({"name": "Dana", "email": "dana@", "phone": "call 555"});
    let refused = partner.post("/registrations", &body).await.expect(422);
    assert_eq!(
        refused.error_fields(),
        ["customer_contact.email", "customer_contact.phone"]
    );
    body["customer_contact"] = json!({"email": "dana@springfield.example"});
    let refused = partner.post("/registrations", &body).await.expect(422);
    assert_eq!(refused.error_fields(), ["customer_contact.name"]);

    let document = partner.get("/openapi.json").await.expect(200).body;
    let schemas = &document["components"]["schemas"];
    let contact = &schemas["NewRegistrationInput"]["properties"]["customer_contact"];
    assert!(contact.to_string().contains("ContactInput"), "{contact}");
    assert_eq!(schemas["ContactInput"]["properties"]["email"]["format"], "email");
    assert!(schemas["Registration"]["properties"]["customer_contact"].is_object());
    app.stop().await;
}
