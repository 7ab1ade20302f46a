//! One order with its priced lines.

use crate::AppState;
use crate::ui::access::Viewer;
use crate::ui::chrome::Chrome;
use crate::ui::error::UiError;
use crate::ui::format::when;
use crate::ui::{Pages, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use store::{Order, OrderLine};

pub fn routes() -> Pages {
    Pages::default().get("/orders/{id}", order)
}

/// A piece of a line's reason; `whole` for a word with a hyphen inside (an SOR number, a SKU, a
/// date), which the page keeps on one line.
struct Piece {
    text: String,
    whole: bool,
}

/// Appends plain text, joining it to the plain piece before.
fn plain(out: &mut Vec<Piece>, text: &str) {
    match out.last_mut() {
        Some(last) if !last.whole => last.text.push_str(text),
        _ if text.is_empty() => {}
        _ => out.push(Piece {
            text: text.to_owned(),
            whole: false,
        }),
    }
}

fn pieces(reason: &str) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    for word in reason.split_inclusive(' ') {
        let core_start = word.find(|c: char| c.is_alphanumeric()).unwrap_or(word.len());
        let core_end = word
            .rfind(|c: char| c.is_alphanumeric())
            .map_or(core_start, |i| i + 1)
            .max(core_start);
        let core = &word[core_start..core_end];
        if core.contains('-') {
            plain(&mut out, &word[..core_start]);
            out.push(Piece {
                text: core.to_owned(),
                whole: true,
            });
            plain(&mut out, &word[core_end..]);
        } else {
            plain(&mut out, word);
        }
    }
    out
}

struct LineView {
    line: OrderLine,
    reason: Vec<Piece>,
}

#[derive(Template)]
#[template(path = "orders/detail.html")]
struct OrderPage {
    chrome: Chrome,
    order: Order,
    lines: Vec<LineView>,
    entered: String,
}

async fn order(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, UiError> {
    let mut order = state.store.get_order(&viewer.actor(), id).await?;
    let zone = state.store.settings().await?.zone();
    let entered = when(order.entered_at, &zone);
    let lines = std::mem::take(&mut order.lines)
        .into_iter()
        .map(|line| LineView {
            reason: pieces(&line.reason),
            line,
        })
        .collect();
    render(&OrderPage {
        chrome: viewer.chrome.titled(format!("Order {}", order.po_number)),
        order,
        lines,
        entered,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sor_numbers_skus_and_dates_stay_whole() {
        let got: Vec<(String, bool)> = pieces("refused: SOR-2026-000017 expired (valid through 2027-02-20); MB-86 ok")
            .into_iter()
            .map(|p| (p.text, p.whole))
            .collect();
        let want = [
            ("refused: ", false),
            ("SOR-2026-000017", true),
            (" expired (valid through ", false),
            ("2027-02-20", true),
            ("); ", false),
            ("MB-86", true),
            (" ok", false),
        ];
        assert_eq!(got, want.map(|(t, w)| (t.to_owned(), w)));
    }
}
