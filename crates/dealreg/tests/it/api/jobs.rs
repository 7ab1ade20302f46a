//! The worker over HTTP: expiry and notifications delivered once.

use serde_json::json;
use testkit::{Backend, TestApp, registration_body};

testkit::on_both_backends!(
    expiry_and_notifications_are_delivered_once,
    notifications_are_marked_read_by_their_recipient_only
);

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

/// Issue 13, defect 10: each notification says whether it was read; its recipient marks one or all
/// read, anyone else's answers 404 and stays unread.
async fn notifications_are_marked_read_by_their_recipient_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let partner = app.client_for(&app.world.partner_a).await;
    let other = app.client_for(&app.world.partner_b).await;
    let manager = app.client_for(&app.world.west_manager).await;
    for name in ["Springfield School District", "Shelbyville Library"] {
        let reg = partner.submit(&registration_body(name, None, &["MB-100"])).await;
        manager.approve(reg.id, &json!({"acknowledge_conflicts": true})).await;
    }
    let listed = partner.get("/notifications").await.body;
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|n| n["read_at"].is_null()), "{listed}");
    let first = items[0]["id"].as_i64().unwrap();
    let path = format!("/notifications/{first}/read");
    for stranger in [&other, &manager] {
        stranger.post(&path, &json!({})).await.expect(404);
    }
    partner.post("/notifications/999999/read", &json!({})).await.expect(404);
    partner.post("/notifications/abc/read", &json!({})).await.expect(400);
    let read = partner.post(&path, &json!({})).await.expect(200);
    assert_eq!(read.body["id"], first);
    assert_eq!(read.body["read_at"], "2026-11-22T10:00:00Z");
    let all = partner.post("/notifications/read", &json!({})).await.expect(200);
    assert_eq!(all.body["marked"], 1, "only the one still unread");
    let listed = partner.get("/notifications").await.body;
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["read_at"].is_string())
    );
    // Paging back: the page before the older message is the newer one.
    let older = listed["items"][1]["id"].as_i64().unwrap();
    let newer = partner.get(&format!("/notifications?before={older}")).await.body;
    assert_eq!(newer["items"].as_array().unwrap().len(), 1);
    assert_eq!(newer["items"][0]["id"], first);
    assert_eq!(newer["next_cursor"], first.to_string());
    let both = partner.get("/notifications?cursor=5&before=3").await;
    assert!(both.body.to_string().contains("before"), "{}", both.body);
    assert!(both.status.is_client_error());
    // The manager's own messages were not touched by the partner's "mark all".
    let theirs = manager.get("/notifications").await.body;
    assert!(
        theirs["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["read_at"].is_null())
    );
    app.stop().await;
}
