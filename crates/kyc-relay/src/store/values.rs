//! What goes into a statement and comes out of a row, the same for both databases: SQLite's
//! four storage classes we use (no floating point is kept).

use super::error::StoreError;

/// A statement's argument or a row's column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

/// The arguments of a statement, in `?1, ?2, ...` order.
macro_rules! args {
    ($($value:expr),* $(,)?) => {
        vec![$($crate::store::values::Value::from($value)),*]
    };
}
pub(crate) use args;

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::Text(value.to_owned())
    }
}

impl From<&String> for Value {
    fn from(value: &String) -> Self {
        Value::Text(value.clone())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Value::Text(value)
    }
}

impl From<&[u8]> for Value {
    fn from(value: &[u8]) -> Self {
        Value::Bytes(value.to_vec())
    }
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Value::Int(value)
    }
}

impl From<u64> for Value {
    fn from(value: u64) -> Self {
        // Times, sizes and counts: far below i64::MAX; saturate rather than wrap.
        Value::Int(i64::try_from(value).unwrap_or(i64::MAX))
    }
}

impl From<u32> for Value {
    fn from(value: u32) -> Self {
        Value::Int(i64::from(value))
    }
}

impl From<usize> for Value {
    fn from(value: usize) -> Self {
        Value::from(value as u64)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Self {
        value.map_or(Value::Null, Into::into)
    }
}

impl<T: Clone + Into<Value>> From<&Option<T>> for Value {
    fn from(value: &Option<T>) -> Self {
        value.clone().map_or(Value::Null, Into::into)
    }
}

/// One row of a query's answer, its columns in `SELECT` order.
#[derive(Debug)]
pub(crate) struct Row(pub(crate) Vec<Value>);

impl Row {
    fn column(&self, index: usize) -> Result<&Value, StoreError> {
        self.0
            .get(index)
            .ok_or_else(|| StoreError::Corrupt(format!("no column {index} in the row")))
    }

    /// Column `index` as text; NULL is an error.
    pub(crate) fn text(&self, index: usize) -> Result<String, StoreError> {
        self.opt_text(index)?
            .ok_or_else(|| StoreError::Corrupt(format!("column {index} is NULL")))
    }

    /// Column `index` as text, or `None` when NULL.
    pub(crate) fn opt_text(&self, index: usize) -> Result<Option<String>, StoreError> {
        match self.column(index)? {
            Value::Null => Ok(None),
            Value::Text(text) => Ok(Some(text.clone())),
            other => Err(StoreError::Corrupt(format!(
                "column {index} is {other:?}, not text"
            ))),
        }
    }

    /// Column `index` as an integer of type `T`; NULL or out of range is an error.
    pub(crate) fn int<T: TryFrom<i64>>(&self, index: usize) -> Result<T, StoreError> {
        self.opt_int(index)?
            .ok_or_else(|| StoreError::Corrupt(format!("column {index} is NULL")))
    }

    /// Column `index` as an integer of type `T`, or `None` when NULL.
    pub(crate) fn opt_int<T: TryFrom<i64>>(&self, index: usize) -> Result<Option<T>, StoreError> {
        match self.column(index)? {
            Value::Null => Ok(None),
            Value::Int(value) => T::try_from(*value).map(Some).map_err(|_| {
                StoreError::Corrupt(format!("column {index} holds {value}, out of range"))
            }),
            other => Err(StoreError::Corrupt(format!(
                "column {index} is {other:?}, not an integer"
            ))),
        }
    }

    /// Column `index` as bytes.
    pub(crate) fn bytes(&self, index: usize) -> Result<Vec<u8>, StoreError> {
        match self.column(index)? {
            Value::Bytes(bytes) => Ok(bytes.clone()),
            other => Err(StoreError::Corrupt(format!(
                "column {index} is {other:?}, not bytes"
            ))),
        }
    }
}

/// The value a stored code names (`kyc_core`'s `from_code` of its type); a code nothing names
/// is an error, not a default.
pub(crate) fn parse<T>(
    code: &str,
    from_code: impl FnOnce(&str) -> Option<T>,
) -> Result<T, StoreError> {
    from_code(code).ok_or_else(|| StoreError::Corrupt(format!("unknown code {code:?}")))
}
