//! Escaping and encoding for what goes into HTML and URLs.

pub(crate) use rectify_io::escape_html as escape;

/// Percent-encodes everything but unreserved ASCII, for a query value.
pub(crate) fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
