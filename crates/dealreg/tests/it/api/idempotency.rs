//! Idempotency keys over HTTP: a retried request gets the first answer.

use testkit::{Backend, TestApp, registration_body};

testkit::on_both_backends!(
    idempotency_key_replays_the_first_answer,
    every_operation_that_honours_a_key_documents_it
);

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

/// The OpenAPI document names the `Idempotency-Key` header on exactly the operations that honour
/// one. Which do is found by asking each operation with a malformed key: a handler that takes an
/// `IdempotencyKey` refuses it (400 naming the header) before it reads the body or does anything;
/// any other answers otherwise. Ids in paths are ones that do not exist, so nothing is changed.
async fn every_operation_that_honours_a_key_documents_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.client_for(&app.world.admin).await;
    let document = admin.get("/openapi.json").await.expect(200).body;
    let (mut honoured, mut documented) = (Vec::new(), Vec::new());
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if method == "get" {
                continue;
            }
            let name = format!("{} {path}", method.to_uppercase());
            let params = operation["parameters"].as_array().into_iter().flatten();
            if params
                .into_iter()
                .any(|p| p["in"] == "header" && p["name"] == "Idempotency-Key")
            {
                documented.push(name.clone());
            }
            let url = path.replace("{id}", "999999");
            let method: reqwest::Method = method.to_uppercase().parse().unwrap();
            let reply = admin
                .send(method, &url, None, &[("Idempotency-Key", "not a key")])
                .await;
            if reply.status == 400 && reply.error_fields() == ["Idempotency-Key"] {
                honoured.push(name);
            }
        }
    }
    assert!(honoured.len() >= 13, "{honoured:?}");
    assert_eq!(documented, honoured);
    app.stop().await;
}
