//! ROE-4 on the opportunity's page: its team shares a quote or contract, everyone who sees the
//! opportunity downloads the same bytes, a refused upload says why beside its field and keeps what
//! was chosen, and another partner sees neither page nor file.

use super::*;

testkit::on_both_backends!(the_team_shares_a_quote_on_the_page_and_downloads_it_as_shared);

async fn the_team_shares_a_quote_on_the_page_and_downloads_it_as_shared(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = &app.world;
    let id = open(&app, &w.partner_a, "Lakeside College", "Discovery", 4_200_000, "MB-100").await;
    let page = format!("/opportunities/{id}");
    let documents = format!("{page}/documents");
    let mut ann = signed_in(&app, &w.partner_a).await;
    let empty = ann.get(&page).await;
    assert!(
        empty.html.contains("No documents shared yet: share the quote"),
        "{}",
        empty.html
    );

    // Nothing chosen: the message beside the file field, the purpose as chosen.
    let none = ann
        .post_file_with(&page, &documents, &[("purpose", "contract")], "", b"")
        .await;
    assert_eq!(none.status, 422, "{}", none.html);
    let message = position(&none.html, "Choose a file to attach.");
    assert!(position(&none.html, "id=\"document-file\"") < message);
    assert!(
        none.html
            .contains("<option value=\"contract\" selected>Contract</option>"),
        "{}",
        none.html
    );
    // A program disguised as a PDF, and a purpose the form does not offer.
    let disguised = ann
        .post_file_with(&page, &documents, &[("purpose", "quote")], "quote.pdf", b"MZ\x90\x00")
        .await;
    assert_eq!(disguised.status, 422);
    assert!(visible_text(&disguised.html).contains("Is not a PDF, PNG or JPEG image"));
    let quote = b"%PDF-1.7 quote 4471: 20 boards at 2,100.00 USD";
    let odd = ann
        .post_file_with(&page, &documents, &[("purpose", "invoice")], "Quote 4471.pdf", quote)
        .await;
    assert_eq!(odd.status, 422);
    assert!(position(&odd.html, "id=\"document-purpose\"") < position(&odd.html, "Choose what the document is"));

    let shared = ann
        .post_file_with(&page, &documents, &[("purpose", "quote")], "Quote 4471.pdf", quote)
        .await;
    assert_eq!(shared.status, 303, "{}", shared.html);
    assert_eq!(shared.location.as_deref(), Some(format!("{page}#documents").as_str()));

    // The partner, its channel manager and order entry read the same list and download the same bytes.
    let mut wendy = signed_in(&app, &w.west_manager).await;
    let mut clerk = signed_in(&app, &w.order_entry).await;
    for browser in [&mut ann, &mut wendy, &mut clerk] {
        let shown = browser.get(&page).await.html;
        let text = visible_text(&shown);
        assert!(
            text.contains("Quote 4471.pdf") && text.contains("Quote") && text.contains("PDF"),
            "{text}"
        );
        let href_at = shown.find(&format!("href=\"{documents}/")).unwrap() + 6;
        let href = shown[href_at..href_at + shown[href_at..].find('"').unwrap()].to_owned();
        let download = browser.get(&href).await;
        assert_eq!(download.status, 200);
        assert_eq!(download.headers["content-type"], "application/pdf");
        assert_eq!(download.html.as_bytes(), quote);
    }
    // Order entry reads but does not share: no form.
    assert!(!clerk.get(&page).await.html.contains("id=\"document-form\""));
    assert!(wendy.get(&page).await.html.contains("id=\"document-form\""));
    // Another partner: neither the page nor the file.
    let mut bob = signed_in(&app, &w.partner_b).await;
    assert_eq!(bob.get(&page).await.status, 404);
    assert_eq!(bob.get(&format!("{documents}/1")).await.status, 404);
    let theirs = bob
        .post_file_with("/", &documents, &[("purpose", "quote")], "mine.pdf", quote)
        .await;
    assert_eq!(theirs.status, 404);
    let listed = app
        .client_for(&w.partner_a)
        .await
        .get(&format!("/opportunities/{id}"))
        .await
        .expect(200);
    assert_eq!(listed.body["documents"].as_array().unwrap().len(), 1);
    app.stop().await;
}
