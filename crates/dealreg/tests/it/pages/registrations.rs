//! Registration pages: refused actions stay on their page, in plain words, with the input kept.

use super::*;

testkit::on_both_backends!(
    refused_actions_stay_on_their_page_in_plain_words,
    partner_and_manager_discuss_a_registration_on_its_page,
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
