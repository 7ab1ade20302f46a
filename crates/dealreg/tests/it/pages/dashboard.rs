//! The dashboard: what needs each person today.

use super::*;

testkit::on_both_backends!(a_partner_sees_what_needs_them_today);

/// Issue 13 ("also expected"): a partner's dashboard answers "what needs me today" — the manager's
/// question waiting for an answer, the deal past its expected close whose outcome is due, the SOR
/// ending soon — and the manager's shows the partner's answer in turn.
async fn a_partner_sees_what_needs_them_today(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = &app.world;
    let a = app.client_for(&w.partner_a).await;
    let manager = app.client_for(&w.west_manager).await;
    let mut ann = Browser::new(&app);
    let mut wendy = Browser::new(&app);
    for (browser, person) in [(&mut ann, &w.partner_a), (&mut wendy, &w.west_manager)] {
        app.set_password(person, PASSWORD).await;
        browser.sign_in(&person.email, PASSWORD).await;
    }
    let calm = visible_text(&ann.get("/").await.html);
    assert!(calm.contains("Nothing needs you today"), "{calm}");

    // Filed on 2026-11-22, expected to close on 2027-01-31, approved for 90 days (to 2027-02-19).
    let reg = a
        .submit(&registration_body("Lakeside College", None, &["MB-100"]))
        .await;
    manager.approve(reg.id, &json!({})).await;
    manager
        .post(
            &format!("/registrations/{}/comments", reg.id),
            &json!({"body": "Which campus is this for?\nThe other one is registered already."}),
        )
        .await
        .expect(201);
    let today = visible_text(&ann.get("/").await.html);
    assert!(!today.contains("Nothing needs you today"), "{today}");
    assert!(today.contains("Waiting for your reply"), "{today}");
    assert!(today.contains("wrote “Which campus is this for?…”"), "{today}");
    assert!(
        !today.contains("report won or lost"),
        "not due before 2027-01-31: {today}"
    );

    // On 2027-02-15 the deal should have closed, and the SOR ends within the reminder window.
    app.clock.set("2027-02-15T10:00:00Z".parse().unwrap());
    let later = ann.get("/").await.html;
    let text = visible_text(&later);
    assert!(text.contains("Expected to have closed: report won or lost"), "{text}");
    assert!(text.contains("expected to close 2027-01-31"), "{text}");
    assert!(later.contains(&format!("href=\"/registrations/{}#outcome\"", reg.id)));
    assert!(text.contains("SORs ending soon"), "{text}");

    // Ann answers: the question leaves her dashboard and waits on Wendy's.
    let page = format!("/registrations/{}", reg.id);
    ann.post(&page, &format!("{page}/comments"), &[("body", "The north campus.")])
        .await;
    let text = visible_text(&ann.get("/").await.html);
    assert!(!text.contains("Waiting for your reply"), "{text}");
    let text = visible_text(&wendy.get("/").await.html);
    assert!(text.contains("wrote “The north campus.”"), "{text}");

    // Ann asks to extend from the dashboard: while the request waits, the SOR is not offered again.
    let html = ann.get("/").await.html;
    let offered = html.split("Ask to extend to ").nth(1).expect("an extension offered");
    let to = &offered[..10];
    ann.post("/", &format!("{page}/extend"), &[("valid_through", to)]).await;
    let text = visible_text(&ann.get("/").await.html);
    assert!(!text.contains("SORs ending soon"), "{text}");
    assert!(text.contains("Expected to have closed: report won or lost"), "{text}");
    app.stop().await;
}
