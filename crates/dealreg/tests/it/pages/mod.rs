//! The pages over plain HTTP, on both backends, one module per feature family (`roles` walks every
//! page for every role); this module holds the cookie-keeping `Browser` they share. (What needs a
//! real browser — htmx, clicking through — is in `browser.rs`.)

mod access;
mod commissions;
mod dashboard;
mod directory;
mod invoices;
mod leads;
mod notifications;
mod opportunities;
mod orders;
mod registrations;
mod reports;
mod roles;

use reqwest::redirect::Policy;
use serde_json::json;
use testkit::{Backend, TestApp, registration_body};

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
        self.post_file_with(from, path, &[], name, file).await
    }

    /// Uploads `file` as `post_file` does, after the form's other `fields`.
    async fn post_file_with(
        &mut self,
        from: &str,
        path: &str,
        fields: &[(&str, &str)],
        name: &str,
        file: &[u8],
    ) -> Page {
        let token = csrf(&self.get(from).await.html);
        let boundary = "dealreg-test-boundary";
        let mut body = String::new();
        for (field, value) in [("csrf", token.as_str())].iter().chain(fields) {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n"
            ));
        }
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: text/csv\r\n\r\n"
        ));
        let mut body = body.into_bytes();
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

/// Signs in the conformance world's administrator.
async fn admin_browser(app: &TestApp) -> Browser {
    app.set_password(&app.world.admin, PASSWORD).await;
    let mut admin = Browser::new(app);
    assert_eq!(admin.sign_in(&app.world.admin.email, PASSWORD).await.status, 303);
    admin
}

/// The id of the world's region `name`, as a form field carries it.
async fn region_id(app: &TestApp, name: &str) -> String {
    let regions = app.store().list_regions().await.unwrap();
    regions.into_iter().find(|r| r.name == name).unwrap().id.to_string()
}
