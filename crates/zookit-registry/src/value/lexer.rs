//! Tokens of a Python literal expression, following Python 3's lexical rules
//! for the tokens literals are made of.

use super::error::LiteralError;

/// One token, with the (1-based, in characters) column it starts at.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    pub(crate) column: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind {
    /// A string literal, escapes already processed.
    Str(String),
    /// An integer literal's magnitude (literals never have a sign).
    Int(u128),
    /// A finite float literal.
    Float(f64),
    /// An identifier (`True`, `None`, `null`, or a name we do not know).
    Name(String),
    /// One of `( ) [ ] { } , : + -`.
    Punct(char),
    /// The end of the expression.
    End,
}

impl TokenKind {
    /// How the token reads in an error message.
    pub(crate) fn describe(&self) -> String {
        match self {
            TokenKind::Str(_) => "string".to_owned(),
            TokenKind::Int(_) | TokenKind::Float(_) => "number".to_owned(),
            TokenKind::Name(name) => format!("name '{name}'"),
            TokenKind::Punct(c) => format!("'{c}'"),
            TokenKind::End => "end of expression".to_owned(),
        }
    }
}

/// Splits `text` into tokens, ending with [`TokenKind::End`].
pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>, LiteralError> {
    let mut lexer = Lexer { chars: text.chars().collect(), pos: 0 };
    let mut tokens = Vec::new();
    loop {
        let token = lexer.next_token()?;
        let end = token.kind == TokenKind::End;
        tokens.push(token);
        if end {
            return Ok(tokens);
        }
    }
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn error_at(&self, pos: usize, message: impl Into<String>) -> LiteralError {
        LiteralError::new(message, pos + 1)
    }

    fn next_token(&mut self) -> Result<Token, LiteralError> {
        // Python separates tokens with spaces, tabs and form feeds; `#` starts
        // a comment that runs to the end of the line.
        while let Some(c) = self.peek(0) {
            match c {
                ' ' | '\t' | '\x0c' => self.pos += 1,
                '#' => self.pos = self.chars.len(),
                _ => break,
            }
        }
        let start = self.pos;
        let Some(c) = self.peek(0) else {
            return Ok(Token { kind: TokenKind::End, column: start + 1 });
        };
        let kind = match c {
            '(' | ')' | '[' | ']' | '{' | '}' | ',' | ':' | '+' | '-' => {
                self.pos += 1;
                TokenKind::Punct(c)
            }
            '\'' | '"' => self.string("")?,
            '0'..='9' => self.number()?,
            '.' if self.peek(1).is_some_and(|c| c.is_ascii_digit()) => self.number()?,
            c if is_ident_start(c) => {
                while self.peek(0).is_some_and(is_ident_continue) {
                    self.pos += 1;
                }
                let name: String = self.chars[start..self.pos].iter().collect();
                if matches!(self.peek(0), Some('\'' | '"')) && name.len() <= 2 {
                    self.string(&name)?
                } else {
                    TokenKind::Name(name)
                }
            }
            '\0' => {
                return Err(self.error_at(start, "the expression cannot contain null characters"));
            }
            c if c.is_ascii_punctuation() => {
                return Err(self.error_at(
                    start,
                    format!("unsupported syntax '{c}' (only Python literals are supported)"),
                ));
            }
            c => {
                return Err(self
                    .error_at(start, format!("invalid character {c:?} (U+{:04X})", u32::from(c))));
            }
        };
        Ok(Token { kind, column: start + 1 })
    }

    /// A string literal starting at the quote under the cursor, after `prefix`.
    fn string(&mut self, prefix: &str) -> Result<TokenKind, LiteralError> {
        let prefix_start = self.pos - prefix.chars().count();
        let raw = match prefix.to_ascii_lowercase().as_str() {
            "" | "u" => false,
            "r" => true,
            "b" | "br" | "rb" => {
                return Err(self.error_at(
                    prefix_start,
                    "bytes literals are not supported (properties are text)",
                ));
            }
            "f" | "fr" | "rf" => {
                return Err(self.error_at(prefix_start, "f-strings are not supported"));
            }
            _ => {
                return Err(
                    self.error_at(prefix_start, format!("invalid string prefix '{prefix}'"))
                );
            }
        };
        let quote = self.chars[self.pos];
        let triple = self.peek(1) == Some(quote) && self.peek(2) == Some(quote);
        let start = self.pos;
        self.pos += if triple { 3 } else { 1 };
        let mut out = String::new();
        loop {
            let Some(c) = self.peek(0) else {
                let what = if triple {
                    "unterminated triple-quoted string literal"
                } else {
                    "unterminated string literal"
                };
                return Err(self.error_at(start, what));
            };
            match c {
                '\n' | '\r' => return Err(self.error_at(start, "unterminated string literal")),
                '\0' => {
                    return Err(
                        self.error_at(self.pos, "the expression cannot contain null characters")
                    );
                }
                c if c == quote => {
                    if !triple {
                        self.pos += 1;
                        return Ok(TokenKind::Str(out));
                    }
                    if self.peek(1) == Some(quote) && self.peek(2) == Some(quote) {
                        self.pos += 3;
                        return Ok(TokenKind::Str(out));
                    }
                    out.push(c);
                    self.pos += 1;
                }
                '\\' if raw => {
                    // A raw string keeps the backslash and whatever it protects.
                    out.push('\\');
                    self.pos += 1;
                    match self.peek(0) {
                        Some(next) if next != '\n' && next != '\r' && next != '\0' => {
                            out.push(next);
                            self.pos += 1;
                        }
                        _ => {}
                    }
                }
                '\\' => self.escape(&mut out)?,
                c => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// An escape sequence in a (non-raw) string; the cursor is on the backslash.
    fn escape(&mut self, out: &mut String) -> Result<(), LiteralError> {
        let start = self.pos;
        self.pos += 1;
        let Some(c) = self.peek(0) else {
            // Python: the backslash escapes the end of the line.
            return Ok(());
        };
        let simple = match c {
            '\\' => Some('\\'),
            '\'' => Some('\''),
            '"' => Some('"'),
            'a' => Some('\x07'),
            'b' => Some('\x08'),
            'f' => Some('\x0c'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\x0b'),
            _ => None,
        };
        if let Some(simple) = simple {
            out.push(simple);
            self.pos += 1;
            return Ok(());
        }
        let code = match c {
            '0'..='7' => {
                let mut code = 0;
                let mut len = 0;
                while len < 3 {
                    match self.peek(0).and_then(|c| c.to_digit(8)) {
                        Some(digit) => {
                            code = code * 8 + digit;
                            self.pos += 1;
                            len += 1;
                        }
                        None => break,
                    }
                }
                code
            }
            'x' => self.hex_escape(start, 2, "\\xXX")?,
            'u' => self.hex_escape(start, 4, "\\uXXXX")?,
            'U' => self.hex_escape(start, 8, "\\UXXXXXXXX")?,
            'N' => {
                return Err(self.error_at(start, "\\N{...} escapes are not supported"));
            }
            '\n' | '\r' | '\0' => {
                out.push('\\');
                return Ok(());
            }
            other => {
                // Python keeps unknown escapes as they are (with a warning).
                out.push('\\');
                out.push(other);
                self.pos += 1;
                return Ok(());
            }
        };
        match char::from_u32(code) {
            Some(c) => {
                out.push(c);
                Ok(())
            }
            None if code > 0x10_FFFF => Err(self.error_at(start, "illegal Unicode character")),
            None => Err(self.error_at(
                start,
                format!("lone surrogate U+{code:04X} cannot be stored as a property"),
            )),
        }
    }

    fn hex_escape(&mut self, start: usize, digits: usize, form: &str) -> Result<u32, LiteralError> {
        self.pos += 1;
        let mut code: u32 = 0;
        for _ in 0..digits {
            match self.peek(0).and_then(|c| c.to_digit(16)) {
                Some(digit) => {
                    code = code * 16 + digit;
                    self.pos += 1;
                }
                None => return Err(self.error_at(start, format!("truncated {form} escape"))),
            }
        }
        Ok(code)
    }

    /// Reads `digit (['_'] digit)*` for digits of `radix`; returns the digits
    /// without underscores. An underscore must sit between two digits.
    fn digits(&mut self, radix: u32, out: &mut String) -> Result<(), LiteralError> {
        loop {
            match self.peek(0) {
                Some(c) if c.is_digit(radix) => {
                    out.push(c);
                    self.pos += 1;
                }
                Some('_') if self.peek(1).is_some_and(|c| c.is_digit(radix)) && !out.is_empty() => {
                    self.pos += 1;
                }
                Some('_') => return Err(self.error_at(self.pos, "invalid number literal")),
                _ => return Ok(()),
            }
        }
    }

    fn number(&mut self) -> Result<TokenKind, LiteralError> {
        let start = self.pos;
        let radix = match (self.peek(0), self.peek(1)) {
            (Some('0'), Some('x' | 'X')) => Some((16, "hexadecimal")),
            (Some('0'), Some('o' | 'O')) => Some((8, "octal")),
            (Some('0'), Some('b' | 'B')) => Some((2, "binary")),
            _ => None,
        };
        if let Some((radix, name)) = radix {
            self.pos += 2;
            if self.peek(0) == Some('_') {
                self.pos += 1;
            }
            let mut digits = String::new();
            self.digits(radix, &mut digits)?;
            if digits.is_empty() || self.peek(0).is_some_and(is_ident_continue) {
                return Err(self.error_at(start, format!("invalid {name} literal")));
            }
            let value = u128::from_str_radix(&digits, radix)
                .map_err(|_| self.error_at(start, "integer literal too large"))?;
            return Ok(TokenKind::Int(value));
        }

        let mut text = String::new();
        self.digits(10, &mut text)?;
        let mut is_float = false;
        if self.peek(0) == Some('.') {
            is_float = true;
            text.push('.');
            self.pos += 1;
            if self.peek(0).is_some_and(|c| c.is_ascii_digit()) {
                self.digits(10, &mut text)?;
            }
        }
        if matches!(self.peek(0), Some('e' | 'E')) {
            let sign = matches!(self.peek(1), Some('+' | '-'));
            let first = self.peek(if sign { 2 } else { 1 });
            if first.is_some_and(|c| c.is_ascii_digit()) {
                is_float = true;
                text.push('e');
                self.pos += 1;
                if sign {
                    text.push(self.chars[self.pos]);
                    self.pos += 1;
                }
                self.digits(10, &mut text)?;
            }
        }
        if matches!(self.peek(0), Some('j' | 'J')) {
            return Err(self.error_at(start, "complex numbers are not supported"));
        }
        if self.peek(0).is_some_and(is_ident_continue) {
            return Err(self.error_at(start, "invalid decimal literal"));
        }
        if is_float {
            let value: f64 =
                text.parse().map_err(|_| self.error_at(start, "invalid float literal"))?;
            if !value.is_finite() {
                return Err(self
                    .error_at(start, "float literal out of range (inf cannot be stored as JSON)"));
            }
            return Ok(TokenKind::Float(value));
        }
        if text.len() > 1 && text.starts_with('0') && text.bytes().any(|b| b != b'0') {
            return Err(self.error_at(
                start,
                "leading zeros in decimal integer literals are not permitted; \
                 use an 0o prefix for octal integers",
            ));
        }
        let value: u128 =
            text.parse().map_err(|_| self.error_at(start, "integer literal too large"))?;
        Ok(TokenKind::Int(value))
    }
}
