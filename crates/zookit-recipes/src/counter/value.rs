//! The numbers a counter counts in, and how it stores them.

use std::fmt;

/// A number a [`Counter`](crate::Counter) can count in: `i64` (stored as
/// Python's `repr` of an int, as kazoo does) and `f64` (Python's `repr` of
/// a float: `"3.0"`, `"0.1"`, `"1e+16"`).
pub trait CounterValue: Copy + PartialEq + fmt::Debug + Send + Sync + 'static {
    /// The value as kazoo stores it: Python's `repr`.
    fn to_text(self) -> String;
    /// A value stored as text (surrounding whitespace allowed, as Python's
    /// `int()` and `float()` allow); `None` if it is not one.
    fn from_text(text: &str) -> Option<Self>;
    /// `self + delta`; `None` on overflow.
    fn add_checked(self, delta: Self) -> Option<Self>;
    /// `-self`; `None` on overflow.
    fn neg_checked(self) -> Option<Self>;
    /// The value as an `i64`, for the binary formats (`None` for floats).
    fn to_i64(self) -> Option<i64>;
    /// A value from an `i64` of a binary format (`None` if out of range).
    fn from_i64(value: i64) -> Option<Self>;
}

impl CounterValue for i64 {
    fn to_text(self) -> String {
        self.to_string()
    }

    fn from_text(text: &str) -> Option<Self> {
        text.trim().parse().ok()
    }

    fn add_checked(self, delta: Self) -> Option<Self> {
        self.checked_add(delta)
    }

    fn neg_checked(self) -> Option<Self> {
        self.checked_neg()
    }

    fn to_i64(self) -> Option<i64> {
        Some(self)
    }

    fn from_i64(value: i64) -> Option<Self> {
        Some(value)
    }
}

impl CounterValue for f64 {
    fn to_text(self) -> String {
        zookit::python::float_repr(self)
    }

    fn from_text(text: &str) -> Option<Self> {
        text.trim().parse().ok()
    }

    fn add_checked(self, delta: Self) -> Option<Self> {
        // As Python: floats overflow to infinity.
        Some(self + delta)
    }

    fn neg_checked(self) -> Option<Self> {
        Some(-self)
    }

    fn to_i64(self) -> Option<i64> {
        None
    }

    fn from_i64(_: i64) -> Option<Self> {
        None
    }
}

/// How a counter's value is stored in its node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// kazoo's: Python's `repr` as ASCII text.
    Text,
    /// Curator's `SharedCount`: a 4-byte big-endian int.
    SharedCount,
    /// Curator's `DistributedAtomicLong`: an 8-byte big-endian long.
    AtomicLong,
}

impl Format {
    /// `value` as stored; `None` if it does not fit the format.
    pub(crate) fn encode<T: CounterValue>(self, value: T) -> Option<Vec<u8>> {
        match self {
            Self::Text => Some(value.to_text().into_bytes()),
            Self::SharedCount => {
                let value = i32::try_from(value.to_i64()?).ok()?;
                Some(value.to_be_bytes().to_vec())
            }
            Self::AtomicLong => Some(value.to_i64()?.to_be_bytes().to_vec()),
        }
    }

    /// The value stored as `data` (not empty); `None` if it is not one.
    pub(crate) fn decode<T: CounterValue>(self, data: &[u8]) -> Option<T> {
        match self {
            Self::Text => std::str::from_utf8(data).ok().and_then(T::from_text),
            Self::SharedCount => <[u8; 4]>::try_from(data)
                .ok()
                .and_then(|b| T::from_i64(i32::from_be_bytes(b).into())),
            Self::AtomicLong => {
                <[u8; 8]>::try_from(data).ok().and_then(|b| T::from_i64(i64::from_be_bytes(b)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_text_reads_back() {
        for text in ["3.0", "1e+16", "1e-05", "inf", "-inf", " 2.5\n", "1.2345678901234568e+17"] {
            assert!(f64::from_text(text).is_some(), "{text}");
        }
        assert!(f64::from_text("nan").is_some_and(f64::is_nan));
        assert_eq!(i64::from_text(" 42 "), Some(42));
        assert_eq!(i64::from_text("3.0"), None);
        assert_eq!(f64::from_i64(1), None);
    }

    #[test]
    fn floats_are_stored_as_python_repr() {
        assert_eq!(Format::Text.encode(3.0), Some(b"3.0".to_vec()));
        assert_eq!(Format::Text.encode(1e16), Some(b"1e+16".to_vec()));
        assert_eq!(Format::Text.decode::<f64>(b"0.30000000000000004"), Some(0.1 + 0.2));
    }

    #[test]
    fn curators_formats_are_big_endian_and_bounded() {
        assert_eq!(Format::SharedCount.encode(7i64), Some(7i32.to_be_bytes().to_vec()));
        assert_eq!(Format::SharedCount.encode(i64::from(i32::MAX) + 1), None);
        assert_eq!(Format::SharedCount.encode(1.5), None, "no floats");
        assert_eq!(Format::AtomicLong.decode::<i64>(&(-3i64).to_be_bytes()), Some(-3));
        assert_eq!(Format::AtomicLong.decode::<i64>(b"abc"), None);
    }
}
