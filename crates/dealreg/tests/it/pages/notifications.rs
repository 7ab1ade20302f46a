//! Notification pages: the unread count in the navigation, marking read, opening what a message is about.

use super::*;

testkit::on_both_backends!(notifications_are_counted_until_read,);

/// The navigation's "Notifications" with its number of unread messages.
fn nav_count(html: &str) -> Option<String> {
    let at = html.find("\">Notifications")? + "\">Notifications".len();
    let rest = &html[at..];
    rest.starts_with(" <span class=\"count\"")
        .then(|| rest[rest.find('>')? + 1..].split('<').next().map(str::to_owned))
        .flatten()
}

/// Issue 13, defect 10: every page counts the unread messages beside "Notifications"; the list
/// marks them; "Mark as read", "Open" (which shows the registration) and "Mark all as read" are
/// forms, and another person's message is not found.
async fn notifications_are_counted_until_read(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = &app.world;
    app.set_password(&w.partner_a, PASSWORD).await;
    app.set_password(&w.partner_b, PASSWORD).await;
    let partner = app.client_for(&w.partner_a).await;
    let manager = app.client_for(&w.west_manager).await;
    let mut regs = Vec::new();
    for name in [
        "Springfield School District",
        "Shelbyville Library",
        "Ogdenville Clinic",
    ] {
        let reg = partner.submit(&registration_body(name, None, &["MB-100"])).await;
        manager.approve(reg.id, &json!({"acknowledge_conflicts": true})).await;
        regs.push(reg.id);
    }
    let mut ann = Browser::new(&app);
    ann.sign_in(&w.partner_a.email, PASSWORD).await;
    for path in ["/", "/registrations", "/products"] {
        assert_eq!(nav_count(&ann.get(path).await.html).as_deref(), Some("3"), "{path}");
    }
    let list = ann.get("/notifications").await.html;
    assert_eq!(list.matches("<li class=\"unread\">").count(), 3);
    assert!(list.contains("3 unread.") && list.contains("Mark all as read"));
    // Newest first: the third approval is on top.
    let ids: Vec<String> = list
        .match_indices("/notifications/")
        .filter_map(|(i, _)| list[i + 15..].split('/').next().map(str::to_owned))
        .filter(|id| id.parse::<i64>().is_ok())
        .collect();
    let (newest, oldest) = (ids[0].clone(), ids.last().unwrap().clone());

    let marked = ann
        .post("/notifications", &format!("/notifications/{newest}/read"), &[])
        .await;
    assert_eq!(
        (marked.status, marked.location.as_deref()),
        (303, Some("/notifications"))
    );
    let list = ann.get("/notifications").await.html;
    assert_eq!(nav_count(&list).as_deref(), Some("2"));
    assert_eq!(list.matches("<li class=\"unread\">").count(), 2);

    // Opening a message reads it and shows what it is about.
    let opened = ann
        .post("/notifications", &format!("/notifications/{oldest}/open"), &[])
        .await;
    assert_eq!(opened.status, 303);
    assert_eq!(opened.location, Some(format!("/registrations/{}", regs[0])));
    assert_eq!(nav_count(&ann.get("/").await.html).as_deref(), Some("1"));

    // Someone else's message is not found, on a page that keeps the navigation.
    let mut bob = Browser::new(&app);
    bob.sign_in(&w.partner_b.email, PASSWORD).await;
    let foreign = ids[1].clone();
    for action in ["read", "open"] {
        let refused = bob
            .post("/notifications", &format!("/notifications/{foreign}/{action}"), &[])
            .await;
        assert_eq!(refused.status, 404, "{action}");
        assert!(refused.html.contains("aria-label=\"Main\""), "{action}");
    }
    assert_eq!(nav_count(&ann.get("/").await.html).as_deref(), Some("1"));

    let all = ann.post("/notifications", "/notifications/read", &[]).await;
    assert_eq!((all.status, all.location.as_deref()), (303, Some("/notifications")));
    let list = ann.get("/notifications").await.html;
    assert_eq!(nav_count(&list), None, "no count once all are read");
    assert!(!list.contains("<li class=\"unread\">") && !list.contains("Mark all as read"));
    app.stop().await;
}
