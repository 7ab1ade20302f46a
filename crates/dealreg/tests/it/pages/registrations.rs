//! Registration pages: refused actions stay on their page, in plain words, with the input kept.

use super::*;

testkit::on_both_backends!(
    refused_actions_stay_on_their_page_in_plain_words,
    lists_page_newer_and_older_with_their_filters,
    the_queue_narrows_by_region_and_waiting_time,
);

/// Issue 13, defects 1, 2, 3 and 5: a description typed on several lines files; every refused
/// action comes back to the registration's page with the navigation, the message beside its field
/// in a person's words and what was typed; a pending extension waits in the manager's queue.
async fn refused_actions_stay_on_their_page_in_plain_words(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = &app.world;
    app.set_password(&w.partner_a, PASSWORD).await;
    app.set_password(&w.partner_b, PASSWORD).await;
    app.set_password(&w.west_manager, PASSWORD).await;
    let file = |customer: &'static str| {
        vec![
            ("customer_name", customer),
            ("city", "Springfield"),
            ("country", "US"),
            ("segment", "education"),
            ("value", "35,000.00"),
            ("expected_close", "2027-03-31"),
            ("description", "Board approved.\r\nRollout in two phases."),
            ("sku_0", "MB-100"),
            ("qty_0", "30"),
        ]
    };
    let mut ann = Browser::new(&app);
    ann.sign_in(&w.partner_a.email, PASSWORD).await;
    let filed = ann
        .post(
            "/registrations/new",
            "/registrations/new",
            &file("Springfield School District"),
        )
        .await;
    assert_eq!(filed.status, 303, "{}", filed.html);
    let first = filed.location.unwrap();
    // Right after filing, the page says what happens next.
    assert!(ann.get(&first).await.html.contains("decides; you get an e-mail"));
    let first = first.split('?').next().unwrap().to_owned();
    let mut bob = Browser::new(&app);
    bob.sign_in(&w.partner_b.email, PASSWORD).await;
    let clash = bob
        .post(
            "/registrations/new",
            "/registrations/new",
            &file("Springfield Sch. District"),
        )
        .await;
    let clash = clash.location.expect("filed").split('?').next().unwrap().to_owned();

    let mut wendy = Browser::new(&app);
    wendy.sign_in(&w.west_manager.email, PASSWORD).await;
    // The first-filed registration names the one filed since.
    let shown = wendy.get(&first).await;
    assert!(shown.html.contains(&clash), "the match filed later shows on the first");
    assert!(visible_text(&shown.html).contains("Board approved.\nRollout in two phases."));
    // Approving the later one without acknowledging: back on its page, the box to tick named.
    let approve = format!("{clash}/approve");
    let refused = wendy
        .post(&clash, &approve, &[("validity_days", "90"), ("note", "strong fit")])
        .await;
    assert_eq!(refused.status, 409);
    assert!(
        refused.html.contains("These are different opportunities"),
        "{}",
        refused.html
    );
    assert!(refused.html.contains("value=\"strong fit\""), "the note is kept");
    assert!(refused.html.contains("aria-label=\"Main\""), "the navigation stays");
    // A validity that is not a number.
    let bad_days = wendy.post(&clash, &approve, &[("validity_days", "ninety")]).await;
    assert_eq!(bad_days.status, 422);
    assert!(bad_days.html.contains("whole number") && bad_days.html.contains("value=\"ninety\""));
    // Declining without a reason.
    let no_reason = wendy
        .post(&clash, &format!("{clash}/decline"), &[("reason", " ")])
        .await;
    assert_eq!(no_reason.status, 422);
    assert!(no_reason.html.contains("Give the partner a reason"));
    for page in [&refused, &bad_days, &no_reason] {
        let text = visible_text(&page.html);
        for code in [
            "acknowledge_conflicts",
            "validity_days",
            "reason: is",
            "(HTTP",
            "is required",
        ] {
            assert!(!text.contains(code), "{code} on the page: {text}");
        }
    }
    // Approved; an amount typed as "12,5" is refused beside its field, kept as typed.
    assert_eq!(
        wendy
            .post(&first, &format!("{first}/approve"), &[("validity_days", "90")])
            .await
            .status,
        303
    );
    let bad_value = ann.post(&first, &format!("{first}/update"), &[("value", "12,5")]).await;
    assert_eq!(bad_value.status, 422);
    assert!(bad_value.html.contains("is not an amount like 12,000.50") && bad_value.html.contains("value=\"12,5\""));
    // An extension; a second one while the first waits is refused on the page, saying why.
    let extend = format!("{first}/extend");
    let asked = ann
        .post(
            &first,
            &extend,
            &[("valid_through", "2027-04-30"), ("reason", "board meets")],
        )
        .await;
    assert_eq!(asked.status, 303);
    let page = ann.get(&first).await;
    assert!(
        !page.html.contains(&format!("action=\"{extend}\"")),
        "no second extension on offer"
    );
    let again = ann.post(&first, &extend, &[("valid_through", "2027-05-31")]).await;
    assert_eq!(again.status, 409);
    assert!(again.html.contains("aria-label=\"Main\""));
    assert!(
        again.html.contains("class=\"field-error\""),
        "the refusal is shown: {}",
        again.html
    );
    // The request waits in the manager's queue and on the dashboard, as old → new.
    let queue = wendy.get("/queue").await;
    assert!(queue.html.contains("Extension"), "{}", queue.html);
    assert!(wendy.get("/").await.html.contains("Extension request"));
    let detail = visible_text(&wendy.get(&first).await.html);
    assert!(detail.contains("Valid through 2027-02-20 → 2027-04-30"), "{detail}");
    assert!(!detail.contains("\"kind\""), "no raw JSON: {detail}");
    app.stop().await;
}

