//! The expressions of forwarding-rule views: a small subset of CEL over the DNS client's address, parsed when a view
//! is written and evaluated for each query.
//!
//! The grammar, loosest binding first:
//!
//! ```text
//! expression  = or [ "?" expression ":" expression ]
//! or          = and { "||" and }
//! and         = unary { "&&" unary }
//! unary       = "!" unary | comparison
//! comparison  = primary [ ( "==" | "!=" ) primary ]
//! primary     = "(" expression ")" | "ipInRange" "(" address "," literal ")" | address
//! address     = "source" "." "ip" | literal
//! literal     = "'" characters "'"
//! ```
//!
//! Comparisons and `ipInRange` take addresses, and everything else takes truth values; a literal must be an IPv4
//! or IPv6 address where an address is expected and a CIDR as the range. Anything else is refused with the position
//! (a 1-based character index) where the text stopped making sense, so that a view that is accepted always evaluates.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;

/// Longest expression accepted, in characters.
pub const MAX_LENGTH: usize = 1024;

/// Deepest nesting of parentheses, negations and conditionals accepted (a bound that keeps parsing and evaluation
/// from exhausting the stack on hostile input).
pub const MAX_DEPTH: usize = 32;

/// A parsed view expression, with the text it was parsed from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expression {
    text: String,
    root: Node,
}

/// Why an expression was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExpressionError {
    /// The expression is empty or only blanks.
    #[error("the expression is empty")]
    Empty,
    /// The expression is longer than [`MAX_LENGTH`].
    #[error("the expression is longer than {MAX_LENGTH} characters")]
    TooLong,
    /// A character that starts no token.
    #[error("unexpected character `{found}` at position {position}")]
    UnexpectedCharacter {
        /// The character.
        found: char,
        /// Where it is.
        position: usize,
    },
    /// A token where another was expected.
    #[error("expected {expected} at position {position}, found `{found}`")]
    Expected {
        /// What would have made sense.
        expected: &'static str,
        /// What was there.
        found: String,
        /// Where it is.
        position: usize,
    },
    /// The text ended where more was expected.
    #[error("expected {expected} at position {position}, found the end of the expression")]
    UnexpectedEnd {
        /// What would have made sense.
        expected: &'static str,
        /// One past the last character.
        position: usize,
    },
    /// A name other than `source` and `ipInRange`.
    #[error("unknown name `{name}` at position {position}: only `source.ip` and `ipInRange` are supported")]
    UnknownName {
        /// The name.
        name: String,
        /// Where it starts.
        position: usize,
    },
    /// A literal that is not closed by a single quote.
    #[error("unterminated string literal at position {position}")]
    UnterminatedString {
        /// Where the literal starts.
        position: usize,
    },
    /// A literal used as an address that is not one.
    #[error("`{text}` at position {position} is not an IP address")]
    InvalidAddress {
        /// The literal's text.
        text: String,
        /// Where the literal starts.
        position: usize,
    },
    /// A literal used as a range that is not a CIDR.
    #[error("`{text}` at position {position} is not a CIDR")]
    InvalidCidr {
        /// The literal's text.
        text: String,
        /// Where the literal starts.
        position: usize,
    },
    /// An address where a truth value is needed (for example `source.ip` alone).
    #[error("an address cannot be used as a condition at position {position}")]
    NotACondition {
        /// Where the address starts.
        position: usize,
    },
    /// Nesting deeper than [`MAX_DEPTH`].
    #[error("the expression nests deeper than {MAX_DEPTH} levels at position {position}")]
    TooDeep {
        /// Where the nesting went too deep.
        position: usize,
    },
}

