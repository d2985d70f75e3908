//! Parsing property values written as Python literals.

use super::error::LiteralError;
use super::lexer::{Token, TokenKind, tokenize};
use super::{Map, Value, python_float_repr};

/// How deeply brackets and unary signs may nest.
const MAX_DEPTH: usize = 100;

/// Parses a property value written as a Python literal.
///
/// zc.zk evaluates the text after `=` with Python's `eval` and stores the
/// result as JSON; this accepts the literals that can be stored that way:
///
/// - strings: `'...'`, `"..."`, `'''...'''`, `"""..."""`, with a `u` or `r`
///   prefix or none, Python's escape sequences (`\n`, `\x41`, `\u00e9`,
///   `\U0001F600`, `\101`, ...), adjacent literals concatenated;
/// - integers: `42`, `-7`, `1_000`, `0x1F`, `0o17`, `0b101` (they must fit in
///   an `i64` or a `u64`);
/// - floats: `1.0`, `.5`, `5.`, `1e5`, `-2.5E-3` (finite);
/// - `True`, `False`, `None`, and JSON's `true`, `false`, `null`;
/// - lists `[...]`, tuples `(...)` and bare `a, b` tuples (stored as arrays),
///   dicts `{...}` (keys are converted as `json.dumps` converts them: `1` to
///   `"1"`, `True` to `"true"`, `None` to `"null"`; keys Python considers
///   equal, such as `1`, `1.0` and `True`, are one key, as in a Python dict);
/// - unary `-` and `+` on numbers (and on booleans, which Python treats as
///   `0` and `1`), and a trailing `# comment`.
///
/// Anything else (names, arithmetic, calls, sets, bytes, complex numbers,
/// `\N{...}` escapes) is an error.
///
/// ```
/// use serde_json::json;
/// use zookit_registry::value::parse_python_literal;
///
/// assert_eq!(parse_python_literal("u'1.2.3.4:80'").unwrap(), json!("1.2.3.4:80"));
/// assert_eq!(parse_python_literal("{'a': (1, -2.5), 3: None}").unwrap(), json!({"a": [1, -2.5], "3": null}));
/// assert!(parse_python_literal("1+").is_err());
/// ```
pub fn parse_python_literal(text: &str) -> Result<Value, LiteralError> {
    let tokens = tokenize(text)?;
    let mut parser = Parser { tokens, pos: 0, depth: 0 };
    let first = parser.expression()?;
    let value = if parser.eat(',') {
        // A bare tuple: `1, 2` or `1,`.
        let mut items = vec![first];
        parser.sequence_tail(&mut items, None)?;
        Value::Array(items)
    } else {
        first
    };
    let token = parser.peek();
    if token.kind != TokenKind::End {
        return Err(LiteralError::new(
            format!(
                "unexpected {} after the value (only Python literals are supported)",
                token.kind.describe()
            ),
            token.column,
        ));
    }
    Ok(value)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

/// A parsed number, before it becomes JSON.
enum Number {
    Int { negative: bool, magnitude: u128 },
    Float(f64),
}

impl Parser {
    fn peek(&self) -> &Token {
        // The last token is always `End`, and `next` never moves past it.
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn next(&mut self) -> Token {
        let token = self.peek().clone();
        if token.kind != TokenKind::End {
            self.pos += 1;
        }
        token
    }

    fn eat(&mut self, punct: char) -> bool {
        if self.peek().kind == TokenKind::Punct(punct) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn unexpected(&self) -> LiteralError {
        let token = self.peek();
        let what = match token.kind {
            TokenKind::End => "unexpected end of expression".to_owned(),
            ref kind => format!("unexpected {}", kind.describe()),
        };
        LiteralError::new(what, token.column)
    }

    fn enter(&mut self) -> Result<(), LiteralError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(LiteralError::new("value nested too deeply", self.peek().column));
        }
        Ok(())
    }

    fn expression(&mut self) -> Result<Value, LiteralError> {
        self.enter()?;
        let result = self.expression_inner();
        self.depth -= 1;
        result
    }

    fn expression_inner(&mut self) -> Result<Value, LiteralError> {
        let token = self.next();
        match token.kind {
            TokenKind::Punct(sign @ ('-' | '+')) => {
                let operand = self.expression()?;
                let number = match operand {
                    Value::Bool(b) => Number::Int { negative: false, magnitude: u128::from(b) },
                    Value::Number(n) => {
                        if let Some(i) = n.as_i64() {
                            Number::Int { negative: i < 0, magnitude: u128::from(i.unsigned_abs()) }
                        } else if let Some(u) = n.as_u64() {
                            Number::Int { negative: false, magnitude: u128::from(u) }
                        } else {
                            Number::Float(n.as_f64().unwrap_or_default())
                        }
                    }
                    other => {
                        return Err(LiteralError::new(
                            format!("bad operand type for unary {sign}: '{}'", python_type(&other)),
                            token.column,
                        ));
                    }
                };
                let number = match (sign, number) {
                    ('-', Number::Int { negative, magnitude }) => {
                        Number::Int { negative: !negative && magnitude != 0, magnitude }
                    }
                    ('-', Number::Float(f)) => Number::Float(-f),
                    (_, number) => number,
                };
                number_value(number, token.column)
            }
            TokenKind::Int(magnitude) => {
                number_value(Number::Int { negative: false, magnitude }, token.column)
            }
            TokenKind::Float(f) => number_value(Number::Float(f), token.column),
            TokenKind::Str(mut s) => {
                while let TokenKind::Str(more) = &self.peek().kind {
                    s.push_str(more);
                    self.pos += 1;
                }
                Ok(Value::String(s))
            }
            TokenKind::Name(name) => match name.as_str() {
                "True" | "true" => Ok(Value::Bool(true)),
                "False" | "false" => Ok(Value::Bool(false)),
                "None" | "null" => Ok(Value::Null),
                _ => Err(LiteralError::new(
                    format!("name '{name}' is not defined (only Python literals are supported)"),
                    token.column,
                )),
            },
            TokenKind::Punct('[') => {
                let mut items = Vec::new();
                if !self.eat(']') {
                    items.push(self.expression()?);
                    if self.eat(',') {
                        self.sequence_tail(&mut items, Some(']'))?;
                    } else if !self.eat(']') {
                        return Err(self.unexpected());
                    }
                }
                Ok(Value::Array(items))
            }
            TokenKind::Punct('(') => {
                if self.eat(')') {
                    return Ok(Value::Array(Vec::new()));
                }
                let first = self.expression()?;
                if self.eat(')') {
                    // Parentheses around a single value are just grouping.
                    return Ok(first);
                }
                if !self.eat(',') {
                    return Err(self.unexpected());
                }
                let mut items = vec![first];
                self.sequence_tail(&mut items, Some(')'))?;
                Ok(Value::Array(items))
            }
            TokenKind::Punct('{') => self.dict(token.column),
            _ => {
                self.pos -= usize::from(token.kind != TokenKind::End);
                Err(self.unexpected())
            }
        }
    }

    /// The rest of a comma-separated sequence after `first,`: more items and
    /// an optional trailing comma, up to `close` (or the end of the
    /// expression for a bare tuple).
    fn sequence_tail(
        &mut self,
        items: &mut Vec<Value>,
        close: Option<char>,
    ) -> Result<(), LiteralError> {
        loop {
            let at_end = match close {
                Some(close) => self.eat(close),
                None => matches!(self.peek().kind, TokenKind::End),
            };
            if at_end {
                return Ok(());
            }
            items.push(self.expression()?);
            if self.eat(',') {
                continue;
            }
            return match close {
                Some(close) if self.eat(close) => Ok(()),
                None if matches!(self.peek().kind, TokenKind::End) => Ok(()),
                _ => Err(self.unexpected()),
            };
        }
    }

    fn dict(&mut self, column: usize) -> Result<Value, LiteralError> {
        let mut map = Map::new();
        // The JSON key each distinct Python key was first written as.
        let mut keys: Vec<(PythonKey, String)> = Vec::new();
        if self.eat('}') {
            return Ok(Value::Object(map));
        }
        loop {
            let key_column = self.peek().column;
            let key = self.expression()?;
            if !self.eat(':') {
                if matches!(self.peek().kind, TokenKind::Punct(',' | '}')) && map.is_empty() {
                    return Err(LiteralError::new("sets are not supported", column));
                }
                return Err(self.unexpected());
            }
            let identity = PythonKey::of(&key);
            let key = match keys.iter().find(|(seen, _)| *seen == identity) {
                Some((_, first)) => first.clone(),
                None => {
                    let key = json_key(key, key_column)?;
                    keys.push((identity, key.clone()));
                    key
                }
            };
            let value = self.expression()?;
            // Like a Python dict: a repeated key keeps its first position and
            // its last value.
            map.insert(key, value);
            if self.eat('}') {
                return Ok(Value::Object(map));
            }
            if !self.eat(',') {
                return Err(self.unexpected());
            }
            if self.eat('}') {
                return Ok(Value::Object(map));
            }
        }
    }
}

/// When two dict keys are the same key to Python: `1`, `1.0` and `True` are,
/// and so are `0`, `0.0`, `-0.0` and `False`.
#[derive(PartialEq)]
enum PythonKey {
    Str(String),
    None,
    Int(i128),
    Float(u64),
    /// Not a valid key (`json_key` rejects it before it is remembered).
    Other,
}

impl PythonKey {
    fn of(value: &Value) -> Self {
        match value {
            Value::String(s) => PythonKey::Str(s.clone()),
            Value::Null => PythonKey::None,
            Value::Bool(b) => PythonKey::Int(i128::from(*b)),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    PythonKey::Int(i128::from(i))
                } else if let Some(u) = n.as_u64() {
                    PythonKey::Int(i128::from(u))
                } else {
                    let f = n.as_f64().unwrap_or_default();
                    if f.fract() == 0.0 && f.abs() < 1e38 {
                        PythonKey::Int(f as i128)
                    } else {
                        PythonKey::Float(f.to_bits())
                    }
                }
            }
            Value::Array(_) | Value::Object(_) => PythonKey::Other,
        }
    }
}

