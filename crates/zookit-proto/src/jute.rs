//! Jute, ZooKeeper's record encoding, and the primitives records are made of.

use bytes::{Buf, BufMut, Bytes};

use crate::DecodeError;

/// A value with a Jute encoding.
pub trait Encode {
    /// Appends the encoding of `self` to `buf`.
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B);

    /// The number of bytes [`encode`](Encode::encode) appends.
    fn encoded_len(&self) -> usize;
}

/// A value that can be decoded from its Jute encoding.
pub trait Decode: Sized {
    /// The fewest bytes any encoding of this type takes; bounds how many
    /// elements a vector of it can claim to hold.
    const MIN_LEN: usize;

    /// Decodes a value from the front of `buf`, consuming its bytes.
    ///
    /// On error the position of `buf` is unspecified.
    fn decode(buf: &mut Bytes) -> Result<Self, DecodeError>;
}

fn need(buf: &Bytes, needed: usize) -> Result<(), DecodeError> {
    if buf.remaining() < needed {
        return Err(DecodeError::Truncated { needed, remaining: buf.remaining() });
    }
    Ok(())
}

/// Reads a length prefix; `None` for null (-1). The length is checked to fit
/// in what remains, counting `min_len` bytes per unit.
fn read_len(buf: &mut Bytes, min_len: usize) -> Result<Option<usize>, DecodeError> {
    let len = i32::decode(buf)?;
    if len == -1 {
        return Ok(None);
    }
    let remaining = buf.remaining();
    match usize::try_from(len) {
        Ok(n) if n.saturating_mul(min_len.max(1)) <= remaining => Ok(Some(n)),
        _ => Err(DecodeError::InvalidLength { len, remaining }),
    }
}

fn len_prefix(len: usize) -> i32 {
    // Encoded values come from Rust values of at most isize::MAX bytes; a
    // ZooKeeper frame is far smaller, and the client refuses larger data
    // before encoding. Saturate rather than wrap if misused.
    i32::try_from(len).unwrap_or(i32::MAX)
}

impl Encode for i32 {
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        buf.put_i32(*self);
    }
    fn encoded_len(&self) -> usize {
        4
    }
}

impl Decode for i32 {
    const MIN_LEN: usize = 4;
    fn decode(buf: &mut Bytes) -> Result<Self, DecodeError> {
        need(buf, 4)?;
        Ok(buf.get_i32())
    }
}

impl Encode for i64 {
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        buf.put_i64(*self);
    }
    fn encoded_len(&self) -> usize {
        8
    }
}

impl Decode for i64 {
    const MIN_LEN: usize = 8;
    fn decode(buf: &mut Bytes) -> Result<Self, DecodeError> {
        need(buf, 8)?;
        Ok(buf.get_i64())
    }
}

impl Encode for bool {
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        buf.put_u8(u8::from(*self));
    }
    fn encoded_len(&self) -> usize {
        1
    }
}

impl Decode for bool {
    const MIN_LEN: usize = 1;
    fn decode(buf: &mut Bytes) -> Result<Self, DecodeError> {
        need(buf, 1)?;
        // Java's DataInput.readBoolean: any non-zero byte is true.
        Ok(buf.get_u8() != 0)
    }
}

/// A Jute `buffer`.
impl Encode for Bytes {
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        buf.put_i32(len_prefix(self.len()));
        buf.put_slice(self);
    }
    fn encoded_len(&self) -> usize {
        4 + self.len()
    }
}

/// A Jute `buffer`; null decodes as empty. Zero-copy: the result shares the
/// input's memory.
impl Decode for Bytes {
    const MIN_LEN: usize = 4;
    fn decode(buf: &mut Bytes) -> Result<Self, DecodeError> {
        Ok(match read_len(buf, 1)? {
            Some(n) => buf.split_to(n),
            None => Bytes::new(),
        })
    }
}

/// A Jute `ustring`.
impl Encode for String {
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        self.as_str().encode(buf);
    }
    fn encoded_len(&self) -> usize {
        4 + self.len()
    }
}

/// A Jute `ustring`.
impl Encode for str {
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        buf.put_i32(len_prefix(self.len()));
        buf.put_slice(self.as_bytes());
    }
    fn encoded_len(&self) -> usize {
        4 + self.len()
    }
}

/// A Jute `ustring`; null decodes as empty.
impl Decode for String {
    const MIN_LEN: usize = 4;
    fn decode(buf: &mut Bytes) -> Result<Self, DecodeError> {
        Option::<String>::decode(buf).map(Option::unwrap_or_default)
    }
}

/// A nullable Jute `ustring`: `None` is null (length -1), which the server
/// tells apart from an empty string where a field is optional.
impl Encode for Option<String> {
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        match self {
            Some(s) => s.encode(buf),
            None => buf.put_i32(-1),
        }
    }
    fn encoded_len(&self) -> usize {
        self.as_ref().map_or(4, String::encoded_len)
    }
}

/// A nullable Jute `ustring`.
impl Decode for Option<String> {
    const MIN_LEN: usize = 4;
    fn decode(buf: &mut Bytes) -> Result<Self, DecodeError> {
        match read_len(buf, 1)? {
            Some(n) => {
                let bytes = buf.split_to(n);
                String::from_utf8(bytes.to_vec()).map(Some).map_err(|_| DecodeError::InvalidUtf8)
            }
            None => Ok(None),
        }
    }
}

