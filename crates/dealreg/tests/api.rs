//! The JSON API end to end: the real server on port 0, over SQLite and over PostgreSQL.

use serde_json::{Value, json};
use testkit::{Backend, TestApp, registration_body};

macro_rules! on_both_backends {
    ($($case:ident),+ $(,)?) => {
        mod sqlite { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $case() { super::$case(testkit::Backend::Sqlite).await } )+ }
        mod postgres { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $case() { super::$case(testkit::Backend::Postgres).await } )+ }
    };
}

on_both_backends!(
    registration_lifecycle_over_http,
    bad_input_is_a_problem_and_changes_nothing,
    the_document_and_the_parsers_agree_that_a_customer_names_its_segment,
    idempotency_key_replays_the_first_answer,
    a_second_partner_reaches_nothing_of_the_first,
    partners_learn_of_a_conflict_but_not_its_holder,
    expiry_and_notifications_are_delivered_once,
    hostile_bodies_get_a_4xx_never_a_5xx,
    a_catalogue_of_bad_input_is_refused_field_by_field,
    orders_and_price_lists_over_http,
    every_endpoint_by_every_role_matches_the_authorization_matrix,
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
    let queue = manager.get("/registrations?status=submitted").await.expect(200);
    assert_eq!(queue.body["items"][0]["id"], reg.id);
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

async fn bad_input_is_a_problem_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let partner = app.client_for(&app.world.partner_a).await;
    let problem = partner
        .post("/registrations", &json!({"customer": {"name": "Acme"}, "products": []}))
        .await
        .expect(422);
    assert_eq!(problem.headers["content-type"], "application/problem+json");
    assert_eq!(
        problem.error_fields(),
        [
            "customer.country",
            "customer.segment",
            "products",
            "estimated_value",
            "expected_close_date"
        ]
    );
    let wrong_type = partner
        .post(
            "/registrations",
            &json!({"products": [{"sku": "MB-100", "quantity": "ten"}]}),
        )
        .await
        .expect(422);
    assert_eq!(wrong_type.error_fields(), ["products[0].quantity"]);
    let malformed = partner
        .send_raw("/registrations", "application/json", b"{\"customer\": ".to_vec())
        .await
        .expect(400);
    assert_eq!(malformed.body["type"], "/problems/malformed-json");
    partner
        .send_raw("/registrations", "text/plain", b"hello".to_vec())
        .await
        .expect(415);
    partner
        .send_raw("/registrations", "application/json", vec![b' '; 300 * 1024])
        .await
        .expect(413);
    let unknown_sku = partner
        .post("/registrations", &registration_body("Acme Corp", None, &["NOPE-1"]))
        .await
        .expect(422);
    assert_eq!(unknown_sku.error_fields(), ["products[0].sku"]);
    let past = partner
        .post("/registrations", &json!({"customer": {"name": "Acme", "country": "US", "segment": "commercial"}, "products": [{"sku": "MB-100", "quantity": 1}], "estimated_value": {"amount_minor": 100, "currency": "USD"}, "expected_close_date": "2026-01-01"}))
        .await
        .expect(422);
    assert_eq!(past.error_fields(), ["expected_close_date"]);
    partner.get("/registrations/abc").await.expect(400);
    partner.get("/registrations?limit=0").await.expect(422);
    partner.get("/registrations?status=pending").await.expect(422);
    partner.get("/no/such/route").await.expect(404);
    let anonymous = app.client(None).get("/registrations").await.expect(401);
    assert!(
        anonymous.headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    app.client(Some("drg_forged".into()))
        .get("/registrations")
        .await
        .expect(401);
    // A state change the lifecycle does not allow names what is allowed.
    let manager = app.client_for(&app.world.west_manager).await;
    let reg = partner
        .submit(&registration_body("Springfield School District", None, &["MB-100"]))
        .await;
    manager
        .post(&format!("/registrations/{}/decline", reg.id), &json!({}))
        .await
        .expect(422);
    manager
        .post(
            &format!("/registrations/{}/decline", reg.id),
            &json!({"reason": "out of territory"}),
        )
        .await
        .expect(200);
    let refused = manager
        .post(&format!("/registrations/{}/approve", reg.id), &json!({}))
        .await
        .expect(409);
    assert_eq!(refused.body["type"], "/problems/invalid-transition");
    assert_eq!(refused.body["allowed"], json!([]));
    // Nothing but the one valid registration was stored.
    let listed = partner.get("/registrations").await.expect(200);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
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
    let mut order = order_body("PO-NO-SEGMENT", "Springfield School District", None, &[("MB-100", 1)]);
    order["customer"].as_object_mut().unwrap().remove("segment");
    let refused = partner.post("/orders", &order).await.expect(422);
    assert_eq!(refused.error_fields(), ["customer.segment"]);
    partner
        .post("/registrations/check", &json!({"customer": registration["customer"]}))
        .await
        .expect(200);
    app.stop().await;
}

async fn idempotency_key_replays_the_first_answer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let partner = app.client_for(&app.world.partner_a).await;
    let body = registration_body("Springfield School District", None, &["MB-100"]);
    let key = [("Idempotency-Key", "reg-7f3a")];
    let first = partner
        .send(reqwest::Method::POST, "/registrations", Some(&body), &key)
        .await
        .expect(201);
    let again = partner
        .send(reqwest::Method::POST, "/registrations", Some(&body), &key)
        .await
        .expect(201);
    assert_eq!(first.body["id"], again.body["id"]);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    let other = registration_body("Shelbyville College", None, &["MB-100"]);
    let reused = partner
        .send(reqwest::Method::POST, "/registrations", Some(&other), &key)
        .await
        .expect(422);
    assert_eq!(reused.error_fields(), ["Idempotency-Key"]);
    let listed = partner.get("/registrations").await.expect(200);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    // Concurrent retries of one request create it once: the others wait (409) or replay it.
    let body = registration_body("Capital City Schools", None, &["MB-200"]);
    let retries: Vec<_> = (0..6)
        .map(|_| {
            let (partner, body) = (partner.clone(), body.clone());
            tokio::spawn(async move {
                partner
                    .send(
                        reqwest::Method::POST,
                        "/registrations",
                        Some(&body),
                        &[("Idempotency-Key", "reg-race")],
                    )
                    .await
            })
        })
        .collect();
    let mut created = std::collections::BTreeSet::new();
    for retry in retries {
        let reply = retry.await.unwrap();
        match reply.status.as_u16() {
            201 => {
                created.insert(reply.body["id"].as_i64().unwrap());
            }
            409 => assert_eq!(reply.body["type"], "/problems/request-in-progress"),
            other => panic!("unexpected {other}: {}", reply.body),
        }
    }
    assert_eq!(created.len(), 1, "{created:?}");
    let listed = partner.get("/registrations").await.expect(200);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 2);
    app.stop().await;
}

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
    let sor = reg_sor(&a, reg.id).await;
    let order = a
        .post(
            "/orders",
            &order_body("PO-SECRET", secret_customer, Some(&sor), &[("MB-100", 1)]),
        )
        .await
        .expect(201);
    let order_id = order.body["id"].as_i64().unwrap();
    let (_, doc) = web::api();
    let doc = serde_json::to_value(&doc).unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, _) in item.as_object().unwrap() {
            let concrete = if path.starts_with("/registrations/{id}") {
                path.replace("{id}", &reg.id.to_string())
            } else if path.starts_with("/orders/{id}") {
                path.replace("{id}", &order_id.to_string())
            } else if path.starts_with("/requests/{id}") {
                path.replace("{id}", &request_id.to_string())
            } else if path == "/partners/{id}" {
                path.replace("{id}", &app.world.partner_a.partner_id.unwrap().to_string())
            } else if path.starts_with("/users/{id}") {
                path.replace("{id}", &app.world.partner_a.user_id.to_string())
            } else if path.starts_with("/regions/{id}") {
                // Regions are the vendor's, listed to every partner: refused (403), not hidden.
                path.replace("{id}", "1")
            } else {
                assert!(
                    !path.contains('{'),
                    "{path} is new: teach this test which of partner A's records it addresses"
                );
                path.clone()
            };
            let body = body_for(method, path);
            let reply = b
                .send(method.to_uppercase().parse().unwrap(), &concrete, body.as_ref(), &[])
                .await;
            let text = reply.body.to_string();
            assert!(reply.status.as_u16() < 500, "{method} {concrete}: {}", reply.status);
            assert!(
                !text.contains(secret_customer) && !text.contains("Northwind AV"),
                "{method} {concrete} leaked: {text}"
            );
            if path.starts_with("/regions/{id}") {
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

/// A valid body for each operation, so that only access control can refuse it.
fn body_for(method: &str, path: &str) -> Option<Value> {
    if method != "post" && method != "put" {
        return None;
    }
    Some(match path {
        "/registrations" => registration_body("Partner B Prospect", None, &["MB-200"]),
        "/orders" => order_body("PO-B-1", "Partner B Prospect", None, &[("MB-200", 1)]),
        "/registrations/check" => json!({"customer": {"name": "Quixotic Secret Academy", "country": "US"}}),
        p if p.ends_with("/decline") => json!({"reason": "not mine to decide"}),
        p if p.ends_with("/close") => json!({"outcome": "lost"}),
        p if p.ends_with("/requests") => json!({"kind": "extension", "valid_through": "2027-06-01"}),
        "/partners" => json!({"name": "Sneaky AV", "level": "gold", "activation_stage": "ramp_up", "region_id": 1}),
        "/customers" => json!({"name": "Someone", "country": "US", "segment": "commercial"}),
        "/products" => {
            json!({"sku": "X-1", "name": "X", "category": "x", "list_price_minor": 1, "partner_price_minor": 1, "msrp_minor": 1, "rrsp_minor": 1, "currency": "USD"})
        }
        "/regions" => json!({"name": "Sneaky"}),
        "/regions/{id}/manager" => json!({"manager_user_id": 2}),
        "/users" => json!({"email": "sneaky@b.example", "display_name": "S", "role": "admin"}),
        "/settings" => {
            json!({"default_validity_days": 999, "max_validity_days": 1000, "reminder_days_before": 1, "time_zone": "UTC", "currency": "USD"})
        }
        _ => json!({}),
    })
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

async fn expiry_and_notifications_are_delivered_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let partner = app.client_for(&app.world.partner_a).await;
    let manager = app.client_for(&app.world.west_manager).await;
    let reg = partner
        .submit(&registration_body("Springfield School District", None, &["MB-100"]))
        .await;
    manager.approve(reg.id, &json!({})).await;
    let first = app.run_worker().await;
    assert_eq!(
        first.delivered, 2,
        "submitted (to the manager) and APPROVED (to the partner)"
    );
    assert_eq!(app.run_worker().await.delivered, 0);
    app.clock.set("2027-02-21T08:00:00Z".parse().unwrap());
    let pass = app.run_worker().await;
    assert_eq!((pass.expired, pass.reminders_queued, pass.delivered), (1, 0, 1));
    assert_eq!(
        partner.get(&format!("/registrations/{}", reg.id)).await.body["status"],
        "expired"
    );
    let mut files: Vec<String> = std::fs::read_dir(&app.outbox_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(files.len(), 3, "{files:?}");
    let approved = std::fs::read_to_string(
        app.outbox_dir
            .join(files.iter().find(|f| f.starts_with("approved")).unwrap()),
    )
    .unwrap();
    assert!(
        approved.contains("Subject: APPROVED: SOR-2026-000001 for Springfield School District"),
        "{approved}"
    );
    assert!(approved.contains("To: ann@northwind.example"));
    app.stop().await;
}

/// Every writing operation, fed hostile bodies by a partner and by an administrator: each answer is
/// 2xx or 4xx, never a 5xx, and the audit trail still verifies.
async fn hostile_bodies_get_a_4xx_never_a_5xx(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let partner = app.client_for(&app.world.partner_a).await;
    let admin = app.client_for(&app.world.admin).await;
    let reg = partner
        .submit(&registration_body("Springfield School District", None, &["MB-100"]))
        .await;
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let raw_bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        br#""just a string""#.to_vec(),
        br#"{"customer": {"name": 12}}"#.to_vec(),
        br#"{"products": [{"sku": "MB-100", "quantity": 1e308}]}"#.to_vec(),
        br#"{"products": [{"sku": "MB-100", "quantity": 99999999999999999999999}]}"#.to_vec(),
        br#"{"estimated_value": {"amount_minor": -9223372036854775808, "currency": "\u0000"}}"#.to_vec(),
        br#"{"expected_close_date": "+99999-01-01", "valid_through": "0000-00-00"}"#.to_vec(),
        br#"{"reason": "\ud800"}"#.to_vec(),
        "{\"name\": \"\u{202e}Ünïcødé 🚀 <b>&amp;</b> '; DROP TABLE users; --\", \"country\": \"ZZ\"}"
            .as_bytes()
            .to_vec(),
        deep.into_bytes(),
        vec![0xff, 0xfe, 0x00, 0x7b],
    ];
    let (_, doc) = web::api();
    let doc = serde_json::to_value(&doc).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, _) in item.as_object().unwrap() {
            if method != "post" && method != "put" {
                continue;
            }
            let concrete = path.replace("{id}", &reg.id.to_string());
            for client in [&partner, &admin] {
                for body in &raw_bodies {
                    let reply = client
                        .send_raw_with(method, &concrete, "application/json", body.clone())
                        .await;
                    assert!(
                        reply.status.as_u16() < 500,
                        "{method} {concrete} answered {} to {:?}: {}",
                        reply.status,
                        String::from_utf8_lossy(body),
                        reply.body
                    );
                }
            }
        }
    }
    assert_eq!(app.store().verify_audit().await.unwrap().first_bad_id, None);
    app.stop().await;
}

