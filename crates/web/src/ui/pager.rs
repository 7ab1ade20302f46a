//! "Newer" and "Older": the links from one page of a list to the pages on either side, keeping the
//! list's filters and order.

use crate::ui::format::url_encode;
use serde::Deserialize;
use store::{Page, PageRequest};

/// Where a list page starts, as its links carry it: after `cursor` or before `before`. Text, so
/// that a list's query can `#[serde(flatten)]` it (flattened numbers do not parse from a query); a
/// cursor that is no number shows the first page.
#[derive(Deserialize, Default)]
pub struct PageQuery {
    pub cursor: Option<String>,
    pub before: Option<String>,
}

impl PageQuery {
    pub fn request(&self) -> PageRequest {
        let id = |raw: &Option<String>| raw.as_deref().and_then(|r| r.trim().parse().ok());
        PageRequest {
            cursor: id(&self.cursor),
            before: id(&self.before),
            limit: PageRequest::DEFAULT_LIMIT,
        }
    }
}

/// One link of a pager: where it goes and what it says.
pub struct PageLink {
    pub href: String,
    pub label: &'static str,
}

/// The links of one page, earlier in the list's order first.
pub struct Pager {
    pub prev: Option<PageLink>,
    pub next: Option<PageLink>,
}

impl Pager {
    /// `filters`: the list's query parameters but the page's; `oldest_first` says which way is newer.
    pub fn new<T>(path: &str, filters: &[(&str, &str)], page: &Page<T>, oldest_first: bool) -> Pager {
        let query: String = filters.iter().map(|(k, v)| format!("{k}={}&", url_encode(v))).collect();
        let (earlier, later) = if oldest_first {
            ("Older", "Newer")
        } else {
            ("Newer", "Older")
        };
        let link = |key: &str, cursor: &Option<String>, label| {
            cursor.as_ref().map(|c| PageLink {
                href: format!("{path}?{query}{key}={c}"),
                label,
            })
        };
        Pager {
            prev: link("before", &page.prev_cursor, earlier),
            next: link("cursor", &page.next_cursor, later),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.prev.is_none() && self.next.is_none()
    }
}
