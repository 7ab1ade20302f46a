//! The pages in a real browser: headless Debian Chromium driven through chromedriver (thirtyfour).
//! A partner registers a deal and sees it pending; a manager sees the conflict with a second
//! partner's registration and approves one; the partner sees the SOR number; order entry prices an
//! order; a partner cannot open another partner's registration. Throughout, the browser refuses
//! nothing under the pages' Content-Security-Policy. Screenshots of the main pages go to
//! `$DEALREG_SCREENSHOTS` (`docs/screenshots` when refreshing the README) or a temporary directory.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use testkit::{Backend, TestApp};
use thirtyfour::components::SelectElement;
use thirtyfour::prelude::*;

const PASSWORD: &str = "correct horse battery staple";
/// Words with an underscore that a page may show: names people type or read as they are (the CSV
/// headers the import pages document).
const ALLOWED_TOKENS: &[&str] = &[
    "list_price",
    "partner_price",
    "msrp",
    "rrsp",
    "tax_id",
    "postal_code",
    "partner_name",
    "region_name",
    "activation_stage",
    "customer_name",
    "is_accessory",
    "maintenance_term_months",
    "effective_from",
    // The lead file's columns, named on the import page.
    "contact_name",
    "contact_email",
    "estimated_value",
    // The invoice file's columns, named on its import page.
    "partner_id",
    "order_id",
    "opportunity_id",
    "issued_on",
];
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Collects what the browser refuses under a page's Content-Security-Policy. Run by the browser on
/// every new document before the page's own scripts, outside the policy.
const CSP_WATCH: &str = "window.__cspViolations = []; document.addEventListener('securitypolicyviolation', \
    e => window.__cspViolations.push(`${e.effectiveDirective} refused ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`));";

/// chromedriver on a free loopback port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start() -> Driver {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("{CHROMEDRIVER} must be installed (scripts/test.sh installs chromium-driver): {e}")
            });
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn browser(driver: &Driver, profile: &Path) -> WebDriver {
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary(CHROMIUM).unwrap();
    for arg in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1000",
    ] {
        caps.add_arg(arg).unwrap();
    }
    caps.add_arg(&format!("--user-data-dir={}", profile.display())).unwrap();
    let web = WebDriver::new(&driver.url, caps).await.expect("a Chromium session");
    web.cdp()
        .page()
        .add_script_to_evaluate_on_new_document(CSP_WATCH)
        .await
        .unwrap();
    web
}

struct Session<'a> {
    web: WebDriver,
    base: &'a str,
    shots: &'a Path,
}

