//! Signing in, sessions, CSRF, throttling, password reset, and what a thief would find: the
//! database and the headers of every answer.

use super::*;

testkit::on_both_backends!(
    sign_in_sessions_csrf_and_throttling,
    sign_in_never_sends_a_browser_to_another_site,
    password_reset_links_work_once,
    a_burst_of_guesses_meets_the_lock,
    sessions_end_when_they_should,
);

async fn sign_in_sessions_csrf_and_throttling(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.set_password(&app.world.partner_a, PASSWORD).await;
    let mut browser = Browser::new(&app);
    let page = browser.get("/registrations").await;
    assert_eq!(
        (page.status, page.location.as_deref()),
        (303, Some("/login?next=%2Fregistrations"))
    );
    // A form without the session's token changes nothing.
    let forged = browser
        .send(
            browser
                .http
                .post(format!("{}/login", browser.base))
                .form(&[("email", "x"), ("password", "y")]),
        )
        .await;
    assert_eq!(forged.status, 403);
    let wrong = browser.sign_in(&app.world.partner_a.email, "not the password").await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.html.contains("is not right"));
    let signed_in = browser.sign_in(&app.world.partner_a.email, PASSWORD).await;
    assert_eq!((signed_in.status, signed_in.location.as_deref()), (303, Some("/")));
    let dashboard = browser.get("/").await;
    assert_eq!(dashboard.status, 200);
    assert!(dashboard.html.contains("My registrations by status"));
    browser.post("/", "/logout", &[]).await;
    assert_eq!(browser.get("/").await.status, 303);
    // Five failures lock the account for a minute, even for the right password.
    for _ in 0..5 {
        assert_eq!(browser.sign_in(&app.world.partner_a.email, "guess").await.status, 401);
    }
    let locked = browser.sign_in(&app.world.partner_a.email, PASSWORD).await;
    assert!(locked.html.contains("Too many failed attempts"), "{}", locked.html);
    app.clock.set(store_conformance::ts("2026-11-22T10:02:00Z"));
    assert_eq!(browser.sign_in(&app.world.partner_a.email, PASSWORD).await.status, 303);
    // Unknown addresses get the same answer as wrong passwords.
    let unknown = Browser::new(&app).sign_in("nobody@nowhere.example", PASSWORD).await;
    assert!(unknown.html.contains("is not right"));
    app.stop().await;
}

/// Issue 12, item 1: browsers drop tabs and line breaks from a URL, so `/\t/evil.example` is read as
/// `//evil.example` — another site. Such a `next` leads home, and a line break never breaks the answer.
async fn sign_in_never_sends_a_browser_to_another_site(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.set_password(&app.world.partner_a, PASSWORD).await;
    let email = app.world.partner_a.email.clone();
    for next in [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        " //evil.example",
        "/registrations\r\nSet-Cookie: x=1",
    ] {
        let mut browser = Browser::new(&app);
        let signed_in = browser
            .post(
                "/login",
                "/login",
                &[("email", &email), ("password", PASSWORD), ("next", next)],
            )
            .await;
        assert_eq!(
            (signed_in.status, signed_in.location.as_deref()),
            (303, Some("/")),
            "next = {next:?}"
        );
        // Signed in, /login sends the browser on to `next` at once: the same rule applies.
        let query = form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>();
        let again = browser.get(&format!("/login?next={query}")).await;
        assert_eq!(
            (again.status, again.location.as_deref()),
            (303, Some("/")),
            "next = {next:?}"
        );
    }
    let mut browser = Browser::new(&app);
    let local = browser
        .post(
            "/login",
            "/login",
            &[
                ("email", &email),
                ("password", PASSWORD),
                ("next", "/registrations?status=approved"),
            ],
        )
        .await;
    assert_eq!(local.location.as_deref(), Some("/registrations?status=approved"));
    app.stop().await;
}

