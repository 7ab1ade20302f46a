//! Registration pages: refused actions stay on their page, in plain words, with the input kept.

use super::*;

testkit::on_both_backends!(
    refused_actions_stay_on_their_page_in_plain_words,
    partner_and_manager_discuss_a_registration_on_its_page,
    the_form_adds_and_removes_lines_and_keeps_what_was_typed,
    a_refused_form_keeps_lines_country_and_contact_and_the_contact_shows_on_the_record,
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
    let confirmation = visible_text(&ann.get(&first).await.html);
    assert!(
        confirmation.contains("approves or declines it, and you get an e-mail")
            && confirmation.contains("put the SOR number on your purchase orders"),
        "{confirmation}"
    );
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

/// The product line `row` of a form page as typed: its product and quantity fields' values.
fn line_values(html: &str, row: usize) -> Option<(String, String)> {
    let value = |id: String| {
        let at = html.find(&format!("id=\"{id}\""))?;
        let rest = &html[at..];
        let start = rest.find("value=\"")? + 7;
        Some(rest[start..start + rest[start..].find('"')?].to_owned())
    };
    Some((value(format!("sku_{row}"))?, value(format!("qty_{row}"))?))
}

const BOARD: &str = "MB-100 — MimioBoard 100 interactive display";

/// Issue 13, defect 12: the form starts with one product line and nothing chosen for the partner;
/// "Add a product" and "Remove" (plain submit buttons, so they work without JavaScript) bring the
/// form back with everything typed, one line more or less, and file nothing.
async fn the_form_adds_and_removes_lines_and_keeps_what_was_typed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = &app.world;
    app.set_password(&w.partner_a, PASSWORD).await;
    let mut ann = Browser::new(&app);
    ann.sign_in(&w.partner_a.email, PASSWORD).await;
    let fresh = ann.get("/registrations/new").await.html;
    assert_eq!(line_values(&fresh, 0), Some((String::new(), String::new())));
    assert_eq!(line_values(&fresh, 1), None, "one line to start with");
    assert!(
        !fresh.contains(" selected>"),
        "no country or segment chosen for the partner"
    );
    assert!(fresh.contains(&format!("<option value=\"{BOARD}\" label=\"Displays\">")));
    assert!(fresh.contains("<option value=\"DE\">Germany</option>"));
    let typed = [
        ("customer_name", "Stadtschule Köln"),
        ("country", "DE"),
        ("segment", "education"),
        ("contact_name", "Jana Vogel"),
        ("contact_email", "jana.vogel@stadtschule.example"),
        ("value", "12,000.50"),
        ("sku_0", BOARD),
        ("qty_0", "3"),
    ];
    let mut add = typed.to_vec();
    add.push(("add_line", "1"));
    let added = ann.post("/registrations/new", "/registrations/new", &add).await;
    assert_eq!(added.status, 200, "nothing filed: the form again");
    assert_eq!(line_values(&added.html, 0), Some((BOARD.to_owned(), "3".to_owned())));
    assert_eq!(line_values(&added.html, 1), Some((String::new(), String::new())));
    for kept in [
        "value=\"Stadtschule Köln\"",
        "<option value=\"DE\" selected>Germany</option>",
        "value=\"Jana Vogel\"",
        "value=\"jana.vogel@stadtschule.example\"",
        "value=\"12,000.50\"",
    ] {
        assert!(added.html.contains(kept), "{kept} kept");
    }
    assert!(added.html.contains("aria-label=\"Main\""));
    let mut three = typed.to_vec();
    three.extend([("sku_1", "MB-200"), ("qty_1", "4"), ("sku_2", "PEN-2"), ("qty_2", "20")]);
    three.push(("remove_line", "0"));
    let removed = ann.post("/registrations/new", "/registrations/new", &three).await;
    assert_eq!(removed.status, 200);
    assert_eq!(
        line_values(&removed.html, 0),
        Some(("MB-200".to_owned(), "4".to_owned()))
    );
    assert_eq!(
        line_values(&removed.html, 1),
        Some(("PEN-2".to_owned(), "20".to_owned()))
    );
    assert_eq!(line_values(&removed.html, 2), None, "one line fewer");
    assert!(removed.html.contains("value=\"Jana Vogel\""));
    let listed = app
        .store()
        .list_registrations(&w.admin, Default::default(), store::PageRequest::first(10))
        .await
        .unwrap();
    assert!(listed.items.is_empty(), "adding and removing lines files nothing");
    app.stop().await;
}

