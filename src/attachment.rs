//! Files the visitor attaches: which the bridge would take (checked before uploading, with the
//! bridge's own limits, so a refusal is said at once and in the visitor's language), and how a
//! file's size reads. No I/O: the browser's `File`s stay in the components.

use baton_protocol::{MAX_ATTACHMENTS, MAX_FILE_BYTES};

/// The types the bridge accepts (it sniffs the bytes too; this spares an upload it would refuse).
const ACCEPTED: [&str; 5] = ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"];

/// What the file picker offers.
pub const ACCEPT: &str = "image/png,image/jpeg,image/gif,image/webp,application/pdf";

/// Whether one more file of `content_type` and `size` bytes may join `already` picked ones.
pub fn acceptable(content_type: &str, size: f64, already: usize) -> bool {
    ACCEPTED.contains(&content_type)
        && size > 0.0
        && size <= MAX_FILE_BYTES as f64
        && already < MAX_ATTACHMENTS
}

/// A size as people read it: `830 KB`, `2.4 MB`.
pub fn size_label(bytes: u64) -> String {
    if bytes < 1024 * 1024 {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        // Integers only: formatting a float would ship the float printer (kilobytes of wasm).
        let tenths = (bytes * 10 + 512 * 1024) / (1024 * 1024);
        format!("{}.{} MB", tenths / 10, tenths % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_and_pdfs_up_to_ten_megabytes_and_ten_files_are_accepted() {
        assert!(acceptable("image/jpeg", 3_000_000.0, 0));
        assert!(acceptable("application/pdf", MAX_FILE_BYTES as f64, 9));
        assert!(!acceptable("image/svg+xml", 100.0, 0), "SVG can carry scripts");
        assert!(!acceptable("text/html", 100.0, 0));
        assert!(!acceptable("image/png", MAX_FILE_BYTES as f64 + 1.0, 0));
        assert!(!acceptable("image/png", 0.0, 0));
        assert!(!acceptable("image/png", 100.0, MAX_ATTACHMENTS));
    }

    #[test]
    fn sizes_read_in_kilobytes_then_megabytes() {
        assert_eq!(size_label(1), "1 KB");
        assert_eq!(size_label(849_920), "830 KB");
        assert_eq!(size_label(2_516_582), "2.4 MB");
    }
}
