//! Charts drawn on the server as inline SVG: no chart library, no script, nothing fetched. Every
//! text in a chart is escaped here, because the page embeds the SVG as markup.

use std::fmt::Write;

/// The drawing of a chart: wide for screens, narrow for phones. The page carries both and its
/// style shows one, so that text drawn at 12 units is about 12 px wherever it is read (one SVG
/// scaled to a phone would shrink it to 6).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    width: f64,
}

pub const WIDE: Frame = Frame { width: 960.0 };
pub const NARROW: Frame = Frame { width: 360.0 };

const HEIGHT: f64 = 240.0;
/// Room for the value axis's tick labels, the week labels and axis captions, and the unit.
const LEFT: f64 = 52.0;
const BOTTOM: f64 = 44.0;
const TOP: f64 = 26.0;
const RIGHT: f64 = 8.0;
/// Text size of ticks, labels and captions, in SVG units (≈ px as shown).
const FONT: f64 = 12.0;
/// Width of a week label ("16 Nov") with its gap, at `FONT`.
const WEEK_LABEL: f64 = 56.0;

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

/// One stacked bar per week, segments per series (e.g. a status).
pub struct Stacked<'a> {
    pub title: &'a str,
    /// What the bars count, for the value axis: "registrations".
    pub unit: &'a str,
    pub weeks: &'a Weeks,
    /// (series name, value per week)
    pub series: Vec<(String, Vec<i64>)>,
}

/// The weeks of a time chart: their labels on the axis, their names in tooltips, and whether the
/// last one is still going on.
pub struct Weeks {
    pub short: Vec<String>,
    pub long: Vec<String>,
    pub last_is_partial: bool,
    /// What the slots are, under the axis: "Week of filing", "Month of forecast close".
    pub caption: &'static str,
}

fn open(title: &str, width: f64, height: f64) -> String {
    format!(
        r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = escape(title)
    )
}

fn no_data(mut svg: String) -> String {
    svg.push_str(r#"<text x="20" y="40" font-size="14">No data for these filters.</text></svg>"#);
    svg
}

/// A round step for about four ticks up to `max`: 1, 2 or 5 times a power of ten.
fn tick_step(max: f64) -> f64 {
    let raw = (max / 4.0).max(f64::MIN_POSITIVE);
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|step| *step >= raw)
        .unwrap_or(10.0 * power)
}

/// A tick as the narrow axis column fits it: 250,000 → "250k", 1,500,000 → "1.5M".
fn tick_label(tick: f64, decimals: usize) -> String {
    let compact = |v: f64, suffix: &str| {
        let text = format!("{v:.1}");
        format!("{}{suffix}", text.trim_end_matches(".0"))
    };
    if tick >= 1_000_000.0 {
        compact(tick / 1_000_000.0, "M")
    } else if tick >= 10_000.0 {
        compact(tick / 1_000.0, "k")
    } else {
        format!("{tick:.decimals$}")
    }
}

/// Draws the value axis (ticks, grid lines, `unit` above it) and answers its top value.
fn value_axis(svg: &mut String, width: f64, max: f64, unit: &str, decimals: usize) -> f64 {
    // Counts tick by whole numbers.
    let step = if decimals == 0 {
        tick_step(max.max(1.0)).max(1.0)
    } else {
        tick_step(max.max(1.0))
    };
    let top = (max.max(1.0) / step).ceil() * step;
    let plot = HEIGHT - BOTTOM - TOP;
    let mut tick = 0.0;
    while tick <= top + step / 2.0 {
        let y = HEIGHT - BOTTOM - plot * tick / top;
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{x2:.1}" y2="{y:.1}" stroke="{c}"/><text x="{tx}" y="{ty:.1}" font-size="{FONT}" text-anchor="end">{label}</text>"##,
            label = tick_label(tick, decimals),
            x2 = width - RIGHT,
            c = if tick == 0.0 { "#8a93a3" } else { "#e3e7ee" },
            tx = LEFT - 6.0,
            ty = y + 4.0,
        );
        tick += step;
    }
    let _ = write!(
        svg,
        r#"<text x="4" y="{y}" font-size="{FONT}">{u}</text>"#,
        y = TOP - 12.0,
        u = escape(unit)
    );
    top
}

