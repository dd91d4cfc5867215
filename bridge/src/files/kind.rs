//! The file types a visitor may attach, told apart by their magic bytes. Anything else (HTML,
//! SVG with its scripts, an executable renamed `.png`) is refused, so the bridge never serves
//! something a browser would run.

/// A type the bridge accepts and serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `image/png`.
    Png,
    /// `image/jpeg`.
    Jpeg,
    /// `image/gif`.
    Gif,
    /// `image/webp`.
    Webp,
    /// `application/pdf`.
    Pdf,
}

impl FileKind {
    /// Every accepted type.
    pub const ALL: [FileKind; 5] = [Self::Png, Self::Jpeg, Self::Gif, Self::Webp, Self::Pdf];

    /// The type `bytes` start like, if it is one the bridge accepts.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        match bytes {
            [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some(Self::Png),
            [0xFF, 0xD8, 0xFF, ..] => Some(Self::Jpeg),
            [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some(Self::Gif),
            [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some(Self::Webp),
            [b'%', b'P', b'D', b'F', b'-', ..] => Some(Self::Pdf),
            _ => None,
        }
    }

    /// The type as stored and served.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Gif => "image/gif",
            Self::Webp => "image/webp",
            Self::Pdf => "application/pdf",
        }
    }

    /// The kind a stored content type names.
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.content_type() == content_type)
    }

    /// Whether a browser shows it in place (images) rather than downloading it (PDF: a PDF
    /// viewer runs scripts of its own, so it opens as a download, outside the bridge's origin).
    pub fn is_inline(self) -> bool {
        self != Self::Pdf
    }
}

/// The name a file is served under: what the visitor called it, without path, quotes or control
/// characters (it goes into a `Content-Disposition` header), at most 200 characters; `file`
/// when nothing is left.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String =
        base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | ';' | '\\')).take(200).collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() {
        "file".into()
    } else {
        cleaned.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_accepted_type_is_known_by_its_first_bytes() {
        let cases: [(&[u8], FileKind); 6] = [
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", FileKind::Png),
            (b"\xff\xd8\xff\xe0\0\x10JFIF", FileKind::Jpeg),
            (b"GIF89a\x01\0\x01\0", FileKind::Gif),
            (b"GIF87a\x01\0\x01\0", FileKind::Gif),
            (b"RIFF\x24\0\0\0WEBPVP8 ", FileKind::Webp),
            (b"%PDF-1.7\n%", FileKind::Pdf),
        ];
        for (bytes, kind) in cases {
            assert_eq!(FileKind::sniff(bytes), Some(kind), "{bytes:?}");
            assert_eq!(FileKind::from_content_type(kind.content_type()), Some(kind));
        }
    }

    #[test]
    fn html_svg_executables_and_truncated_headers_are_refused() {
        let refused: [&[u8]; 7] = [
            b"<!doctype html><script>alert(1)</script>",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>",
            b"MZ\x90\0\x03\0\0\0",
            b"\x7fELF\x02\x01\x01",
            b"\x89PNG",
            b"RIFF\x24\0\0\0WAVEfmt ",
            b"",
        ];
        for bytes in refused {
            assert_eq!(FileKind::sniff(bytes), None, "{bytes:?}");
        }
    }

    #[test]
    fn only_pdf_is_served_as_a_download() {
        assert!(FileKind::Png.is_inline());
        assert!(!FileKind::Pdf.is_inline());
    }

    #[test]
    fn names_lose_paths_quotes_and_control_characters() {
        assert_eq!(clean_name("C:\\Users\\ada\\parcel.jpg"), "parcel.jpg");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("a\"b;c\r\nd.png"), "abcd.png");
        assert_eq!(clean_name("  "), "file");
        assert_eq!(clean_name(&"x".repeat(300)).len(), 200);
    }
}
