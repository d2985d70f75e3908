//! The users of a JAAS login configuration's `Server` section, as
//! ZooKeeper's `DigestLoginModule` serves them to SASL DIGEST-MD5 clients:
//!
//! ```text
//! Server {
//!     org.apache.zookeeper.server.auth.DigestLoginModule required
//!     user_alice="alice-secret"
//!     user_bob="bob-secret";
//! };
//! ```

use crate::error::Error;

/// The login module whose `user_<name>` options are served.
const DIGEST_LOGIN_MODULE: &str = "org.apache.zookeeper.server.auth.DigestLoginModule";

/// A token of a JAAS file, with its line.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Word(String),
    Quoted(String),
    Punct(char),
}

/// Splits JAAS text into tokens: words, quoted strings (with `\`
/// escapes), `{ } ; =`; comments (`//`, `/* */`, `#`) dropped.
fn tokens(text: &str, file: &str) -> Result<Vec<(usize, Token)>, Error> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    let fail = |line: usize, reason: &str| Error::ConfigFile {
        file: file.to_owned(),
        line,
        text: text.lines().nth(line - 1).unwrap_or_default().trim_end().to_owned(),
        reason: reason.to_owned(),
    };
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            c if c.is_whitespace() => {}
            '#' => while chars.next_if(|c| *c != '\n').is_some() {},
            '/' if chars.peek() == Some(&'/') => while chars.next_if(|c| *c != '\n').is_some() {},
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let start = line;
                let mut last = ' ';
                loop {
                    match chars.next() {
                        Some('/') if last == '*' => break,
                        Some(c) => {
                            line += usize::from(c == '\n');
                            last = c;
                        }
                        None => return Err(fail(start, "an unterminated comment")),
                    }
                }
            }
            '{' | '}' | ';' | '=' => out.push((line, Token::Punct(c))),
            '"' => {
                let start = line;
                let mut value = String::new();
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => value.extend(chars.next()),
                        Some(c) => {
                            line += usize::from(c == '\n');
                            value.push(c);
                        }
                        None => return Err(fail(start, "an unterminated quoted value")),
                    }
                }
                out.push((start, Token::Quoted(value)));
            }
            c => {
                let mut word = String::from(c);
                while let Some(c) = chars.next_if(|c| !c.is_whitespace() && !"{};=\"".contains(*c))
                {
                    word.push(c);
                }
                out.push((line, Token::Word(word)));
            }
        }
    }
    Ok(out)
}

/// The DIGEST-MD5 users (name, password) of section `section` of the JAAS
/// text `text` (read from `file`, for messages). A section without
/// `DigestLoginModule` is an error: this server serves no other module.
pub(crate) fn digest_users(
    text: &str,
    file: &str,
    section: &str,
) -> Result<Vec<(String, String)>, Error> {
    let tokens = tokens(text, file)?;
    let fail = |line: usize, reason: String| Error::ConfigFile {
        file: file.to_owned(),
        line,
        text: text.lines().nth(line.saturating_sub(1)).unwrap_or_default().trim_end().to_owned(),
        reason,
    };
    let mut at = 0;
    let mut found = false;
    let mut users = Vec::new();
    let next = |at: &mut usize| {
        let token = tokens.get(*at).cloned();
        *at += 1;
        token
    };
    while let Some((line, token)) = next(&mut at) {
        let Token::Word(name) = token else {
            return Err(fail(line, "a section name expected".into()));
        };
        if next(&mut at).map(|t| t.1) != Some(Token::Punct('{')) {
            return Err(fail(line, format!("`{{` expected after {name}")));
        }
        // Entries: module flag options... ;  until `}`.
        loop {
            let Some((line, token)) = next(&mut at) else {
                return Err(fail(line, format!("section {name} is not closed")));
            };
            let module = match token {
                Token::Punct('}') => break,
                Token::Word(module) => module,
                _ => return Err(fail(line, "a login module expected".into())),
            };
            if !matches!(next(&mut at), Some((_, Token::Word(_)))) {
                return Err(fail(line, format!("a control flag expected after {module}")));
            }
            loop {
                let Some((line, token)) = next(&mut at) else {
                    return Err(fail(line, format!("the entry of {module} is not ended by `;`")));
                };
                let key = match token {
                    Token::Punct(';') => break,
                    Token::Word(key) => key,
                    _ => return Err(fail(line, "an option name expected".into())),
                };
                if next(&mut at).map(|t| t.1) != Some(Token::Punct('=')) {
                    return Err(fail(line, format!("`=` expected after {key}")));
                }
                let value = match next(&mut at) {
                    Some((_, Token::Quoted(v) | Token::Word(v))) => v,
                    _ => return Err(fail(line, format!("a value expected for {key}"))),
                };
                if name == section
                    && module == DIGEST_LOGIN_MODULE
                    && let Some(user) = key.strip_prefix("user_")
                {
                    users.push((user.to_owned(), value));
                }
            }
            if name == section {
                if module != DIGEST_LOGIN_MODULE {
                    return Err(fail(
                        line,
                        format!("login module {module} is not served (only {DIGEST_LOGIN_MODULE})"),
                    ));
                }
                found = true;
            }
        }
        if next(&mut at).map(|t| t.1) != Some(Token::Punct(';')) {
            at -= 1;
        }
    }
    if !found {
        return Err(Error::Config(format!(
            "{file}: no section {section} with {DIGEST_LOGIN_MODULE}"
        )));
    }
    Ok(users)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_of_the_server_section() {
        let text = "// users\nClient {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  username=\"x\" password=\"y\";\n};\n/* the\n server */ Server {\n    org.apache.zookeeper.server.auth.DigestLoginModule required\n    user_alice=\"a-secret\"\n    user_bob=\"q\\\"b\\\\s\";\n};\n";
        assert_eq!(
            digest_users(text, "jaas.conf", "Server").unwrap(),
            [("alice".to_owned(), "a-secret".to_owned()), ("bob".into(), "q\"b\\s".into())]
        );
    }

    #[test]
    fn other_modules_and_bad_text_are_clear_errors() {
        let kerberos = "Server {\n com.sun.security.auth.module.Krb5LoginModule required\n useKeyTab=true;\n};";
        let err = digest_users(kerberos, "j", "Server").unwrap_err().to_string();
        assert!(err.contains("j:2") && err.contains("Krb5LoginModule"), "{err}");
        let err = digest_users("Client { a b; };", "j", "Server").unwrap_err().to_string();
        assert!(err.contains("no section Server"), "{err}");
        for (bad, line) in [
            ("Server {\n x required\n user_a=\"open", 3),
            ("Server {\n x required\n user_a \"v\";\n};", 3),
            ("Server x", 1),
            ("/* open", 1),
        ] {
            match digest_users(bad, "j", "Server") {
                Err(Error::ConfigFile { line: l, .. }) => assert_eq!(l, line, "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
