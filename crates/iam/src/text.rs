//! Free text a user names things with (account names, descriptions, resolver names): what it may not contain.

/// The first character of `text` that may not appear in a name or a description, if any: control characters (NUL
/// and the rest of Unicode's `Cc`; a `multiline` description may hold tabs and line breaks, a name may not) and the
/// invisible bidirectional formatting characters, which can make a name read differently from what it is
/// (`U+202A`–`U+202E`, `U+2066`–`U+2069`, `U+200E`, `U+200F`, `U+061C`).
pub fn forbidden_character(text: &str, multiline: bool) -> Option<char> {
    text.chars().find(|c| {
        (c.is_control() && !(multiline && matches!(c, '\t' | '\n' | '\r')))
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
    })
}

/// How a forbidden character is named in an error: its code point, since printing it would hide it again.
pub fn describe(character: char) -> String {
    format!("U+{:04X}", u32::from(character))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_characters_table() {
        let cases = [
            ("hub account", false, None),
            ("tabs\tand\r\nlines in descriptions", true, None),
            ("tabs\tin names", false, Some('\t')),
            ("nul\0", true, Some('\0')),
            ("line\nbreak", false, Some('\n')),
            ("carriage\rreturn", false, Some('\r')),
            ("bell\u{7}", true, Some('\u{7}')),
            ("right-to-left \u{202E}override", true, Some('\u{202E}')),
            ("isolate \u{2067}", true, Some('\u{2067}')),
            ("café ☕ 名前", true, None),
        ];
        for (text, allow_tab, expected) in cases {
            assert_eq!(forbidden_character(text, allow_tab), expected, "{text:?}");
        }
        assert_eq!(describe('\u{202E}'), "U+202E");
    }
}