fn number_value(number: Number, column: usize) -> Result<Value, LiteralError> {
    match number {
        Number::Float(f) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| LiteralError::new("only finite floats can be stored", column)),
        Number::Int { negative: false, magnitude } => {
            u64::try_from(magnitude).map(Value::from).map_err(|_| {
                LiteralError::new("integer too large to store (the limit is 2**64 - 1)", column)
            })
        }
        Number::Int { negative: true, magnitude } => {
            if magnitude <= 1 << 63 {
                // `magnitude` is at most 2**63, so this cannot overflow.
                Ok(Value::from((magnitude as i128).wrapping_neg() as i64))
            } else {
                Err(LiteralError::new("integer too small to store (the limit is -2**63)", column))
            }
        }
    }
}

/// A dict key as `json.dumps` writes it (JSON object keys are strings).
fn json_key(key: Value, column: usize) -> Result<String, LiteralError> {
    match key {
        Value::String(s) => Ok(s),
        Value::Bool(true) => Ok("true".to_owned()),
        Value::Bool(false) => Ok("false".to_owned()),
        Value::Null => Ok("null".to_owned()),
        Value::Number(n) => Ok(match n.as_f64() {
            Some(f) if n.is_f64() => python_float_repr(f),
            _ => n.to_string(),
        }),
        _ => Err(LiteralError::new("dict keys must be str, int, float, bool or None", column)),
    }
}

/// Python's name for the type of a value, for error messages.
fn python_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}
