//! A chapter's controls live in the URL's fragment query (`#/<slug>?text=…&t=0.8`), so a link or
//! an embed reopens the same state. Values are validated on the way in: a malformed, hostile or
//! out-of-range value falls back to the control's default; text is only ever shown as text.

use leptos::prelude::*;

use crate::route::{self, Route};
use crate::url_codec::{format_query, parse_query};

/// The longest text kept in a URL; longer text still works on the page but is not linked.
pub const MAX_TEXT_IN_URL: usize = 2000;

/// Reads a number, accepting it only if it is finite and inside `min..=max`.
pub fn parse_number(raw: Option<&str>, min: f64, max: f64) -> Option<f64> {
    let v: f64 = raw?.trim().parse().ok()?;
    (v.is_finite() && (min..=max).contains(&v)).then_some(v)
}

/// Reads text, refusing control characters other than newlines and tabs, and over-long values.
pub fn parse_text(raw: Option<&str>) -> Option<String> {
    let v = raw?;
    let ok = v.chars().count() <= MAX_TEXT_IN_URL
        && v.chars().all(|c| !c.is_control() || c == '\n' || c == '\t');
    ok.then(|| v.to_owned())
}

fn current_value(key: &str) -> Option<String> {
    let route = Route::current();
    parse_query(&route.query).into_iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn write_value(key: &str, value: Option<String>) {
    let route = Route::current();
    let mut pairs: Vec<(String, String)> =
        parse_query(&route.query).into_iter().filter(|(k, _)| k != key).collect();
    if let Some(v) = value {
        pairs.push((key.to_owned(), v));
    }
    route::replace_query(&route.slug, &format_query(&pairs));
}

/// A text control kept in the URL under `key`.
pub fn text_param(key: &'static str, default: &str) -> RwSignal<String> {
    let initial = parse_text(current_value(key).as_deref()).unwrap_or_else(|| default.to_owned());
    let signal = RwSignal::new(initial);
    let default = default.to_owned();
    Effect::new(move |_| {
        let v = signal.get();
        let keep = v != default && v.chars().count() <= MAX_TEXT_IN_URL;
        write_value(key, keep.then_some(v));
    });
    signal
}

/// A numeric control (slider, seed) kept in the URL under `key`, clamped to `min..=max`.
pub fn number_param(key: &'static str, default: f64, min: f64, max: f64) -> RwSignal<f64> {
    let initial = parse_number(current_value(key).as_deref(), min, max).unwrap_or(default);
    let signal = RwSignal::new(initial);
    Effect::new(move |_| {
        let v = signal.get();
        write_value(key, (v != default).then(|| format!("{v}")));
    });
    signal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_outside_their_range_or_not_finite_fall_back() {
        assert_eq!(parse_number(Some("0.8"), 0.0, 2.0), Some(0.8));
        assert_eq!(parse_number(Some("3"), 0.0, 2.0), None);
        assert_eq!(parse_number(Some("NaN"), 0.0, 2.0), None);
        assert_eq!(parse_number(Some("inf"), 0.0, 1e9), None);
        assert_eq!(parse_number(Some("1e400"), 0.0, 1e9), None);
        assert_eq!(parse_number(Some("<script>"), 0.0, 2.0), None);
        assert_eq!(parse_number(None, 0.0, 2.0), None);
    }

    #[test]
    fn text_with_control_characters_or_too_long_is_refused() {
        assert_eq!(parse_text(Some("<b>hi</b>")), Some("<b>hi</b>".into()));
        assert_eq!(parse_text(Some("bell\u{7}")), None);
        assert_eq!(parse_text(Some(&"x".repeat(MAX_TEXT_IN_URL + 1))), None);
    }
}
