//! The pages over plain HTTP, on both backends: sign-in, sessions, CSRF, throttling, password
//! reset, isolation between partners, escaping, and every page for every role without a 5xx.
//! (What needs a real browser — htmx, clicking through — is in `browser.rs`.)

use reqwest::redirect::Policy;
use serde_json::json;
use testkit::{Backend, TestApp, registration_body};

testkit::on_both_backends!(
    sign_in_sessions_csrf_and_throttling,
    sign_in_never_sends_a_browser_to_another_site,
    password_reset_links_work_once,
    a_burst_of_guesses_meets_the_lock,
    sessions_end_when_they_should,
    refused_actions_stay_on_their_page_in_plain_words,
    partners_see_only_their_own_pages_and_html_is_escaped,
    every_page_answers_every_role_without_a_server_error,
    administrators_manage_the_program_in_pages,
    a_refused_new_user_keeps_what_was_typed,
    administrators_edit_users_and_their_tokens,
    partners_are_edited_by_their_own_form,
    settings_name_the_fallback_approver_and_currency,
    a_price_list_file_is_previewed_before_it_is_imported,
);

const PASSWORD: &str = "correct horse battery staple";

/// A browser without JavaScript: keeps its cookies, follows nothing by itself.
struct Browser {
    base: String,
    http: reqwest::Client,
    cookies: std::collections::BTreeMap<String, String>,
}

struct Page {
    status: u16,
    location: Option<String>,
    headers: reqwest::header::HeaderMap,
    html: String,
}

impl Browser {
    fn new(app: &TestApp) -> Browser {
        Browser {
            base: app.base_url.clone(),
            http: reqwest::Client::builder().redirect(Policy::none()).build().unwrap(),
            cookies: Default::default(),
        }
    }

