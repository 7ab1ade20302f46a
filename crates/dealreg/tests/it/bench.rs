//! `dealreg bench` at a tiny size on both backends: it loads, serves, measures every operation
//! alone and in the mixed load without a failed request, and reports the limits in the same run.
//! (Figures are for docs/BENCHMARKS.md, not for tests.)

use std::process::Command;

fn bench(database_url: Option<&str>) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_dealreg"));
    command
        .args([
            "bench",
            "--registrations",
            "600",
            "--requests",
            "24",
            "--concurrency",
            "4",
        ])
        .args(["--mixed-seconds", "20", "--leads", "120", "--lead-partners", "20"])
        .args(["--dir"])
        .arg(dir.path())
        .env("DEALREG_LOG", "warn")
        .env_remove("DEALREG_DATABASE_URL");
    if let Some(url) = database_url {
        command.args(["--database-url", url]);
    }
    let output = command.output().unwrap();
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    report
}

/// The rows of the report's tables: (operation, clients, requests, refused, errors).
fn rows(report: &str) -> Vec<(String, String, usize, usize, usize)> {
    report
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| operation"))
        .filter(|l| !l.starts_with("| raw limit") && !l.starts_with("| all requests"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let number = |i: usize| cells[i].parse::<usize>().unwrap_or_else(|_| panic!("{l}"));
            (
                cells[1].to_owned(),
                cells[2].to_owned(),
                number(3),
                number(7),
                number(8),
            )
        })
        .collect()
}

fn check(report: &str, durability: &str) {
    assert!(report.contains("Loaded 600 registrations"), "{report}");
    assert!(report.contains(durability), "{report}");
    let rows = rows(report);
    assert_eq!(
        rows.len(),
        21,
        "seven operations alone × 1 and 4 clients, six in the mixed load, lead distribution:\n{report}"
    );
    for (operation, _, requests, refused, errors) in &rows {
        assert_eq!(*errors, 0, "no request failed: {operation}\n{report}");
        if !operation.contains("decline") {
            assert!(*requests > 0, "{operation} ran:\n{report}");
        }
        // Alone, nothing is refused; in the mixed load only an approval may meet a claim.
        if !operation.contains("approve") {
            assert_eq!(*refused, 0, "{operation}\n{report}");
        }
    }
    let approvals = rows.iter().find(|r| r.0 == "manager: approve").unwrap();
    let declines = rows.iter().find(|r| r.0.starts_with("manager: decline")).unwrap();
    assert_eq!(
        approvals.3, declines.2,
        "each refused approval is followed by a decline:\n{report}"
    );
    assert!(
        report.contains("| raw limit: durable single-row INSERT transactions through sqlx | 1 | 24 |"),
        "{report}"
    );
    assert!(report.contains("| all requests of the mixed load |"), "{report}");
    // Four partners per country, each with room for at least 10 open leads, take its 24 leads.
    assert!(
        report.contains("20 partners placed in five countries; 120 of 120 leads offered"),
        "{report}"
    );
    assert!(report.contains("Peak RSS of the dealreg process"), "{report}");
}

#[test]
fn bench_runs_every_operation_on_sqlite() {
    check(&bench(None), "Durability: SQLite journal_mode=wal, synchronous=FULL.");
}

#[test]
fn bench_runs_every_operation_on_postgres() {
    let server = std::env::var("DEALREG_TEST_PG_URL")
        .expect("DEALREG_TEST_PG_URL must name a PostgreSQL server for these tests; `bash .ci/run` starts one");
    check(
        &bench(Some(&server)),
        "Durability: PostgreSQL fsync=on, synchronous_commit=on, full_page_writes=on on loopback.",
    );
}

/// `dealreg bench --commissions` at a tiny size: 200 invoices paid through the API without a failed
/// payment, their 400 commission lines checked by the run itself, and every read timed over 2,000
/// loaded lines without a failed request.
fn commissions(database_url: Option<&str>) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_dealreg"));
    command
        .args([
            "bench",
            "--commissions",
            "--invoices",
            "200",
            "--commission-partners",
            "10",
        ])
        .args([
            "--commission-lines",
            "2000",
            "--reads",
            "12",
            "--concurrency",
            "4",
            "--dir",
        ])
        .arg(dir.path())
        .env("DEALREG_LOG", "warn")
        .env_remove("DEALREG_DATABASE_URL");
    if let Some(url) = database_url {
        command.args(["--database-url", url]);
    }
    let output = command.output().unwrap();
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    report
}

fn check_commissions(report: &str, durability: &str) {
    assert!(
        report.contains("Commissions: 10 partners at Gold under a plan of two rules; loaded 200 issued invoices"),
        "{report}"
    );
    assert!(report.contains(durability), "{report}");
    assert!(
        report.contains(
            "Checked: 400 commission lines written (2 per invoice); 10 orders, each total the sum of its lines."
        ),
        "{report}"
    );
    assert!(
        report.contains("Reads over 2000 loaded commission lines (10 partners × 12 months, confirmed)"),
        "{report}"
    );
    let rows = rows(report);
    let expected = [
        ("finance: record a full payment (2 commission lines)", "4", 200),
        ("a partner's statement: one order with its lines", "1", 12),
        ("a partner's statement: one order with its lines", "4", 12),
        ("a partner's orders, one page (50)", "1", 12),
        ("a partner's orders, one page (50)", "4", 12),
        ("report: one month, every partner", "1", 12),
        ("report: one month, every partner", "4", 12),
        ("report: one partner, twelve months", "1", 12),
        ("report: one partner, twelve months", "4", 12),
    ];
    assert_eq!(rows.len(), expected.len(), "{report}");
    for (row, (operation, clients, requests)) in rows.iter().zip(expected) {
        assert_eq!(
            (row.0.as_str(), row.1.as_str(), row.2, row.3, row.4),
            (operation, clients, requests, 0, 0),
            "{report}"
        );
    }
}

#[test]
fn commissions_bench_pays_checks_and_reads_on_sqlite() {
    check_commissions(
        &commissions(None),
        "Durability: SQLite journal_mode=wal, synchronous=FULL.",
    );
}

#[test]
fn commissions_bench_pays_checks_and_reads_on_postgres() {
    let server = std::env::var("DEALREG_TEST_PG_URL")
        .expect("DEALREG_TEST_PG_URL must name a PostgreSQL server for these tests; `bash .ci/run` starts one");
    check_commissions(
        &commissions(Some(&server)),
        "Durability: PostgreSQL fsync=on, synchronous_commit=on, full_page_writes=on on loopback.",
    );
}
