//! Pages of a list (newest first unless the list says otherwise), continued by cursor either way:
//! `cursor` for the page after one, `before` for the page before it.

use serde::{Deserialize, Serialize};

/// One page of a list, in the list's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// The items after this one: a page's `next_cursor`.
    pub cursor: Option<i64>,
    /// The items before this one: a page's `prev_cursor` (with `cursor`, this wins).
    pub before: Option<i64>,
    pub limit: u32,
}

impl PageRequest {
    pub const DEFAULT_LIMIT: u32 = 50;
    pub const MAX_LIMIT: u32 = 200;

    pub fn first(limit: u32) -> Self {
        PageRequest {
            cursor: None,
            before: None,
            limit: limit.clamp(1, Self::MAX_LIMIT),
        }
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest::first(Self::DEFAULT_LIMIT)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// Pass as `before` to get the previous page; absent on the first page.
    pub prev_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows fetched for `page` (by the backends' keyset: in the
    /// list's order, or against it when going back from `before`); the extra row only says that
    /// another page exists that way.
    pub fn from_rows(mut rows: Vec<T>, page: &PageRequest, id_of: impl Fn(&T) -> i64) -> Page<T> {
        let more = rows.len() > page.limit as usize;
        rows.truncate(page.limit as usize);
        let cursor_of = |row: Option<&T>| row.map(|r| id_of(r).to_string());
        let (next_cursor, prev_cursor) = match page.before {
            Some(before) => {
                rows.reverse();
                // `before` itself and what follows it come next.
                let next = cursor_of(rows.last()).or_else(|| Some(before.to_string()));
                (next, cursor_of(rows.first()).filter(|_| more))
            }
            None => (
                cursor_of(rows.last()).filter(|_| more),
                cursor_of(rows.first()).filter(|_| page.cursor.is_some()),
            ),
        };
        Page {
            items: rows,
            next_cursor,
            prev_cursor,
        }
    }

    pub fn empty() -> Page<T> {
        Page {
            items: Vec::new(),
            next_cursor: None,
            prev_cursor: None,
        }
    }
}

/// Rows at most that one export or picker gathers from a list.
pub const MAX_GATHERED: usize = 100_000;

/// Every item of a list, page by page (exports, pickers); `None` when more than [`MAX_GATHERED`]
/// match, so that the caller asks for a narrower filter.
pub async fn every_page<T, F, Fut>(mut fetch: F) -> crate::StoreResult<Option<Vec<T>>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = crate::StoreResult<Page<T>>>,
{
    let mut items = Vec::new();
    let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
    loop {
        let batch = fetch(page).await?;
        items.extend(batch.items);
        match batch.next_cursor.and_then(|c| c.parse().ok()) {
            Some(_) if items.len() >= MAX_GATHERED => return Ok(None),
            Some(cursor) => page.cursor = Some(cursor),
            None => return Ok(Some(items)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(cursor: Option<i64>, before: Option<i64>) -> PageRequest {
        PageRequest {
            cursor,
            before,
            limit: 2,
        }
    }

    #[test]
    fn pages_continue_both_ways() {
        // Newest first over ids 1..=5: [5, 4] [3, 2] [1].
        let first = Page::from_rows(vec![5, 4, 3], &page(None, None), |i| *i);
        assert_eq!(
            (first.items, first.next_cursor, first.prev_cursor),
            (vec![5, 4], Some("4".into()), None)
        );
        let second = Page::from_rows(vec![3, 2, 1], &page(Some(4), None), |i| *i);
        assert_eq!(
            (second.items, second.next_cursor, second.prev_cursor),
            (vec![3, 2], Some("2".into()), Some("3".into()))
        );
        // Back from 3: fetched upwards (4, 5), shown in the list's order.
        let back = Page::from_rows(vec![4, 5], &page(None, Some(3)), |i| *i);
        assert_eq!(
            (back.items, back.next_cursor, back.prev_cursor),
            (vec![5, 4], Some("4".into()), None)
        );
        let back = Page::from_rows(vec![2, 3, 4], &page(None, Some(1)), |i| *i);
        assert_eq!(
            (back.items, back.next_cursor, back.prev_cursor),
            (vec![3, 2], Some("2".into()), Some("3".into()))
        );
    }
}
