//! Users through the API: editing one with `PATCH /users/{id}`.

use serde_json::json;
use testkit::{Backend, TestApp};

testkit::on_both_backends!(administrators_patch_users_and_bad_fields_are_named);

/// Issue 13, defect 9: absent fields stay, a staff role leaves the partner behind, and every bad
/// field is named in the problem.
async fn administrators_patch_users_and_bad_fields_are_named(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.client_for(&app.world.admin).await;
    let ann = format!("/users/{}", app.world.partner_a.user_id);
    let renamed = admin
        .send(
            reqwest::Method::PATCH,
            &ann,
            Some(&json!({"display_name": "Ann Archer"})),
            &[],
        )
        .await
        .expect(200);
    assert_eq!(renamed.body["display_name"], "Ann Archer");
    assert_eq!(renamed.body["role"], "partner_user");
    assert_eq!(renamed.body["partner_id"], json!(app.world.partner_a.partner_id));
    let staff = admin
        .send(reqwest::Method::PATCH, &ann, Some(&json!({"role": "finance"})), &[])
        .await
        .expect(200);
    assert_eq!(
        (staff.body["role"].clone(), staff.body["partner_id"].clone()),
        (json!("finance"), json!(null))
    );
    let bad = admin
        .send(
            reqwest::Method::PATCH,
            &ann,
            Some(&json!({"email": "not an address", "display_name": " ", "role": "king"})),
            &[],
        )
        .await
        .expect(422);
    assert_eq!(bad.headers["content-type"], "application/problem+json");
    let fields: Vec<_> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["email", "display_name", "role"], "{}", bad.body);
    // Back to a partner role without naming one: the partner is asked for.
    let no_partner = admin
        .send(
            reqwest::Method::PATCH,
            &ann,
            Some(&json!({"role": "partner_user", "partner_id": null})),
            &[],
        )
        .await
        .expect(422);
    assert_eq!(no_partner.body["errors"][0]["field"], "partner_id");
    let manager = app.client_for(&app.world.west_manager).await;
    manager
        .send(reqwest::Method::PATCH, &ann, Some(&json!({"display_name": "X"})), &[])
        .await
        .expect(403);
    app.stop().await;
}
