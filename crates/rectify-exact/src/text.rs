//! How a message repeats a bad cell.

/// Longest stretch of a bad cell a message repeats.
const QUOTED_CHARS: usize = 80;

/// A bad cell's text as messages repeat it: at most 80 characters, then how long it was, so a
/// 100 MB cell does not come back whole in an error. Every reader's findings quote through here.
pub fn quoted(text: &str) -> String {
    match text.char_indices().nth(QUOTED_CHARS) {
        None => text.to_string(),
        Some((end, _)) => format!("{}…（共 {} 个字符）", &text[..end], text.chars().count()),
    }
}

#[cfg(test)]
mod tests {
    use super::quoted;

    #[test]
    fn long_cells_are_cut_at_80_characters() {
        assert_eq!(quoted("短"), "短");
        let long = "污".repeat(100_000);
        let shown = quoted(&long);
        assert!(shown.starts_with(&"污".repeat(80)));
        assert!(shown.ends_with("…（共 100000 个字符）"), "{shown}");
        assert_eq!(quoted(&"a".repeat(80)), "a".repeat(80));
    }
}
