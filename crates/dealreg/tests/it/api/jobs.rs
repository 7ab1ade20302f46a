//! The worker over HTTP: expiry and notifications delivered once.

use serde_json::json;
use testkit::{Backend, TestApp, registration_body};

testkit::on_both_backends!(expiry_and_notifications_are_delivered_once);

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
