//! The one gate between values and SQL: every value the store binds goes through [`Bind::arg`],
//! and every text passes [`clean_text`] on its way. So no stored text holds a control character
//! other than a line break or a tab, whichever path wrote it (ledger, workflow, complaints,
//! registers, settings, users, file names …). `clippy.toml` disallows sqlx's own `bind` so a new
//! statement cannot go around it.

use rectify_core::text::{clean_text, cleaned};
use serde_json::Value;
use sqlx::any::{Any, AnyArguments};
use sqlx::query::{Query, QueryAs, QueryScalar};
use sqlx::{Encode, Type};
use std::borrow::Cow;

/// `clean_text` on every string (keys too) of a JSON value. The journal seals its snapshots
/// after this, so the hash covers exactly the text that is stored.
pub fn clean_json(value: &mut Value) {
    match value {
        Value::String(text) => {
            if let Cow::Owned(clean) = cleaned(text) {
                *text = clean;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(clean_json),
        Value::Object(map) => {
            if map.keys().any(|k| matches!(cleaned(k), Cow::Owned(_))) {
                *map = std::mem::take(map)
                    .into_iter()
                    .map(|(k, v)| (clean_text(&k), v))
                    .collect();
            }
            map.values_mut().for_each(clean_json);
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// A constant of the code bound as it is, control characters included (the ledger's
/// separators). Only `'static` text, so nothing a user typed can take this way.
#[derive(Debug, Clone, Copy)]
pub struct Verbatim(pub &'static str);

/// A value that may be bound: texts are cleaned, numbers pass as they are.
pub trait Param {
    type Value: for<'q> Encode<'q, Any> + Type<Any> + Send + 'static;
    fn value(self) -> Self::Value;
}

impl Param for &str {
    type Value = String;
    fn value(self) -> String {
        clean_text(self)
    }
}

impl Param for String {
    type Value = String;
    fn value(self) -> String {
        match cleaned(&self) {
            Cow::Borrowed(_) => self,
            Cow::Owned(clean) => clean,
        }
    }
}

impl Param for &String {
    type Value = String;
    fn value(self) -> String {
        clean_text(self)
    }
}

impl<T: Param> Param for Option<T>
where
    Option<T::Value>: for<'q> Encode<'q, Any> + Type<Any>,
{
    type Value = Option<T::Value>;
    fn value(self) -> Self::Value {
        self.map(Param::value)
    }
}

impl Param for Verbatim {
    type Value = String;
    fn value(self) -> String {
        self.0.to_string()
    }
}

macro_rules! as_is {
    ($($t:ty),*) => {$(
        impl Param for $t {
            type Value = $t;
            fn value(self) -> $t {
                self
            }
        }
    )*};
}
as_is!(i64, i32, bool, f64);

impl Param for &i64 {
    type Value = i64;
    fn value(self) -> i64 {
        *self
    }
}

/// Binding through the gate, for the three statement kinds of sqlx.
pub trait Bind: Sized {
    fn arg(self, value: impl Param) -> Self;
}

#[allow(clippy::disallowed_methods)] // the gate itself
impl Bind for Query<'_, Any, AnyArguments> {
    fn arg(self, value: impl Param) -> Self {
        self.bind(value.value())
    }
}

#[allow(clippy::disallowed_methods)] // the gate itself
impl<O> Bind for QueryAs<'_, Any, O, AnyArguments> {
    fn arg(self, value: impl Param) -> Self {
        self.bind(value.value())
    }
}

#[allow(clippy::disallowed_methods)] // the gate itself
impl<O> Bind for QueryScalar<'_, Any, O, AnyArguments> {
    fn arg(self, value: impl Param) -> Self {
        self.bind(value.value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_strings_and_keys_are_cleaned() {
        let mut value = json!({"a\u{1f}": ["x\u{1e}", {"b": "y\r"}], "n": 1});
        clean_json(&mut value);
        assert_eq!(value, json!({"a": ["x", {"b": "y"}], "n": 1}));
    }
}
