//! Resource names: IBM's format, and the "hyphenated list of randomly-selected words" given when none is.

use crate::Ids;
use crate::error::{RuleError, RuleResult};

const WORDS: &[&str] = &[
    "amber", "brisk", "cedar", "dapper", "ember", "fjord", "glade", "harbor", "indigo", "jasper", "kindle", "lagoon",
    "maple", "nimbus", "onyx", "pebble", "quartz", "ripple", "sierra", "tundra", "umber", "velvet", "willow", "yonder",
    "zephyr", "anchor", "beacon", "canyon", "delta", "estuary", "falcon", "garnet", "heron", "island", "juniper",
    "kestrel", "lantern", "meadow", "nectar", "orchard", "prairie", "quiver", "raven", "summit", "thicket", "upland",
    "valley", "walnut", "alpine", "basalt", "coral", "dune", "elm", "fern", "granite", "hazel", "iris", "jade",
];

/// A new name of four random words, such as `amber-fjord-quartz-willow`.
pub fn generate(ids: &mut dyn Ids) -> String {
    (0..4).map(|_| WORDS[ids.pick(WORDS.len())]).collect::<Vec<_>>().join("-")
}

/// Whether `name` has IBM's resource-name format: 1 to 63 lowercase letters, digits and hyphens, starting with a
/// letter (or a digit followed by something that makes it not purely numeric) and not ending with a hyphen.
pub fn is_valid(name: &str) -> bool {
    let body = name.strip_prefix('-').unwrap_or(name);
    let charset = body.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let first = body.bytes().next();
    let ends_well = !body.ends_with('-');
    let has_letter = body.bytes().any(|b| b.is_ascii_lowercase());
    (1..=63).contains(&name.len())
        && charset
        && ends_well
        && has_letter
        && first.is_some_and(|b| b.is_ascii_alphanumeric())
}

/// The given name if valid, a generated one if absent.
pub fn choose(given: Option<&str>, ids: &mut dyn Ids, field: &str) -> RuleResult<String> {
    match given {
        None => Ok(generate(ids)),
        Some(name) if is_valid(name) => Ok(name.to_owned()),
        Some(name) => Err(RuleError::invalid(
            "invalid_name",
            format!("the name `{name}` is not valid: use 1 to 63 lowercase letters, digits and hyphens, starting with a letter"),
        )
        .field(field)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_format_table() {
        let cases = [
            ("hub-vpc", true),
            ("a", true),
            ("vpc1", true),
            ("1vpc", true),
            ("-leading", true),
            ("", false),
            ("123", false),
            ("Upper", false),
            ("trailing-", false),
            ("under_score", false),
            ("dot.ted", false),
            (&"a".repeat(64), false),
        ];
        for (name, valid) in cases {
            assert_eq!(is_valid(name), valid, "`{name}`");
        }
    }
}
