//! Charts drawn on the server as inline SVG: no chart library, no script, nothing fetched. Every
//! text in a chart is escaped here, because the page embeds the SVG as markup.

use std::fmt::Write;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 28.0;
const TOP: f64 = 12.0;

/// Colours for series, readable on white and distinct in greyscale order.
const PALETTE: &[&str] = &[
    "#1f5fbf", "#1d7a46", "#b3261e", "#a15c00", "#6b4fbb", "#5b6677", "#0f7c8c",
];

/// One colour per registration status on every chart (the order of `Status::ALL`), matching the
/// status colours of the pages; other series take the palette in turn.
const STATUS_COLOURS: &[&str] = &[
    "#a15c00", "#1d7a46", "#b3261e", "#5b6677", "#8a8f98", "#0f7c8c", "#6b4fbb",
];

/// The colour of the `index`-th series, named `name`.
fn colour(name: &str, index: usize) -> &'static str {
    domain::registrations::Status::ALL
        .iter()
        .position(|s| s.label() == name)
        .and_then(|i| STATUS_COLOURS.get(i).copied())
        .unwrap_or(PALETTE[index % PALETTE.len()])
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One stacked bar per category (e.g. a week), segments per series (e.g. a status).
pub struct Stacked<'a> {
    pub title: &'a str,
    pub categories: Vec<String>,
    /// (series name, value per category)
    pub series: Vec<(String, Vec<i64>)>,
}

fn open(title: &str) -> String {
    format!(
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = escape(title)
    )
}

fn axis(svg: &mut String, max: i64) {
    let base = HEIGHT - BOTTOM;
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" y1="{base}" x2="{WIDTH}" y2="{base}" stroke="#aab3c2"/><text x="{x}" y="{y}" font-size="11" text-anchor="end">{max}</text><text x="{x}" y="{base}" font-size="11" text-anchor="end">0</text>"##,
        x = LEFT - 6.0,
        y = TOP + 10.0
    );
}

fn label_step(count: usize) -> usize {
    count.div_ceil(12).max(1)
}

