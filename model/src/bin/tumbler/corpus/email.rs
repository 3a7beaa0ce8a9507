//! Raw RFC 822 messages (SpamAssassin's corpus): headers, MIME multipart bodies,
//! quoted-printable and base64 transfer encodings. We keep the first text part, preferring
//! text/plain, and report whether it is HTML.

use base64::Engine;

/// The readable body of a message.
#[derive(Debug, PartialEq)]
pub struct Body {
    pub text: String,
    pub html: bool,
}

/// Extracts the body of a raw message; `None` if it has no text part.
pub fn body(raw: &str) -> Option<Body> {
    let raw = raw.replace("\r\n", "\n");
    let (headers, rest) = split_headers(&raw);
    part(&headers, rest, 0)
}

fn split_headers(raw: &str) -> (Vec<(String, String)>, &str) {
    let (head, body) = raw.split_once("\n\n").unwrap_or((raw, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    (headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn part(headers: &[(String, String)], body: &str, depth: usize) -> Option<Body> {
    let ctype = header(headers, "content-type").unwrap_or("text/plain").to_ascii_lowercase();
    if ctype.starts_with("multipart/") && depth < 4 {
        let boundary = param(header(headers, "content-type")?, "boundary")?;
        let delim = format!("--{boundary}");
        let parts: Vec<Body> = body
            .split(&delim)
            .skip(1)
            .filter(|p| !p.starts_with("--"))
            .filter_map(|p| {
                let p = p.strip_prefix('\n').unwrap_or(p);
                let (h, b) = split_headers(p);
                part(&h, b, depth + 1)
            })
            .collect();
        let plain = parts.iter().position(|b| !b.html);
        return parts.into_iter().nth(plain.unwrap_or(0));
    }
    if !ctype.starts_with("text/") {
        return None;
    }
    let encoding = header(headers, "content-transfer-encoding").unwrap_or("").to_ascii_lowercase();
    let text = match encoding.as_str() {
        "quoted-printable" => quoted_printable(body),
        "base64" => {
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            let bytes = base64::engine::general_purpose::STANDARD.decode(compact).ok()?;
            String::from_utf8_lossy(&bytes).into_owned()
        }
        _ => body.to_string(),
    };
    Some(Body { text, html: ctype.starts_with("text/html") })
}

fn param(value: &str, name: &str) -> Option<String> {
    value.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim().trim_matches('"').to_string())
    })
}

fn quoted_printable(s: &str) -> String {
    let mut bytes = Vec::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' {
            if b.get(i + 1) == Some(&b'\n') {
                i += 2;
                continue;
            }
            let hex = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                bytes.push(v);
                i += 3;
                continue;
            }
        }
        bytes.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The first http(s) link in a text, the address an email points its reader at.
pub fn first_url(text: &str) -> Option<String> {
    let start = text.find("http://").or_else(|| text.find("https://"))?;
    let url: String = text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, '"' | '\'' | '<' | '>' | ')'))
        .collect();
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_multipart_and_encodings() {
        let raw = "From: a@b.c\nContent-Type: multipart/alternative;\n\tboundary=\"XX\"\n\n\
preamble\n--XX\nContent-Type: text/html\n\n<p>hi</p>\n--XX\nContent-Type: text/plain\n\
Content-Transfer-Encoding: quoted-printable\n\ncaf=C3=A9 =\nau lait\n--XX--\n";
        assert_eq!(body(raw), Some(Body { text: "café au lait\n".into(), html: false }));
        assert_eq!(first_url("see <http://x.org/a?b=1> now"), Some("http://x.org/a?b=1".into()));
    }
}
