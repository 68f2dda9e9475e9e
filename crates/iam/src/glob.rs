//! The `stringMatch` glob: `*` matches any run of characters, `?` exactly one, `{{*}}` and `{{?}}` are literals.

/// One element of a compiled glob pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Literal(char),
    AnyOne,
    AnyRun,
}

/// A `stringMatch` pattern, compiled once when a policy is indexed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob {
    tokens: Vec<Token>,
}

impl Glob {
    /// Compiles a pattern. Every string is a valid pattern: text that is not a wildcard or an escape is literal.
    pub fn new(pattern: &str) -> Glob {
        let mut tokens = Vec::with_capacity(pattern.len());
        let mut rest = pattern;
        while let Some(c) = rest.chars().next() {
            // IBM escapes the two wildcard characters by wrapping them in double braces.
            if let Some(after) = rest.strip_prefix("{{*}}") {
                tokens.push(Token::Literal('*'));
                rest = after;
                continue;
            }
            if let Some(after) = rest.strip_prefix("{{?}}") {
                tokens.push(Token::Literal('?'));
                rest = after;
                continue;
            }
            tokens.push(match c {
                '*' => Token::AnyRun,
                '?' => Token::AnyOne,
                other => Token::Literal(other),
            });
            rest = &rest[c.len_utf8()..];
        }
        Glob { tokens }
    }

    /// Whether `text` matches the whole pattern (case-sensitive, like IBM's operators).
    pub fn matches(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        // Iterative wildcard matching with one backtrack point: linear in practice and never recursive, so a hostile
        // pattern such as `*a*a*a*a*b` cannot blow the stack or take exponential time.
        let (mut t, mut c) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while c < chars.len() {
            match self.tokens.get(t) {
                Some(Token::AnyRun) => {
                    star = Some((t, c));
                    t += 1;
                }
                Some(Token::AnyOne) => {
                    t += 1;
                    c += 1;
                }
                Some(Token::Literal(l)) if *l == chars[c] => {
                    t += 1;
                    c += 1;
                }
                _ => match star {
                    Some((star_t, star_c)) => {
                        t = star_t + 1;
                        c = star_c + 1;
                        star = Some((star_t, star_c + 1));
                    }
                    None => return false,
                },
            }
        }
        self.tokens[t..].iter().all(|token| *token == Token::AnyRun)
    }
}

#[cfg(test)]
mod tests {
    use super::Glob;

    #[test]
    fn table() {
        let cases: &[(&str, &str, bool)] = &[
            ("r006-*", "r006-fd189c4f", true),
            ("r006-*", "r007-fd189c4f", false),
            ("*", "", true),
            ("*", "anything", true),
            ("", "", true),
            ("", "x", false),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("a?c", "abbc", false),
            ("*b*", "abc", true),
            ("*b", "abc", false),
            ("a*c*e", "abcde", true),
            ("a*c*e", "abcd", false),
            ("a{{*}}c", "a*c", true),
            ("a{{*}}c", "abc", false),
            ("a{{?}}", "a?", true),
            ("a{{?}}", "ab", false),
            ("{{*}}*", "*tail", true),
            ("{{", "{{", true),
            ("{{x}}", "{{x}}", true),
            ("Is", "is", false),
            ("é?", "éa", true),
            ("*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false),
        ];
        for (pattern, text, expected) in cases {
            assert_eq!(Glob::new(pattern).matches(text), *expected, "pattern `{pattern}` against `{text}`");
        }
    }
}
