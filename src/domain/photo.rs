//! Photos from reporters: the type is read from the bytes (never from the name or the declared
//! type), and everything that is not the picture itself is removed before storage: EXIF (GPS
//! position, camera make, model and serial number, time), XMP, IPTC, ICC profiles (which can name
//! the device), JPEG comments, PNG text chunks, WebP EXIF/XMP, and any data after the image's
//! end (phones append depth maps and preview images there, with metadata of their own). Nothing
//! is re-encoded: the compressed picture data is copied as it is.
//!
//! The one thing kept from EXIF is the JPEG orientation (1–8), rewritten as a minimal EXIF block
//! holding that tag alone, so a photo taken upright is still shown upright to staff.

use bytes::Bytes;
use img_parts::png::Png;
use img_parts::webp::WebP;
use img_parts::{ImageEXIF, ImageICC};

/// The largest photo accepted.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// The most photos one tip may carry.
pub const MAX_PHOTOS: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoType {
    Jpeg,
    Png,
    WebP,
}

impl PhotoType {
    /// Recognises the type from the file's first bytes.
    pub fn sniff(bytes: &[u8]) -> Option<PhotoType> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(PhotoType::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(PhotoType::Png)
        } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(PhotoType::WebP)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            PhotoType::Jpeg => "image/jpeg",
            PhotoType::Png => "image/png",
            PhotoType::WebP => "image/webp",
        }
    }
}

/// A photo ready to store: its type and its bytes without metadata.
#[derive(Clone, PartialEq, Eq)]
pub struct CleanPhoto {
    pub kind: PhotoType,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for CleanPhoto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CleanPhoto({:?}, {} bytes)", self.kind, self.bytes.len())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("not a JPEG, PNG or WebP image")]
    UnsupportedType,
    #[error("the image is damaged or truncated")]
    Corrupt,
    #[error("the image is larger than allowed")]
    TooLarge,
}

/// Checks a photo and strips its metadata.
pub fn clean(bytes: &[u8]) -> Result<CleanPhoto, PhotoError> {
    if bytes.len() > MAX_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let kind = PhotoType::sniff(bytes).ok_or(PhotoError::UnsupportedType)?;
    let bytes = match kind {
        PhotoType::Jpeg => clean_jpeg(bytes)?,
        PhotoType::Png => clean_png(bytes)?,
        PhotoType::WebP => clean_webp(bytes)?,
    };
    Ok(CleanPhoto { kind, bytes })
}

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const APP1: u8 = 0xE1;
const APP14: u8 = 0xEE;
/// "Adobe", version, two flag words and the colour transform.
const ADOBE_LEN: usize = 12;

/// Segments a decoder needs: frame headers (SOF0–SOF15 but the DHT/JPG/DAC codes between them
/// are needed too), Huffman and quantisation tables, restart interval, number of lines, the
/// Adobe segment that says how to read CMYK/YCCK colours, and the scans.
fn jpeg_keeps(marker: u8, contents: &[u8]) -> bool {
    match marker {
        0xC0..=0xCF => marker != 0xC8, // SOFn, DHT (C4), DAC (CC); C8 is reserved
        0xDB..=0xDD => true,           // DQT, DNL, DRI
        APP14 => contents.starts_with(b"Adobe"),
        _ => false, // APP0–APP15 (EXIF, XMP, ICC, IPTC, MPF, JFIF thumbnails…), COM, the rest
    }
}

