//! PII removal, FineWeb's last stage: email addresses, phone numbers, IPv4 and IPv6 addresses and
//! payment-card numbers (Luhn-checked, so ordinary long numbers survive) become placeholders.

#[cfg(feature = "regex")]
use fancy_regex::Regex;

/// A pattern and a looser one that every match of it also matches, without look-around or `\b`.
/// The full patterns are slow: look-around runs in fancy-regex's backtracking VM at every
/// position, and a Unicode `\b` stops the fast engine on any text that is not pure ASCII. The
/// prefilter runs in the fast engine; text where it finds nothing cannot hold a match, so most
/// documents skip the slow search.
#[cfg(feature = "regex")]
#[derive(Debug)]
struct Pattern {
    full: Regex,
    prefilter: Regex,
}

#[cfg(feature = "regex")]
impl Pattern {
    fn may_match(&self, text: &str) -> bool {
        // A pattern without look-around cannot hit the backtrack limit; on an error, search anyway.
        self.prefilter.is_match(text).unwrap_or(true)
    }
}

#[cfg(feature = "regex")]
/// Compiled patterns; build once.
#[derive(Debug)]
pub struct PiiScrubber {
    email: Pattern,
    ipv4: Pattern,
    ipv6: Pattern,
    card: Pattern,
    phone: Pattern,
}

/// How many of each kind were replaced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PiiCounts {
    pub emails: usize,
    pub phones: usize,
    pub ips: usize,
    pub cards: usize,
}

impl PiiCounts {
    pub fn total(&self) -> usize {
        self.emails + self.phones + self.ips + self.cards
    }

    pub fn add(&mut self, o: &PiiCounts) {
        self.emails += o.emails;
        self.phones += o.phones;
        self.ips += o.ips;
        self.cards += o.cards;
    }
}

#[cfg(feature = "regex")]
impl Default for PiiScrubber {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "regex")]
impl PiiScrubber {
    #[allow(clippy::missing_panics_doc)]
    pub fn new() -> Self {
        // The patterns are constants; a failure here is a bug caught by the tests.
        let re = |p: &str| Regex::new(p).expect("PII pattern compiles");
        let filtered = |p: &str, f: &str| Pattern { full: re(p), prefilter: re(f) };
        Self {
            email: filtered(
                r"(?i)\b[a-z0-9._%+\-]+@[a-z0-9.\-]+\.[a-z]{2,}\b",
                r"(?i)[a-z0-9._%+\-]@[a-z0-9.\-]+\.[a-z]{2}",
            ),
            ipv4: filtered(
                r"\b(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b(?!\.?\d)",
                r"(?:\d{1,3}\.){3}\d",
            ),
            ipv6: filtered(
                r"(?i)(?<![0-9a-f:])(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}(?![0-9a-f:])|(?<![0-9a-f:])(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4}:){0,5}[0-9a-f]{1,4}(?![0-9a-f:])",
                r"(?i)(?:[0-9a-f]{1,4}:){7}[0-9a-f]|[0-9a-f]::[0-9a-f]",
            ),
            card: filtered(r"\b(?:\d[ \-]?){12,18}\d\b", r"(?:\d[ \-]?){12}\d"),
            phone: filtered(
                r"(?<![\w.])(?:\+\d{1,3}[ .\-]?)?(?:\(\d{2,4}\)[ .\-]?|\d{3}[ .\-])\d{3}[ .\-]\d{4}\b",
                r"\d{3}[ .\-]\d{4}",
            ),
        }
    }

    /// Returns `text` with PII replaced by placeholders and the counts of what was replaced.
    pub fn scrub(&self, text: &str) -> (String, PiiCounts) {
        self.scrub_with(text, |kind, _| kind.placeholder().to_string())
    }

    /// Replaces each piece of PII with what `with` returns for it (the CLI uses this to publish
    /// real documents with made-up addresses, so the page still has PII to find).
    pub fn scrub_with(
        &self,
        text: &str,
        mut with: impl FnMut(PiiKind, &str) -> String,
    ) -> (String, PiiCounts) {
        let mut counts = PiiCounts::default();
        // `find_iter` reports fancy-regex's backtrack limit as an error instead of panicking
        // (as `replace_all` would); text past such a point is left as it is.
        let mut run = |pattern: &Pattern, kind: PiiKind, text: &str, n: &mut usize| {
            if !pattern.may_match(text) {
                return text.to_string();
            }
            let re = &pattern.full;
            let mut out = String::with_capacity(text.len());
            let mut last = 0;
            for m in re.find_iter(text) {
                let Ok(m) = m else { break };
                if kind == PiiKind::Card && !luhn(m.as_str()) {
                    continue;
                }
                out.push_str(&text[last..m.start()]);
                out.push_str(&with(kind, m.as_str()));
                *n += 1;
                last = m.end();
            }
            out.push_str(&text[last..]);
            out
        };
        let text = run(&self.email, PiiKind::Email, text, &mut counts.emails);
        let text = run(&self.card, PiiKind::Card, &text, &mut counts.cards);
        let text = run(&self.ipv6, PiiKind::Ip, &text, &mut counts.ips);
        let text = run(&self.ipv4, PiiKind::Ip, &text, &mut counts.ips);
        let text = run(&self.phone, PiiKind::Phone, &text, &mut counts.phones);
        (text, counts)
    }
}

/// The kinds of PII the scrubber finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum PiiKind {
    Email,
    Phone,
    Ip,
    Card,
}

impl PiiKind {
    pub fn placeholder(self) -> &'static str {
        match self {
            PiiKind::Email => "<email>",
            PiiKind::Phone => "<phone>",
            PiiKind::Ip => "<ip>",
            PiiKind::Card => "<card>",
        }
    }
}

/// The Luhn checksum that every payment-card number satisfies.
pub fn luhn(number: &str) -> bool {
    let digits: Vec<u32> = number.chars().filter_map(|c| c.to_digit(10)).collect();
    if !(13..=19).contains(&digits.len()) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| if i % 2 == 1 { if d * 2 > 9 { d * 2 - 9 } else { d * 2 } } else { d })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(all(test, feature = "regex"))]
mod tests {
    use super::*;

    #[test]
    fn scrubs_pii() {
        let s = PiiScrubber::new();
        let (out, n) = s.scrub(
            "Mail jm@netnoteinc.com or call (555) 123-4567 or +1 212-555-0199. Server 192.168.0.1, \
             v6 2001:db8::ff00:42:8329 and fe80:0:0:0:202:b3ff:fe1e:8329. Card 4111 1111 1111 1111.",
        );
        assert_eq!(
            out,
            "Mail <email> or call <phone> or <phone>. Server <ip>, v6 <ip> and <ip>. Card <card>."
        );
        assert_eq!(n, PiiCounts { emails: 1, phones: 2, ips: 3, cards: 1 });
    }

    #[test]
    fn keeps_lookalikes() {
        let s = PiiScrubber::new();
        let text = "Version 3.11.2 of Python, released in 2023, has 1234567890123 lines; see 1.2.3.4.5 and 12:30.";
        let (out, n) = s.scrub(text);
        assert_eq!(out, text);
        assert_eq!(n.total(), 0);
        assert!(luhn("4111111111111111"));
        assert!(!luhn("4111111111111112"));
    }
}