pub fn stacked_bars(chart: &Stacked) -> String {
    let mut svg = open(chart.title);
    let n = chart.categories.len();
    if n == 0 {
        svg.push_str(r#"<text x="20" y="40" font-size="13">No data yet.</text></svg>"#);
        return svg;
    }
    let totals: Vec<i64> = (0..n)
        .map(|i| {
            chart
                .series
                .iter()
                .map(|(_, v)| v.get(i).copied().unwrap_or(0).max(0))
                .sum()
        })
        .collect();
    let max = totals.iter().copied().max().unwrap_or(0).max(1);
    axis(&mut svg, max);
    let plot = HEIGHT - BOTTOM - TOP;
    let slot = (WIDTH - LEFT) / n as f64;
    let bar = (slot * 0.7).clamp(1.0, 48.0);
    for (i, category) in chart.categories.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
        let mut y = HEIGHT - BOTTOM;
        for (s, (name, values)) in chart.series.iter().enumerate() {
            let value = values.get(i).copied().unwrap_or(0).max(0);
            if value == 0 {
                continue;
            }
            let h = plot * value as f64 / max as f64;
            y -= h;
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{h:.1}" fill="{}"><title>{}: {} {value}</title></rect>"#,
                colour(name, s),
                escape(category),
                escape(name)
            );
        }
        if i % label_step(n) == 0 {
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle">{}</text>"#,
                x + bar / 2.0,
                HEIGHT - 10.0,
                escape(category)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A legend for the series of a chart, as HTML. Each colour is a small SVG square: the pages'
/// Content-Security-Policy refuses inline styles.
pub fn legend(names: &[String]) -> String {
    let mut html = String::from(r#"<ul class="legend">"#);
    for (i, name) in names.iter().enumerate() {
        let _ = write!(
            html,
            r#"<li><svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" fill="{}"/></svg>{}</li>"#,
            colour(name, i),
            escape(name)
        );
    }
    html.push_str("</ul>");
    html
}

/// Horizontal bars, one per labelled value (e.g. pipeline by partner), largest first as given.
pub fn horizontal_bars(title: &str, rows: &[(String, i64, String)]) -> String {
    let row_height = 22.0;
    let height = (rows.len().max(1) as f64) * row_height + 16.0;
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = escape(title)
    );
    if rows.is_empty() {
        svg.push_str(r#"<text x="20" y="20" font-size="13">No data yet.</text></svg>"#);
        return svg;
    }
    let label_width = 220.0;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    for (i, (label, value, shown)) in rows.iter().enumerate() {
        let y = 8.0 + row_height * i as f64;
        let w = (WIDTH - label_width - 110.0) * (*value).max(0) as f64 / max as f64;
        let _ = write!(
            svg,
            r#"<text x="{lx:.1}" y="{ty:.1}" font-size="12" text-anchor="end">{l}</text><rect x="{label_width}" y="{y:.1}" width="{w:.1}" height="16" fill="{c}"/><text x="{vx:.1}" y="{ty:.1}" font-size="11">{v}</text>"#,
            lx = label_width - 6.0,
            ty = y + 12.0,
            l = escape(label),
            c = PALETTE[0],
            vx = label_width + w + 6.0,
            v = escape(shown),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A line through values per category (e.g. hours to decision per week).
pub fn line(title: &str, categories: &[String], values: &[i64], unit: &str) -> String {
    let mut svg = open(title);
    if values.is_empty() {
        svg.push_str(r#"<text x="20" y="40" font-size="13">No data yet.</text></svg>"#);
        return svg;
    }
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    axis(&mut svg, max);
    let plot = HEIGHT - BOTTOM - TOP;
    let slot = (WIDTH - LEFT) / values.len() as f64;
    let points: Vec<(f64, f64)> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            (
                LEFT + slot * (i as f64 + 0.5),
                HEIGHT - BOTTOM - plot * (*v).max(0) as f64 / max as f64,
            )
        })
        .collect();
    let path: Vec<String> = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
    let _ = write!(
        svg,
        r#"<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>"#,
        PALETTE[0],
        path.join(" ")
    );
    for (i, ((x, y), v)) in points.iter().zip(values).enumerate() {
        let category = categories.get(i).map(String::as_str).unwrap_or_default();
        let _ = write!(
            svg,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="3" fill="{}"><title>{}: {v} {}</title></circle>"#,
            PALETTE[0],
            escape(category),
            escape(unit)
        );
        if i % label_step(values.len()) == 0 {
            let _ = write!(
                svg,
                r#"<text x="{x:.1}" y="{:.1}" font-size="10" text-anchor="middle">{}</text>"#,
                HEIGHT - 10.0,
                escape(category)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_in_a_chart_is_escaped() {
        let rows = [("<script>alert(1)</script> AV".to_owned(), 10, "10.00 USD".to_owned())];
        let svg = horizontal_bars("Pipeline & more", &rows);
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt; AV"));
        assert!(svg.contains("Pipeline &amp; more"));
    }

    #[test]
    fn stacked_bars_scale_to_the_tallest_total() {
        let chart = Stacked {
            title: "Filed",
            categories: vec!["2026-11-16".into(), "2026-11-23".into()],
            series: vec![("approved".into(), vec![2, 1]), ("declined".into(), vec![2, 0])],
        };
        let svg = stacked_bars(&chart);
        // The first week (4 in all) fills the plot height: 220 - 28 - 12 = 180 px, 90 px per half.
        assert!(svg.contains(r#"height="90.0""#), "{svg}");
        assert!(svg.contains(r#"height="45.0""#), "{svg}");
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains(">4</text>"));
    }

    #[test]
    fn empty_charts_say_so() {
        let empty = Stacked {
            title: "Filed",
            categories: Vec::new(),
            series: Vec::new(),
        };
        assert!(stacked_bars(&empty).contains("No data yet."));
        assert!(line("Hours", &[], &[], "h").contains("No data yet."));
        assert!(horizontal_bars("Pipeline", &[]).contains("No data yet."));
    }

    #[test]
    fn legends_need_no_inline_style() {
        let html = legend(&["approved".into(), "declined".into()]);
        assert!(!html.contains("style="), "{html}");
        assert!(html.contains(r##"fill="#1d7a46""##), "{html}");
    }

    #[test]
    fn a_status_has_its_colour_wherever_it_stands() {
        assert!(legend(&["Declined".into()]).contains(r##"fill="#b3261e""##));
        assert!(legend(&["Submitted".into(), "Declined".into()]).contains(r##"fill="#b3261e""##));
        assert_eq!(colour("Approved", 5), colour("Approved", 0));
    }

    #[test]
    fn a_line_has_a_point_per_value() {
        let svg = line("Hours", &["a".into(), "b".into(), "c".into()], &[1, 4, 2], "h");
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(svg.contains("<title>b: 4 h</title>"));
    }
}