fn clean_jpeg(b: &[u8]) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&[0xFF, SOI]);
    let mut orientation = None;
    let mut i = 2;
    let mut seen_scan = false;
    loop {
        // Find the next marker, skipping fill bytes.
        if i >= b.len() {
            return Err(PhotoError::Corrupt);
        }
        if b[i] != 0xFF {
            return Err(PhotoError::Corrupt);
        }
        while i < b.len() && b[i] == 0xFF {
            i += 1;
        }
        let marker = *b.get(i).ok_or(PhotoError::Corrupt)?;
        i += 1;
        match marker {
            EOI => {
                if !seen_scan {
                    return Err(PhotoError::Corrupt);
                }
                if let Some(o) = orientation.filter(|o| *o != 1) {
                    insert_orientation(&mut out, o);
                }
                out.extend_from_slice(&[0xFF, EOI]);
                // Anything after the end of the image (appended previews, depth maps) is dropped.
                return Ok(out);
            }
            0x01 | 0xD0..=0xD7 => out.extend_from_slice(&[0xFF, marker]), // TEM, RSTn
            _ => {
                let len = usize::from(u16::from_be_bytes([
                    *b.get(i).ok_or(PhotoError::Corrupt)?,
                    *b.get(i + 1).ok_or(PhotoError::Corrupt)?,
                ]));
                if len < 2 || i + len > b.len() {
                    return Err(PhotoError::Corrupt);
                }
                let contents = &b[i + 2..i + len];
                if marker == APP1 && orientation.is_none() {
                    orientation = exif_orientation(contents);
                }
                let keep = marker == SOS || jpeg_keeps(marker, contents);
                if keep && marker == APP14 && contents.len() > ADOBE_LEN {
                    // Only the 12 bytes a decoder reads (version, flags, colour transform):
                    // nothing a writer may have appended after them.
                    out.extend_from_slice(&[0xFF, APP14, 0x00, (ADOBE_LEN + 2) as u8]);
                    out.extend_from_slice(&contents[..ADOBE_LEN]);
                } else if keep {
                    out.extend_from_slice(&[0xFF, marker]);
                    out.extend_from_slice(&b[i..i + len]);
                }
                i += len;
                if marker == SOS {
                    seen_scan = true;
                    // Entropy-coded data runs to the next marker that is not a stuffed 0xFF00
                    // or a restart marker.
                    let start = i;
                    while i + 1 < b.len() {
                        if b[i] == 0xFF
                            && b[i + 1] != 0x00
                            && !(0xD0..=0xD7).contains(&b[i + 1])
                            && b[i + 1] != 0xFF
                        {
                            break;
                        }
                        i += 1;
                    }
                    if i + 1 >= b.len() {
                        return Err(PhotoError::Corrupt);
                    }
                    out.extend_from_slice(&b[start..i]);
                }
            }
        }
    }
}

/// Reads the Orientation tag (0x0112) of IFD0 from an APP1 EXIF segment's contents.
fn exif_orientation(contents: &[u8]) -> Option<u16> {
    let tiff = contents.strip_prefix(b"Exif\0\0")?;
    let big = match tiff.get(0..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |o: usize| -> Option<u16> {
        let s = tiff.get(o..o + 2)?;
        Some(if big {
            u16::from_be_bytes([s[0], s[1]])
        } else {
            u16::from_le_bytes([s[0], s[1]])
        })
    };
    let u32_at = |o: usize| -> Option<u32> {
        let s = tiff.get(o..o + 4)?;
        Some(if big {
            u32::from_be_bytes([s[0], s[1], s[2], s[3]])
        } else {
            u32::from_le_bytes([s[0], s[1], s[2], s[3]])
        })
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    (0..count.min(512)).find_map(|n| {
        let entry = ifd + 2 + n * 12;
        (u16_at(entry)? == 0x0112 && u16_at(entry + 2)? == 3)
            .then(|| u16_at(entry + 8))
            .flatten()
            .filter(|o| (1..=8).contains(o))
    })
}

/// Inserts a minimal APP1 EXIF segment holding only the orientation, right after SOI.
fn insert_orientation(out: &mut Vec<u8>, orientation: u16) {
    let mut seg = Vec::with_capacity(36);
    seg.extend_from_slice(&[0xFF, APP1, 0x00, 0x22]); // length 34
    seg.extend_from_slice(b"Exif\0\0");
    seg.extend_from_slice(b"MM\0\x2a\0\0\0\x08"); // big-endian TIFF, IFD0 at 8
    seg.extend_from_slice(&[0x00, 0x01]); // one entry
    seg.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01]); // Orientation, SHORT, 1
    seg.extend_from_slice(&orientation.to_be_bytes());
    seg.extend_from_slice(&[0x00, 0x00]); // value padding
    seg.extend_from_slice(&[0x00, 0x00, 0x00, 0x00]); // no next IFD
    out.splice(2..2, seg);
}

