//! URL filtering, FineWeb's first stage: drop documents whose address is malformed, sits on a
//! blocklisted domain, uses a TLD that mostly carries spam, or spells out adult words.

/// Why a URL was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum UrlVerdict {
    Keep,
    Malformed,
    BlockedDomain,
    SpamTld,
    AdultWord,
}

/// Domains blocked outright (a small stand-in for the UT1 blocklist FineWeb uses).
const BLOCKED_DOMAINS: &[&str] = &[
    "pornhub.com",
    "xvideos.com",
    "xnxx.com",
    "redtube.com",
    "youporn.com",
    "casino.com",
    "bet365.com",
    "viagra.com",
];

/// TLDs that carry mostly spam in web crawls (Spamhaus's "most abused TLDs" list).
const SPAM_TLDS: &[&str] = &[
    "xyz", "top", "click", "loan", "work", "gq", "cf", "ml", "tk", "ga", "buzz", "rest", "fit",
    "zip", "mov", "bid", "win", "racing", "download", "stream", "cam",
];

/// Words that mark adult or spam sites when they appear as a token of the host or path.
const ADULT_WORDS: &[&str] = &[
    "porn", "xxx", "sex", "nude", "nudes", "escort", "viagra", "cialis", "casino", "camgirl",
    "hentai", "milf",
];

/// Judges one URL.
pub fn check(url: &str) -> UrlVerdict {
    let Some(host) = host_of(url) else {
        return UrlVerdict::Malformed;
    };
    if BLOCKED_DOMAINS.iter().any(|d| host == *d || host.ends_with(&format!(".{d}"))) {
        return UrlVerdict::BlockedDomain;
    }
    let tld = host.rsplit('.').next().unwrap_or("");
    if SPAM_TLDS.contains(&tld) {
        return UrlVerdict::SpamTld;
    }
    // Whole tokens only: "essex.ac.uk" must not match "sex".
    let lower = url.to_ascii_lowercase();
    let hit =
        lower.split(|c: char| !c.is_ascii_alphanumeric()).any(|tok| ADULT_WORDS.contains(&tok));
    if hit { UrlVerdict::AdultWord } else { UrlVerdict::Keep }
}

/// The lower-cased host of an http(s) URL, or `None` if the URL is malformed.
pub fn host_of(url: &str) -> Option<String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .or_else(|| url.strip_prefix("HTTP://"))
        .or_else(|| url.strip_prefix("HTTPS://"))?;
    if rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = match host_port.rsplit_once(':') {
        Some((h, port)) if !h.starts_with('[') || h.ends_with(']') => {
            if port.is_empty() || !port.chars().all(|c| c.is_ascii_digit()) || port.len() > 5 {
                return None;
            }
            h
        }
        _ => host_port,
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.starts_with('[') && host.ends_with(']') {
        return Some(host);
    }
    let labels: Vec<&str> = host.split('.').collect();
    let valid_label = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if labels.len() < 2 || host.len() > 253 || !labels.iter().all(valid_label) {
        return None;
    }
    Some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_ordinary_urls() {
        assert_eq!(check("https://docs.python.org/3/faq/general.html"), UrlVerdict::Keep);
        assert_eq!(check("http://www.essex.ac.uk/news?id=3"), UrlVerdict::Keep);
        assert_eq!(check("http://user@example.com:8080/a"), UrlVerdict::Keep);
    }

    #[test]
    fn drops_bad_urls() {
        assert_eq!(check("not a url"), UrlVerdict::Malformed);
        assert_eq!(check("ftp://example.com/x"), UrlVerdict::Malformed);
        assert_eq!(check("http://exa mple.com/"), UrlVerdict::Malformed);
        assert_eq!(check("http://-bad-.com/"), UrlVerdict::Malformed);
        assert_eq!(check("http://example.com:99x/"), UrlVerdict::Malformed);
        assert_eq!(check("http://localhost/"), UrlVerdict::Malformed);
        assert_eq!(check("https://www.pornhub.com/view"), UrlVerdict::BlockedDomain);
        assert_eq!(check("http://cheap-meds.xyz/buy"), UrlVerdict::SpamTld);
        assert_eq!(check("http://example.com/free-xxx-videos"), UrlVerdict::AdultWord);
    }
}
