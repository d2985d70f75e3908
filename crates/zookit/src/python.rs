//! Python's text forms, for data shared with kazoo and zc.zk.
//!
//! kazoo and zc.zk store values in nodes as Python writes them: a float as
//! its `repr()`, a string in JSON as `json.dumps` escapes it. Writing the
//! same bytes lets Python clients read (and compare) what Rust wrote.

use std::fmt::Write as _;

/// A float as Python 3's `repr()` writes it: the shortest digits that read
/// back as the same float, positional when the decimal exponent is from -4
/// to 15 (`0.0001`, `1000000000000000.0`, with `.0` on whole numbers),
/// else in exponent form (`1e-05`, `1e+16`); `inf`, `-inf` and `nan`.
///
/// ```
/// use zookit::python::float_repr;
///
/// assert_eq!(float_repr(3.0), "3.0");
/// assert_eq!(float_repr(0.1 + 0.2), "0.30000000000000004");
/// assert_eq!(float_repr(1.5e-7), "1.5e-07");
/// ```
pub fn float_repr(value: f64) -> String {
    if value.is_nan() {
        return "nan".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    // Rust's `{:e}` writes the shortest round-tripping digits too: `-1.5e-7`.
    let scientific = format!("{value:e}");
    let (sign, unsigned) = match scientific.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", scientific.as_str()),
    };
    let (mantissa, exponent) = unsigned.split_once('e').unwrap_or((unsigned, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    // The value is 0.<digits> times ten to the `point`.
    let point = exponent + 1;
    let mut out = String::from(sign);
    if point <= -4 || point > 16 {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        let _ = write!(out, "e{exponent_sign}{:02}", exponent.unsigned_abs());
    } else if point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', point.unsigned_abs() as usize));
        out.push_str(&digits);
    } else {
        let point = point.unsigned_abs() as usize;
        if point >= digits.len() {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', point - digits.len()));
            out.push_str(".0");
        } else {
            let (whole, fraction) = digits.split_at(point);
            out.push_str(whole);
            out.push('.');
            out.push_str(fraction);
        }
    }
    out
}

/// A string as a JSON string, quotes included, as Python's `json.dumps`
/// writes it (`ensure_ascii`): `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`,
/// every other character outside `' '..='~'` as `\uxxxx`, and characters
/// beyond the BMP as surrogate pairs.
///
/// ```
/// use zookit::python::json_string;
///
/// assert_eq!(json_string("café \"1\""), r#""caf\u00e9 \"1\"""#);
/// ```
pub fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_as_python_3_writes_them() {
        // From Python 3.11: the bits of each float (struct.pack('<d', f))
        // and repr(f).
        let vectors = [
            (0x0000000000000000, "0.0"),
            (0x8000000000000000, "-0.0"),
            (0x3ff0000000000000, "1.0"),
            (0xc004000000000000, "-2.5"),
            (0x3fb999999999999a, "0.1"),
            (0x3fd3333333333334, "0.30000000000000004"),
            (0x4008000000000000, "3.0"),
            (0x4059000000000000, "100.0"),
            (0x4028ae147ae147ae, "12.34"),
            (0x430c6bf526340000, "1000000000000000.0"),
            (0x4341c37937e08000, "1e+16"),
            (0x4341c37937e07fff, "9999999999999998.0"),
            (0x4480f0cf064dd592, "1e+22"),
            (0x437b69b4ba630f35, "1.2345678901234568e+17"),
            (0x3f1a36e2eb1c432d, "0.0001"),
            (0x3ee4f8b588e368f1, "1e-05"),
            (0x3e8421f5f40d8376, "1.5e-07"),
            (0x7e37e43c8800759c, "1e+300"),
            (0x0000000000000001, "5e-324"),
            (0x0010000000000000, "2.2250738585072014e-308"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0x3fd5555555555555, "0.3333333333333333"),
            (0x40fe240c9fbe76c9, "123456.789"),
            (0xbee4f8b588e368f1, "-1e-05"),
            (0x3f23a92a30553261, "0.00015"),
            (0x7ff0000000000000, "inf"),
            (0xfff0000000000000, "-inf"),
            (0x44dfe185ca57c517, "6.02214076e+23"),
            (0x3c07a4da290c1653, "1.602176634e-19"),
            (0x4340000000000000, "9007199254740992.0"),
            (0x4340000000000001, "9007199254740994.0"),
            (0x3fd3333333333333, "0.3"),
            (0x3f1a36d1bd105b06, "9.9999e-05"),
        ];
        for (bits, repr) in vectors {
            let value = f64::from_bits(bits);
            assert_eq!(float_repr(value), repr, "{value:e}");
            assert_eq!(repr.parse::<f64>().map(f64::to_bits), Ok(bits), "{repr} reads back");
        }
        assert_eq!(float_repr(f64::NAN), "nan");
    }

    #[test]
    fn json_strings_as_python_3_writes_them() {
        // From Python 3.11: json.dumps(s).
        let vectors = [
            ("", r#""""#),
            ("plain", r#""plain""#),
            ("say \"hi\"", r#""say \"hi\"""#),
            ("back\\slash", r#""back\\slash""#),
            ("tab\u{9}here", r#""tab\there""#),
            ("new\u{a}line\u{d}", r#""new\nline\r""#),
            ("\u{8}\u{c}", r#""\b\f""#),
            ("\u{0}\u{1}\u{1f}", r#""\u0000\u0001\u001f""#),
            ("\u{7f}", r#""\u007f""#),
            ("caf\u{e9}", r#""caf\u00e9""#),
            ("\u{a0}", r#""\u00a0""#),
            ("\u{2028}", r#""\u2028""#),
            ("\u{1f600}", r#""\ud83d\ude00""#),
            ("slash/ok", r#""slash/ok""#),
            ("~ !", r#""~ !""#),
            ("\u{65e5}\u{672c}", r#""\u65e5\u672c""#),
        ];
        for (text, json) in vectors {
            assert_eq!(json_string(text), json, "{text:?}");
        }
    }
}
