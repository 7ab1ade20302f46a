//! Bad and hostile input: problems that name the field, never a 5xx, nothing changed.

use serde_json::{Value, json};
use testkit::{Backend, TestApp, registration_body};

testkit::on_both_backends!(
    bad_input_is_a_problem_and_changes_nothing,
    hostile_bodies_get_a_4xx_never_a_5xx,
    a_catalogue_of_bad_input_is_refused_field_by_field
);

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
            if !["post", "put", "patch"].contains(&method.as_str()) {
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