/// Issue 13, defect 12: a refused form comes back with its lines, the country chosen and the
/// contact, each problem beside its field in words (an unknown product beside its line); filed, the
/// contact shows on the registration's page to its partner and its approver, never to others, and
/// the country by its name.
async fn a_refused_form_keeps_lines_country_and_contact_and_the_contact_shows_on_the_record(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = &app.world;
    for person in [&w.partner_a, &w.partner_b, &w.west_manager, &w.east_manager] {
        app.set_password(person, PASSWORD).await;
    }
    let mut ann = Browser::new(&app);
    ann.sign_in(&w.partner_a.email, PASSWORD).await;
    let mut form = vec![
        ("customer_name", "Stadtschule Köln"),
        ("city", "Köln"),
        ("country", "DE"),
        ("segment", "education"),
        ("contact_name", "Jana Vogel"),
        ("contact_email", "jana@"),
        ("contact_phone", "call me"),
        ("value", "12,000.50"),
        ("expected_close", "2027-03-31"),
        ("sku_0", BOARD),
        ("qty_0", "3"),
        ("sku_1", "Whiteboard deluxe"),
        ("qty_1", "1"),
    ];
    let refused = ann.post("/registrations/new", "/registrations/new", &form).await;
    assert_eq!(refused.status, 422);
    let html = &refused.html;
    assert!(
        html.contains(
            "id=\"sku_1-error\">“Whiteboard deluxe” is not on the price list: choose a product from the list."
        ),
        "{html}"
    );
    assert!(
        html.contains("id=\"contact_email-error\">&#x27;jana@&#x27; is not an e-mail address.")
            || html.contains("id=\"contact_email-error\">&#39;jana@&#39; is not an e-mail address."),
        "{html}"
    );
    assert!(html.contains("id=\"contact_phone-error\">"), "{html}");
    assert_eq!(line_values(html, 0), Some((BOARD.to_owned(), "3".to_owned())));
    assert_eq!(
        line_values(html, 1),
        Some(("Whiteboard deluxe".to_owned(), "1".to_owned()))
    );
    for kept in [
        "<option value=\"DE\" selected>Germany</option>",
        "value=\"Jana Vogel\"",
        "value=\"jana@\"",
        "value=\"call me\"",
    ] {
        assert!(html.contains(kept), "{kept} kept");
    }
    let text = visible_text(html);
    assert!(
        !text.contains("customer_contact") && !text.contains("products["),
        "{text}"
    );

    form.retain(|(field, _)| !["contact_email", "contact_phone", "sku_1", "qty_1"].contains(field));
    form.extend([
        ("contact_email", "Jana.Vogel@stadtschule.example"),
        ("contact_phone", "+49 221 555 0100"),
        ("sku_1", "pen-2"),
        ("qty_1", "20"),
    ]);
    let filed = ann.post("/registrations/new", "/registrations/new", &form).await;
    assert_eq!(filed.status, 303, "{}", filed.html);
    let page = filed.location.unwrap().split('?').next().unwrap().to_owned();
    let shown = visible_text(&ann.get(&page).await.html);
    for seen in [
        "Jana Vogel",
        "jana.vogel@stadtschule.example",
        "+49 221 555 0100",
        "Germany",
        "PEN-2",
        "MB-100",
    ] {
        assert!(shown.contains(seen), "{seen} on the partner's page: {shown}");
    }
    let mut wendy = Browser::new(&app);
    wendy.sign_in(&w.west_manager.email, PASSWORD).await;
    assert!(
        wendy.get(&page).await.html.contains("jana.vogel@stadtschule.example"),
        "the approver sees it"
    );
    let mut east = Browser::new(&app);
    east.sign_in(&w.east_manager.email, PASSWORD).await;
    let not_theirs = east.get(&page).await;
    assert_eq!(not_theirs.status, 200);
    assert!(!not_theirs.html.contains("Jana Vogel"), "another manager does not");
    let mut bob = Browser::new(&app);
    bob.sign_in(&w.partner_b.email, PASSWORD).await;
    let hidden = bob.get(&page).await;
    assert_eq!(hidden.status, 404);
    assert!(!hidden.html.contains("Jana Vogel"));
    let csv = ann.get("/registrations.csv").await.html;
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .contains("contact_name,contact_email,contact_phone"),
        "{csv}"
    );
    assert!(
        csv.contains("Jana Vogel,jana.vogel@stadtschule.example,'+49 221 555 0100"),
        "{csv}"
    );
    app.stop().await;
}

