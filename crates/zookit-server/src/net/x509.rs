//! A client certificate's subject as ZooKeeper names it: Java's
//! `X500Principal.getName()` (RFC 2253), which `X509AuthenticationProvider`
//! takes as the `x509` identity — `CN=alice,O=example`: the most specific
//! name first, keywords for the standard attribute types, other types as
//! dotted OIDs with their value in hex, special characters escaped.

/// One DER element: its tag, its content, and its whole encoding.
struct Element<'a> {
    tag: u8,
    content: &'a [u8],
    encoded: &'a [u8],
}

/// Reads the next DER element of `input`, advancing it. `None` for
/// anything this reader does not take (high tag numbers, indefinite or
/// overlong lengths, truncation).
fn next<'a>(input: &mut &'a [u8]) -> Option<Element<'a>> {
    let all = *input;
    let (&tag, rest) = all.split_first()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let (bytes, after) = rest.split_at_checked(count)?;
        rest = after;
        bytes.iter().fold(0_usize, |len, &b| (len << 8) | usize::from(b))
    };
    let header = all.len() - rest.len();
    let (content, after) = rest.split_at_checked(len)?;
    *input = after;
    Some(Element { tag, content, encoded: &all[..header + len] })
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;

/// The subject of a DER certificate in RFC 2253 form, as Java writes it;
/// `None` if the certificate cannot be read.
pub(crate) fn subject(certificate: &[u8]) -> Option<String> {
    let mut input = certificate;
    let cert = next(&mut input).filter(|e| e.tag == SEQUENCE)?;
    let mut cert = cert.content;
    let tbs = next(&mut cert).filter(|e| e.tag == SEQUENCE)?;
    let mut fields = tbs.content;
    let mut field = next(&mut fields)?;
    if field.tag == 0xa0 {
        // [0] version
        field = next(&mut fields)?;
    }
    // serial number, signature algorithm, issuer, validity, then subject.
    for _ in 0..4 {
        let _ = field;
        field = next(&mut fields)?;
    }
    (field.tag == SEQUENCE).then_some(())?;
    name(field.content)
}

/// An RDNSequence in RFC 2253 form.
fn name(mut rdns: &[u8]) -> Option<String> {
    let mut parts = Vec::new();
    while !rdns.is_empty() {
        let rdn = next(&mut rdns).filter(|e| e.tag == SET)?;
        let mut avas = rdn.content;
        let mut rendered = Vec::new();
        while !avas.is_empty() {
            let ava = next(&mut avas).filter(|e| e.tag == SEQUENCE)?;
            let mut ava = ava.content;
            let oid = next(&mut ava).filter(|e| e.tag == OID)?;
            let value = next(&mut ava)?;
            rendered.push(attribute(&dotted(oid.content)?, &value));
        }
        parts.push(rendered.join("+"));
    }
    parts.reverse();
    Some(parts.join(","))
}

/// An object identifier in dotted form.
fn dotted(bytes: &[u8]) -> Option<String> {
    let mut arcs = Vec::new();
    let mut value: u64 = 0;
    for &b in bytes {
        value = value.checked_mul(128)? | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (value / 40).min(2);
                arcs.push(first);
                arcs.push(value - first * 40);
            } else {
                arcs.push(value);
            }
            value = 0;
        }
    }
    if arcs.is_empty() || bytes.last().is_some_and(|b| b & 0x80 != 0) {
        return None;
    }
    Some(arcs.iter().map(u64::to_string).collect::<Vec<_>>().join("."))
}

/// RFC 2253's keywords (the only ones Java writes in this form).
fn keyword(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "STREET",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        _ => return None,
    })
}

/// A directory string's text; `None` for other kinds of value.
fn text(value: &Element<'_>) -> Option<String> {
    let bytes = value.content;
    match value.tag {
        // UTF8String, PrintableString, IA5String, GeneralString
        0x0c | 0x13 | 0x16 | 0x1b => Some(String::from_utf8_lossy(bytes).into_owned()),
        // T61String, read as Latin-1
        0x14 => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        // BMPString: UTF-16BE
        0x1e => {
            let units: Vec<u16> =
                bytes.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
            Some(String::from_utf16_lossy(&units))
        }
        _ => None,
    }
}