/// The catalogue of bad input (issue 5): each case is refused with a 4xx problem naming the bad
/// field, and afterwards nothing has changed — no registration, order or audit entry was added.
/// Metacharacters in an otherwise valid name are data: stored verbatim, not refused.
async fn a_catalogue_of_bad_input_is_refused_field_by_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let partner = app.client_for(&app.world.partner_a).await;
    let valid = registration_body("Springfield School District", None, &["MB-100"]);
    let with = |pointer: &str, value: Value| {
        let mut body = valid.clone();
        *body.pointer_mut(pointer).unwrap() = value;
        body
    };
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "negative quantity",
            with("/products/0/quantity", json!(-5)),
            "products[0].quantity",
        ),
        (
            "zero quantity",
            with("/products/0/quantity", json!(0)),
            "products[0].quantity",
        ),
        (
            "huge quantity",
            with("/products/0/quantity", json!(i64::MAX)),
            "products[0].quantity",
        ),
        (
            "quantity beyond i64",
            with("/products/0/quantity", json!(1e30)),
            "products[0].quantity",
        ),
        (
            "fractional quantity",
            with("/products/0/quantity", json!(2.5)),
            "products[0].quantity",
        ),
        (
            "negative amount",
            with("/estimated_value/amount_minor", json!(-100)),
            "estimated_value.amount_minor",
        ),
        (
            "huge amount",
            with("/estimated_value/amount_minor", json!(i64::MAX)),
            "estimated_value.amount_minor",
        ),
        (
            "amount as text",
            with("/estimated_value/amount_minor", json!("100")),
            "estimated_value.amount_minor",
        ),
        (
            "unknown currency",
            with("/estimated_value/currency", json!("XYZ1")),
            "estimated_value.currency",
        ),
        (
            "close date far away",
            with("/expected_close_date", json!("2999-12-31")),
            "expected_close_date",
        ),
        (
            "close date long past",
            with("/expected_close_date", json!("0001-01-01")),
            "expected_close_date",
        ),
        (
            "no such day",
            with("/expected_close_date", json!("2027-02-30")),
            "expected_close_date",
        ),
        (
            "six-digit year",
            with("/expected_close_date", json!("+10000-01-01")),
            "expected_close_date",
        ),
        (
            "control character in a name",
            with("/customer/name", json!("Acme\u{7}Corp")),
            "customer.name",
        ),
        (
            "NUL in a name",
            with("/customer/name", json!("Acme\u{0}")),
            "customer.name",
        ),
        (
            "name of only punctuation",
            with("/customer/name", json!("'; --")),
            "customer.name",
        ),
        (
            "name of 10,000 characters",
            with("/customer/name", json!("é".repeat(10_000))),
            "customer.name",
        ),
        ("blank name", with("/customer/name", json!(" \t ")), "customer.name"),
        (
            "unknown country",
            with("/customer/country", json!("ZZ")),
            "customer.country",
        ),
        (
            "domain that is not one",
            with("/customer/domain", json!("<script>")),
            "customer.domain",
        ),
        (
            "unknown segment",
            with("/customer/segment", json!("military")),
            "customer.segment",
        ),
        (
            "SKU with SQL",
            with("/products/0/sku", json!("MB-100' OR '1'='1")),
            "products[0].sku",
        ),
        (
            "products as an object",
            with("/products", json!({"sku": "MB-100"})),
            "products",
        ),
        ("no products", with("/products", json!([])), "products"),
        (
            "201 lines",
            with("/products", json!(vec![json!({"sku": "MB-100", "quantity": 1}); 201])),
            "products",
        ),
        (
            "description of 5,000 characters",
            with("/description", json!("x".repeat(5000))),
            "description",
        ),
    ];
    let admin = app.client_for(&app.world.admin).await;
    let before = app.store().verify_audit().await.unwrap().entries;
    for (label, body, field) in &cases {
        let reply = partner.post("/registrations", body).await;
        assert!(
            reply.status.is_client_error(),
            "{label}: answered {} {}",
            reply.status,
            reply.body
        );
        assert_eq!(reply.headers["content-type"], "application/problem+json", "{label}");
        assert!(
            reply.error_fields().iter().any(|f| f == field),
            "{label}: expected {field} among {:?}",
            reply.error_fields()
        );
    }
    let order = |lines: Value| json!({"po_number": "PO-BAD", "customer": valid["customer"], "lines": lines});
    let order_cases: Vec<(&str, Value, &str)> = vec![
        (
            "negative order quantity",
            order(json!([{"sku": "MB-100", "quantity": -1}])),
            "lines[0].quantity",
        ),
        (
            "huge order quantity",
            order(json!([{"sku": "MB-100", "quantity": 1_000_000_000_000i64}])),
            "lines[0].quantity",
        ),
        (
            "order line without SKU",
            order(json!([{"quantity": 1}])),
            "lines[0].sku",
        ),
        (
            "SOR number with SQL",
            json!({"po_number": "PO-BAD", "customer": valid["customer"], "sor_number": "SOR-2026-1; DROP TABLE orders", "lines": [{"sku": "MB-100", "quantity": 1}]}),
            "sor_number",
        ),
        (
            "PO number with a control character",
            json!({"po_number": "PO\u{1b}[31m", "customer": valid["customer"], "lines": [{"sku": "MB-100", "quantity": 1}]}),
            "po_number",
        ),
    ];
    for (label, body, field) in &order_cases {
        let reply = partner.post("/orders", body).await;
        assert!(
            reply.status.is_client_error(),
            "{label}: answered {} {}",
            reply.status,
            reply.body
        );
        assert!(
            reply.error_fields().iter().any(|f| f == field),
            "{label}: expected {field} among {:?}",
            reply.error_fields()
        );
    }
    assert_eq!(
        app.store().verify_audit().await.unwrap().entries,
        before,
        "nothing was written"
    );
    assert_eq!(admin.get("/registrations").await.expect(200).body["items"], json!([]));
    assert_eq!(admin.get("/orders").await.expect(200).body["items"], json!([]));
    // Quotes, semicolons and markup in a valid name are kept as written.
    let name = "O'Hara & Sons; DROP TABLE registrations; -- <b>Academy</b>";
    let stored = partner.submit(&with("/customer/name", json!(name))).await;
    let read = partner.get(&format!("/registrations/{}", stored.id)).await.expect(200);
    assert_eq!(read.body["customer"]["name"], name);
    assert_eq!(app.store().verify_audit().await.unwrap().first_bad_id, None);
    app.stop().await;
}

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
    assert_eq!(seen.body["products"][0]["ordered_quantity"], 2);
    assert_eq!(seen.body["orders"][0]["po_number"], "4500012345");
    app.stop().await;
}

