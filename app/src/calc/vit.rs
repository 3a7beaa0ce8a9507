//! Vision-transformer patching: a picture cut into square patches, each flattened to a vector.

/// An RGB picture, row-major, three bytes per pixel.
#[derive(Clone, Debug, PartialEq)]
pub struct Image {
    pub width: usize,
    pub height: usize,
    /// `(height, width, 3)` bytes.
    pub rgb: Vec<u8>,
}

impl Image {
    /// The pixel at column `x`, row `y`.
    pub fn pixel(&self, x: usize, y: usize) -> [u8; 3] {
        let i = (y * self.width + x) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }
}

/// A 224×224 scene drawn from arithmetic, so the page needs no image file: a sky fading to the
/// horizon, a sun, two hills and a small house. Every pixel is a pure function of (x, y).
pub fn scene(size: usize) -> Image {
    let mut rgb = Vec::with_capacity(size * size * 3);
    let s = size as f64;
    for y in 0..size {
        for x in 0..size {
            let (fx, fy) = (x as f64 / s, y as f64 / s);
            let sky =
                [(90.0 + 120.0 * fy) as u8, (150.0 + 80.0 * fy) as u8, (235.0 - 20.0 * fy) as u8];
            let sun = (fx - 0.75).hypot(fy - 0.22) < 0.1;
            let hill_back = fy > 0.62 - 0.12 * (std::f64::consts::PI * fx * 1.6).sin();
            let hill_front = fy > 0.72 + 0.08 * (std::f64::consts::PI * (fx + 0.3) * 2.0).cos();
            let wall = (0.2..0.4).contains(&fx) && (0.55..0.75).contains(&fy);
            let roof = fy < 0.55 && fy > 0.4 + (fx - 0.3).abs() && (0.17..0.43).contains(&fx);
            let door = (0.27..0.33).contains(&fx) && (0.65..0.75).contains(&fy);
            let px = if door {
                [90, 50, 30]
            } else if wall {
                [235, 220, 190]
            } else if roof {
                [190, 50, 40]
            } else if hill_front {
                [40, (120.0 + 40.0 * fx) as u8, 50]
            } else if hill_back {
                [70, 150, 80]
            } else if sun {
                [255, 210, 60]
            } else {
                sky
            };
            rgb.extend_from_slice(&px);
        }
    }
    Image { width: size, height: size, rgb }
}

/// How many `patch × patch` patches tile the image (partial edge patches are dropped, as ViT does
/// by requiring divisible sizes).
pub fn patch_grid(img: &Image, patch: usize) -> (usize, usize) {
    (img.width / patch, img.height / patch)
}

/// Patch number `index` (row-major over the grid) flattened to `patch · patch · 3` numbers in
/// `[0, 1]`: row by row, pixel by pixel, R then G then B.
pub fn flatten_patch(img: &Image, patch: usize, index: usize) -> Vec<f32> {
    let (cols, _) = patch_grid(img, patch);
    let (px, py) = ((index % cols) * patch, (index / cols) * patch);
    let mut out = Vec::with_capacity(patch * patch * 3);
    for y in py..py + patch {
        for x in px..px + patch {
            out.extend(img.pixel(x, y).iter().map(|&c| f32::from(c) / 255.0));
        }
    }
    out
}

/// A 24-bit BMP of the image, so the page can show it from memory as a data URL.
pub fn to_bmp(img: &Image) -> Vec<u8> {
    let row = (img.width * 3).div_ceil(4) * 4;
    let data = row * img.height;
    let mut out = Vec::with_capacity(54 + data);
    let le32 = |out: &mut Vec<u8>, v: u32| out.extend_from_slice(&v.to_le_bytes());
    out.extend_from_slice(b"BM");
    le32(&mut out, (54 + data) as u32);
    le32(&mut out, 0);
    le32(&mut out, 54);
    le32(&mut out, 40);
    le32(&mut out, img.width as u32);
    le32(&mut out, img.height as u32);
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&24u16.to_le_bytes());
    for v in [0, data as u32, 2835, 2835, 0, 0] {
        le32(&mut out, v);
    }
    // BMP rows run bottom-up, pixels as B, G, R.
    for y in (0..img.height).rev() {
        for x in 0..img.width {
            let [r, g, b] = img.pixel(x, y);
            out.extend_from_slice(&[b, g, r]);
        }
        out.resize(out.len() + row - img.width * 3, 0);
    }
    out
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(A[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_224_picture_makes_256_patches_of_588_numbers() {
        let img = scene(224);
        assert_eq!(img.rgb.len(), 224 * 224 * 3);
        assert_eq!(patch_grid(&img, 14), (16, 16));
        let v = flatten_patch(&img, 14, 255);
        assert_eq!(v.len(), 14 * 14 * 3);
        // The last patch's last number is the blue of the bottom-right pixel.
        assert_eq!(v[587], f32::from(img.pixel(223, 223)[2]) / 255.0);
    }

    #[test]
    fn patches_are_read_row_by_row_in_rgb_order() {
        let img = scene(224);
        let v = flatten_patch(&img, 14, 17); // grid row 1, column 1
        let [r, g, b] = img.pixel(14, 14);
        assert_eq!(&v[..3], &[f32::from(r) / 255.0, f32::from(g) / 255.0, f32::from(b) / 255.0]);
        assert_eq!(v[14 * 3], f32::from(img.pixel(14, 15)[0]) / 255.0);
    }

    #[test]
    fn bmp_and_base64_are_well_formed() {
        let bmp = to_bmp(&scene(6));
        assert_eq!(&bmp[..2], b"BM");
        assert_eq!(bmp.len(), 54 + 6 * 20); // rows of 18 bytes padded to 20
        assert_eq!(base64(b"Man"), "TWFu");
        assert_eq!(base64(b"Ma"), "TWE=");
        assert_eq!(base64(b"M"), "TQ==");
        assert_eq!(base64(b""), "");
    }
}
