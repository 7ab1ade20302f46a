//! `dealreg bench` at a tiny size: it loads, serves, measures every operation without errors and
//! reports the ratio to the raw limit. (Figures are for docs/BENCHMARKS.md, not for tests.)

use std::process::Command;

#[test]
fn bench_runs_every_operation_without_errors() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_dealreg"))
        .args([
            "bench",
            "--registrations",
            "600",
            "--requests",
            "24",
            "--concurrency",
            "3",
            "--dir",
        ])
        .arg(dir.path())
        .env("DEALREG_LOG", "warn")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(report.contains("Loaded 600 registrations"), "{report}");
    let rows: Vec<Vec<&str>> = report
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| operation") && !l.starts_with("| raw limit"))
        .map(|l| l.split('|').map(str::trim).collect())
        .collect();
    assert_eq!(rows.len(), 10, "five operations, each with 1 and 3 clients:\n{report}");
    assert!(report.contains("Peak RSS of the process"), "{report}");
    for row in &rows {
        assert_eq!(row[7], "0", "no request failed: {row:?}");
    }
    assert!(
        report.contains("| raw limit: durable single-row INSERT transactions through sqlx | 1 | 24 |"),
        "{report}"
    );
}