/// The authorization matrix: every operation of the OpenAPI document, called by every role — an
/// administrator, the regional manager the records are routed to, another manager, order entry,
/// sales, finance, the owning partner and another partner — against partner A's records. The
/// statuses are a reviewed snapshot (`snapshots/api__authorization_matrix.snap`), the same on both
/// backends; a new endpoint adds a row and fails until its row is reviewed. Whatever the snapshot
/// says, another partner never gets a 2xx from an `{id}` route of A's, and nothing answers 5xx.
async fn every_endpoint_by_every_role_matches_the_authorization_matrix(backend: Backend) {
    let (_, doc) = web::api();
    let doc = serde_json::to_value(&doc).unwrap();
    let roles = [
        "admin",
        "manager",
        "other-mgr",
        "orders",
        "sales",
        "finance",
        "owner",
        "other",
    ];
    let mut columns: Vec<Vec<u16>> = Vec::new();
    let mut operations: Vec<String> = Vec::new();
    for role in roles {
        let app = TestApp::spawn(backend).await;
        let w = &app.world;
        let a = app.client_for(&w.partner_a).await;
        let reg = a
            .submit(&registration_body(
                "Matrix Academy",
                Some("matrix.example"),
                &["MB-100"],
            ))
            .await;
        app.client_for(&w.west_manager).await.approve(reg.id, &json!({})).await;
        let request = a
            .post(
                &format!("/registrations/{}/requests", reg.id),
                &json!({"kind": "extension", "valid_through": "2027-05-01"}),
            )
            .await
            .expect(201);
        let sor = reg_sor(&a, reg.id).await;
        let order = a
            .post(
                "/orders",
                &order_body("PO-M1", "Matrix Academy", Some(&sor), &[("MB-100", 1)]),
            )
            .await
            .expect(201);
        let staff = |email: &str, role: domain::Role| {
            let store = app.world.store.clone();
            let email = email.to_owned();
            async move {
                let user = store
                    .create_user(
                        None,
                        store::NewUserRecord {
                            email: domain::access::input::Email::parse(&email).unwrap(),
                            display_name: email.clone(),
                            role,
                            partner_id: None,
                            password_hash: None,
                        },
                        testkit::conformance::today(),
                    )
                    .await
                    .unwrap();
                domain::Actor {
                    user_id: user.id,
                    email,
                    role,
                    partner_id: None,
                }
            }
        };
        let actor = match role {
            "admin" => w.admin.clone(),
            "manager" => w.west_manager.clone(),
            "other-mgr" => w.east_manager.clone(),
            "orders" => w.order_entry.clone(),
            "sales" => staff("sales@vendor.example", domain::Role::Sales).await,
            "finance" => staff("finance@vendor.example", domain::Role::Finance).await,
            "owner" => w.partner_a.clone(),
            _ => w.partner_b.clone(),
        };
        let client = app.client_for(&actor).await;
        let ids = [
            ("/registrations/{id}", reg.id),
            ("/requests/{id}", request.body["id"].as_i64().unwrap()),
            ("/orders/{id}", order.body["id"].as_i64().unwrap()),
            ("/partners/{id}", w.partner_a.partner_id.unwrap()),
            ("/users/{id}", w.partner_a.user_id),
            ("/regions/{id}", 1),
        ];
        let mut column = Vec::new();
        operations.clear();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, _) in item.as_object().unwrap() {
                let concrete = match ids.iter().find(|(prefix, _)| path.starts_with(prefix)) {
                    Some((_, id)) => path.replace("{id}", &id.to_string()),
                    None => {
                        assert!(
                            !path.contains('{'),
                            "{path} is new: map its {{id}} to one of partner A's records"
                        );
                        path.clone()
                    }
                };
                let reply = if path.ends_with("/import") {
                    let header = match path.as_str() {
                        "/products/import" => "sku,name,category,currency,list_price,partner_price,msrp,rrsp\n",
                        "/partners/import" => "name,level,activation_stage,region\n",
                        _ => "name,country,segment\n",
                    };
                    client
                        .send_raw_with(method, &concrete, "text/csv", header.as_bytes().to_vec())
                        .await
                } else {
                    let body = body_for(method, path);
                    client
                        .send(method.to_uppercase().parse().unwrap(), &concrete, body.as_ref(), &[])
                        .await
                };
                let status = reply.status.as_u16();
                assert!(status < 500, "{role}: {method} {concrete}: {status} {}", reply.body);
                if role == "other" && path.contains('{') && !path.starts_with("/regions/") {
                    assert!(
                        !(200..300).contains(&status),
                        "another partner reached {method} {concrete}: {status}"
                    );
                }
                operations.push(format!("{} {path}", method.to_uppercase()));
                column.push(status);
            }
        }
        columns.push(column);
        app.stop().await;
    }
    let width = operations.iter().map(String::len).max().unwrap_or(0);
    let mut matrix = format!("{:width$}", "operation");
    for role in roles {
        matrix.push_str(&format!(" {role:>9}"));
    }
    matrix.push('\n');
    for (row, operation) in operations.iter().enumerate() {
        matrix.push_str(&format!("{operation:width$}"));
        for column in &columns {
            matrix.push_str(&format!(" {:>9}", column[row]));
        }
        matrix.push('\n');
    }
    insta::assert_snapshot!("authorization_matrix", matrix);
}
