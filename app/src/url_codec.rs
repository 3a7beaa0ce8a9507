//! The URL's query codec: `a=1&b=two` to pairs and back, with percent escapes. Plain functions
//! below both the router (`route.rs`) and the chapters' URL state (`url_state.rs`), so neither
//! imports the other's way back.

/// Decodes `%XX` escapes; `None` for a malformed escape or bytes that are not UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Escapes everything but unreserved characters, so any text survives a round trip.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Parses `a=1&b=two` into pairs, skipping pieces that do not decode.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Some((percent_decode(k)?, percent_decode(v)?))
        })
        .collect()
}

/// The inverse of [`parse_query`].
pub fn format_query(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            if v.is_empty() {
                percent_encode(k)
            } else {
                format!("{}={}", percent_encode(k), percent_encode(v))
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_text_round_trips_through_the_query() {
        for text in ["hello world", "a&b=c#d?e", "naïve café 🤖👩‍👩‍👧", "%41", "line\nbreak", ""]
        {
            let q = format_query(&[("text".into(), text.into()), ("t".into(), "0.8".into())]);
            let back = parse_query(&q);
            let got = back.iter().find(|(k, _)| k == "text").map(|(_, v)| v.as_str());
            assert_eq!(got.unwrap_or(""), text, "query {q}");
        }
    }

    #[test]
    fn malformed_escapes_are_dropped_not_panicked_on() {
        assert_eq!(percent_decode("%E2%82"), None); // truncated UTF-8
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%4"), None);
        let pairs = parse_query("text=%ZZ&t=0.5&&=&embed");
        assert_eq!(
            pairs,
            vec![("t".into(), "0.5".into()), ("".into(), "".into()), ("embed".into(), "".into())]
        );
    }
}
