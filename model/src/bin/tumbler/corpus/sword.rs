//! SWORD zText modules (the World English Bible in `sword-text-web`): zlib blocks (`*.bzz`) with a
//! block index (`*.bzs`: offset, size, uncompressed size as u32 LE) and a verse index (`*.bzv`:
//! block u32, offset u32, size u16) into the decompressed blocks. Verses carry OSIS markup.

use anyhow::{Context, Result, bail};
use std::io::Read;
use std::path::Path;

/// The verses of one testament (`ot` or `nt`), markup stripped, grouped by block (a book).
pub fn read_testament(dir: &Path, testament: &str) -> Result<Vec<Vec<String>>> {
    let read = |ext: &str| {
        let p = dir.join(format!("{testament}.{ext}"));
        std::fs::read(&p).with_context(|| format!("reading {}", p.display()))
    };
    let (bzs, bzv, bzz) = (read("bzs")?, read("bzv")?, read("bzz")?);
    let u32_at =
        |b: &[u8], i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as usize;
    let mut blocks = Vec::new();
    for entry in bzs.chunks_exact(12) {
        let (off, size) = (u32_at(entry, 0), u32_at(entry, 4));
        let Some(compressed) = bzz.get(off..off + size) else {
            bail!("{testament}.bzs points past the end of {testament}.bzz");
        };
        let mut text = Vec::new();
        flate2::read::ZlibDecoder::new(compressed).read_to_end(&mut text)?;
        blocks.push(text);
    }
    let mut books: Vec<Vec<String>> = vec![Vec::new(); blocks.len()];
    for entry in bzv.chunks_exact(10) {
        let (block, off) = (u32_at(entry, 0), u32_at(entry, 4));
        let size = u16::from_le_bytes([entry[8], entry[9]]) as usize;
        if size == 0 {
            continue;
        }
        let Some(raw) = blocks.get(block).and_then(|b| b.get(off..off + size)) else {
            bail!("{testament}.bzv points outside its block");
        };
        let verse = strip_osis(&String::from_utf8_lossy(raw));
        if !verse.is_empty() {
            books[block].push(verse);
        }
    }
    Ok(books)
}

/// Drops footnotes and cross-references (`<note>…</note>`) and all other tags.
fn strip_osis(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    let mut note_depth = 0usize;
    while let Some(lt) = rest.find('<') {
        if note_depth == 0 {
            out.push_str(&rest[..lt]);
        }
        let Some(gt) = rest[lt..].find('>') else { break };
        let tag = &rest[lt + 1..lt + gt];
        if tag.starts_with("note") && !tag.ends_with('/') {
            note_depth += 1;
        } else if tag.starts_with("/note") {
            note_depth = note_depth.saturating_sub(1);
        } else if (tag.starts_with("title") || tag.starts_with("/title") || tag.contains("x-p"))
            && note_depth == 0
        {
            out.push(' ');
        }
        rest = &rest[lt + gt + 1..];
    }
    if note_depth == 0 && !rest.contains('<') {
        out.push_str(rest);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn strips_notes_and_tags() {
        let v = r#"<title type="x-gen">A</title>In the beginning, <w lemma="x">God</w> created<note type="x-footnote">or, made</note> the heavens."#;
        assert_eq!(super::strip_osis(v), "A In the beginning, God created the heavens.");
    }
}