impl Session<'_> {
    async fn open(&self, path: &str) {
        self.no_csp_violation().await;
        self.web.goto(format!("{}{path}", self.base)).await.unwrap();
    }

    /// Fails if the browser refused anything on the page it shows (issue 12, item 9): a policy
    /// that stopped htmx, a stylesheet or a style would show here.
    async fn no_csp_violation(&self) {
        if !self.web.current_url().await.unwrap().as_str().starts_with(self.base) {
            return;
        }
        let refused: Option<Vec<String>> = self
            .web
            .execute("return window.__cspViolations ?? null", vec![])
            .await
            .unwrap()
            .convert()
            .unwrap();
        let refused = refused.expect("CSP_WATCH runs on every page");
        assert!(refused.is_empty(), "{} refused: {refused:?}", self.path().await);
    }

    async fn fill(&self, id: &str, text: &str) {
        let field = self.web.find(By::Id(id)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    async fn choose(&self, id: &str, value: &str) {
        let select = SelectElement::new(&self.web.find(By::Id(id)).await.unwrap())
            .await
            .unwrap();
        select.select_by_value(value).await.unwrap();
    }

    async fn click(&self, css: &str) {
        self.no_csp_violation().await;
        self.web.find(By::Css(css)).await.unwrap().click().await.unwrap();
    }

    async fn text(&self, css: &str) -> String {
        self.web
            .query(By::Css(css))
            .first()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// The text at `css` once it reads `expected`: a form that answers with the same page replaces it
    /// after the click returns, so the old page's elements may still be read (or go stale) meanwhile.
    async fn text_becomes(&self, css: &str, expected: &str) -> String {
        let mut last = String::new();
        for _ in 0..100 {
            if let Ok(element) = self.web.find(By::Css(css)).await
                && let Ok(text) = element.text().await
            {
                if text == expected {
                    return text;
                }
                last = text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        last
    }

    async fn path(&self) -> String {
        self.web.current_url().await.unwrap().path().to_owned()
    }

    /// The path once the page has left `from` (a form's answer arrives after the click returns).
    async fn path_after(&self, from: &str) -> String {
        for _ in 0..100 {
            let path = self.path().await;
            if path != from {
                return path;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.path().await
    }

    /// What is wrong with the page shown, if anything: wider than `width`, without the navigation
    /// of a signed-in person, or showing a snake_case code, a field path or raw JSON.
    async fn product_defects(&self, path: &str, width: u32) -> Vec<String> {
        let mut defects = Vec::new();
        let fits: bool = self
            .web
            .execute(
                "return document.documentElement.scrollWidth <= window.innerWidth + 1",
                vec![],
            )
            .await
            .unwrap()
            .convert()
            .unwrap();
        let widest: String = self
            .web
            .execute(
                "let w = null, r = 0; for (const e of document.querySelectorAll('body *')) { const b = e.getBoundingClientRect().right; if (b > r) { r = b; w = e; } } return w ? w.tagName + '#' + w.id + '.' + w.className + ' ' + r : ''",
                vec![],
            )
            .await
            .unwrap()
            .convert()
            .unwrap();
        if !fits {
            defects.push(format!("{path} is wider than {width} px: {widest}"));
        }
        if self
            .web
            .find_all(By::Css("nav[aria-label=Main]"))
            .await
            .unwrap()
            .is_empty()
        {
            defects.push(format!("{path} lost the navigation"));
        }
        let text = self.web.find(By::Css("main")).await.unwrap().text().await.unwrap();
        for word in text.split(|c: char| c.is_whitespace() || ",.;:()“”\"'".contains(c)) {
            let code = word.contains('_')
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c == '[' || c == ']' || c.is_ascii_digit());
            if code && !ALLOWED_TOKENS.contains(&word) {
                defects.push(format!("{path} shows the code {word:?}"));
            }
        }
        if text.contains("{\"") {
            defects.push(format!("{path} shows raw JSON"));
        }
        defects
    }

    async fn shot(&self, name: &str) {
        self.web
            .screenshot(&self.shots.join(format!("{name}.png")))
            .await
            .unwrap();
    }

    async fn sign_in(&self, email: &str) {
        self.web.delete_all_cookies().await.unwrap();
        self.open("/login").await;
        self.fill("email", email).await;
        self.fill("password", PASSWORD).await;
        self.click("main button[type=submit]").await;
        assert_eq!(self.path_after("/login").await, "/", "signed in as {email}");
    }

    /// Files the registration form with two product lines — the second added with "Add a product"
    /// and picked as the picker shows it — and a contact; returns the new registration's id.
    async fn register_two_lines(&self) -> i64 {
        self.open("/registrations/new").await;
        self.fill("customer_name", "Shelbyville Public Library").await;
        self.fill("city", "Shelbyville").await;
        self.choose("country", "US").await;
        self.choose("segment", "government").await;
        self.fill("contact_name", "Dana Whitfield").await;
        self.fill("contact_email", "dana.whitfield@shelbyville.example").await;
        self.fill("contact_phone", "+1 (217) 555-0142").await;
        self.fill("sku_0", "MB-200 — MimioBoard 200 interactive display").await;
        self.fill("qty_0", "4").await;
        self.click("#add-line").await;
        for _ in 0..100 {
            if !self.web.find_all(By::Id("sku_1")).await.unwrap().is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(self.path().await, "/registrations/new", "the line was added in place");
        let kept = self.web.find(By::Id("sku_0")).await.unwrap().value().await.unwrap();
        assert_eq!(kept.as_deref(), Some("MB-200 — MimioBoard 200 interactive display"));
        self.fill("sku_1", "PEN-2").await;
        self.fill("qty_1", "20").await;
        self.fill("value", "18,400.00").await;
        self.web
            .execute("document.getElementById('expected_close').value = '2027-02-28'", vec![])
            .await
            .unwrap();
        self.shot("registration-form-phone").await;
        self.click("#file-registration").await;
        let path = self.path_after("/registrations/new").await;
        path.strip_prefix("/registrations/")
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("landed on {path}"))
    }

    /// Files the registration form; returns the new registration's id.
    async fn register(&self, customer: &str) -> i64 {
        self.open("/registrations/new").await;
        self.fill("customer_name", customer).await;
        self.fill("city", "Springfield").await;
        self.fill("postal_code", "62701").await;
        self.choose("country", "US").await;
        self.choose("segment", "education").await;
        self.fill("sku_0", "MB-100").await;
        self.fill("qty_0", "10").await;
        self.fill("value", "35000.00").await;
        self.web
            .execute("document.getElementById('expected_close').value = '2027-01-31'", vec![])
            .await
            .unwrap();
        self.click("button[hx-post='/registrations/check']").await;
        let answer = self.text("#claim-status p").await;
        assert!(answer.contains("registered"), "{answer}");
        self.click("#file-registration").await;
        let path = self.path_after("/registrations/new").await;
        path.strip_prefix("/registrations/")
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("landed on {path}"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partners_managers_and_order_entry_work_in_a_browser() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let w = &app.world;
    for person in [&w.partner_a, &w.partner_b, &w.west_manager, &w.order_entry, &w.admin] {
        app.set_password(person, PASSWORD).await;
    }
    let scratch = tempfile::tempdir().unwrap();
    let shots: PathBuf = std::env::var_os("DEALREG_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| scratch.path().join("screenshots"));
    std::fs::create_dir_all(&shots).unwrap();
    let driver = Driver::start();
    let s = Session {
        web: browser(&driver, &scratch.path().join("profile")).await,
        base: &app.base_url,
        shots: &shots,
    };

    // Partner A registers a deal (checking first whether it is registered) and sees it pending.
    s.open("/").await;
    assert_eq!(s.path().await, "/login");
    s.shot("sign-in").await;
    s.sign_in(&w.partner_a.email).await;
    s.open("/registrations/new").await;
    s.shot("registration-form").await;
    let first = s.register("Springfield School District").await;
    assert_eq!(s.text(".facts .status").await, "Submitted");

    // Partner B files the same opportunity, spelled differently.
    s.sign_in(&w.partner_b.email).await;
    let second = s.register("Springfield Sch. Dist.").await;
    assert_eq!(s.text(".facts .badge").await, "possible conflict");

    // The manager's queue, oldest first; B's registration shows A's beside it; A's is approved.
    s.sign_in(&w.west_manager.email).await;
    s.open("/queue").await;
    let rows = s.web.find_all(By::Css("main tbody tr td:nth-child(2)")).await.unwrap();
    let mut queued = Vec::new();
    for row in rows {
        queued.push(row.text().await.unwrap());
    }
    assert_eq!(queued, [first.to_string(), second.to_string()]);
    s.shot("approval-queue").await;
    s.open(&format!("/registrations/{second}")).await;
    let matched = s.text(".side-by-side article.match h3").await;
    assert!(matched.starts_with(&format!("#{first}")), "{matched}");
    assert!(s.text(".side-by-side article.match").await.contains("Northwind AV"));
    s.shot("conflict-panel").await;
    s.open(&format!("/registrations/{first}")).await;
    s.click("form[action$='/approve'] button[type=submit]").await;
    assert_eq!(s.text_becomes(".facts .status", "Approved").await, "Approved");
    let sor = s.text("#sor-number").await;
    assert!(sor.starts_with("SOR-2026-"), "{sor}");

    // Partner A sees the SOR number.
    s.sign_in(&w.partner_a.email).await;
    s.shot("partner-dashboard").await;
    s.open(&format!("/registrations/{first}")).await;
    assert_eq!(s.text("#sor-number").await, sor);
    s.shot("registration-approved").await;

    // On a phone Ann asks Wendy a question on the registration: a refused comment comes back beside
    // its field with what was typed; the sent one is in the thread.
    s.web.set_window_rect(0, 0, 390, 844).await.unwrap();
    let too_long = "The board meets on 15 December. ".repeat(130);
    s.fill("comment_body", &too_long).await;
    s.click("form[action$='/comments'] button[type=submit]").await;
    let refusal = s
        .text_becomes(".discussion .field-error", "Must be at most 4000 characters.")
        .await;
    assert_eq!(refusal, "Must be at most 4000 characters.");
    let kept = s
        .web
        .find(By::Id("comment_body"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some(too_long.as_str()));
    s.fill(
        "comment_body",
        "The board meets on 15 December. Which campus do you need?",
    )
    .await;
    s.click("form[action$='/comments'] button[type=submit]").await;
    let thread = s
        .text_becomes(
            ".comments li .prose",
            "The board meets on 15 December. Which campus do you need?",
        )
        .await;
    assert_eq!(thread, "The board meets on 15 December. Which campus do you need?");
    s.shot("phone-discussion").await;
    s.web.set_window_rect(0, 0, 1280, 1000).await.unwrap();

    // Order entry prices a PO against that SOR.
    s.sign_in(&w.order_entry.email).await;
    s.open("/orders/new").await;
    s.choose("partner_id", &w.partner_a.partner_id.unwrap().to_string())
        .await;
    s.fill("po_number", "4500070001").await;
    s.fill("sor_number", &sor).await;
    s.fill("customer_name", "Springfield School District").await;
    s.fill("city", "Springfield").await;
    s.choose("country", "US").await;
    s.choose("segment", "education").await;
    s.fill("sku_0", "MB-100").await;
    s.fill("qty_0", "2").await;
    s.click("main form > button[type=submit]").await;
    s.path_after("/orders/new").await;
    assert_eq!(s.text("#order-status").await, "Accepted");
    assert_eq!(s.text("#order-total").await, "7,000.00 USD");
    assert!(
        s.text("#order-lines tbody")
            .await
            .contains(&format!("partner price under {sor}"))
    );
    s.shot("order-priced").await;

    // Partner A accepts a lead offered to it from its inbox, and declines another with a reason.
    let taken = crate::api::lead_of_a(&app, "Lincoln Elementary").await;
    let passed = crate::api::lead_of_a(&app, "Decatur Library").await;
    s.sign_in(&w.partner_a.email).await;
    s.open("/leads").await;
    s.shot("leads-inbox").await;
    s.click(&format!("#lead-{taken} form[action$='/accept'] button")).await;
    assert_eq!(s.path_after("/leads").await, format!("/leads/{taken}"));
    assert!(s.text("main .ok").await.contains("it is your opportunity now"));
    s.open("/leads").await;
    s.fill(&format!("reason-{passed}"), "Libraries are not our market")
        .await;
    s.click(&format!("#lead-{passed} form.decline button")).await;
    assert_eq!(
        s.text_becomes("main .ok", "Lead declined: it goes to another partner.")
            .await,
        "Lead declined: it goes to another partner."
    );
    s.open(&format!("/leads/{passed}")).await;
    assert!(s.text("main .problem").await.contains("no such page"));

    // Partner B cannot open A's registration, whatever URL it types.
    s.sign_in(&w.partner_b.email).await;
    s.open(&format!("/registrations/{first}")).await;
    assert!(s.text("main .problem").await.contains("no such page"));
    assert!(!s.web.source().await.unwrap().contains("Northwind AV"));

    // On a phone, partner A files a deal for two products, adding the second line with the form's
    // own button (htmx swaps the lines in place), with the customer's contact (issue 13, defect 12).
    s.web.set_window_rect(0, 0, 390, 844).await.unwrap();
    s.sign_in(&w.partner_a.email).await;
    let third = s.register_two_lines().await;
    let facts = s.text(".facts").await;
    assert!(
        facts.contains("Dana Whitfield") && facts.contains("United States"),
        "{facts}"
    );
    let products = s.text("main table.cards tbody").await;
    assert!(products.contains("MB-200") && products.contains("PEN-2"), "{products}");
    assert!(
        s.product_defects(&format!("/registrations/{third}"), 390)
            .await
            .is_empty()
    );
    s.shot("registration-filed-phone").await;
    s.web.set_window_rect(0, 0, 1280, 1000).await.unwrap();

    // Every page of every role, at a laptop's and a phone's width: nothing runs off the side, the
    // navigation stays, and no code or raw JSON reaches the visible text (issue 13).
    // The manager opens the pipeline's board and, from its card, the opportunity the approval made.
    let opportunity = app
        .store()
        .get_registration(&w.partner_a, first)
        .await
        .unwrap()
        .opportunity_id
        .expect("approving made an opportunity");
    s.sign_in(&w.west_manager.email).await;
    s.open("/opportunities").await;
    let card = format!("#board a[href='/opportunities/{opportunity}']");
    assert!(s.text("#board").await.contains("Springfield School District"));
    s.shot("pipeline-board").await;
    s.click(&card).await;
    s.path_after("/opportunities").await;
    assert!(s.text("#rights").await.starts_with("Rights hold through"));
    assert!(s.text("#team").await.contains("Northwind AV"));
    s.shot("opportunity").await;

    let commission_order = crate::api::commission_order_of_a(&app).await;
    let partner_a = w.partner_a.partner_id.unwrap();
    let pages_with = |id: i64| -> Vec<String> {
        let mut paths: Vec<String> = web::ui::route_table()
            .into_iter()
            .filter(|(method, path)| *method == "GET" && !path.starts_with("/assets") && !path.contains("{token}"))
            // Downloads and the icon are files, not pages.
            .filter(|(_, path)| {
                !path.ends_with(".csv")
                    && !path.ends_with(".ico")
                    && !path.contains("/export")
                    && !path.contains("/attachments/")
                    && !path.contains("/documents/")
                    && *path != "/customers/suggest"
            })
            .map(|(_, path)| {
                let id = if path.starts_with("/opportunities/") {
                    opportunity
                } else if path.starts_with("/commissions/") {
                    commission_order
                } else if path.starts_with("/partners/") {
                    partner_a
                } else if path.starts_with("/program/plans/") {
                    // The plan `commission_order_of_a` made, the first.
                    1
                } else {
                    id
                };
                path.replace("{id}", &id.to_string())
            })
            .collect();
        paths.push("/no/such/page".to_owned());
        // Filtered and paged states of the lists and charts (issue 13).
        for state in [
            "/reports?weeks=8&region=1",
            "/queue?waiting=2&sort=conflicts",
            "/registrations?sort=oldest&before=2",
            "/opportunities?view=list",
            "/opportunities?view=list&status=lapsed&stage=Discovery",
        ] {
            paths.push(state.to_owned());
        }
        paths
    };
    let mut defects = Vec::new();
    for person in [&w.partner_a, &w.west_manager, &w.order_entry, &w.admin] {
        s.sign_in(&person.email).await;
        for (width, height) in [(1366, 900), (390, 844)] {
            s.web.set_window_rect(0, 0, width, height).await.unwrap();
            for path in pages_with(first) {
                if path.starts_with("/login") || path.starts_with("/password") {
                    continue;
                }
                s.open(&path).await;
                defects.extend(s.product_defects(&path, width).await);
            }
        }
        s.web.set_window_rect(0, 0, 1280, 1000).await.unwrap();
    }
    defects.sort();
    defects.dedup();
    assert!(defects.is_empty(), "{} defects:\n{}", defects.len(), defects.join("\n"));
    s.web.set_window_rect(0, 0, 390, 844).await.unwrap();
    s.sign_in(&w.partner_a.email).await;
    s.open("/").await;
    s.shot("phone-dashboard").await;
    s.web.set_window_rect(0, 0, 1280, 1000).await.unwrap();

    // The administrator's charts, drawn as SVG on the server; on a phone their text is drawn for
    // the phone, not a laptop's chart shrunk to half its size.
    s.sign_in(&w.admin.email).await;
    s.open("/reports").await;
    assert!(s.web.find_all(By::Css("svg.chart")).await.unwrap().len() >= 4);
    s.shot("charts").await;
    let chart_text = "const t = [...document.querySelectorAll('svg.chart text')].filter(e => e.getBoundingClientRect().height > 0); \
        return Math.min(...t.map(e => e.getBoundingClientRect().height))";
    for (width, height) in [(390, 844), (1366, 900)] {
        s.web.set_window_rect(0, 0, width, height).await.unwrap();
        s.open("/reports").await;
        let smallest: f64 = s.web.execute(chart_text, vec![]).await.unwrap().convert().unwrap();
        assert!(smallest >= 11.0, "chart text {smallest} px high at {width} px");
    }
    s.shot("phone-charts").await;
    s.web.set_window_rect(0, 0, 1280, 1000).await.unwrap();
    s.open("/admin/prices").await;
    s.click("summary").await;
    s.fill("csv", "sku,name,category,currency,list_price,partner_price,msrp,rrsp\nLAMP-9,Lamp,accessories,USD,199.00,120.00,\"189,00\",179.00").await;
    s.click("#paste button[type=submit]").await;
    let problem = s.text("main .problem").await;
    assert!(problem.contains("line 2, msrp"), "{problem}");
    s.shot("price-list-import").await;

    // Opening a notification reads it and shows what it is about.
    s.sign_in(&w.west_manager.email).await;
    s.open("/notifications").await;
    let unread =
        "const c = document.querySelector('nav[aria-label=Main] .count'); return c ? parseInt(c.textContent) : 0";
    let before: i64 = s.web.execute(unread, vec![]).await.unwrap().convert().unwrap();
    assert!(before > 0, "the manager has unread messages");
    s.click(".messages li.unread form.open button").await;
    assert!(s.path_after("/notifications").await.starts_with("/registrations/"));
    let after: i64 = s.web.execute(unread, vec![]).await.unwrap().convert().unwrap();
    assert_eq!(after, before - 1);
    s.no_csp_violation().await;
    s.web.quit().await.unwrap();
    app.stop().await;
}
