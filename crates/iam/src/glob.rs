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

/// A slow matcher that is plainly right (dynamic programming over pattern × text), which [`Glob::matches`] is checked
/// against by a property test and by the `glob` fuzz target.
#[cfg(any(test, feature = "fuzzing"))]
pub fn reference_matches(pattern: &str, text: &str) -> bool {
    let tokens = Glob::new(pattern).tokens;
    let chars: Vec<char> = text.chars().collect();
    // matched[i][j]: the first i tokens match exactly the first j characters.
    let mut matched = vec![vec![false; chars.len() + 1]; tokens.len() + 1];
    matched[0][0] = true;
    for i in 1..=tokens.len() {
        for j in 0..=chars.len() {
            matched[i][j] = match &tokens[i - 1] {
                Token::AnyRun => matched[i - 1][j] || (j > 0 && matched[i][j - 1]),
                Token::AnyOne => j > 0 && matched[i - 1][j - 1],
                Token::Literal(literal) => j > 0 && chars[j - 1] == *literal && matched[i - 1][j - 1],
            };
        }
    }
    matched[tokens.len()][chars.len()]
}

/// The fuzz target's input, split the way the fuzzer and the corpus replay both split it: the pattern up to the first
/// NUL byte, the text after it, each at most a few hundred characters so the reference stays quick.
#[cfg(any(test, feature = "fuzzing"))]
pub fn split_fuzz_input(data: &[u8]) -> (String, String) {
    let (pattern, text) = match data.iter().position(|b| *b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let cut = |bytes: &[u8], most: usize| String::from_utf8_lossy(bytes).chars().take(most).collect::<String>();
    (cut(pattern, 64), cut(text, 256))
}

/// The `glob` fuzz target's property, shared by the fuzzer, the corpus replay and the stable smoke test: the fast
/// matcher agrees with the reference on the pattern and text the input splits into.
#[cfg(any(test, feature = "fuzzing"))]
pub fn check_against_reference(data: &[u8]) {
    let (pattern, text) = split_fuzz_input(data);
    assert_eq!(Glob::new(&pattern).matches(&text), reference_matches(&pattern, &text), "`{pattern}` on `{text}`");
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
            assert_eq!(super::reference_matches(pattern, text), *expected, "the reference, `{pattern}` on `{text}`");
        }
    }

    proptest::proptest! {
        /// The fast matcher agrees with the reference on patterns and texts over a small alphabet, where wildcards,
        /// escapes and literals collide often.
        #[test]
        fn agrees_with_the_reference(pattern in "([ab*?]|\\{\\{[*?]\\}\\}){0,12}", text in "[ab*?{}]{0,16}") {
            proptest::prop_assert_eq!(Glob::new(&pattern).matches(&text), super::reference_matches(&pattern, &text));
        }
    }

    /// Replays the `glob` fuzz target's corpus (`fuzz/corpus/glob`) on stable: the two matchers agree on every input.
    #[test]
    fn the_fuzz_corpus_agrees_with_the_reference() {
        let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/glob");
        let mut replayed = 0;
        for entry in std::fs::read_dir(&directory).expect("the corpus directory exists") {
            super::check_against_reference(&std::fs::read(entry.unwrap().path()).unwrap());
            replayed += 1;
        }
        assert!(replayed >= 8, "only {replayed} corpus entries");
    }
}