/// The pager's link `rel` ("prev" or "next"), unescaped, with its label.
fn pager_link(html: &str, rel: &str) -> Option<(String, String)> {
    let start = html.find(&format!("rel=\"{rel}\">"))?;
    let href_at = html[..start].rfind("href=\"")? + 6;
    let href = html[href_at..]
        .split('"')
        .next()?
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    let label = html[start..].split('>').nth(1)?.split('<').next()?.to_owned();
    Some((href, label))
}

/// Registration ids in the order a list page shows them.
fn listed_ids(html: &str) -> Vec<String> {
    html.split("<td data-label=\"#\"><a href=\"/registrations/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_owned))
        .collect()
}

/// Issue 13, defect 10: a list pages "Older" and back "Newer" (and the other way round when
/// oldest first), the search and the order kept in the links; notifications page the same way.
async fn lists_page_newer_and_older_with_their_filters(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = &app.world;
    app.set_password(&w.partner_a, PASSWORD).await;
    app.set_password(&w.west_manager, PASSWORD).await;
    let partner = app.client_for(&w.partner_a).await;
    for i in 0..53 {
        let name = format!("Paged Academy {i}");
        partner.submit(&registration_body(&name, None, &["MB-100"])).await;
    }
    partner
        .submit(&registration_body("Unrelated Clinic", None, &["MB-100"]))
        .await;
    let mut ann = Browser::new(&app);
    ann.sign_in(&w.partner_a.email, PASSWORD).await;
    for (sort, earlier, later) in [("newest", "Newer", "Older"), ("oldest", "Older", "Newer")] {
        let first = ann.get(&format!("/registrations?q=paged&sort={sort}")).await.html;
        let first_ids = listed_ids(&first);
        assert_eq!(first_ids.len(), 50, "{sort}");
        assert_eq!(
            pager_link(&first, "prev"),
            None,
            "{sort}: nothing before the first page"
        );
        let (href, label) = pager_link(&first, "next").expect("a second page");
        assert_eq!(label, format!("{later} →"));
        assert!(
            href.contains("q=paged") && href.contains(&format!("sort={sort}")),
            "{href}"
        );
        let second = ann.get(&href).await.html;
        assert_eq!(listed_ids(&second).len(), 3, "{sort}: the rest, without the clinic");
        assert!(second.contains("value=\"paged\""), "the search stays in the form");
        assert_eq!(pager_link(&second, "next"), None);
        let (back, label) = pager_link(&second, "prev").expect("a way back");
        assert_eq!(label, format!("← {earlier}"));
        assert!(back.contains("q=paged") && back.contains("before="), "{back}");
        assert_eq!(
            listed_ids(&ann.get(&back).await.html),
            first_ids,
            "{sort}: back to the same page"
        );
    }
    // The manager was told of each filing: 54 messages, two pages.
    let mut wendy = Browser::new(&app);
    wendy.sign_in(&w.west_manager.email, PASSWORD).await;
    let first = wendy.get("/notifications").await.html;
    let (older, _) = pager_link(&first, "next").expect("older messages");
    let second = wendy.get(&older).await.html;
    assert_eq!(second.matches("<li class=\"unread\">").count(), 4);
    let (newer, label) = pager_link(&second, "prev").expect("newer messages");
    assert_eq!(label, "← Newer");
    assert_eq!(
        wendy.get(&newer).await.html.matches("<li class=\"unread\">").count(),
        50
    );
    app.stop().await;
}

/// Issue 13, defect 10: the approval queue narrows by the partner's region and by how many business
/// days a registration has waited, the choices kept in the form.
async fn the_queue_narrows_by_region_and_waiting_time(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = &app.world;
    // The test clock's today is Sunday 2026-11-22.
    let filings = [
        (&w.partner_a, "Alder Academy", "2026-11-09T10:00:00Z"),
        (&w.partner_c, "Cedar College", "2026-11-20T10:00:00Z"),
        (&w.partner_b, "Birch Bureau", "2026-11-22T09:00:00Z"),
    ];
    for (partner, customer, at) in filings {
        app.clock.set(at.parse().unwrap());
        let client = app.client_for(partner).await;
        client.submit(&registration_body(customer, None, &["MB-100"])).await;
    }
    app.clock.set("2026-11-22T10:00:00Z".parse().unwrap());
    let (west, east) = (region_id(&app, "West").await, region_id(&app, "East").await);
    let mut admin = admin_browser(&app).await;
    let shown = |html: &str| -> Vec<&'static str> {
        ["Alder Academy", "Cedar College", "Birch Bureau"]
            .into_iter()
            .filter(|c| html.contains(c))
            .collect()
    };
    let all = admin.get("/queue").await.html;
    assert_eq!(shown(&all), ["Alder Academy", "Cedar College", "Birch Bureau"]);
    let east_only = admin.get(&format!("/queue?region={east}")).await.html;
    assert_eq!(shown(&east_only), ["Cedar College"]);
    assert!(east_only.contains(&format!("<option value=\"{east}\" selected>East</option>")));
    let waited = admin.get("/queue?waiting=5").await.html;
    assert_eq!(shown(&waited), ["Alder Academy"], "filed 9 business days ago");
    assert!(waited.contains("<option value=\"5\" selected>More than 5 business days</option>"));
    let both = admin
        .get(&format!("/queue?region={west}&waiting=2&sort=conflicts"))
        .await
        .html;
    assert_eq!(shown(&both), ["Alder Academy"]);
    assert!(both.contains("<option value=\"conflicts\" selected>"));
    let none = admin.get("/queue?waiting=10").await.html;
    assert_eq!(
        shown(&none),
        Vec::<&str>::new(),
        "filed on the tenth business day back, not before"
    );
    assert!(none.contains("No registration waiting matches these filters."));
    assert!(none.contains("href=\"/queue\">Show everything waiting"));
    app.stop().await;
}
