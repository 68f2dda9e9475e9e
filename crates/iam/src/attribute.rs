//! Policy attributes: a key, an operator and a value, and how one is matched against a request's attribute.

use crate::glob::Glob;

/// The comparison an attribute applies to the request value with the same key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operator {
    /// Case-sensitive exact match.
    StringEquals,
    /// Case-sensitive glob: see [`crate::glob`].
    StringMatch,
    /// With `true` the request must carry the attribute, with `false` it must not.
    StringExists,
    /// Exact match against any of up to ten values.
    StringEqualsAnyOf,
    /// Glob match against any of up to ten patterns.
    StringMatchAnyOf,
}

impl Operator {
    /// Every operator, in the order the documentation lists them.
    pub const ALL: [Operator; 5] = [
        Operator::StringEquals,
        Operator::StringMatch,
        Operator::StringExists,
        Operator::StringEqualsAnyOf,
        Operator::StringMatchAnyOf,
    ];

    /// The operator's name as IBM's APIs spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::StringEquals => "stringEquals",
            Operator::StringMatch => "stringMatch",
            Operator::StringExists => "stringExists",
            Operator::StringEqualsAnyOf => "stringEqualsAnyOf",
            Operator::StringMatchAnyOf => "stringMatchAnyOf",
        }
    }

    /// Parses IBM's spelling; the comparison is exact, as IBM's is.
    pub fn parse(name: &str) -> Option<Operator> {
        Operator::ALL.into_iter().find(|op| op.as_str() == name)
    }
}

/// The value of a policy attribute. Which variant goes with which operator is checked by [`crate::validate`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AttributeValue {
    /// A string, for `stringEquals` and `stringMatch`.
    Text(String),
    /// A boolean, for `stringExists`.
    Flag(bool),
    /// One to ten strings, for the `AnyOf` operators.
    List(Vec<String>),
}

/// One attribute of a policy subject or resource.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Attribute {
    /// The attribute name, for example `accountId` or `vpcId`.
    pub key: String,
    /// How the request's value is compared.
    pub operator: Operator,
    /// What it is compared with.
    pub value: AttributeValue,
}

impl Attribute {
    /// A `stringEquals` attribute, the most common kind.
    pub fn equals(key: &str, value: &str) -> Attribute {
        Attribute {
            key: key.to_owned(),
            operator: Operator::StringEquals,
            value: AttributeValue::Text(value.to_owned()),
        }
    }

    /// The value as text when the attribute holds a single string.
    pub fn text(&self) -> Option<&str> {
        match &self.value {
            AttributeValue::Text(text) => Some(text),
            _ => None,
        }
    }

    /// Whether the request's value for this attribute's key (`None` when the request lacks the key) satisfies it.
    pub fn matches(&self, actual: Option<&str>) -> bool {
        let expected = match &self.value {
            AttributeValue::Text(text) => Expected::Text(text),
            AttributeValue::Flag(flag) => Expected::Flag(*flag),
            AttributeValue::List(items) => Expected::List(items),
        };
        value_matches(self.operator, expected, actual)
    }

    /// A short human rendering such as ``vpcId stringEquals `r006-…` ``, used in explanations.
    pub fn describe(&self) -> String {
        let value = match &self.value {
            AttributeValue::Text(text) => format!("`{text}`"),
            AttributeValue::Flag(flag) => flag.to_string(),
            AttributeValue::List(items) => {
                let quoted: Vec<String> = items.iter().map(|item| format!("`{item}`")).collect();
                format!("[{}]", quoted.join(", "))
            }
        };
        format!("{} {} {}", self.key, self.operator.as_str(), value)
    }
}

/// A condition's value as [`value_matches`] reads it, wherever the condition keeps its texts.
pub(crate) enum Expected<'a, S> {
    Text(&'a str),
    Flag(bool),
    List(&'a [S]),
}

/// Whether the request's value for a condition's key (`None` when the request lacks the key) satisfies the condition:
/// `stringExists` asks whether the key is there, every other operator fails without a value. Shared by
/// [`Attribute::matches`] and the engine's compact copies of conditions, so that all of them decide alike.
pub(crate) fn value_matches<S: AsRef<str>>(
    operator: Operator,
    expected: Expected<'_, S>,
    actual: Option<&str>,
) -> bool {
    match (expected, actual) {
        (Expected::Flag(must_exist), actual) => must_exist == actual.is_some(),
        (_, None) => false,
        (Expected::Text(expected), Some(actual)) => text_matches(operator, expected, actual),
        (Expected::List(expected), Some(actual)) => list_matches(operator, expected, actual),
    }
}

/// Whether a present request value satisfies a text-valued condition (`stringEquals` or `stringMatch`).
fn text_matches(operator: Operator, expected: &str, actual: &str) -> bool {
    match operator {
        Operator::StringMatch => Glob::new(expected).matches(actual),
        _ => expected == actual,
    }
}

/// Whether a present request value satisfies a list-valued condition (`stringEqualsAnyOf` or `stringMatchAnyOf`).
fn list_matches<S: AsRef<str>>(operator: Operator, expected: &[S], actual: &str) -> bool {
    match operator {
        Operator::StringMatchAnyOf => expected.iter().any(|pattern| Glob::new(pattern.as_ref()).matches(actual)),
        _ => expected.iter().any(|value| value.as_ref() == actual),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attribute(operator: Operator, value: AttributeValue) -> Attribute {
        Attribute { key: "k".into(), operator, value }
    }

    #[test]
    fn matching_table() {
        use AttributeValue::*;
        use Operator::*;
        let list = |items: &[&str]| List(items.iter().map(|s| s.to_string()).collect());
        let cases: Vec<(Attribute, Option<&str>, bool)> = vec![
            (attribute(StringEquals, Text("vpc".into())), Some("vpc"), true),
            (attribute(StringEquals, Text("vpc".into())), Some("VPC"), false),
            (attribute(StringEquals, Text("vpc".into())), None, false),
            (attribute(StringMatch, Text("r006-*".into())), Some("r006-abc"), true),
            (attribute(StringMatch, Text("r006-*".into())), None, false),
            (attribute(StringExists, Flag(true)), Some("x"), true),
            (attribute(StringExists, Flag(true)), None, false),
            (attribute(StringExists, Flag(false)), None, true),
            (attribute(StringExists, Flag(false)), Some("x"), false),
            (attribute(StringEqualsAnyOf, list(&["a", "b"])), Some("b"), true),
            (attribute(StringEqualsAnyOf, list(&["a", "b"])), Some("c"), false),
            (attribute(StringMatchAnyOf, list(&["a*", "b?"])), Some("bc"), true),
            (attribute(StringMatchAnyOf, list(&["a*", "b?"])), Some("bcd"), false),
        ];
        for (attribute, actual, expected) in cases {
            assert_eq!(attribute.matches(actual), expected, "{} against {actual:?}", attribute.describe());
        }
    }

    #[test]
    fn operator_names_round_trip() {
        for op in Operator::ALL {
            assert_eq!(Operator::parse(op.as_str()), Some(op));
        }
        assert_eq!(Operator::parse("StringEquals"), None);
    }
}