/// PNG chunks kept: the critical ones, transparency and the colour-space facts needed to show
/// the picture, and animation control. Text (tEXt, zTXt, iTXt: where XMP lives), eXIf, iCCP,
/// tIME and every private or unknown chunk are dropped.
const PNG_KEEP: &[&[u8; 4]] = &[
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT", b"bKGD",
    b"pHYs", b"acTL", b"fcTL", b"fdAT",
];

fn clean_png(b: &[u8]) -> Result<Vec<u8>, PhotoError> {
    let mut png = Png::from_bytes(Bytes::copy_from_slice(b)).map_err(|_| PhotoError::Corrupt)?;
    if png.chunk_by_type(*b"IHDR").is_none() || png.chunk_by_type(*b"IDAT").is_none() {
        return Err(PhotoError::Corrupt);
    }
    png.chunks_mut().retain(|c| PNG_KEEP.contains(&&c.kind()));
    Ok(png.encoder().bytes().to_vec())
}

/// WebP chunks kept: the image data, alpha and animation; EXIF, XMP, ICCP and unknown chunks go,
/// and the VP8X flags are recomputed to match.
const WEBP_KEEP: &[&[u8; 4]] = &[b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF"];

fn clean_webp(b: &[u8]) -> Result<Vec<u8>, PhotoError> {
    let mut webp = WebP::from_bytes(Bytes::copy_from_slice(b)).map_err(|_| PhotoError::Corrupt)?;
    if !webp
        .chunks()
        .iter()
        .any(|c| matches!(&c.id(), b"VP8 " | b"VP8L" | b"ANMF"))
    {
        return Err(PhotoError::Corrupt);
    }
    webp.chunks_mut().retain(|c| WEBP_KEEP.contains(&&c.id()));
    // Both setters recompute the VP8X flags from the chunks that are left.
    webp.set_exif(None);
    webp.set_icc_profile(None);
    Ok(webp.encoder().bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny baseline JPEG (1×1, grey) with an EXIF block holding orientation 6, a GPS-like
    /// string and a serial number, an XMP block, a comment, and bytes after the end.
    pub(crate) fn dirty_jpeg() -> Vec<u8> {
        let mut exif = b"Exif\0\0II\x2a\0\x08\0\0\0".to_vec();
        exif.extend_from_slice(&[2, 0]); // two entries
        exif.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]); // orientation 6
        exif.extend_from_slice(&[0x31, 0xA4, 2, 0, 12, 0, 0, 0, 38, 0, 0, 0]); // BodySerialNumber → offset 38
        exif.extend_from_slice(&[0, 0, 0, 0]);
        exif.extend_from_slice(b"SERIAL12345\0GPS 24.48N 118.1E");
        let seg = |marker: u8, body: &[u8]| {
            let mut v = vec![0xFF, marker];
            v.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
            v.extend_from_slice(body);
            v
        };
        let mut j = vec![0xFF, 0xD8];
        j.extend(seg(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
        j.extend(seg(0xE1, &exif));
        j.extend(seg(
            0xE1,
            b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>Phone Model X</x:xmpmeta>",
        ));
        j.extend(seg(0xED, b"Photoshop 3.0\0IPTC byline"));
        j.extend(seg(0xFE, b"a comment with a name"));
        j.extend(seg(0xDB, &[0; 65]));
        j.extend(seg(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
        j.extend(seg(
            0xC4,
            &[0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        ));
        j.extend(seg(0xDA, &[1, 1, 0, 0, 63, 0]));
        j.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        j.extend_from_slice(&[0xFF, 0xD9]);
        j.extend_from_slice(b"\xFF\xD8TRAILER with Exif and serial");
        j
    }

    fn contains(h: &[u8], n: &[u8]) -> bool {
        h.windows(n.len()).any(|w| w == n)
    }

    #[test]
    fn jpeg_metadata_is_removed_and_the_scan_kept_byte_for_byte() {
        let clean = clean(&dirty_jpeg()).unwrap();
        assert_eq!(clean.kind, PhotoType::Jpeg);
        let out = &clean.bytes;
        for secret in [
            &b"SERIAL"[..],
            b"GPS",
            b"xmpmeta",
            b"IPTC",
            b"comment",
            b"TRAILER",
            b"JFIF",
        ] {
            assert!(
                !contains(out, secret),
                "{}",
                String::from_utf8_lossy(secret)
            );
        }
        assert!(contains(
            out,
            &[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD9]
        ));
        assert!(out.ends_with(&[0xFF, 0xD9]));
        assert_eq!(
            exif_orientation(&out[6..6 + 32]),
            Some(6),
            "orientation survives alone"
        );
        // Cleaning twice changes nothing more.
        assert_eq!(clean_jpeg(out).unwrap(), *out);
    }

    /// What the camera-style fixtures carry (tests/fixtures/make-photos.sh).
    const SECRETS: &[&str] = &[
        "CAMERAMODEL",
        "SERIAL",
        "HUAWEI",
        "XIAOMI",
        "OPPO",
        "ARTISTNAME",
        "OWNERNAME",
        "UNIQUEIMAGEID",
        "XMPPHONEMODEL",
        "XMPCREATOR",
        "IPTCBYLINE",
        "IPTCCITY",
        "JPEGCOMMENT",
        "PNGTEXTCOMMENT",
        "PNGAUTHOR",
        "ICCDEVICESERIAL",
        "TRAILERSERIAL",
        "Exif\0\0MM\0*\0\0\0\x08\0\x0c",
        "xmpmeta",
        "Photoshop",
        "ICC_PROFILE",
        "iCCP",
        "tEXt",
        "iTXt",
        "zTXt",
        "eXIf",
        "EXIF",
        "XMP ",
        "ICCP",
    ];

    #[test]
    fn camera_fixtures_lose_every_identifying_field() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        for (name, kind) in [
            ("cam.jpg", PhotoType::Jpeg),
            ("cam-progressive.jpg", PhotoType::Jpeg),
            ("cam.png", PhotoType::Png),
            ("cam.webp", PhotoType::WebP),
        ] {
            let raw = std::fs::read(dir.join(name)).unwrap();
            assert!(
                contains(&raw, b"SERIAL"),
                "{name} fixture should carry metadata"
            );
            let out = clean(&raw).unwrap();
            assert_eq!(out.kind, kind);
            for secret in SECRETS {
                assert!(
                    !contains(&out.bytes, secret.as_bytes()),
                    "{name} still holds {secret}"
                );
            }
            assert!(out.bytes.len() < raw.len(), "{name}");
            assert_eq!(
                clean(&out.bytes).unwrap().bytes,
                out.bytes,
                "{name}: cleaning is idempotent"
            );
            if let Some(dir) = std::env::var_os("TIPLINE_WRITE_CLEANED") {
                std::fs::write(std::path::Path::new(&dir).join(name), &out.bytes).unwrap();
            }
        }
        // The JPEG keeps its orientation, and only that.
        let jpg = clean(&std::fs::read(dir.join("cam.jpg")).unwrap())
            .unwrap()
            .bytes;
        assert_eq!(exif_orientation(&jpg[6..6 + 32]), Some(6));
    }

    #[test]
    fn the_type_comes_from_the_bytes() {
        assert_eq!(
            PhotoType::sniff(b"\x89PNG\r\n\x1a\n...."),
            Some(PhotoType::Png)
        );
        assert_eq!(
            PhotoType::sniff(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(PhotoType::WebP)
        );
        assert_eq!(PhotoType::sniff(b"GIF89a"), None);
        assert_eq!(PhotoType::sniff(b"%PDF-1.4"), None);
        assert_eq!(
            clean(b"<svg onload=alert(1)>").unwrap_err(),
            PhotoError::UnsupportedType
        );
        assert_eq!(
            clean(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00]).unwrap_err(),
            PhotoError::Corrupt
        );
        assert_eq!(
            clean(&vec![0xFF; MAX_BYTES + 1]).unwrap_err(),
            PhotoError::TooLarge
        );
    }
}
