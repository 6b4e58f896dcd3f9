//! The workflow's action forms as the pages draw them, on the item page and inline on the
//! acceptance and notice boards, and the boards those inline forms return to.

use rectify_core::action_input::{FileSlot, Input};
use rectify_core::workflow::ActionKind;

/// Where the inline forms send the user back to; `item_action` accepts only these.
pub const BOARDS: [&str; 2] = ["/acceptance", "/notices"];

/// A field of an action's form, as the template draws it.
pub(crate) struct FormField {
    pub(crate) name: &'static str,
    pub(crate) label: &'static str,
    /// `textarea`, `yesno` (a 是/否 choice) or an `<input>` type.
    pub(crate) kind: &'static str,
}

pub(crate) struct ActionForm {
    pub(crate) code: &'static str,
    pub(crate) label: &'static str,
    pub(crate) fields: Vec<FormField>,
    pub(crate) files: &'static [FileSlot],
}

/// An action's form, drawn from its declaration (`ActionKind::fields`, `file_slots`).
pub(crate) fn action_form(kind: ActionKind) -> ActionForm {
    let fields = kind
        .fields()
        .iter()
        .map(|field| FormField {
            name: field.name,
            label: field.label,
            kind: match field.input {
                Input::Line => "text",
                Input::Paragraph => "textarea",
                Input::Date => "date",
                Input::Number => "number",
                Input::YesNo => "yesno",
            },
        })
        .collect();
    ActionForm {
        code: kind.code(),
        label: kind.label_zh(),
        fields,
        files: kind.file_slots(),
    }
}