/// Draws the week labels (as many as fit), the caption, and the band of the week still going on.
fn week_axis(svg: &mut String, width: f64, weeks: &Weeks) {
    let n = weeks.short.len().max(1);
    let slot = (width - LEFT - RIGHT) / n as f64;
    let step = (WEEK_LABEL / slot).ceil().max(1.0) as usize;
    if weeks.last_is_partial {
        let x = LEFT + slot * (n - 1) as f64;
        let _ = write!(
            svg,
            r##"<rect x="{x:.1}" y="{TOP}" width="{slot:.1}" height="{h:.1}" fill="#eef1f6"><title>This week so far</title></rect><text x="{tx:.1}" y="{ty:.1}" font-size="{FONT}" text-anchor="end" fill="#5b6677">so far</text>"##,
            h = HEIGHT - BOTTOM - TOP,
            tx = width - RIGHT,
            ty = TOP - 12.0,
        );
    }
    // Labelled from the latest week back, so the current one always has its label; one that would
    // touch the label after it is left out.
    let mut free_until = width;
    for (i, label) in weeks.short.iter().enumerate().rev().step_by(step) {
        let centre = LEFT + slot * (i as f64 + 0.5);
        // A label that would pass the right edge ends there instead.
        let (x, anchor, right) = if centre + WEEK_LABEL / 2.0 > width {
            (width - RIGHT, "end", width - RIGHT)
        } else {
            (centre, "middle", centre + WEEK_LABEL / 2.0)
        };
        if right > free_until {
            continue;
        }
        free_until = right - WEEK_LABEL;
        let _ = write!(
            svg,
            r#"<text x="{x:.1}" y="{y:.1}" font-size="{FONT}" text-anchor="{anchor}">{l}</text>"#,
            y = HEIGHT - BOTTOM + 16.0,
            l = escape(label)
        );
    }
    let _ = write!(
        svg,
        r##"<text x="{x:.1}" y="{y:.1}" font-size="{FONT}" text-anchor="end" fill="#5b6677">{c}</text>"##,
        x = width - RIGHT,
        y = HEIGHT - 6.0,
        c = escape(weeks.caption)
    );
}

