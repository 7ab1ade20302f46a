//! A registration's discussion over the API: comments once per Idempotency-Key, files checked by
//! their content and size, downloaded as they were attached.

use super::{LETTER, attach_letter};
use serde_json::json;
use sha2::{Digest, Sha256};
use testkit::{Backend, TestApp, registration_body};

testkit::on_both_backends!(
    comments_and_files_travel_between_the_partner_and_its_manager,
    files_are_refused_by_content_size_and_name
);

async fn comments_and_files_travel_between_the_partner_and_its_manager(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = app.client_for(&app.world.partner_a).await;
    let manager = app.client_for(&app.world.west_manager).await;
    let reg = a
        .submit(&registration_body("Lakeside College", None, &["MB-100"]))
        .await;
    let path = format!("/registrations/{}/comments", reg.id);
    let ask = json!({"body": "The board votes on 2026-12-15.\r\nCan you decide before?"});
    let key = [("idempotency-key", "comment-1")];
    let first = a.send(reqwest::Method::POST, &path, Some(&ask), &key).await.expect(201);
    assert_eq!(
        first.body["body"],
        "The board votes on 2026-12-15.\nCan you decide before?"
    );
    let again = a.send(reqwest::Method::POST, &path, Some(&ask), &key).await.expect(201);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.body, first.body);
    let blank = a.post(&path, &json!({"body": "  "})).await.expect(422);
    assert_eq!(blank.error_fields(), ["body"]);
    manager
        .post(&path, &json!({"body": "Yes, on Friday."}))
        .await
        .expect(201);

    let attached = attach_letter(&a, reg.id).await.expect(201);
    assert_eq!(attached.body["kind"], "pdf");
    assert_eq!(attached.body["size_bytes"], LETTER.len());
    let sha256: String = Sha256::digest(LETTER).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(attached.body["sha256"], sha256);

    let discussion = manager
        .get(&format!("/registrations/{}/discussion", reg.id))
        .await
        .expect(200);
    let bodies: Vec<_> = discussion.body["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        bodies,
        [
            "The board votes on 2026-12-15.\nCan you decide before?",
            "Yes, on Friday."
        ]
    );
    assert_eq!(discussion.body["comments"][0]["author_role"], "partner_user");
    assert_eq!(discussion.body["attachments"][0]["file_name"], "LOI.pdf");

    let download = manager
        .get(&format!(
            "/registrations/{}/attachments/{}",
            reg.id, attached.body["id"]
        ))
        .await
        .expect(200);
    assert_eq!(download.headers["content-type"], "application/pdf");
    assert_eq!(
        download.headers["content-disposition"],
        "attachment; filename=\"LOI.pdf\"; filename*=UTF-8''LOI.pdf"
    );
    assert_eq!(download.body, String::from_utf8_lossy(LETTER).as_ref());
    // The manager heard of the partner's comment and the file; the partner of the manager's.
    let kinds = |reply: testkit::Reply| -> Vec<String> {
        reply.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["kind"].as_str().unwrap().to_owned())
            .filter(|k| k == "registration_discussed")
            .collect()
    };
    assert_eq!(kinds(manager.get("/notifications").await.expect(200)).len(), 2);
    assert_eq!(kinds(a.get("/notifications").await.expect(200)).len(), 1);
    app.stop().await;
}

async fn files_are_refused_by_content_size_and_name(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = app.client_for(&app.world.partner_a).await;
    let reg = a
        .submit(&registration_body("Lakeside College", None, &["MB-100"]))
        .await;
    let send = |name: &str, bytes: Vec<u8>| {
        let path = format!("/registrations/{}/attachments?file_name={name}", reg.id);
        let a = &a;
        async move { a.send_raw(&path, "application/pdf", bytes).await }
    };
    // A program named like a PDF, an empty file, no name.
    assert_eq!(
        send("invoice.pdf", b"MZ\x90\x00".to_vec())
            .await
            .expect(422)
            .error_fields(),
        ["file"]
    );
    assert_eq!(send("empty.pdf", Vec::new()).await.expect(422).error_fields(), ["file"]);
    assert_eq!(
        send("", LETTER.to_vec()).await.expect(422).error_fields(),
        ["file_name"]
    );
    // Over 10 MB: refused before it is read whole.
    let mut big = LETTER.to_vec();
    big.resize(10 * 1024 * 1024 + 1, b' ');
    let refused = send("big.pdf", big).await.expect(413);
    assert!(
        refused.body["detail"].as_str().unwrap().contains("10 MB"),
        "{}",
        refused.body
    );
    let discussion = a
        .get(&format!("/registrations/{}/discussion", reg.id))
        .await
        .expect(200);
    assert_eq!(discussion.body["attachments"], json!([]));
    app.stop().await;
}
