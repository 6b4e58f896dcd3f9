//! Domain types and rules of the rectification ledger.
//!
//! This crate is pure: it performs no I/O, reads no clock and touches no database. Callers pass
//! in everything (time, actor, data) so the rules stay deterministic and testable.

/// An enum with a stable code and a Chinese label for each value.
macro_rules! labelled_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident => $code:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code stored in the database.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The Chinese word offices write.
            pub fn label_zh(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Accepts the code or the Chinese label.
            pub fn parse(text: &str) -> Option<$name> {
                let text = text.trim();
                Self::ALL.iter().copied().find(|v| v.code() == text || v.label_zh() == text)
            }

            pub fn choices_zh() -> String {
                Self::ALL.iter().map(|v| v.label_zh()).collect::<Vec<_>>().join("、")
            }

            /// `code（标签）` for every value, for command-line help and errors.
            pub fn choices_with_codes() -> String {
                Self::ALL.iter().map(|v| format!("{}（{}）", v.code(), v.label_zh())).collect::<Vec<_>>().join("、")
            }

            pub const WHAT: &'static str = $what;
        }

        /// As the Chinese word, which is what exported JSON readers see elsewhere too.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.label_zh())
            }
        }

        /// From the code or the Chinese word.
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <String as serde::Deserialize>::deserialize(deserializer)?;
                $name::parse(&text).ok_or_else(|| {
                    serde::de::Error::custom(format!("{}“{text}”无效（可选：{}）", $what, $name::choices_zh()))
                })
            }
        }

        impl $crate::Labelled for $name {
            fn code(self) -> &'static str {
                $name::code(self)
            }
            fn label_zh(self) -> &'static str {
                $name::label_zh(self)
            }
            fn parse(text: &str) -> Option<Self> {
                $name::parse(text)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.label_zh())
            }
        }
    };
}

/// What `labelled_enum!` gives every enum, for code that works over several of them.
pub trait Labelled: Copy + Eq + 'static {
    fn code(self) -> &'static str;
    fn label_zh(self) -> &'static str;
    fn parse(text: &str) -> Option<Self>;
}

pub mod accountability;
pub mod action_input;
pub mod bulletin;
pub mod calendar;
pub mod coal;
pub mod complaint;
pub mod deadline;
pub mod dispatch;
pub mod journal;
pub mod ledger;
pub mod monitoring;
pub mod org;
pub mod province;
pub mod register;
pub mod reimport;
pub mod special;
pub mod task;
pub mod time;
pub mod workflow;

/// Text for tables and lists, and text as the store keeps it.
pub mod text {
    use std::borrow::Cow;

    /// Text as the store keeps it: without control characters other than line breaks and tabs.
    /// Stray characters from spreadsheets and typed input (CR, NUL, U+001E …) are dropped, which
    /// keeps exports, pages and the ledger's separators safe. Here rather than in the store so
    /// the file readers clean cells the same way without depending on the database.
    pub fn clean_text(text: &str) -> String {
        cleaned(text).into_owned()
    }

    fn kept(c: char) -> bool {
        !c.is_control() || matches!(c, '\n' | '\t')
    }

    /// [`clean_text`] without a copy when nothing has to go.
    pub fn cleaned(text: &str) -> Cow<'_, str> {
        if text.chars().all(kept) {
            Cow::Borrowed(text)
        } else {
            Cow::Owned(text.chars().filter(|&c| kept(c)).collect())
        }
    }

    /// The first `chars` characters, with "…" when the text was longer.
    pub fn short(text: &str, chars: usize) -> String {
        let mut out: String = text.chars().take(chars).collect();
        if text.chars().nth(chars).is_some() {
            out.push('…');
        }
        out
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn control_characters_go_but_line_breaks_and_tabs_stay() {
            assert_eq!(clean_text("a\u{1f}b\u{1e}c\r\n\td\0\u{85}"), "abc\n\td");
            assert!(matches!(cleaned("整改\n完成"), Cow::Borrowed(_)));
        }
    }
}
