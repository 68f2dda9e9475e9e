//! How domain values are spelled in columns: attribute values, operators and states.

use hubspoke_iam::{AttributeValue, Operator, PolicyState};

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
        assert!(decode_value("flag", "yes").is_err());
        assert!(decode_value("other", "x").is_err());
    }
}
