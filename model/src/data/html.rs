//! HTML → text, the stage trafilatura plays in FineWeb: keep the prose, drop scripts, styles and
//! navigation boilerplate, decode entities, and keep paragraph breaks. Tolerant of broken markup:
//! an unclosed tag or a stray `<` never loses the rest of the page.

/// Elements whose whole content is boilerplate or not text.
const SKIP_ELEMENTS: &[&str] = &[
    "script", "style", "nav", "header", "footer", "aside", "form", "noscript", "svg", "select",
    "button", "iframe", "template",
];

/// Attribute values that mark a `div` or `section` as navigation (Sphinx, Docbook, most CMSs).
const BOILERPLATE_MARKERS: &[&str] = &[
    "navigation",
    "sphinxsidebar",
    "related",
    "footer",
    "navheader",
    "navfooter",
    "breadcrumb",
    "menu",
    "sidebar",
    "cookie",
];

/// Elements that end a paragraph.
const BLOCK_ELEMENTS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "pre",
    "section",
    "article",
    "blockquote",
    "dd",
    "dt",
    "dl",
    "hr",
    "title",
    "body",
    "main",
    "td",
    "th",
];

/// Extracts readable text, one paragraph per line group separated by a blank line.
pub fn extract_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    // The element whose content is being skipped and how deeply it is nested in itself.
    let mut skipping: Option<(String, usize)> = None;
    let mut in_pre = 0usize;
    let mut rest = html;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if skipping.is_none() {
                push_text(&mut out, rest, in_pre > 0);
            }
            break;
        };
        if skipping.is_none() {
            push_text(&mut out, &rest[..lt], in_pre > 0);
        }
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let Some(gt) = rest.find('>') else {
            // A `<` that never closes is text, not a tag.
            if skipping.is_none() {
                push_text(&mut out, rest, in_pre > 0);
            }
            break;
        };
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        let closing = tag.starts_with('/');
        let tag_body = tag.trim_start_matches('/');
        let name: String = tag_body
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() {
            // `<!DOCTYPE>`, `<?xml?>`, or a bare `<` in text such as "a < b".
            if !tag.starts_with('!') && !tag.starts_with('?') && skipping.is_none() {
                push_text(&mut out, "<", in_pre > 0);
                push_text(&mut out, tag, in_pre > 0);
                push_text(&mut out, ">", in_pre > 0);
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        if let Some((skip_name, depth)) = &mut skipping {
            if *skip_name == name && !self_closing {
                if closing {
                    *depth -= 1;
                    if *depth == 0 {
                        skipping = None;
                    }
                } else {
                    *depth += 1;
                }
            }
            continue;
        }
        if !closing && !self_closing && is_boilerplate(&name, tag_body) {
            skipping = Some((name, 1));
            continue;
        }
        if name == "pre" {
            in_pre = if closing { in_pre.saturating_sub(1) } else { in_pre + 1 };
        }
        if BLOCK_ELEMENTS.contains(&name.as_str()) {
            if name == "br" { out.push('\n') } else { paragraph_break(&mut out) }
        } else if matches!(name.as_str(), "td" | "th") {
            out.push(' ');
        }
    }
    tidy(&out)
}

fn is_boilerplate(name: &str, tag_body: &str) -> bool {
    if SKIP_ELEMENTS.contains(&name) {
        return true;
    }
    if !matches!(name, "div" | "section" | "ul" | "table") {
        return false;
    }
    let lower = tag_body.to_ascii_lowercase();
    ["class=", "role=", "id="].iter().any(|attr| {
        lower.match_indices(attr).any(|(i, _)| {
            let value = attribute_value(&lower[i + attr.len()..]);
            value.split_whitespace().any(|v| {
                BOILERPLATE_MARKERS.iter().any(|m| v == *m || v.starts_with(&format!("{m}-")))
            })
        })
    })
}

