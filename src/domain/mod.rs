//! Pure domain logic: no I/O, no clock, no randomness of its own. Everything here can be unit
//! tested with plain values. Types here validate on construction ("parse, don't validate"), so
//! anything past the web layer that holds a `Phone` or a `Receipt` holds a valid one.

/// An enum stored as text: sent in JSON and kept in a text column as its snake_case name
/// (`strum` and `serde` derive both forms from the variant names). Gives `as_str`, and the two
/// directions diesel's `deserialize_as`/`serialize_as` use in `db/`: `TryFrom<String>` (a row
/// whose text is not one of ours fails to load) and `From<..> for String`. Extra attributes
/// (more derives, docs) go before `pub enum`.
macro_rules! text_enum {
    ($(#[$m:meta])* pub enum $name:ident { $($(#[$vm:meta])* $v:ident),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
        #[serde(rename_all = "snake_case")]
        #[derive(strum::EnumString, strum::IntoStaticStr, strum::Display, strum::VariantArray)]
        #[strum(serialize_all = "snake_case")]
        #[derive(utoipa::ToSchema)]
        pub enum $name { $($(#[$vm])* $v),* }

        impl $name {
            pub fn as_str(self) -> &'static str {
                self.into()
            }
        }

        impl TryFrom<String> for $name {
            type Error = strum::ParseError;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.as_str().to_owned()
            }
        }
    };
}

pub mod access;
pub mod calendar;
pub mod case_number;
pub mod catalog;
pub mod column;
pub mod credit_code;
pub mod deadlines;
pub mod explanation;
pub mod hazard;
pub mod id_number;
pub mod json;
pub mod metrics;
pub mod money;
pub mod photo;
pub mod query;
pub mod receipt;
pub mod report;
pub mod reward;
pub mod roles;
pub mod status;
pub mod supervision;
pub mod timeline;
pub mod tip;
pub mod totp;
pub mod workflow;

/// A field-level validation failure: the dotted field name (`reporter.phone`), a stable message
/// key the web layer translates, and the numbers the message needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub key: &'static str,
    pub args: Vec<(&'static str, i64)>,
}

impl FieldError {
    pub fn new(field: &'static str, key: &'static str) -> Self {
        Self {
            field,
            key,
            args: Vec::new(),
        }
    }

    pub fn with(mut self, name: &'static str, value: i64) -> Self {
        self.args.push((name, value));
        self
    }
}