/// `TYPE=value` for one attribute.
fn attribute(oid: &str, value: &Element<'_>) -> String {
    match (keyword(oid), text(value)) {
        (Some(keyword), Some(text)) => format!("{keyword}={}", escape(&text)),
        _ => {
            let hex: String = value.encoded.iter().map(|b| format!("{b:02x}")).collect();
            format!("{}=#{hex}", keyword(oid).unwrap_or(oid))
        }
    }
}

/// Java's RFC 2253 escaping: special characters anywhere, NUL as `\00`,
/// and leading and trailing spaces.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            ',' | '=' | '+' | '<' | '>' | '#' | ';' | '"' | '\\' => {
                escaped.push('\\');
                escaped.push(c);
            }
            '\0' => escaped.push_str("\\00"),
            c => escaped.push(c),
        }
    }
    let chars: Vec<char> = escaped.chars().collect();
    let blank = |c: &char| *c == ' ' || *c == '\r';
    let lead = chars.iter().take_while(|c| blank(c)).count();
    let trail = chars.len() - chars.iter().rev().take_while(|c| blank(c)).count();
    let mut out = String::with_capacity(escaped.len() + 2);
    for (i, c) in chars.into_iter().enumerate() {
        if i < lead || i >= trail.max(lead) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        if content.len() < 0x80 {
            out.push(content.len() as u8);
        } else {
            out.extend([0x82, (content.len() >> 8) as u8, content.len() as u8]);
        }
        out.extend(content);
        out
    }

    fn rdn(oid: &[u8], value: Vec<u8>) -> Vec<u8> {
        tlv(SET, &tlv(SEQUENCE, &[tlv(OID, oid), value].concat()))
    }

    /// A certificate skeleton whose subject is `subject` (a Name's content).
    fn certificate(subject: &[u8]) -> Vec<u8> {
        let tbs = [
            tlv(0xa0, &tlv(0x02, &[2])),
            tlv(0x02, &[1]),
            tlv(SEQUENCE, &[]),
            tlv(SEQUENCE, &[]),
            tlv(SEQUENCE, &[]),
            tlv(SEQUENCE, subject),
            tlv(SEQUENCE, &[]),
        ]
        .concat();
        tlv(SEQUENCE, &[tlv(SEQUENCE, &tbs), tlv(SEQUENCE, &[]), tlv(0x03, &[0])].concat())
    }

    const CN: &[u8] = &[0x55, 0x04, 0x03];
    const O: &[u8] = &[0x55, 0x04, 0x0a];
    const C: &[u8] = &[0x55, 0x04, 0x06];
    const EMAIL: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01];

    #[test]
    fn most_specific_first_with_keywords() {
        let subject = [
            rdn(C, tlv(0x13, b"US")),
            rdn(O, tlv(0x0c, b"Example, Inc.")),
            rdn(CN, tlv(0x0c, b"alice")),
        ]
        .concat();
        assert_eq!(subject_of(&subject).as_deref(), Some("CN=alice,O=Example\\, Inc.,C=US"));
        assert_eq!(subject_of(&[]).as_deref(), Some(""));
    }

    fn subject_of(name: &[u8]) -> Option<String> {
        subject(&certificate(name))
    }

    #[test]
    fn other_types_in_hex_and_escapes() {
        let subject = rdn(EMAIL, tlv(0x16, b"a@b"));
        assert_eq!(subject_of(&subject).as_deref(), Some("1.2.840.113549.1.9.1=#1603614062"));
        assert_eq!(escape(" a=b+c#\"\\ "), "\\ a\\=b\\+c\\#\\\"\\\\\\ ");
        assert_eq!(escape("x\0"), "x\\00");
        assert_eq!(escape("   "), "\\ \\ \\ ");
        // A BMPString.
        let bmp = rdn(CN, tlv(0x1e, &[0, b'h', 0, b'i']));
        assert_eq!(subject_of(&bmp).as_deref(), Some("CN=hi"));
    }

    #[test]
    fn bad_input_is_none_never_a_panic() {
        let good = certificate(&rdn(CN, tlv(0x0c, b"x")));
        for cut in 0..good.len() {
            let _ = subject(&good[..cut]);
        }
        assert!(subject(&good[..good.len() - 1]).is_none());
        assert!(subject(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_none());
        assert_eq!(dotted(&[0x2a, 0x86]), None);
        assert_eq!(dotted(&[0x55, 0x04, 0x03]).as_deref(), Some("2.5.4.3"));
    }
}