fn attribute_value(s: &str) -> &str {
    match s.chars().next() {
        Some(q @ ('"' | '\'')) => s[1..].split(q).next().unwrap_or(""),
        _ => s.split(|c: char| c.is_whitespace() || c == '>').next().unwrap_or(""),
    }
}

fn push_text(out: &mut String, raw: &str, preformatted: bool) {
    let decoded = decode_entities(raw);
    if preformatted {
        out.push_str(&decoded);
        return;
    }
    for (i, word) in decoded.split(|c: char| c.is_whitespace()).enumerate() {
        if i > 0 && !out.ends_with([' ', '\n']) && !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
}

fn paragraph_break(out: &mut String) {
    while out.ends_with(' ') {
        out.pop();
    }
    if !out.is_empty() && !out.ends_with("\n\n") {
        out.push_str(if out.ends_with('\n') { "\n" } else { "\n\n" });
    }
}

/// Trims each line and collapses runs of blank lines to one.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = true;
    for line in text.lines() {
        let line = line.trim_end();
        let line = if line.trim().is_empty() { "" } else { line };
        if line.is_empty() {
            if !blank {
                out.push('\n');
            }
            blank = true;
        } else {
            out.push_str(line);
            out.push('\n');
            blank = false;
        }
    }
    out.trim_end().to_string()
}

/// Decodes the entities that occur in practice: numeric ones and the common named ones. Unknown
/// entities stay as written, as browsers do.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest[1..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '#')).map(|i| i + 1);
        let (entity, consumed) = match end {
            Some(e) if rest[e..].starts_with(';') => (&rest[1..e], e + 1),
            Some(e) => (&rest[1..e], e),
            None => (&rest[1..], rest.len()),
        };
        match decode_one(entity) {
            Some(c) => {
                out.push(c);
                rest = &rest[consumed..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn decode_one(entity: &str) -> Option<char> {
    if let Some(num) = entity.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code).filter(|c| *c != '\0');
    }
    Some(match entity {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "hellip" => '…',
        "mdash" => '—',
        "ndash" => '–',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "laquo" => '«',
        "raquo" => '»',
        "para" => '¶',
        "sect" => '§',
        "middot" => '·',
        "bull" => '•',
        "deg" => '°',
        "times" => '×',
        "eacute" => 'é',
        "egrave" => 'è',
        "agrave" => 'à',
        "uuml" => 'ü',
        "ouml" => 'ö',
        "auml" => 'ä',
        "szlig" => 'ß',
        "ccedil" => 'ç',
        "ntilde" => 'ñ',
        "euro" => '€',
        "pound" => '£',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_prose_and_paragraphs_drops_boilerplate() {
        let html = r#"<!DOCTYPE html><html><head><title>T</title><style>p{color:red}</style></head>
<body><div class="related" role="navigation"><ul><li>index</li><li>next</li></ul></div>
<h1>Fish &amp; Chips</h1><p>First   paragraph,
wrapped.</p><p>Second&nbsp;one &#8212; with &lt;code&gt; &#x41;.</p>
<script>var x = "<p>not text</p>";</script><!-- a comment <p>hidden</p> -->
<div class="sphinxsidebar"><div>search box</div><p>sidebar</p></div>
<pre>line 1
  line 2</pre><footer>Copyright</footer></body></html>"#;
        let text = extract_text(html);
        assert_eq!(
            text,
            "T\n\nFish & Chips\n\nFirst paragraph, wrapped.\n\nSecond one — with <code> A.\n\nline 1\n  line 2"
        );
    }

    #[test]
    fn tolerates_broken_markup() {
        assert_eq!(extract_text("<p>a < b and c"), "a < b and c");
        assert_eq!(extract_text("<p>unclosed <b>bold"), "unclosed bold");
        assert_eq!(extract_text("x &bogus; y &amp"), "x &bogus; y &");
        assert_eq!(extract_text("<div><script>never closed"), "");
    }
}
