//! `dealreg import` and `dealreg export`: master data as CSV files at the command line, with the
//! same checks as the API and a progress bar on long imports in a terminal.

use anyhow::{Context, bail};
use domain::FieldErrors;
use domain::calendar::business_date;
use domain::directory::files::{parse_customers, parse_partners, parse_price_list};
use jiff::Timestamp;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use store::{ImportReport, Store, StoreError, files};

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FileKind {
    /// The price list: one row per product and price version.
    Products,
    Partners,
    /// End customers.
    Customers,
}

/// Draws `label [#####-----] done/total rows` on standard error when it is a terminal, redrawing
/// only when the shown percentage changes.
pub struct ProgressBar {
    label: &'static str,
    total: u64,
    shown: AtomicU64,
    enabled: bool,
}

impl ProgressBar {
    const WIDTH: u64 = 30;

    pub fn new(label: &'static str, total: u64) -> Self {
        ProgressBar {
            label,
            total: total.max(1),
            shown: AtomicU64::new(u64::MAX),
            enabled: std::io::stderr().is_terminal(),
        }
    }

    /// The bar as text after `done` rows.
    pub fn render(&self, done: u64) -> String {
        let done = done.min(self.total);
        let filled = done * Self::WIDTH / self.total;
        format!(
            "{} [{}{}] {done}/{} rows",
            self.label,
            "#".repeat(filled as usize),
            "-".repeat((Self::WIDTH - filled) as usize),
            self.total
        )
    }

    pub fn update(&self, done: u64) {
        let percent = done.min(self.total) * 100 / self.total;
        if !self.enabled || self.shown.swap(percent, Ordering::Relaxed) == percent {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{}", self.render(done));
        if done >= self.total {
            let _ = writeln!(err);
        }
    }
}

/// Every bad row on its own line, then a summary: the way a spreadsheet user fixes a file.
fn describe(errors: &FieldErrors) -> String {
    let mut lines: Vec<String> = errors
        .0
        .iter()
        .map(|e| match e.line {
            Some(line) => format!("  line {line}, {}: {}", e.field, e.message),
            None => format!("  {}: {}", e.field, e.message),
        })
        .collect();
    lines.push(format!("{} problem(s); nothing was imported", errors.0.len()));
    lines.join("\n")
}

fn rejected(error: StoreError) -> anyhow::Error {
    match error {
        StoreError::Invalid(errors) => anyhow::anyhow!("the file has errors:\n{}", describe(&errors)),
        other => other.into(),
    }
}

fn checked<T>(result: Result<T, FieldErrors>) -> anyhow::Result<T> {
    result.map_err(|e| anyhow::anyhow!("the file has errors:\n{}", describe(&e)))
}

/// Imports `path` into the store as the operator; returns what changed.
pub async fn import(store: &dyn Store, kind: FileKind, path: &Path, now: Timestamp) -> anyhow::Result<ImportReport> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let result = match kind {
        FileKind::Products => {
            let today = business_date(now, &store.settings().await?.zone());
            let rows = checked(parse_price_list(&text, today))?;
            let bar = ProgressBar::new("price list", rows.len() as u64);
            store.import_products(None, rows, now, &|done| bar.update(done)).await
        }
        FileKind::Partners => {
            let rows = checked(parse_partners(&text))?;
            let bar = ProgressBar::new("partners", rows.len() as u64);
            store.import_partners(None, rows, now, &|done| bar.update(done)).await
        }
        FileKind::Customers => {
            let rows = checked(parse_customers(&text))?;
            let bar = ProgressBar::new("customers", rows.len() as u64);
            store.import_customers(None, rows, now, &|done| bar.update(done)).await
        }
    };
    result.map_err(rejected)
}

/// The file for `kind`, as the API's export writes it.
pub async fn export(store: &dyn Store, kind: FileKind) -> anyhow::Result<String> {
    Ok(match kind {
        FileKind::Products => files::price_list_csv(&store.export_products().await?),
        FileKind::Partners => files::partners_csv(&store.export_partners(None).await?),
        FileKind::Customers => files::customers_csv(&store.export_customers(None).await?),
    })
}

/// Writes `text` to `output`, or to standard output.
pub fn write_out(text: &str, output: Option<&Path>) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            if path.exists() {
                bail!("{} already exists; choose a new file", path.display());
            }
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
        }
        None => Ok(std::io::stdout().lock().write_all(text.as_bytes())?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_fills_with_the_rows_written() {
        let bar = ProgressBar::new("price list", 200);
        assert_eq!(bar.render(0), format!("price list [{}] 0/200 rows", "-".repeat(30)));
        assert_eq!(
            bar.render(100),
            format!("price list [{}{}] 100/200 rows", "#".repeat(15), "-".repeat(15))
        );
        assert_eq!(bar.render(250), format!("price list [{}] 200/200 rows", "#".repeat(30)));
    }
}
