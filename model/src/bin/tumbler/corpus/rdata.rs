//! R lazy-load databases (`*.rdb`, as in `r-cran-janeaustenr`): back-to-back records, each a u32
//! big-endian uncompressed length and a zlib stream holding an object in R's XDR serialization.
//! We read the character vectors (`STRSXP`), which is how janeaustenr stores each novel's lines.

use anyhow::{Context, Result, bail};
use flate2::{Decompress, FlushDecompress, Status};

/// Every character vector in the database, in file order.
pub fn read_string_vectors(rdb: &[u8]) -> Result<Vec<Vec<String>>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos + 4 <= rdb.len() {
        let len = u32::from_be_bytes([rdb[pos], rdb[pos + 1], rdb[pos + 2], rdb[pos + 3]]) as usize;
        let mut data = vec![0u8; len];
        let mut z = Decompress::new(true);
        let status = z
            .decompress(&rdb[pos + 4..], &mut data, FlushDecompress::Finish)
            .context("inflating an .rdb record")?;
        if status != Status::StreamEnd {
            bail!("truncated .rdb record at byte {pos}");
        }
        pos += 4 + z.total_in() as usize;
        let mut r = XdrReader { b: &data, i: 0 };
        if let Some(v) = r.object_strings()? {
            out.push(v);
        }
    }
    Ok(out)
}

struct XdrReader<'a> {
    b: &'a [u8],
    i: usize,
}

impl XdrReader<'_> {
    fn int(&mut self) -> Result<i32> {
        let s = self.b.get(self.i..self.i + 4).context("short XDR record")?;
        self.i += 4;
        Ok(i32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    }

    /// Reads the header and, if the top object is a character vector, its strings.
    fn object_strings(&mut self) -> Result<Option<Vec<String>>> {
        if self.b.get(..2) != Some(b"X\n") {
            bail!("not an XDR serialization");
        }
        self.i = 2;
        let version = self.int()?;
        self.int()?;
        self.int()?;
        if version == 3 {
            let n = self.int()? as usize;
            self.i += n;
        }
        let flags = self.int()?;
        const STRSXP: i32 = 16;
        if flags & 0xff != STRSXP {
            return Ok(None);
        }
        let n = self.int()?;
        let mut v = Vec::with_capacity(n.max(0) as usize);
        for _ in 0..n {
            self.int()?;
            let len = self.int()?;
            if len < 0 {
                v.push(String::new());
                continue;
            }
            let s = self.b.get(self.i..self.i + len as usize).context("short CHARSXP")?;
            v.push(String::from_utf8_lossy(s).into_owned());
            self.i += len as usize;
        }
        Ok(Some(v))
    }
}
