//! Pure domain logic: no I/O, no clock, no randomness of its own. Everything here can be unit
//! tested with plain values. Types here validate on construction ("parse, don't validate"), so
//! anything past the web layer that holds a `Phone` or a `Receipt` holds a valid one.

pub mod access;
pub mod calendar;
pub mod case_number;
pub mod catalog;
pub mod credit_code;
pub mod deadlines;
pub mod hazard;
pub mod id_number;
pub mod json;
pub mod metrics;
pub mod money;
pub mod photo;
pub mod query;
pub mod receipt;
pub mod reward;
pub mod roles;
pub mod status;
pub mod supervision;
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