impl ExpressionError {
    /// The 1-based character position the refusal names, when it names one.
    pub fn position(&self) -> Option<usize> {
        match self {
            ExpressionError::Empty | ExpressionError::TooLong => None,
            ExpressionError::UnexpectedCharacter { position, .. }
            | ExpressionError::Expected { position, .. }
            | ExpressionError::UnexpectedEnd { position, .. }
            | ExpressionError::UnknownName { position, .. }
            | ExpressionError::UnterminatedString { position }
            | ExpressionError::InvalidAddress { position, .. }
            | ExpressionError::InvalidCidr { position, .. }
            | ExpressionError::NotACondition { position }
            | ExpressionError::TooDeep { position } => Some(*position),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    InRange(Address, IpNet),
    Equal(Address, Address),
    NotEqual(Address, Address),
    Not(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Conditional(Box<Node>, Box<Node>, Box<Node>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Address {
    Source,
    Literal(IpAddr),
}

impl Expression {
    /// Parses `text`, or says where it stops being an expression of the grammar.
    pub fn parse(text: &str) -> Result<Expression, ExpressionError> {
        if text.chars().count() > MAX_LENGTH {
            return Err(ExpressionError::TooLong);
        }
        let tokens = tokenize(text)?;
        if tokens.is_empty() {
            return Err(ExpressionError::Empty);
        }
        let end = text.chars().count() + 1;
        let mut parser = Parser { tokens, next: 0, end, depth: 0 };
        let parsed = parser.expression()?;
        if let Some(token) = parser.tokens.get(parser.next) {
            return Err(ExpressionError::Expected {
                expected: "an operator",
                found: token.kind.to_string(),
                position: token.position,
            });
        }
        Ok(Expression { text: text.to_owned(), root: parsed.condition()? })
    }

    /// The text the expression was parsed from, as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether a query from `source` satisfies the expression. An IPv4 address carried in IPv6 (`::ffff:a.b.c.d`)
    /// counts as the IPv4 address, since that is how a dual-stack socket reports an IPv4 client.
    pub fn evaluate(&self, source: IpAddr) -> bool {
        self.root.evaluate(canonical(source))
    }
}

impl fmt::Display for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(address),
        IpAddr::V4(_) => address,
    }
}

impl Address {
    fn value(self, source: IpAddr) -> IpAddr {
        match self {
            Address::Source => source,
            Address::Literal(address) => address,
        }
    }
}

impl Node {
    fn evaluate(&self, source: IpAddr) -> bool {
        match self {
            Node::InRange(address, range) => range.contains(&address.value(source)),
            Node::Equal(left, right) => left.value(source) == right.value(source),
            Node::NotEqual(left, right) => left.value(source) != right.value(source),
            Node::Not(inner) => !inner.evaluate(source),
            Node::And(left, right) => left.evaluate(source) && right.evaluate(source),
            Node::Or(left, right) => left.evaluate(source) || right.evaluate(source),
            Node::Conditional(condition, then, otherwise) => {
                if condition.evaluate(source) {
                    then.evaluate(source)
                } else {
                    otherwise.evaluate(source)
                }
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum TokenKind {
    Name(String),
    Literal(String),
    Dot,
    Comma,
    Open,
    Close,
    Bang,
    Equal,
    NotEqual,
    And,
    Or,
    Question,
    Colon,
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenKind::Name(name) => f.write_str(name),
            TokenKind::Literal(text) => write!(f, "'{text}'"),
            TokenKind::Dot => f.write_str("."),
            TokenKind::Comma => f.write_str(","),
            TokenKind::Open => f.write_str("("),
            TokenKind::Close => f.write_str(")"),
            TokenKind::Bang => f.write_str("!"),
            TokenKind::Equal => f.write_str("=="),
            TokenKind::NotEqual => f.write_str("!="),
            TokenKind::And => f.write_str("&&"),
            TokenKind::Or => f.write_str("||"),
            TokenKind::Question => f.write_str("?"),
            TokenKind::Colon => f.write_str(":"),
        }
    }
}

#[derive(Clone, Debug)]
struct Token {
    kind: TokenKind,
    position: usize,
}

fn tokenize(text: &str) -> Result<Vec<Token>, ExpressionError> {
    let characters: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut index = 0;
    while index < characters.len() {
        let character = characters[index];
        let position = index + 1;
        let next = characters.get(index + 1).copied();
        let (kind, width) = match character {
            ' ' | '\t' | '\n' | '\r' => {
                index += 1;
                continue;
            }
            '.' => (TokenKind::Dot, 1),
            ',' => (TokenKind::Comma, 1),
            '(' => (TokenKind::Open, 1),
            ')' => (TokenKind::Close, 1),
            '?' => (TokenKind::Question, 1),
            ':' => (TokenKind::Colon, 1),
            '!' if next == Some('=') => (TokenKind::NotEqual, 2),
            '!' => (TokenKind::Bang, 1),
            '=' if next == Some('=') => (TokenKind::Equal, 2),
            '&' if next == Some('&') => (TokenKind::And, 2),
            '|' if next == Some('|') => (TokenKind::Or, 2),
            '\'' => {
                let close = characters[index + 1..]
                    .iter()
                    .position(|c| *c == '\'')
                    .ok_or(ExpressionError::UnterminatedString { position })?;
                let literal: String = characters[index + 1..index + 1 + close].iter().collect();
                (TokenKind::Literal(literal), close + 2)
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let length = characters[index..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == '_').count();
                (TokenKind::Name(characters[index..index + length].iter().collect()), length)
            }
            found => return Err(ExpressionError::UnexpectedCharacter { found, position }),
        };
        tokens.push(Token { kind, position });
        index += width;
    }
    Ok(tokens)
}

/// What a sub-expression evaluates to: an address (only valid as an operand) or a truth value.
enum Parsed {
    Address(Address, usize),
    Condition(Node),
}

impl Parsed {
    fn condition(self) -> Result<Node, ExpressionError> {
        match self {
            Parsed::Condition(node) => Ok(node),
            Parsed::Address(_, position) => Err(ExpressionError::NotACondition { position }),
        }
    }
}

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    end: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&TokenKind> {
        self.tokens.get(self.next).map(|token| &token.kind)
    }

    fn position(&self) -> usize {
        self.tokens.get(self.next).map_or(self.end, |token| token.position)
    }

    fn take(&mut self, expected: &'static str) -> Result<Token, ExpressionError> {
        let token = self
            .tokens
            .get(self.next)
            .cloned()
            .ok_or(ExpressionError::UnexpectedEnd { expected, position: self.end })?;
        self.next += 1;
        Ok(token)
    }

    fn expect(&mut self, kind: TokenKind, expected: &'static str) -> Result<(), ExpressionError> {
        let token = self.take(expected)?;
        if token.kind == kind {
            Ok(())
        } else {
            Err(ExpressionError::Expected { expected, found: token.kind.to_string(), position: token.position })
        }
    }

    fn deeper(&mut self) -> Result<(), ExpressionError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH { Err(ExpressionError::TooDeep { position: self.position() }) } else { Ok(()) }
    }

    fn expression(&mut self) -> Result<Parsed, ExpressionError> {
        self.deeper()?;
        let condition = self.or()?;
        let parsed = if self.peek() == Some(&TokenKind::Question) {
            let condition = condition.condition()?;
            self.next += 1;
            let then = self.expression()?.condition()?;
            self.expect(TokenKind::Colon, "`:`")?;
            let otherwise = self.expression()?.condition()?;
            Parsed::Condition(Node::Conditional(Box::new(condition), Box::new(then), Box::new(otherwise)))
        } else {
            condition
        };
        self.depth -= 1;
        Ok(parsed)
    }

    fn or(&mut self) -> Result<Parsed, ExpressionError> {
        let mut left = self.and()?;
        while self.peek() == Some(&TokenKind::Or) {
            let condition = left.condition()?;
            self.next += 1;
            let right = self.and()?.condition()?;
            left = Parsed::Condition(Node::Or(Box::new(condition), Box::new(right)));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Parsed, ExpressionError> {
        let mut left = self.unary()?;
        while self.peek() == Some(&TokenKind::And) {
            let condition = left.condition()?;
            self.next += 1;
            let right = self.unary()?.condition()?;
            left = Parsed::Condition(Node::And(Box::new(condition), Box::new(right)));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Parsed, ExpressionError> {
        if self.peek() == Some(&TokenKind::Bang) {
            self.next += 1;
            self.deeper()?;
            let inner = self.unary()?.condition()?;
            self.depth -= 1;
            return Ok(Parsed::Condition(Node::Not(Box::new(inner))));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Parsed, ExpressionError> {
        let left = self.primary()?;
        let equal = match self.peek() {
            Some(TokenKind::Equal) => true,
            Some(TokenKind::NotEqual) => false,
            _ => return Ok(left),
        };
        let Parsed::Address(left, _) = left else {
            return Err(ExpressionError::Expected {
                expected: "`&&`, `||`, `?` or `)`",
                found: self.tokens[self.next].kind.to_string(),
                position: self.position(),
            });
        };
        self.next += 1;
        let right = match self.primary()? {
            Parsed::Address(address, _) => address,
            Parsed::Condition(_) => {
                return Err(ExpressionError::Expected {
                    expected: "an address",
                    found: "a condition".to_owned(),
                    position: self.tokens[self.next - 1].position,
                });
            }
        };
        Ok(Parsed::Condition(if equal { Node::Equal(left, right) } else { Node::NotEqual(left, right) }))
    }

    fn primary(&mut self) -> Result<Parsed, ExpressionError> {
        let token = self.take("a condition or an address")?;
        match token.kind {
            TokenKind::Open => {
                let inner = self.expression()?;
                self.expect(TokenKind::Close, "`)`")?;
                Ok(inner)
            }
            TokenKind::Name(name) if name == "ipInRange" => {
                self.expect(TokenKind::Open, "`(`")?;
                let address = self.address()?;
                self.expect(TokenKind::Comma, "`,`")?;
                let range = self.take("a CIDR in single quotes")?;
                let TokenKind::Literal(text) = range.kind else {
                    return Err(ExpressionError::Expected {
                        expected: "a CIDR in single quotes",
                        found: range.kind.to_string(),
                        position: range.position,
                    });
                };
                let range: IpNet = text
                    .parse()
                    .map_err(|_| ExpressionError::InvalidCidr { text: text.clone(), position: range.position })?;
                self.expect(TokenKind::Close, "`)`")?;
                Ok(Parsed::Condition(Node::InRange(address, range)))
            }
            _ => {
                self.next -= 1;
                let position = self.position();
                Ok(Parsed::Address(self.address()?, position))
            }
        }
    }

    fn address(&mut self) -> Result<Address, ExpressionError> {
        let token = self.take("`source.ip` or an address in single quotes")?;
        match token.kind {
            TokenKind::Name(name) if name == "source" => {
                self.expect(TokenKind::Dot, "`.`")?;
                let field = self.take("`ip`")?;
                match field.kind {
                    TokenKind::Name(name) if name == "ip" => Ok(Address::Source),
                    TokenKind::Name(name) => {
                        Err(ExpressionError::UnknownName { name: format!("source.{name}"), position: token.position })
                    }
                    other => Err(ExpressionError::Expected {
                        expected: "`ip`",
                        found: other.to_string(),
                        position: field.position,
                    }),
                }
            }
            TokenKind::Literal(text) => text
                .parse()
                .map(|address| Address::Literal(canonical(address)))
                .map_err(|_| ExpressionError::InvalidAddress { text, position: token.position }),
            TokenKind::Name(name) => Err(ExpressionError::UnknownName { name, position: token.position }),
            other => Err(ExpressionError::Expected {
                expected: "`source.ip` or an address in single quotes",
                found: other.to_string(),
                position: token.position,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    /// Each row: an expression, then the sources it must accept and the ones it must refuse.
    #[test]
    fn evaluates_the_grammar() {
        let rows: &[(&str, &[&str], &[&str])] = &[
            ("ipInRange(source.ip, '10.240.0.0/24')", &["10.240.0.1", "10.240.0.255"], &["10.240.1.1", "::1"]),
            ("!ipInRange(source.ip, '10.240.0.0/24')", &["10.240.1.1"], &["10.240.0.9"]),
            ("source.ip == '10.240.0.5'", &["10.240.0.5", "::ffff:10.240.0.5"], &["10.240.0.6"]),
            ("'10.240.0.5' == source.ip", &["10.240.0.5"], &["10.240.0.6"]),
            ("source.ip != '10.240.0.5'", &["10.240.0.6"], &["10.240.0.5"]),
            (
                "ipInRange(source.ip, '10.0.0.0/8') && !ipInRange(source.ip, '10.1.0.0/16')",
                &["10.2.0.1"],
                &["10.1.0.1", "192.168.0.1"],
            ),
            (
                "ipInRange(source.ip, '10.1.0.0/16') || ipInRange(source.ip, '10.2.0.0/16')",
                &["10.1.9.9", "10.2.9.9"],
                &["10.3.0.1"],
            ),
            // `&&` binds tighter than `||`.
            (
                "source.ip == '10.0.0.1' || source.ip == '10.0.0.2' && source.ip == '10.0.0.3'",
                &["10.0.0.1"],
                &["10.0.0.2"],
            ),
            (
                "(source.ip == '10.0.0.1' || source.ip == '10.0.0.2') && source.ip != '10.0.0.2'",
                &["10.0.0.1"],
                &["10.0.0.2"],
            ),
            (
                "ipInRange(source.ip, '10.0.0.0/8') ? source.ip != '10.0.0.1' : source.ip == '192.168.0.1'",
                &["10.0.0.2", "192.168.0.1"],
                &["10.0.0.1", "192.168.0.2"],
            ),
            ("!!ipInRange(source.ip, '2001:db8::/32')", &["2001:db8::5"], &["2001:db9::5", "10.0.0.1"]),
            ("  ipInRange( source . ip ,'10.0.0.0/8' )  ", &["10.0.0.1"], &["11.0.0.1"]),
            ("ipInRange('10.0.0.1', '10.0.0.0/8')", &["192.168.0.1"], &[]),
        ];
        for (text, accepted, refused) in rows {
            let expression = Expression::parse(text).unwrap_or_else(|e| panic!("`{text}`: {e}"));
            assert_eq!(expression.text(), *text);
            for source in *accepted {
                assert!(expression.evaluate(ip(source)), "`{text}` should accept {source}");
            }
            for source in *refused {
                assert!(!expression.evaluate(ip(source)), "`{text}` should refuse {source}");
            }
        }
    }

    /// Each row: an expression outside the grammar, and the refusal with its position.
    #[test]
    fn refuses_with_the_position() {
        let rows: &[(&str, &str)] = &[
            ("", "the expression is empty"),
            ("   ", "the expression is empty"),
            ("source.ip", "an address cannot be used as a condition at position 1"),
            (
                "source.vpc == 'x'",
                "unknown name `source.vpc` at position 1: only `source.ip` and `ipInRange` are supported",
            ),
            (
                "destination.ip == '10.0.0.1'",
                "unknown name `destination` at position 1: only `source.ip` and `ipInRange` are supported",
            ),
            ("source.ip == \"10.0.0.1\"", "unexpected character `\"` at position 14"),
            ("source.ip == '10.0.0.1", "unterminated string literal at position 14"),
            ("source.ip == 'ten'", "`ten` at position 14 is not an IP address"),
            ("ipInRange(source.ip, '10.0.0.0/33')", "`10.0.0.0/33` at position 22 is not a CIDR"),
            ("ipInRange(source.ip, '10.0.0.1')", "`10.0.0.1` at position 22 is not a CIDR"),
            ("ipInRange(source.ip '10.0.0.0/8')", "expected `,` at position 21, found `'10.0.0.0/8'`"),
            ("ipInRange(source.ip, '10.0.0.0/8'", "expected `)` at position 34, found the end of the expression"),
            ("source.ip = '10.0.0.1'", "unexpected character `=` at position 11"),
            ("source.ip == '10.0.0.1' &", "unexpected character `&` at position 25"),
            (
                "source.ip == '10.0.0.1' &&",
                "expected a condition or an address at position 27, found the end of the expression",
            ),
            ("source.ip == '10.0.0.1' source.ip", "expected an operator at position 25, found `source`"),
            (
                "source.ip == '10.0.0.1' ? source.ip == '10.0.0.2'",
                "expected `:` at position 50, found the end of the expression",
            ),
            ("source.ip == '10.0.0.1' == source.ip", "expected an operator at position 25, found `==`"),
            (
                "ipInRange(source.ip, '10.0.0.0/8') == source.ip",
                "expected `&&`, `||`, `?` or `)` at position 36, found `==`",
            ),
            ("size(source.ip)", "unknown name `size` at position 1: only `source.ip` and `ipInRange` are supported"),
            ("source.ip in ['10.0.0.1']", "unexpected character `[` at position 14"),
            ("source.ip in '10.0.0.1'", "expected an operator at position 11, found `in`"),
            ("true", "unknown name `true` at position 1: only `source.ip` and `ipInRange` are supported"),
            ("!source.ip", "an address cannot be used as a condition at position 2"),
        ];
        for (text, message) in rows {
            let error = Expression::parse(text).expect_err(text);
            assert_eq!(error.to_string(), *message, "`{text}`");
        }
    }

    #[test]
    fn refuses_what_is_too_long_or_too_deep() {
        let long = format!("source.ip == '{}'", "1".repeat(MAX_LENGTH));
        assert_eq!(Expression::parse(&long), Err(ExpressionError::TooLong));
        let deep = format!("{}source.ip == '10.0.0.1'{}", "(".repeat(MAX_DEPTH + 1), ")".repeat(MAX_DEPTH + 1));
        assert!(matches!(Expression::parse(&deep), Err(ExpressionError::TooDeep { .. })));
        let negations = format!("{}ipInRange(source.ip, '10.0.0.0/8')", "!".repeat(MAX_DEPTH + 1));
        assert!(matches!(Expression::parse(&negations), Err(ExpressionError::TooDeep { .. })));
        let shallow = format!("{}source.ip == '10.0.0.1'{}", "(".repeat(8), ")".repeat(8));
        assert!(Expression::parse(&shallow).is_ok());
    }
}