pub fn stacked_bars(chart: &Stacked, frame: Frame) -> String {
    let svg = open(chart.title, frame.width, HEIGHT);
    let n = chart.weeks.short.len();
    if n == 0 || chart.series.is_empty() {
        return no_data(svg);
    }
    let mut svg = svg;
    let totals: Vec<i64> = (0..n)
        .map(|i| {
            chart
                .series
                .iter()
                .map(|(_, v)| v.get(i).copied().unwrap_or(0).max(0))
                .sum()
        })
        .collect();
    week_axis(&mut svg, frame.width, chart.weeks);
    let top = value_axis(
        &mut svg,
        frame.width,
        totals.iter().copied().max().unwrap_or(0) as f64,
        chart.unit,
        0,
    );
    let plot = HEIGHT - BOTTOM - TOP;
    let slot = (frame.width - LEFT - RIGHT) / n as f64;
    let bar = (slot * 0.7).clamp(1.0, 40.0);
    for (i, week) in chart.weeks.long.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
        let mut y = HEIGHT - BOTTOM;
        for (s, (name, values)) in chart.series.iter().enumerate() {
            let value = values.get(i).copied().unwrap_or(0).max(0);
            if value == 0 {
                continue;
            }
            let h = plot * value as f64 / top;
            y -= h;
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{h:.1}" fill="{}"><title>{}: {} {value}</title></rect>"#,
                colour(name, s),
                escape(week),
                escape(name)
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

/// Horizontal bars, one per labelled value (e.g. pipeline by partner), largest first as given;
/// `shown` carries the amount with its currency. A label too long for its column is shortened,
/// whole in its tooltip.
pub fn horizontal_bars(title: &str, unit: &str, rows: &[(String, i64, String)], frame: Frame) -> String {
    let row_height = 24.0;
    let height = (rows.len().max(1) as f64) * row_height + TOP + 8.0;
    let svg = open(title, frame.width, height);
    if rows.is_empty() {
        return no_data(svg);
    }
    let mut svg = svg;
    let _ = write!(
        svg,
        r##"<text x="4" y="{y}" font-size="{FONT}" fill="#5b6677">{u}</text>"##,
        y = TOP - 10.0,
        u = escape(unit)
    );
    let label_width = (frame.width * 0.32).round();
    // Room after the longest bar for its amount ("1,234,567.00 USD").
    let value_room = 124.0;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let fits = (label_width / 7.0) as usize;
    for (i, (label, value, shown)) in rows.iter().enumerate() {
        let y = TOP + row_height * i as f64;
        let w = (frame.width - label_width - value_room) * (*value).max(0) as f64 / max as f64;
        let short: String = if label.chars().count() > fits {
            label.chars().take(fits.saturating_sub(1)).chain(['…']).collect()
        } else {
            label.clone()
        };
        let _ = write!(
            svg,
            r#"<text x="{lx:.1}" y="{ty:.1}" font-size="{FONT}" text-anchor="end"><title>{full}</title>{l}</text><rect x="{label_width}" y="{y:.1}" width="{w:.1}" height="16" fill="{c}"/><text x="{vx:.1}" y="{ty:.1}" font-size="{FONT}">{v}</text>"#,
            lx = label_width - 6.0,
            ty = y + 12.5,
            full = escape(label),
            l = escape(&short),
            c = PALETTE[0],
            vx = label_width + w + 6.0,
            v = escape(shown),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A line through the weeks that have a value (e.g. days to decision); a week without one is a gap,
/// since no decision is not a decision in no time.
pub fn line(title: &str, unit: &str, weeks: &Weeks, values: &[Option<f64>], frame: Frame) -> String {
    let svg = open(title, frame.width, HEIGHT);
    if values.iter().all(Option::is_none) {
        return no_data(svg);
    }
    let mut svg = svg;
    week_axis(&mut svg, frame.width, weeks);
    let max = values.iter().flatten().copied().fold(0.0, f64::max);
    let top = value_axis(&mut svg, frame.width, max, unit, if max < 4.0 { 1 } else { 0 });
    let plot = HEIGHT - BOTTOM - TOP;
    let slot = (frame.width - LEFT - RIGHT) / values.len() as f64;
    let point = |i: usize, v: f64| {
        (
            LEFT + slot * (i as f64 + 0.5),
            HEIGHT - BOTTOM - plot * v.max(0.0) / top,
        )
    };
    // One polyline per run of weeks with values.
    let mut runs: Vec<Vec<String>> = vec![Vec::new()];
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => {
                let (x, y) = point(i, *v);
                if let Some(run) = runs.last_mut() {
                    run.push(format!("{x:.1},{y:.1}"));
                }
            }
            None => runs.push(Vec::new()),
        }
    }
    for run in runs.iter().filter(|r| r.len() > 1) {
        let _ = write!(
            svg,
            r#"<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>"#,
            PALETTE[0],
            run.join(" ")
        );
    }
    for (i, v) in values.iter().enumerate() {
        let Some(v) = v else { continue };
        let (x, y) = point(i, *v);
        let week = weeks.long.get(i).map(String::as_str).unwrap_or_default();
        let _ = write!(
            svg,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="3.5" fill="{}"><title>{}: {v:.1} {}</title></circle>"#,
            PALETTE[0],
            escape(week),
            escape(unit)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weeks(n: usize) -> Weeks {
        Weeks {
            short: (0..n).map(|i| format!("{} Nov", i + 1)).collect(),
            long: (0..n).map(|i| format!("2026-11-{:02}", i + 1)).collect(),
            last_is_partial: true,
            caption: "Week of filing",
        }
    }

    #[test]
    fn every_text_in_a_chart_is_escaped() {
        let rows = [("<script>alert(1)</script> AV".to_owned(), 10, "10.00 USD".to_owned())];
        let svg = horizontal_bars("Pipeline & more", "USD", &rows, WIDE);
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt; AV"));
        assert!(svg.contains("Pipeline &amp; more"));
    }

    #[test]
    fn stacked_bars_scale_to_a_round_top_with_ticks_and_units() {
        let weeks = weeks(2);
        let chart = Stacked {
            title: "Filed",
            unit: "registrations",
            weeks: &weeks,
            series: vec![("approved".into(), vec![2, 1]), ("declined".into(), vec![2, 0])],
        };
        let svg = stacked_bars(&chart, WIDE);
        // The first week (4 in all) fills the plot: 240 - 44 - 26 = 170 px, 85 px per half.
        assert!(svg.contains(r#"height="85.0""#), "{svg}");
        assert!(svg.contains(r#"height="42.5""#), "{svg}");
        for tick in [">0</text>", ">1</text>", ">2</text>", ">3</text>", ">4</text>"] {
            assert!(svg.contains(tick), "{tick}: {svg}");
        }
        assert!(svg.contains(">registrations</text>") && svg.contains(">Week of filing</text>"));
        assert!(svg.contains(">so far</text>"), "the week still going on is marked");
    }

    #[test]
    fn large_ticks_are_written_short() {
        assert_eq!(tick_label(250_000.0, 0), "250k");
        assert_eq!(tick_label(1_500_000.0, 0), "1.5M");
        assert_eq!(tick_label(2_000_000.0, 0), "2M");
        assert_eq!(tick_label(5_000.0, 0), "5000");
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(tick_step(4.0), 1.0);
        assert_eq!(tick_step(9.0), 5.0);
        assert_eq!(tick_step(37.0), 10.0);
        assert_eq!(tick_step(0.8), 0.2);
        let mut svg = String::new();
        assert_eq!(value_axis(&mut svg, 360.0, 2.0, "Registrations", 0), 2.0);
        assert_eq!(svg.matches("<line").count(), 3, "0, 1 and 2, not halves: {svg}");
    }

    #[test]
    fn week_labels_fit_the_narrow_frame() {
        let weeks = weeks(52);
        let chart = Stacked {
            title: "Filed",
            unit: "registrations",
            weeks: &weeks,
            series: vec![("approved".into(), vec![1; 52])],
        };
        let labels = |svg: &str| svg.matches(" Nov</text>").count();
        let (wide, narrow) = (
            labels(&stacked_bars(&chart, WIDE)),
            labels(&stacked_bars(&chart, NARROW)),
        );
        assert!(narrow * 56 <= 360 && wide * 56 <= 960, "{narrow} {wide}");
        assert!(
            stacked_bars(&chart, NARROW).contains(">52 Nov</text>"),
            "the latest week is labelled"
        );
    }

    #[test]
    fn empty_charts_say_so() {
        let weeks = weeks(0);
        let empty = Stacked {
            title: "Filed",
            unit: "registrations",
            weeks: &weeks,
            series: Vec::new(),
        };
        assert!(stacked_bars(&empty, WIDE).contains("No data for these filters."));
        assert!(line("Days", "days", &weeks, &[], WIDE).contains("No data for these filters."));
        assert!(horizontal_bars("Pipeline", "USD", &[], WIDE).contains("No data for these filters."));
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
    fn a_line_has_a_point_per_value_and_gaps_for_weeks_without() {
        let svg = line(
            "Days",
            "days",
            &weeks(4),
            &[Some(1.0), Some(4.0), None, Some(2.0)],
            WIDE,
        );
        assert_eq!(svg.matches("<circle").count(), 3);
        assert_eq!(
            svg.matches("<polyline").count(),
            1,
            "the run after the gap has one point"
        );
        assert!(svg.contains("<title>2026-11-02: 4.0 days</title>"));
    }

    #[test]
    fn long_labels_are_shortened_not_clipped() {
        let rows = [(
            "A partner with a very long name indeed, Incorporated".to_owned(),
            1,
            "1.00 USD".to_owned(),
        )];
        let svg = horizontal_bars("Pipeline", "USD", &rows, NARROW);
        assert!(
            svg.contains("…</text>")
                && svg.contains("<title>A partner with a very long name indeed, Incorporated</title>")
        );
    }
}
