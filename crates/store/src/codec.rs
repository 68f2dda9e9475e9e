//! How domain values are spelled in columns: attribute values, operators, states, and a policy's whole body.

use std::fmt::Write;

use hubspoke_iam::{Attribute, AttributeValue, Operator, PolicyDraft, PolicyState};

use crate::{StoreError, StoreResult};

/// Splits an attribute value into the `value_kind` and `value` columns. Lists are length-prefixed
/// (`3:abc2:de`) so that any character may appear in an item.
pub(crate) fn encode_value(value: &AttributeValue) -> (&'static str, String) {
    match value {
        AttributeValue::Text(text) => ("text", text.clone()),
        AttributeValue::Flag(flag) => ("flag", flag.to_string()),
        AttributeValue::List(items) => ("list", items.iter().map(|item| format!("{}:{item}", item.len())).collect()),
    }
}

/// The inverse of [`encode_value`].
pub(crate) fn decode_value(kind: &str, text: &str) -> StoreResult<AttributeValue> {
    let corrupt = || StoreError::Corrupt(format!("attribute value of kind `{kind}`: `{text}`"));
    match kind {
        "text" => Ok(AttributeValue::Text(text.to_owned())),
        "flag" => text.parse().map(AttributeValue::Flag).map_err(|_| corrupt()),
        "list" => {
            let mut items = Vec::new();
            let mut rest = text;
            while !rest.is_empty() {
                let (length, after) = rest.split_once(':').ok_or_else(corrupt)?;
                let length: usize = length.parse().map_err(|_| corrupt())?;
                let item = after.get(..length).ok_or_else(corrupt)?;
                items.push(item.to_owned());
                rest = &after[length..];
            }
            Ok(AttributeValue::List(items))
        }
        _ => Err(corrupt()),
    }
}

/// A policy's attributes and roles as one column, so that reading a policy is reading its row: a sequence of records,
/// `s` (subject attribute) or `r` (resource attribute) followed by its key, operator, value kind and value, and `o`
/// followed by a role; every field is length-prefixed in bytes (`5:vpcId`), so any character may appear in it. The
/// `policy_attributes` and `policy_roles` rows stay the searchable copy.
pub(crate) fn encode_body(draft: &PolicyDraft) -> String {
    fn field(body: &mut String, text: &str) {
        let _ = write!(body, "{}:{text}", text.len());
    }
    let mut body = String::new();
    for (tag, attributes) in [('s', &draft.subject), ('r', &draft.resource)] {
        for attribute in attributes {
            let (kind, value) = encode_value(&attribute.value);
            body.push(tag);
            field(&mut body, &attribute.key);
            field(&mut body, attribute.operator.as_str());
            field(&mut body, kind);
            field(&mut body, &value);
        }
    }
    for role in &draft.roles {
        body.push('o');
        field(&mut body, role);
    }
    body
}

/// A policy's parts, as [`decode_body`] gives them back: subject attributes, resource attributes, roles.
pub(crate) type Body = (Vec<Attribute>, Vec<Attribute>, Vec<String>);

/// Reads an encoded body front to back.
struct Cursor<'a> {
    rest: &'a str,
    whole: &'a str,
}

impl<'a> Cursor<'a> {
    fn corrupt(&self) -> StoreError {
        StoreError::Corrupt(format!("policy body `{}`", self.whole))
    }

    /// The next record's tag, or `None` at the end.
    fn tag(&mut self) -> Option<u8> {
        let tag = *self.rest.as_bytes().first()?;
        // Tags are ASCII letters, so the slice below stays on a character boundary.
        self.rest = self.rest.get(1..)?;
        Some(tag)
    }

    /// The next length-prefixed field.
    fn field(&mut self) -> StoreResult<&'a str> {
        // A byte search: the prefix is a few digits, and `split_once(':')` compares the separator through `memcmp`,
        // a call per field that was 5% of a million-policy start. `:` is ASCII, so the split is on a char boundary.
        let colon = self.rest.bytes().position(|byte| byte == b':').ok_or_else(|| self.corrupt())?;
        let (length, after) = (&self.rest[..colon], &self.rest[colon + 1..]);
        let length: usize = length.parse().map_err(|_| self.corrupt())?;
        let value = after.get(..length).ok_or_else(|| self.corrupt())?;
        self.rest = &after[length..];
        Ok(value)
    }
}

/// The inverse of [`encode_body`].
pub(crate) fn decode_body(text: &str) -> StoreResult<Body> {
    let mut cursor = Cursor { rest: text, whole: text };
    let (mut subject, mut resource, mut roles) = (Vec::new(), Vec::new(), Vec::new());
    while let Some(tag) = cursor.tag() {
        match tag {
            b's' | b'r' => {
                let key = cursor.field()?.to_owned();
                let operator = decode_operator(cursor.field()?)?;
                let kind = cursor.field()?;
                let value = decode_value(kind, cursor.field()?)?;
                let attribute = Attribute { key, operator, value };
                if tag == b's' { subject.push(attribute) } else { resource.push(attribute) }
            }
            b'o' => roles.push(cursor.field()?.to_owned()),
            _ => return Err(cursor.corrupt()),
        }
    }
    Ok((subject, resource, roles))
}

pub(crate) fn decode_operator(text: &str) -> StoreResult<Operator> {
    Operator::parse(text).ok_or_else(|| StoreError::Corrupt(format!("operator `{text}`")))
}

pub(crate) fn decode_state(text: &str) -> StoreResult<PolicyState> {
    PolicyState::parse(text).ok_or_else(|| StoreError::Corrupt(format!("policy state `{text}`")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        let values = [
            AttributeValue::Text(String::new()),
            AttributeValue::Text("r006-abc".into()),
            AttributeValue::Flag(true),
            AttributeValue::Flag(false),
            AttributeValue::List(vec!["a".into(), "12:34".into(), "".into(), "é:ü".into()]),
        ];
        for value in values {
            let (kind, text) = encode_value(&value);
            assert_eq!(decode_value(kind, &text).unwrap(), value);
        }
        assert!(decode_value("list", "5:ab").is_err());
    }

    #[test]
    fn bodies_round_trip_and_corrupt_ones_are_refused() {
        let text = |key: &str, value: &str| Attribute {
            key: key.into(),
            operator: Operator::StringEquals,
            value: AttributeValue::Text(value.into()),
        };
        let draft = PolicyDraft {
            owner: hubspoke_iam::AccountId::from_bytes([1; 16]),
            description: None,
            subject: vec![
                text("accountId", "0101"),
                Attribute { key: "flag".into(), operator: Operator::StringExists, value: AttributeValue::Flag(true) },
                text("résumé", "a:b5:c"),
            ],
            resource: vec![
                text("vpcId", ""),
                Attribute {
                    key: "list".into(),
                    operator: Operator::StringMatchAnyOf,
                    value: AttributeValue::List(vec!["x".into(), "".into()]),
                },
            ],
            roles: vec!["crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector".into(), "é".into()],
        };
        let encoded = encode_body(&draft);
        assert_eq!(
            decode_body(&encoded).unwrap(),
            (draft.subject.clone(), draft.resource.clone(), draft.roles.clone())
        );
        assert_eq!(decode_body("").unwrap(), (vec![], vec![], vec![]));
        for corrupt in ["x1:a", "s3:key", "o9:short", "s1:k12:stringEquals4:text", "o-1:a"] {
            assert!(decode_body(corrupt).is_err(), "{corrupt}");
        }
        assert!(decode_value("flag", "yes").is_err());
        assert!(decode_value("other", "x").is_err());
    }
}