/// Issue 13 ("also expected"): the partner and its manager comment and attach files on the
/// registration's page; a refused comment or file stays on the page beside its field with what was
/// typed; another partner finds neither the page nor the file.
async fn partner_and_manager_discuss_a_registration_on_its_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = &app.world;
    let reg = app
        .client_for(&w.partner_a)
        .await
        .submit(&registration_body("Lakeside College", None, &["MB-100"]))
        .await;
    let page = format!("/registrations/{}", reg.id);
    let mut ann = Browser::new(&app);
    let mut wendy = Browser::new(&app);
    let mut bob = Browser::new(&app);
    for (browser, person) in [
        (&mut ann, &w.partner_a),
        (&mut wendy, &w.west_manager),
        (&mut bob, &w.partner_b),
    ] {
        app.set_password(person, PASSWORD).await;
        browser.sign_in(&person.email, PASSWORD).await;
    }
    let comments = format!("{page}/comments");
    let posted = ann
        .post(
            &page,
            &comments,
            &[("body", "The board votes on 15 December.\r\nCan you decide before?")],
        )
        .await;
    assert_eq!(
        (posted.status, posted.location.as_deref()),
        (303, Some(format!("{page}#discussion").as_str()))
    );
    // A blank comment: the page again, its navigation, the message beside the field.
    let blank = ann.post(&page, &comments, &[("body", "   ")]).await;
    assert_eq!(blank.status, 422);
    assert!(blank.html.contains("<nav"), "the navigation stays");
    let beside = blank.html.find("id=\"comment_body\"").unwrap();
    assert!(
        blank.html[beside..].find("Must not be blank").unwrap() < 400,
        "the message is beside the field"
    );
    let long = "x".repeat(4001);
    let refused = ann.post(&page, &comments, &[("body", &long)]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.html.contains(&long), "what was typed is kept");

    let attachments = format!("{page}/attachments");
    let letter = b"%PDF-1.7 letter of intent";
    let attached = wendy.post_file(&page, &attachments, "LOI Lakeside.pdf", letter).await;
    assert_eq!(attached.status, 303, "{}", attached.html);
    let disguised = wendy.post_file(&page, &attachments, "invoice.pdf", b"MZ\x90\x00").await;
    assert_eq!(disguised.status, 422);
    let text = visible_text(&disguised.html);
    assert!(
        text.contains("Is not a PDF, PNG or JPEG image, text, Word (.docx) or Excel (.xlsx) file"),
        "{text}"
    );

    // Both sides read the same thread and file list.
    for browser in [&mut ann, &mut wendy] {
        let shown = browser.get(&page).await;
        let text = visible_text(&shown.html);
        assert!(
            text.contains("The board votes on 15 December.\nCan you decide before?"),
            "{text}"
        );
        assert!(
            text.contains("LOI Lakeside.pdf") && text.contains("PDF") && text.contains("25 bytes"),
            "{text}"
        );
    }
    let shown = ann.get(&page).await.html;
    let href_at = shown.find(&format!("href=\"{page}/attachments/")).unwrap() + 6;
    let href = &shown[href_at..href_at + shown[href_at..].find('"').unwrap()];
    let download = ann.get(href).await;
    assert_eq!(download.status, 200);
    assert_eq!(download.headers["content-type"], "application/pdf");
    assert!(
        download.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert_eq!(download.html.as_bytes(), letter);
    // Another partner: no page, no file, no comment (as for a registration that does not exist).
    assert_eq!(bob.get(&page).await.status, 404);
    assert_eq!(bob.get(href).await.status, 404);
    assert_eq!(bob.post("/", &comments, &[("body", "mine now")]).await.status, 404);
    let thread = app
        .client_for(&w.west_manager)
        .await
        .get(&format!("/registrations/{}/discussion", reg.id))
        .await
        .expect(200);
    assert_eq!(thread.body["comments"].as_array().unwrap().len(), 1);
    assert_eq!(thread.body["attachments"].as_array().unwrap().len(), 1);
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