/// A Jute `vector`.
impl<T: Encode> Encode for Vec<T> {
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        buf.put_i32(len_prefix(self.len()));
        for item in self {
            item.encode(buf);
        }
    }
    fn encoded_len(&self) -> usize {
        4 + self.iter().map(Encode::encoded_len).sum::<usize>()
    }
}

/// A Jute `vector`; null decodes as empty.
impl<T: Decode> Decode for Vec<T> {
    const MIN_LEN: usize = 4;
    fn decode(buf: &mut Bytes) -> Result<Self, DecodeError> {
        let Some(n) = read_len(buf, T::MIN_LEN)? else {
            return Ok(Vec::new());
        };
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            items.push(T::decode(buf)?);
        }
        Ok(items)
    }
}

/// A reference encodes as what it refers to.
impl<T: Encode + ?Sized> Encode for &T {
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        (**self).encode(buf);
    }
    fn encoded_len(&self) -> usize {
        (**self).encoded_len()
    }
}

/// Two records back to back, such as a header and its body.
impl<A: Encode, B2: Encode> Encode for (A, B2) {
    fn encode<B: BufMut + ?Sized>(&self, buf: &mut B) {
        self.0.encode(buf);
        self.1.encode(buf);
    }
    fn encoded_len(&self) -> usize {
        self.0.encoded_len() + self.1.encoded_len()
    }
}

/// Declares a record: a struct whose fields are encoded one after another in
/// the order they are declared, with its [`Encode`] and [`Decode`]
/// implementations.
macro_rules! jute_record {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl $crate::Encode for $name {
            #[allow(unused_variables)]
            fn encode<B: ::bytes::BufMut + ?Sized>(&self, buf: &mut B) {
                $( $crate::Encode::encode(&self.$field, buf); )*
            }
            fn encoded_len(&self) -> usize {
                0 $( + $crate::Encode::encoded_len(&self.$field) )*
            }
        }

        impl $crate::Decode for $name {
            const MIN_LEN: usize = 0 $( + <$ty as $crate::Decode>::MIN_LEN )*;
            #[allow(unused_variables)]
            fn decode(buf: &mut ::bytes::Bytes) -> Result<Self, $crate::DecodeError> {
                Ok(Self { $( $field: $crate::Decode::decode(buf)?, )* })
            }
        }
    };
}
pub(crate) use jute_record;

/// Declares a fieldless enum carried on the wire as a Jute `int`, with its
/// conversions and its [`Encode`]/[`Decode`] implementations. Unknown values
/// decode as [`DecodeError::UnknownValue`] naming `$kind`.
macro_rules! int_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($kind:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
        }

        impl $name {
            /// The value on the wire.
            pub const fn code(self) -> i32 {
                match self {
                    $( Self::$variant => $value, )*
                }
            }

            /// The variant for a value on the wire, if it has one.
            pub const fn from_code(code: i32) -> Option<Self> {
                match code {
                    $( $value => Some(Self::$variant), )*
                    _ => None,
                }
            }
        }

        impl $crate::Encode for $name {
            fn encode<B: ::bytes::BufMut + ?Sized>(&self, buf: &mut B) {
                buf.put_i32(self.code());
            }
            fn encoded_len(&self) -> usize {
                4
            }
        }

        impl $crate::Decode for $name {
            const MIN_LEN: usize = 4;
            fn decode(buf: &mut ::bytes::Bytes) -> Result<Self, $crate::DecodeError> {
                let value = <i32 as $crate::Decode>::decode(buf)?;
                Self::from_code(value)
                    .ok_or($crate::DecodeError::UnknownValue { kind: $kind, value })
            }
        }
    };
}
pub(crate) use int_enum;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitives_are_big_endian() {
        let mut out = Vec::new();
        0x0102_0304_i32.encode(&mut out);
        (-2_i64).encode(&mut out);
        true.encode(&mut out);
        assert_eq!(out, [1, 2, 3, 4, 255, 255, 255, 255, 255, 255, 255, 254, 1]);
    }

    #[test]
    fn null_lengths_decode_as_empty() {
        let mut buf =
            Bytes::from_static(&[255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255]);
        assert_eq!(String::decode(&mut buf), Ok(String::new()));
        assert_eq!(Bytes::decode(&mut buf), Ok(Bytes::new()));
        assert_eq!(Vec::<String>::decode(&mut buf), Ok(Vec::new()));
        assert!(buf.is_empty());
    }

    #[test]
    fn lengths_beyond_the_input_are_refused_before_allocating() {
        let mut buf = Bytes::from_static(&[0x7f, 0xff, 0xff, 0xff, 0, 0]);
        assert_eq!(
            Vec::<String>::decode(&mut buf),
            Err(DecodeError::InvalidLength { len: i32::MAX, remaining: 2 })
        );
        let mut buf = Bytes::from_static(&[255, 255, 255, 254]);
        assert_eq!(
            Bytes::decode(&mut buf),
            Err(DecodeError::InvalidLength { len: -2, remaining: 0 })
        );
    }

    #[test]
    fn strings_must_be_utf8() {
        let mut buf = Bytes::from_static(&[0, 0, 0, 2, 0xc3, 0x28]);
        assert_eq!(String::decode(&mut buf), Err(DecodeError::InvalidUtf8));
    }

    #[test]
    fn truncated_input_is_an_error() {
        let mut buf = Bytes::from_static(&[0, 0, 1]);
        assert_eq!(i32::decode(&mut buf), Err(DecodeError::Truncated { needed: 4, remaining: 3 }));
    }
}
