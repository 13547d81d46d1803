//! Inline SVG charts, drawn in Rust: no script, no style attribute (the site's CSP forbids
//! inline style), only presentation attributes and escaped text.

use std::fmt::Write as _;

use super::escape::html;

/// One bar: a label, a value 0–100 (absent draws an empty track) and a shown value.
#[derive(Debug, Clone)]
pub struct Bar {
    /// Label left of the bar.
    pub label: String,
    /// Value 0–100.
    pub value: Option<f64>,
    /// Text right of the bar.
    pub text: String,
    /// A count rather than a score: drawn in one neutral colour, not good/fair/poor.
    pub neutral: bool,
}

fn colour(value: Option<f64>) -> &'static str {
    match value {
        Some(v) if v >= 80.0 => "#1a7f37",
        Some(v) if v >= 50.0 => "#9a6700",
        Some(_) => "#cf222e",
        None => "#8c959f",
    }
}

/// A horizontal bar chart of values 0–100, with an accessible title.
pub fn bars(title: &str, bars: &[Bar]) -> String {
    let row = 26;
    let height = 10 + row * bars.len().max(1);
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 640 {height}" role="img" aria-label="{t}"><title>{t}</title>"#,
        t = html(title)
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = 8 + row * i;
        let width = bar.value.map_or(0.0, |v| v.clamp(0.0, 100.0) * 3.0);
        let _ = write!(
            svg,
            r##"<text x="0" y="{ty}" font-size="12" fill="currentColor">{label}</text><rect x="260" y="{y}" width="300" height="16" fill="#eaeef2"/><rect x="260" y="{y}" width="{width:.1}" height="16" fill="{c}"/><text x="566" y="{ty}" font-size="12" fill="currentColor">{text}</text>"##,
            ty = y + 12,
            label = html(&truncate(&bar.label, 40)),
            c = if bar.neutral {
                "#0b5cad"
            } else {
                colour(bar.value)
            },
            text = html(&bar.text),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// One point of the certificate timeline.
#[derive(Debug, Clone)]
pub struct Expiry {
    /// Who and what (member, host).
    pub label: String,
    /// Days from the run to `not_after` (negative: already expired).
    pub days: i64,
    /// The date as shown.
    pub date: String,
}

/// Certificate expiry timeline: one row per certificate, a dot at its expiry on a
/// −30…+120-day axis (beyond are pinned to the edge), a line at the run day.
pub fn expiry_timeline(title: &str, now_label: &str, points: &[Expiry]) -> String {
    let row = 22;
    let height = 34 + row * points.len().max(1);
    let x_of = |days: i64| 260.0 + (days.clamp(-30, 120) + 30) as f64 * 2.0;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 640 {height}" role="img" aria-label="{t}"><title>{t}</title>"#,
        t = html(title)
    );
    let now = x_of(0);
    let _ = write!(
        svg,
        r##"<line x1="{now}" y1="14" x2="{now}" y2="{height}" stroke="#57606a" stroke-dasharray="3 3"/><text x="{now}" y="10" font-size="11" text-anchor="middle" fill="currentColor">{n}</text>"##,
        n = html(now_label)
    );
    for (i, point) in points.iter().enumerate() {
        let y = 30 + row * i;
        let c = if point.days < 0 {
            "#cf222e"
        } else if point.days < 21 {
            "#9a6700"
        } else {
            "#1a7f37"
        };
        let _ = write!(
            svg,
            r##"<text x="0" y="{ty}" font-size="12" fill="currentColor">{label}</text><line x1="260" y1="{y}" x2="560" y2="{y}" stroke="#eaeef2"/><circle cx="{x:.1}" cy="{y}" r="5" fill="{c}"/><text x="566" y="{ty}" font-size="11" fill="currentColor">{date}</text>"##,
            ty = y + 4,
            label = html(&truncate(&point.label, 40)),
            x = x_of(point.days),
            date = html(&point.date),
        );
    }
    svg.push_str("</svg>");
    svg
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

/// Approximate width in pixels of text in the badge font (11px Verdana-like).
pub fn text_width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            if c.is_ascii_uppercase() || c == 'm' || c == 'w' {
                8
            } else {
                7
            }
        })
        .sum::<usize>()
        + 10
}

/// The colour of a badge for a score.
pub fn badge_colour(score: Option<f64>) -> &'static str {
    colour(score)
}