    fn cookie_header(&self) -> Option<String> {
        (!self.cookies.is_empty()).then(|| {
            self.cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let request = match self.cookie_header() {
            Some(c) => request.header("cookie", c),
            None => request,
        };
        let response = request.send().await.unwrap();
        for set in response.headers().get_all("set-cookie") {
            let pair = set.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.insert(name.to_owned(), value.to_owned());
        }
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        Page {
            status,
            location,
            headers: response.headers().clone(),
            html: response.text().await.unwrap(),
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        let request = self.http.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    /// Posts a form with the CSRF token of the page at `from`.
    async fn post(&mut self, from: &str, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = csrf(&self.get(from).await.html);
        let mut form: Vec<(&str, &str)> = vec![("csrf", &token)];
        form.extend_from_slice(fields);
        let request = self.http.post(format!("{}{path}", self.base)).form(&form);
        self.send(request).await
    }

    /// Uploads `file` as the form field `file` (multipart), with the CSRF token of the page at `from`.
    async fn post_file(&mut self, from: &str, path: &str, name: &str, file: &[u8]) -> Page {
        let token = csrf(&self.get(from).await.html);
        let boundary = "dealreg-test-boundary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: text/csv\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body);
        self.send(request).await
    }

    async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        self.post("/login", "/login", &[("email", email), ("password", password)])
            .await
    }
}

pub(crate) fn csrf(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    html[start..start + 64].to_owned()
}

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

async fn partners_see_only_their_own_pages_and_html_is_escaped(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = app.client_for(&app.world.partner_a).await;
    let hostile = "<script>alert(1)</script> Academy";
    let reg = a.submit(&registration_body(hostile, None, &["MB-100"])).await;
    app.client_for(&app.world.west_manager)
        .await
        .approve(reg.id, &json!({}))
        .await;
    app.set_password(&app.world.partner_a, PASSWORD).await;
    app.set_password(&app.world.partner_b, PASSWORD).await;
    let mut mine = Browser::new(&app);
    mine.sign_in(&app.world.partner_a.email, PASSWORD).await;
    let page = mine.get(&format!("/registrations/{}", reg.id)).await;
    assert_eq!(page.status, 200);
    assert!(
        page.html.contains("&#60;script&#62;alert(1)&#60;/script&#62; Academy"),
        "the name is shown, escaped"
    );
    assert!(!page.html.contains("<script>alert(1)"));
    let mut theirs = Browser::new(&app);
    theirs.sign_in(&app.world.partner_b.email, PASSWORD).await;
    for path in [format!("/registrations/{}", reg.id), "/queue".to_owned()] {
        let page = theirs.get(&path).await;
        assert!(matches!(page.status, 403 | 404), "{path}: {}", page.status);
        assert!(!page.html.contains("Academy"), "{path} leaked");
    }
    let list = theirs.get("/registrations").await;
    assert!(!list.html.contains("Academy"));
    let decide = theirs
        .post(
            "/",
            &format!("/registrations/{}/decline", reg.id),
            &[("reason", "mine now")],
        )
        .await;
    assert_eq!(decide.status, 404);
    app.stop().await;
}

/// Every route of the pages × six roles, against partner A's records: never a server error; partner
/// B reaches none of A's records — each answer is the one a nonexistent record gets — and changes
/// nothing of them; nothing is loaded from elsewhere.
/// POSTs carry the session's CSRF token and an empty form.
async fn every_page_answers_every_role_without_a_server_error(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = &app.world;
    let a = app.client_for(&w.partner_a).await;
    let reg = a
        .submit(&registration_body("Springfield School District", None, &["MB-100"]))
        .await;
    let manager = app.client_for(&w.west_manager).await;
    let approved = manager
        .post(&format!("/registrations/{}/approve", reg.id), &json!({}))
        .await
        .expect(200);
    let sor = approved.body["sor_number"].as_str().unwrap().to_owned();
    let order = a
        .post(
            "/orders",
            &json!({"po_number": "PO-PAGES", "customer": approved.body["customer"], "sor_number": sor,
                                "lines": [{"sku": "MB-100", "quantity": 1}]}),
        )
        .await
        .expect(201);
    let request = a
        .post(
            &format!("/registrations/{}/requests", reg.id),
            &json!({"kind": "extension", "valid_through": "2027-04-30", "reason": "the board meets in April"}),
        )
        .await
        .expect(201);
    let concrete = |path: &str| -> String {
        let id = if path.starts_with("/registrations/") {
            reg.id.to_string()
        } else if path.starts_with("/orders/") {
            order.body["id"].to_string()
        } else if path.starts_with("/requests/") {
            request.body["id"].to_string()
        } else if path.starts_with("/admin/users/") {
            w.partner_a.user_id.to_string()
        } else {
            w.region_without_manager.to_string()
        };
        path.replace("{id}", &id).replace("{token}", "no-such-token")
    };
    // Each route is recorded as it is added to the pages' router, so a new page cannot be left out;
    // 46 routes at the split by feature (one removed on purpose lowers the floor).
    let routes = web::ui::route_table();
    assert!(routes.len() >= 46, "the route table lost routes: {routes:?}");
    // Signing in and out and password reset begin or end a session (tested above).
    let is_sign_in = |path: &str| {
        ["/login", "/logout", "/password", "/account/sign-out-everywhere"]
            .iter()
            .any(|p| path.starts_with(p))
    };
    // (path, and for a record of partner A's the same path with an id that does not exist)
    let requests_of = |method: &str| -> Vec<(String, Option<String>)> {
        routes
            .iter()
            .filter(|(m, path)| *m == method && !is_sign_in(path))
            .map(|(_, path)| {
                let owned = path.contains("{id}") && !path.starts_with("/admin/");
                (concrete(path), owned.then(|| path.replace("{id}", "999999")))
            })
            .collect()
    };
    let mut gets = requests_of("GET");
    gets.extend(
        [
            "/registrations?status=submitted",
            "/customers/suggest?customer_name=spring",
            "/no/such/page",
        ]
        .map(|p| (p.to_owned(), None)),
    );
    let posts = requests_of("POST");
    let state_of_a = || async {
        let registration = a.get(&format!("/registrations/{}", reg.id)).await.expect(200).body;
        let requests = a
            .get(&format!("/registrations/{}/requests", reg.id))
            .await
            .expect(200)
            .body;
        (
            registration["status"].clone(),
            registration["valid_through"].clone(),
            requests,
        )
    };
    let before = state_of_a().await;
    // Partner B first, so that what A's own people and the administrators may change comes after.
    let people = [
        &w.partner_b,
        &w.admin,
        &w.order_entry,
        &w.west_manager,
        &w.east_manager,
        &w.partner_a,
    ];
    for person in people {
        app.set_password(person, PASSWORD).await;
        let mut browser = Browser::new(&app);
        assert_eq!(browser.sign_in(&person.email, PASSWORD).await.status, 303);
        let other_partner = person.user_id == w.partner_b.user_id;
        for (path, nonexistent) in &gets {
            let page = browser.get(path).await;
            assert!(
                matches!(page.status, 200 | 303 | 403 | 404),
                "{} GET {path}: {}",
                person.email,
                page.status
            );
            if let Some(nonexistent) = nonexistent.as_ref().filter(|_| other_partner) {
                let twin = browser.get(nonexistent).await.status;
                assert!(
                    page.status == twin && page.status >= 400,
                    "partner B reached GET {path}: {} (no such record: {twin})",
                    page.status
                );
            }
            // Everything a page loads comes from dealreg itself.
            for external in ["src=\"http", "href=\"http", "src=\"//", "href=\"//", "url(http"] {
                assert!(!page.html.contains(external), "{path} loads from elsewhere: {external}");
            }
        }
        for (path, nonexistent) in &posts {
            let page = browser.post("/", path, &[]).await;
            assert!(
                matches!(page.status, 200 | 303 | 400 | 403 | 404 | 409 | 422),
                "{} POST {path}: {}",
                person.email,
                page.status
            );
            // Refused exactly as for a record that does not exist: nothing to learn from the answer.
            if let Some(nonexistent) = nonexistent.as_ref().filter(|_| other_partner) {
                let twin = browser.post("/", nonexistent, &[]).await.status;
                assert!(
                    page.status == twin && page.status >= 400,
                    "partner B reached POST {path}: {} (no such record: {twin})",
                    page.status
                );
            }
        }
        if other_partner {
            assert_eq!(state_of_a().await, before, "partner B changed nothing of A's");
        }
    }
    app.stop().await;
}

async fn administrators_manage_the_program_in_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.set_password(&app.world.admin, PASSWORD).await;
    app.set_password(&app.world.west_manager, PASSWORD).await;
    let mut admin = Browser::new(&app);
    admin.sign_in(&app.world.admin.email, PASSWORD).await;
    // A price list with bad rows: each shown with its line and column; nothing imported.
    let csv = "sku,name,category,currency,list_price,partner_price,msrp,rrsp\n\
               LAMP-9,Lamp,accessories,USD,199.00,120.00,189.00,179.00\n\
               CORD-1,Cord,accessories,USD,9.99,5.00,\"9,50\",9.00\n";
    let refused = admin.post("/admin/prices", "/admin/prices", &[("csv", csv)]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.html.contains("line 3, msrp:"), "{}", refused.html);
    assert!(!admin.get("/products").await.html.contains("LAMP-9"));
    let fixed = csv.replace("\"9,50\"", "9.50");
    let imported = admin.post("/admin/prices", "/admin/prices", &[("csv", &fixed)]).await;
    assert!(
        imported.html.contains("Imported 2 rows: 2 new products"),
        "{}",
        imported.html
    );
    assert!(admin.get("/products").await.html.contains("LAMP-9"));
    // Settings: a bad value is named and nothing is saved; a good one is.
    let bad = [
        ("default_validity_days", "400"),
        ("max_validity_days", "365"),
        ("reminder_days_before", "14"),
        ("time_zone", "Mars/Olympus"),
        ("currency", "USD"),
        ("no_sor_pricing", "reprice"),
        ("over_order", "warn"),
    ];
    let refused = admin.post("/admin/settings", "/admin/settings", &bad).await;
    assert_eq!(refused.status, 422);
    assert!(refused.html.contains("time_zone"));
    assert_eq!(app.store().settings().await.unwrap().time_zone, "UTC");
    let mut good = bad;
    good[0].1 = "60";
    good[3].1 = "America/Chicago";
    assert_eq!(
        admin.post("/admin/settings", "/admin/settings", &good).await.status,
        303
    );
    let saved = app.store().settings().await.unwrap();
    assert_eq!(
        (saved.default_validity_days, saved.time_zone.as_str()),
        (60, "America/Chicago")
    );
    assert_eq!(saved.no_sor_pricing, domain::orders::NoSorPricing::Reprice);
    // A partner saved from the page; a token shown once.
    let east = region_id(&app, "East").await;
    let saved = admin
        .post(
            "/admin/partners",
            "/admin/partners",
            &[
                ("name", "Litware Learning"),
                ("level", "silver"),
                ("activation_stage", "ramp_up"),
                ("region_id", &east),
            ],
        )
        .await;
    assert_eq!(
        (saved.status, saved.location.as_deref()),
        (303, Some("/admin/partners?done=added"))
    );
    assert!(admin.get("/admin/partners").await.html.contains("Litware Learning"));
    let path = format!("/admin/users/{}/token", app.world.partner_a.user_id);
    let token = admin.post("/admin/users", &path, &[]).await;
    assert!(token.html.contains("drg_"), "the token is shown once");
    // The price list downloads as the file that imports back.
    let file = admin.get("/products.csv").await;
    assert!(file.html.starts_with("sku,name,category"), "{}", file.html);
    assert!(
        file.html
            .contains("LAMP-9,Lamp,accessories,no,,USD,199.00,120.00,189.00,179.00,2026-11-22")
    );
    // Charts render as inline SVG.
    let charts = admin.get("/reports").await;
    assert_eq!(charts.status, 200);
    assert!(charts.html.contains("<svg class=\"chart\""));
    // Managers cannot administer.
    let mut manager = Browser::new(&app);
    manager.sign_in(&app.world.west_manager.email, PASSWORD).await;
    assert_eq!(manager.get("/admin/settings").await.status, 403);
    let forbidden = manager.post("/", "/admin/prices", &[("csv", &fixed)]).await;
    assert_eq!(forbidden.status, 403);
    app.stop().await;
}

/// Order entry pastes the PO's lines instead of picking them one by one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_entry_pastes_po_lines() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.set_password(&app.world.order_entry, PASSWORD).await;
    let mut desk = Browser::new(&app);
    desk.sign_in(&app.world.order_entry.email, PASSWORD).await;
    let partner = app.world.partner_a.partner_id.unwrap().to_string();
    let fields = [
        ("partner_id", partner.as_str()),
        ("po_number", "4500080001"),
        ("customer_name", "Springfield School District"),
        ("city", "Springfield"),
        ("country", "US"),
        ("segment", "education"),
        ("paste", "MB-100, 2\nPEN-2\t10\n"),
    ];
    let entered = desk.post("/orders/new", "/orders/new", &fields).await;
    assert_eq!(entered.status, 303, "{}", entered.html);
    let order = desk.get(entered.location.as_deref().unwrap()).await;
    assert!(order.html.contains("MB-100") && order.html.contains("PEN-2"));
    assert!(order.html.contains("refused: no SOR"));
    // Issue 13, defect 6: each pasted line's error is beside the paste box, in words, naming the
    // line as the paste box shows it (the blank first line counts), and the paste comes back as typed.
    let mut bad = fields;
    bad[1].1 = "4500080002";
    bad[6].1 = "\nMB-100, 2\nPEN-2, two\nLAMP-9 0\nMB-100\n";
    let refused = desk.post("/orders/new", "/orders/new", &bad).await;
    assert_eq!(refused.status, 422);
    let html = &refused.html;
    let paste_box = html.find("id=\"paste\"").unwrap();
    for message in [
        "Line 3: the quantity must be a whole number from 1 to 1,000,000",
        "Line 4: the quantity must be a whole number from 1 to 1,000,000",
        "Line 5: write the SKU and the quantity, e.g. MB-100, 2",
    ] {
        let at = html
            .find(message)
            .unwrap_or_else(|| panic!("{message} missing:\n{html}"));
        assert!(at > paste_box, "{message} is beside the paste box, not at the top");
    }
    assert!(!html.contains("lines["), "no field paths: {html}");
    assert!(
        html.contains(">\n\nMB-100, 2\nPEN-2, two\nLAMP-9 0\n"),
        "the paste is kept, blank line and all"
    );
    assert!(html.contains("href=\"/orders\""), "the page keeps its navigation");

    // An unknown SKU refuses its own line; the rest of the PO is priced under the SOR.
    let reg = store_conformance::submit(
        &app.world,
        &app.world.partner_a,
        "Springfield School District",
        &["MB-100"],
    )
    .await;
    let approved = app
        .store()
        .approve_registration(
            &app.world.west_manager,
            reg.id,
            store_conformance::approval(false),
            store_conformance::today(),
        )
        .await
        .unwrap();
    let sor = approved.sor_number.unwrap();
    let mut partly = fields;
    partly[1].1 = "PO-4500080003";
    partly[6].1 = "MB-100, 2\nNOPE-9, 1\n";
    let with_sor: Vec<(&str, &str)> = partly.iter().copied().chain([("sor_number", sor.as_str())]).collect();
    let entered = desk.post("/orders/new", "/orders/new", &with_sor).await;
    assert_eq!(entered.status, 303, "{}", entered.html);
    let order = desk.get(entered.location.as_deref().unwrap()).await;
    assert!(order.html.contains(">Partially accepted</span>"), "{}", order.html);
    assert!(
        order
            .html
            .contains("refused: no product with SKU <span class=\"nowrap\">NOPE-9</span>"),
        "{}",
        order.html
    );
    assert!(
        order
            .html
            .contains("<dd id=\"order-total\" class=\"nowrap\">7,000.00 USD</dd>")
    );
    assert!(!order.html.contains("partially_accepted<"), "codes are not shown");
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
    let api = app.client_for(&app.world.partner_a).await.get("/registrations").await;
    let refused = app.client(None).get("/registrations").await;
    let answers = [
        ("sign-in page", sign_in.status, &sign_in.headers),
        ("signed-in page", dashboard.status, &dashboard.headers),
        ("error page", missing.status, &missing.headers),
        ("asset", script.status, &script.headers),
        ("API answer", api.status.as_u16(), &api.headers),
        ("API problem", refused.status.as_u16(), &refused.headers),
    ];
    let statuses: Vec<u16> = answers.iter().map(|(_, status, _)| *status).collect();
    assert_eq!(statuses, [200, 200, 404, 200, 200, 401]);
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

/// Visible text of a page: what is between tags, outside `<script>` (none) and attributes.
fn visible_text(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

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

/// Signs in the conformance world's administrator.
async fn admin_browser(app: &TestApp) -> Browser {
    app.set_password(&app.world.admin, PASSWORD).await;
    let mut admin = Browser::new(app);
    assert_eq!(admin.sign_in(&app.world.admin.email, PASSWORD).await.status, 303);
    admin
}

/// Issue 13, defect 9: a refused "add user" keeps every typed value (not the password), the chosen
/// role and partner, with the error beside its field; roles read as labels, partners by name.
async fn a_refused_new_user_keeps_what_was_typed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut admin = admin_browser(&app).await;
    let partner_b = app.world.partner_b.partner_id.unwrap().to_string();
    let refused = admin
        .post(
            "/admin/users",
            "/admin/users",
            &[
                ("email", "dana@contoso.example"),
                ("display_name", "Dana Diaz"),
                ("role", "partner_admin"),
                ("partner_id", &partner_b),
                ("password", "short-pw"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    let html = &refused.html;
    assert!(html.contains("value=\"dana@contoso.example\""), "{html}");
    assert!(html.contains("value=\"Dana Diaz\""));
    assert!(
        html.contains("<option value=\"partner_admin\" selected>Partner admin</option>"),
        "{html}"
    );
    assert!(html.contains(&format!(
        "<option value=\"{partner_b}\" selected>Contoso Classrooms</option>"
    )));
    assert!(!html.contains("short-pw"), "the password is never echoed");
    assert!(html.contains("<p class=\"field-error\" id=\"password-error\">Use at least 12 characters.</p>"));
    assert!(
        html.contains("<nav aria-label=\"Main\">"),
        "the page keeps its navigation"
    );
    // A partner role without a partner: said beside the partner, in words.
    let refused = admin
        .post(
            "/admin/users",
            "/admin/users",
            &[
                ("email", "eve@contoso.example"),
                ("display_name", "Eve"),
                ("role", "partner_user"),
                ("partner_id", ""),
            ],
        )
        .await;
    assert!(
        refused
            .html
            .contains("id=\"partner_id-error\">Choose the partner this person works for.")
    );
    // A taken address, beside the address.
    let taken = admin
        .post(
            "/admin/users",
            "/admin/users",
            &[
                ("email", &app.world.partner_a.email),
                ("display_name", "Ann again"),
                ("role", "sales"),
            ],
        )
        .await;
    assert!(
        taken.html.contains("id=\"email-error\">Someone already has an account"),
        "{}",
        taken.html
    );
    // Nothing is chosen for the person on a fresh form; the list shows labels and names.
    let list = admin.get("/admin/users").await.html;
    assert!(list.contains("<option value=\"\">Choose a role…</option>"));
    assert!(!list.contains(" selected>"), "nothing preselected");
    assert!(
        list.contains("<td data-label=\"Role\">Partner user</td>")
            && list.contains("<td data-label=\"Partner\">Northwind AV</td>"),
        "{list}"
    );
    assert!(!list.contains(">partner_user<"), "codes are never shown");
    app.stop().await;
}

/// Issue 13, defect 9: a user's own page edits name, address, role and partner, and lists their
/// API tokens (label, created, expiry, state) with a revoke button each.
async fn administrators_edit_users_and_their_tokens(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut admin = admin_browser(&app).await;
    let ann = app.world.partner_a.user_id;
    let page = format!("/admin/users/{ann}");
    let partner_b = app.world.partner_b.partner_id.unwrap().to_string();
    let saved = admin
        .post(
            &page,
            &page,
            &[
                ("email", "ann.archer@northwind.example"),
                ("display_name", "Ann Archer"),
                ("role", "partner_admin"),
                ("partner_id", &partner_b),
            ],
        )
        .await;
    assert_eq!(
        (saved.status, saved.location.as_deref()),
        (303, Some(&*format!("{page}?done=saved")))
    );
    let user = app.store().find_user(ann).await.unwrap().unwrap();
    assert_eq!(
        (
            user.display_name.as_str(),
            user.email.as_str(),
            user.role,
            user.partner_id
        ),
        (
            "Ann Archer",
            "ann.archer@northwind.example",
            domain::Role::PartnerAdmin,
            app.world.partner_b.partner_id
        )
    );
    // Staff with a partner: refused beside the partner, the typed values kept.
    let refused = admin
        .post(
            &page,
            &page,
            &[
                ("email", "ann@x.example"),
                ("display_name", "Ann X"),
                ("role", "sales"),
                ("partner_id", &partner_b),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .html
            .contains("id=\"partner_id-error\">Staff roles belong to no partner"),
        "{}",
        refused.html
    );
    assert!(
        refused.html.contains("value=\"Ann X\"")
            && refused.html.contains("<option value=\"sales\" selected>Sales</option>")
    );
    // Tokens: issued with a label and a validity, listed, revoked.
    let issued = admin
        .post(
            &page,
            &format!("{page}/token"),
            &[("label", "CRM sync"), ("valid_days", "30")],
        )
        .await;
    assert!(issued.html.contains("drg_"), "shown once");
    assert!(
        issued
            .html
            .contains("<td data-label=\"Label\">CRM sync</td><td data-label=\"Created\">2026-11-22 10:00</td><td data-label=\"Expires\">2026-12-22 10:00</td><td data-label=\"State\">Works</td>"),
        "{}",
        issued.html
    );
    let token = app.store().list_tokens(&app.world.admin, ann).await.unwrap()[0]
        .id
        .to_string();
    let revoked = admin
        .post(&page, &format!("{page}/tokens/revoke"), &[("token_id", &token)])
        .await;
    assert_eq!(revoked.status, 303);
    let after = admin.get(&page).await.html;
    assert!(
        after.contains("<td data-label=\"State\">Revoked 2026-11-22 10:00</td>"),
        "{after}"
    );
    // Another user's token is not found from this user's page.
    let other = format!("/admin/users/{}/tokens/revoke", app.world.partner_c.user_id);
    assert_eq!(admin.post(&page, &other, &[("token_id", &token)]).await.status, 404);
    app.stop().await;
}

/// Issue 13, defect 9: a partner is renamed and moved through its own form, keyed by id; the add
/// form chooses nothing for the administrator.
async fn partners_are_edited_by_their_own_form(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut admin = admin_browser(&app).await;
    let list = admin.get("/admin/partners").await.html;
    assert!(!list.contains(" selected>"), "nothing preselected: {list}");
    assert!(list.contains("<option value=\"\">Choose a level…</option>"));
    assert!(
        list.contains("<td data-label=\"Activation stage\">Fully operational</td>"),
        "stages as labels"
    );
    // A blank add form: each missing choice said beside its field, the typed name kept.
    let refused = admin
        .post("/admin/partners", "/admin/partners", &[("name", "Litware Learning")])
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.html.contains("id=\"level-error\"") && refused.html.contains("id=\"region_id-error\""));
    assert!(refused.html.contains("value=\"Litware Learning\""));
    let id = app.world.partner_a.partner_id.unwrap();
    let east = region_id(&app, "East").await;
    let page = format!("/admin/partners/{id}");
    assert!(admin.get(&page).await.html.contains("value=\"Northwind AV\""));
    let saved = admin
        .post(
            &page,
            &page,
            &[
                ("name", "Northwind Audio Visual"),
                ("level", "platinum"),
                ("activation_stage", "fully_operational"),
                ("region_id", &east),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.html);
    let list = admin.get("/admin/partners").await.html;
    assert!(list.contains(&format!("<a href=\"/admin/partners/{id}\">Northwind Audio Visual</a></td><td data-label=\"Level\">Platinum</td><td data-label=\"Activation stage\">Fully operational</td><td data-label=\"Region\">East</td>")), "{list}");
    // Renaming onto another partner's name: refused beside the name.
    let taken = admin
        .post(
            &page,
            &page,
            &[
                ("name", "Contoso Classrooms"),
                ("level", "gold"),
                ("activation_stage", "ramp_up"),
                ("region_id", &east),
            ],
        )
        .await;
    assert!(
        taken
            .html
            .contains("id=\"name-error\">Another partner already has this name."),
        "{}",
        taken.html
    );
    app.stop().await;
}

/// Issue 13, defect 9: the fallback approver (active channel managers and administrators) and the
/// program currency are chosen on the settings page.
async fn settings_name_the_fallback_approver_and_currency(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut admin = admin_browser(&app).await;
    let page = admin.get("/admin/settings").await.html;
    let east = app.world.east_manager.user_id.to_string();
    assert!(
        page.contains(&format!(
            "<option value=\"{east}\">east@vendor.example (Regional manager)</option>"
        )),
        "{page}"
    );
    assert!(!page.contains("ann@northwind.example"), "partners never approve");
    assert!(page.contains("id=\"currency\" name=\"currency\""));
    let saved = admin
        .post("/admin/settings", "/admin/settings", &settings_form(&east, "USD"))
        .await;
    assert_eq!(saved.status, 303, "{}", saved.html);
    assert_eq!(
        app.store().settings().await.unwrap().fallback_approver_id,
        Some(app.world.east_manager.user_id)
    );
    assert!(
        admin
            .get("/admin/settings")
            .await
            .html
            .contains(&format!("<option value=\"{east}\" selected>"))
    );
    // A partner's user as approver, a currency that is no code, another currency under a USD price list.
    let partner = app.world.partner_a.user_id.to_string();
    let refused = admin
        .post("/admin/settings", "/admin/settings", &settings_form(&partner, "USD"))
        .await;
    assert!(
        refused.html.contains("id=\"fallback_approver_id-error\""),
        "{}",
        refused.html
    );
    let refused = admin
        .post("/admin/settings", "/admin/settings", &settings_form("", "dollars"))
        .await;
    assert!(refused.html.contains("id=\"currency-error\""));
    assert!(refused.html.contains("value=\"dollars\""), "kept as typed");
    let refused = admin
        .post("/admin/settings", "/admin/settings", &settings_form("", "EUR"))
        .await;
    assert!(refused.html.contains("The price list is in USD"), "{}", refused.html);
    assert_eq!(
        app.store().settings().await.unwrap().fallback_approver_id,
        Some(app.world.east_manager.user_id)
    );
    app.stop().await;
}

fn settings_form<'a>(approver: &'a str, currency: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("default_validity_days", "90"),
        ("max_validity_days", "365"),
        ("reminder_days_before", "14"),
        ("fallback_approver_id", approver),
        ("time_zone", "UTC"),
        ("currency", currency),
        ("no_sor_pricing", "reject"),
        ("over_order", "warn"),
    ]
}

/// Issue 13, defect 9: a price list file is uploaded, previewed (new products, new price versions,
/// changed and unchanged rows, bad rows with their lines), and imported as previewed on confirming.
async fn a_price_list_file_is_previewed_before_it_is_imported(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut admin = admin_browser(&app).await;
    let header = "sku,name,category,accessory,currency,list_price,partner_price,msrp,rrsp,effective_from\n";
    let file = format!(
        "{header}\
         LAMP-9,Lamp,accessories,yes,USD,199.00,120.00,189.00,179.00,\n\
         MB-100,MimioBoard 100 interactive display,displays,no,USD,5000.00,3500.00,4999.00,4599.00,\n\
         MB-200,MimioBoard 200 interactive display,displays,no,USD,5200.00,3600.00,5199.00,4799.00,\n\
         PEN-2,\"Replacement pen, 2 pack\",accessories,yes,USD,49.00,32.00,45.00,41.00,2027-01-01\n"
    );
    let preview = admin
        .post_file("/admin/prices", "/admin/prices/upload", "prices.csv", file.as_bytes())
        .await;
    assert_eq!(preview.status, 200, "{}", preview.html);
    let html = &preview.html;
    assert!(
        html.contains("4 rows: 1 new products, 1 new price versions, 1 changed, 1 unchanged."),
        "{html}"
    );
    assert!(
        html.contains(
            "<td data-label=\"Line\">2</td><td data-label=\"Change\">New product</td><td data-label=\"SKU\">LAMP-9</td>"
        ),
        "{html}"
    );
    assert!(html.contains("<td data-label=\"Line\">4</td><td data-label=\"Change\">Changed prices or details</td><td data-label=\"SKU\">MB-200</td>"));
    assert!(html.contains("List 199.00 USD<br>Partner 120.00 USD<br>"));
    assert!(
        !app.store()
            .export_products()
            .await
            .unwrap()
            .iter()
            .any(|p| p.sku == "LAMP-9"),
        "nothing imported yet"
    );
    // Confirming imports what the hidden field carries: the previewed file.
    let start = html.find("name=\"csv\" value=\"").unwrap() + 18;
    let carried = &html[start..start + html[start..].find('"').unwrap()];
    let carried = carried
        .replace("&#10;", "\n")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&amp;", "&");
    let imported = admin.post("/admin/prices", "/admin/prices", &[("csv", &carried)]).await;
    assert!(
        imported.html.contains("Imported 4 rows: 1 new products, 3 updated."),
        "{}",
        imported.html
    );
    let on_file = app.store().export_products().await.unwrap();
    assert!(
        on_file
            .iter()
            .any(|p| p.sku == "PEN-2" && p.price.effective_from.to_string() == "2027-01-01")
    );
    // A file with bad rows: each with its line and column, no confirm button.
    let bad = format!(
        "{header}LAMP-9,Lamp,accessories,yes,EUR,199.00,120.00,189.00,179.00,\nCORD-1,Cord,accessories,yes,USD,abc,5.00,9.50,9.00,\n"
    );
    let refused = admin
        .post_file("/admin/prices", "/admin/prices/upload", "bad.csv", bad.as_bytes())
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.html.contains("line 3, list_price:"), "{}", refused.html);
    assert!(!refused.html.contains("id=\"confirm\""));
    // Not a text file, and no file at all.
    let binary = admin
        .post_file(
            "/admin/prices",
            "/admin/prices/upload",
            "prices.xlsx",
            &[0xff, 0xfe, 0x00],
        )
        .await;
    assert!(
        binary.html.contains("prices.xlsx is not a text file in UTF-8"),
        "{}",
        binary.html
    );
    let empty = admin.post_file("/admin/prices", "/admin/prices/upload", "", b"").await;
    assert!(empty.html.contains("Choose a CSV file to upload."));
    // The pasted text is previewed the same way.
    let pasted = admin
        .post("/admin/prices", "/admin/prices/preview", &[("csv", &file)])
        .await;
    assert!(
        pasted
            .html
            .contains("4 rows: 0 new products, 0 new price versions, 0 changed, 4 unchanged."),
        "{}",
        pasted.html
    );
    app.stop().await;
}

/// The id of the world's region `name`, as a form field carries it.
async fn region_id(app: &TestApp, name: &str) -> String {
    let regions = app.store().list_regions().await.unwrap();
    regions.into_iter().find(|r| r.name == name).unwrap().id.to_string()
}