/// The reset links e-mailed to `email` so far, oldest first (delivering what the outbox holds).
async fn reset_links(app: &TestApp, email: &str) -> Vec<String> {
    app.run_worker().await;
    let mut mails: Vec<_> = std::fs::read_dir(&app.outbox_dir)
        .map(|dir| dir.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    mails.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    mails
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .map(|p| std::fs::read_to_string(p).unwrap().replace("=\r\n", ""))
        .filter(|text| text.contains(email))
        .filter_map(|text| {
            let start = text.find(&app.base_url)?;
            let link = text[start..].split_whitespace().next()?;
            link.contains("/password/reset/").then(|| link.to_owned())
        })
        .collect()
}

/// Asks for a reset link for `email` and waits for it to be e-mailed (the answer does not wait).
async fn ask_for_reset_link(app: &TestApp, browser: &mut Browser, email: &str) -> Option<String> {
    let before = reset_links(app, email).await.len();
    let sent = browser
        .post("/password/forgot", "/password/forgot", &[("email", email)])
        .await;
    assert!(sent.html.contains("If an account has that address"));
    for _ in 0..40 {
        if let Some(link) = reset_links(app, email).await.get(before) {
            return Some(link.clone());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    None
}

/// Issue 12, items 2 and 8: a reset link reaches the inbox only — never the in-app list, where a
/// stolen API token would read it — a newer or a used link ends the others, and an account gets
/// three an hour.
async fn password_reset_links_work_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = Browser::new(&app);
    let email = app.world.partner_b.email.clone();
    let sent = browser
        .post("/password/forgot", "/password/forgot", &[("email", &email)])
        .await;
    let unknown = browser
        .post(
            "/password/forgot",
            "/password/forgot",
            &[("email", "nobody@nowhere.example")],
        )
        .await;
    assert_eq!(
        (unknown.status, unknown.html.len()),
        (sent.status, sent.html.len()),
        "the same answer"
    );
    let older = ask_for_reset_link(&app, &mut browser, &email).await.expect("a link");
    let api = app.client_for(&app.world.partner_b).await;
    let in_app = api.get("/notifications").await.expect(200).body.to_string();
    assert!(!in_app.contains("/password/reset/"), "{in_app}");
    let link = ask_for_reset_link(&app, &mut browser, &email)
        .await
        .expect("a newer link");
    let path = |link: &str| {
        link.strip_prefix(&app.base_url)
            .expect("links point at the server")
            .to_owned()
    };
    // The newer link ended the older one.
    let (older, path) = (path(&older), path(&link));
    let ended = browser
        .post(&older, &older, &[("password", PASSWORD), ("confirm", PASSWORD)])
        .await;
    assert!(ended.html.contains("unknown, used or expired"), "{}", ended.html);
    let short = browser
        .post(&path, &path, &[("password", "short"), ("confirm", "short")])
        .await;
    assert_eq!(short.status, 422);
    let done = browser
        .post(&path, &path, &[("password", PASSWORD), ("confirm", PASSWORD)])
        .await;
    assert_eq!((done.status, done.location.as_deref()), (303, Some("/login")));
    let again = browser
        .post(&path, &path, &[("password", PASSWORD), ("confirm", PASSWORD)])
        .await;
    assert!(again.html.contains("unknown, used or expired"), "{}", again.html);
    assert_eq!(browser.sign_in(&email, PASSWORD).await.status, 303);
    // Three links were sent this hour: a fourth is not.
    assert_eq!(ask_for_reset_link(&app, &mut Browser::new(&app), &email).await, None);
    app.stop().await;
}

/// Issue 12, items 3, 6 and 7: nineteen wrong guesses and the right password sent in one burst meet
/// the lock after five, as they would one by one; an address without an account is locked alike.
async fn a_burst_of_guesses_meets_the_lock(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.set_password(&app.world.partner_a, PASSWORD).await;
    for email in [app.world.partner_a.email.clone(), "nobody@nowhere.example".to_owned()] {
        let mut ready = Vec::new();
        for i in 0..20 {
            let mut browser = Browser::new(&app);
            let token = csrf(&browser.get("/login").await.html);
            let password = if i == 19 { PASSWORD } else { "a wrong guess" };
            let request = browser.http.post(format!("{}/login", browser.base)).form(&[
                ("csrf", token.as_str()),
                ("email", &email),
                ("password", password),
            ]);
            ready.push((browser, request));
        }
        let answers: Vec<_> = ready
            .into_iter()
            .map(|(mut browser, request)| tokio::spawn(async move { browser.send(request).await }))
            .collect();
        let (mut checked, mut locked) = (0, 0);
        for answer in answers {
            let page = answer.await.unwrap();
            if page.html.contains("Too many failed attempts") {
                locked += 1;
            } else {
                assert!(
                    page.status == 303 || page.html.contains("is not right"),
                    "{}",
                    page.html
                );
                checked += 1;
            }
        }
        assert_eq!((checked, locked), (5, 15), "{email}");
    }
    app.stop().await;
}

/// Issue 12, items 10, 11 and 12: a visitor costs no session row; signing in gives a new CSRF
/// token; deactivation, a password reset and "sign out everywhere" end a user's sessions, and
/// reactivation brings none back.
async fn sessions_end_when_they_should(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.set_password(&app.world.partner_a, PASSWORD).await;
    // Two hundred anonymous visits: no session rows (counted by sweeping them all, far ahead).
    for path in ["/login", "/password/forgot", "/password/reset/x"]
        .iter()
        .cycle()
        .take(200)
    {
        assert_eq!(Browser::new(&app).get(path).await.status, 200);
    }
    let sweep_everything = || async {
        let now = web::Clock::now(app.clock.as_ref());
        app.clock
            .set(jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 30));
        let removed = app.run_worker().await.sessions_removed;
        app.clock.set(now);
        removed
    };
    assert_eq!(sweep_everything().await, 0);

    let email = app.world.partner_a.email.clone();
    let mut browser = Browser::new(&app);
    let before = csrf(&browser.get("/login").await.html);
    assert_eq!(browser.sign_in(&email, PASSWORD).await.status, 303);
    let after = csrf(&browser.get("/").await.html);
    assert_ne!(before, after, "a new token after signing in");
    let stale = browser
        .send(
            browser
                .http
                .post(format!("{}/logout", browser.base))
                .form(&[("csrf", before.as_str())]),
        )
        .await;
    assert_eq!(stale.status, 403, "the token from before signing in is refused");

    // Deactivated: signed out at once, and reactivation does not sign them back in.
    for active in [false, true] {
        let now = web::Clock::now(app.clock.as_ref());
        let ann = app.world.partner_a.user_id;
        app.store()
            .set_user_active(Some(&app.world.admin), ann, active, now)
            .await
            .unwrap();
        assert_eq!(browser.get("/").await.status, 303, "active: {active}");
    }

    // "Sign out everywhere" from one browser ends the other's session too.
    let (mut laptop, mut phone) = (Browser::new(&app), Browser::new(&app));
    assert_eq!(laptop.sign_in(&email, PASSWORD).await.status, 303);
    assert_eq!(phone.sign_in(&email, PASSWORD).await.status, 303);
    let out = phone.post("/", "/account/sign-out-everywhere", &[]).await;
    assert_eq!((out.status, out.location.as_deref()), (303, Some("/login")));
    assert_eq!(laptop.get("/").await.status, 303);

    // A password reset ends the sessions signed in with the old password.
    assert_eq!(laptop.sign_in(&email, PASSWORD).await.status, 303);
    app.set_password(&app.world.partner_a, "another long passphrase").await;
    assert_eq!(laptop.get("/").await.status, 303);
    app.stop().await;
}

/// Issue 12, items 2, 7 and 13, seen in the SQLite file itself: sessions are stored under a hash of
/// their id without a password hash, a delivered reset e-mail keeps no link, and "forgot password"
/// answers at once even while another write holds the database.
#[tokio::test]
async fn the_database_holds_no_secret_a_thief_could_use() {
    use sqlx::Connection;
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.set_password(&app.world.partner_a, PASSWORD).await;
    let mut browser = Browser::new(&app);
    assert_eq!(browser.sign_in(&app.world.partner_a.email, PASSWORD).await.status, 303);
    let session_id = browser.cookies["dealreg_session"].clone();
    let file = app.outbox_dir.parent().unwrap().join("dealreg.db");
    let mut db = sqlx::SqliteConnection::connect(&format!("sqlite:{}", file.display()))
        .await
        .unwrap();
    let sessions: Vec<(String, String)> = sqlx::query_as("SELECT id_hash, record FROM web_sessions")
        .fetch_all(&mut db)
        .await
        .unwrap();
    assert!(!sessions.is_empty());
    for (id_hash, record) in &sessions {
        assert_ne!(id_hash, &session_id);
        assert!(!record.contains(&session_id) && !record.contains("argon2"), "{record}");
    }

    // Another write holds the database for two seconds: the answer does not wait for it.
    sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut db).await.unwrap();
    let started = std::time::Instant::now();
    let sent = browser
        .post(
            "/password/forgot",
            "/password/forgot",
            &[("email", &app.world.partner_b.email)],
        )
        .await;
    assert!(sent.html.contains("If an account has that address"));
    let waited = started.elapsed();
    tokio::time::sleep(std::time::Duration::from_secs(2).saturating_sub(waited)).await;
    sqlx::raw_sql("ROLLBACK").execute(&mut db).await.unwrap();
    assert!(waited < std::time::Duration::from_secs(2), "answered after {waited:?}");

    let mut links = Vec::new();
    for _ in 0..100 {
        links = reset_links(&app, &app.world.partner_b.email).await;
        if !links.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(links.len(), 1, "the link is sent once the database is free");
    let (body, secret): (String, Option<String>) =
        sqlx::query_as("SELECT body, secret FROM outbox WHERE kind = 'password_reset'")
            .fetch_one(&mut db)
            .await
            .unwrap();
    assert!(!body.contains("/password/reset/") && secret.is_none(), "{body}");
    app.stop().await;
}

/// Issue 12, item 9: every answer — pages signed in or not, API answers, errors, assets — carries the
/// security headers, and only the assets may be kept in a cache.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_carries_the_security_headers() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.set_password(&app.world.partner_a, PASSWORD).await;
    let mut browser = Browser::new(&app);
    let sign_in = browser.get("/login").await;
    assert_eq!(browser.sign_in(&app.world.partner_a.email, PASSWORD).await.status, 303);
    let dashboard = browser.get("/").await;
    let missing = browser.get("/no-such-page").await;
    let script = browser.get("/assets/htmx.min.js").await;
    // Issue 13: the page's icon, also where browsers look for it without being told.
    assert!(
        dashboard
            .html
            .contains(r#"<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">"#)
    );
    let icon = browser.get("/favicon.ico").await;
    assert_eq!(icon.headers["content-type"], "image/svg+xml");
    let api = app.client_for(&app.world.partner_a).await.get("/registrations").await;
    let refused = app.client(None).get("/registrations").await;
    let answers = [
        ("sign-in page", sign_in.status, &sign_in.headers),
        ("signed-in page", dashboard.status, &dashboard.headers),
        ("error page", missing.status, &missing.headers),
        ("asset", script.status, &script.headers),
        ("asset", icon.status, &icon.headers),
        ("API answer", api.status.as_u16(), &api.headers),
        ("API problem", refused.status.as_u16(), &refused.headers),
    ];
    let statuses: Vec<u16> = answers.iter().map(|(_, status, _)| *status).collect();
    assert_eq!(statuses, [200, 200, 404, 200, 200, 200, 401]);
    for (what, _, headers) in answers {
        let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap());
        assert_eq!(
            header("content-security-policy"),
            Some(
                "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; \
                 form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
            ),
            "{what}"
        );
        assert_eq!(header("x-content-type-options"), Some("nosniff"), "{what}");
        assert_eq!(header("x-frame-options"), Some("DENY"), "{what}");
        assert_eq!(header("referrer-policy"), Some("same-origin"), "{what}");
        let cache = if what == "asset" {
            "public, max-age=86400"
        } else {
            "no-store"
        };
        assert_eq!(header("cache-control"), Some(cache), "{what}");
    }
    app.stop().await;
}
