//! Newtypes over integer columns (ids, amounts in fen): [`i64_column!`] gives the two
//! conversions diesel's `deserialize_as`/`serialize_as` use in `db/`, once for all of them.

/// `From<i64>` for the newtype and `From<newtype>` for `i64`, for a tuple struct over an `i64`.
macro_rules! i64_column {
    ($name:ident) => {
        impl From<i64> for $name {
            fn from(v: i64) -> $name {
                $name(v)
            }
        }

        impl From<$name> for i64 {
            fn from(v: $name) -> i64 {
                v.0
            }
        }
    };
}

pub(crate) use i64_column;
