//! Pages of lists, by position in the list's order rather than by offset: a cursor is the sort key of the last item
//! a page showed, so items created or deleted between two pages neither repeat nor go missing.

use std::cmp::Ordering;

/// One part of an item's sort key. The parts compare in the list's order: a list sorted newest first uses
/// `Int(-created_at)`, and text sorted in reverse uses `TextDescending`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SortPart {
    /// A number, ascending.
    Int(i64),
    /// Text, ascending.
    Text(String),
    /// Text, descending.
    TextDescending(String),
}

impl SortPart {
    fn rank(&self) -> u8 {
        match self {
            SortPart::Int(_) => 0,
            SortPart::Text(_) => 1,
            SortPart::TextDescending(_) => 2,
        }
    }
}

impl Ord for SortPart {
    fn cmp(&self, other: &SortPart) -> Ordering {
        match (self, other) {
            (SortPart::Int(left), SortPart::Int(right)) => left.cmp(right),
            (SortPart::Text(left), SortPart::Text(right)) => left.cmp(right),
            (SortPart::TextDescending(left), SortPart::TextDescending(right)) => right.cmp(left),
            // Keys of one list always have parts of the same kinds; a forged cursor only needs some total order.
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for SortPart {
    fn partial_cmp(&self, other: &SortPart) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Where a page starts: after the item whose sort key this is. Its text form (see [`Cursor::to_text`]) is what the
/// API wraps into an opaque page token.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cursor(pub Vec<SortPart>);

impl Cursor {
    /// The key of the VPC API's usual order: newest first, ties broken by id.
    pub fn newest_first(created_at: hubspoke_iam::Timestamp, id: &str) -> Cursor {
        Cursor(vec![SortPart::Int(-created_at.0), SortPart::Text(id.to_owned())])
    }

    /// The text form: parts separated by `,`, each `i:<number>`, `t:<hex>` or `d:<hex>` (text as hexadecimal UTF-8,
    /// so no separator can occur inside a part).
    pub fn to_text(&self) -> String {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|part| match part {
                SortPart::Int(number) => format!("i:{number}"),
                SortPart::Text(text) => format!("t:{}", hex::encode(text)),
                SortPart::TextDescending(text) => format!("d:{}", hex::encode(text)),
            })
            .collect();
        parts.join(",")
    }

    /// Parses the text form; `None` for anything [`Cursor::to_text`] could not have written.
    pub fn parse(text: &str) -> Option<Cursor> {
        if text.is_empty() {
            return None;
        }
        let text_part = |hex_text: &str| hex::decode(hex_text).ok().and_then(|bytes| String::from_utf8(bytes).ok());
        text.split(',')
            .map(|part| match part.split_once(':')? {
                ("i", number) => number.parse().ok().map(SortPart::Int),
                ("t", hex_text) => text_part(hex_text).map(SortPart::Text),
                ("d", hex_text) => text_part(hex_text).map(SortPart::TextDescending),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(Cursor)
    }
}

/// Which page a list request asks for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageRequest {
    /// At most this many items.
    pub limit: usize,
    /// Items after this cursor; the first page when `None`.
    pub after: Option<Cursor>,
}

/// One page of a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    /// The page's items, in the list's order.
    pub items: Vec<T>,
    /// How many items the whole list has.
    pub total: usize,
    /// Where the next page starts, when there is one.
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    /// The same page with each item mapped (a read model is built only for the items a page shows).
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), total: self.total, next: self.next }
    }
}

/// The page of `items` that `request` asks for, in the order of `key` (which must be unique per item: end it with
/// the id).
pub fn paginate<T>(mut items: Vec<T>, key: impl Fn(&T) -> Cursor, request: &PageRequest) -> Page<T> {
    let total = items.len();
    items.sort_by_cached_key(|item| key(item));
    let start = match &request.after {
        None => 0,
        Some(after) => items.partition_point(|item| key(item) <= *after),
    };
    let mut rest = items.into_iter().skip(start);
    let page: Vec<T> = rest.by_ref().take(request.limit).collect();
    let next = match (rest.next(), page.last()) {
        (Some(_), Some(last)) => Some(key(last)),
        _ => None,
    };
    Page { items: page, total, next }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_forgeries() {
        let cursor = Cursor(vec![
            SortPart::Int(-1_700_000_000_000),
            SortPart::Text("name, with: commas".into()),
            SortPart::TextDescending("é".into()),
        ]);
        assert_eq!(Cursor::parse(&cursor.to_text()), Some(cursor));
        for forged in ["", "x:1", "i:one", "t:zz", "t:ff", "offset:10", "i:1,"] {
            assert_eq!(Cursor::parse(forged), None, "`{forged}`");
        }
    }

    #[test]
    fn pages_neither_repeat_nor_skip_when_the_list_changes_between_them() {
        let key = |n: &i64| Cursor(vec![SortPart::Int(-n)]);
        let request = |after| PageRequest { limit: 3, after };
        let first = paginate((1..=10).collect(), key, &request(None));
        assert_eq!(first.items, [10, 9, 8]);
        // Between the pages, 9 is deleted and 11 and 12 are created: the next page goes on after 8.
        let second = paginate(vec![1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12], key, &request(first.next));
        assert_eq!(second.items, [7, 6, 5]);
        let last = paginate((1..=4).collect(), key, &request(Some(key(&2))));
        assert_eq!((last.items, last.next), (vec![1], None));
    }

    #[test]
    fn descending_text_sorts_in_reverse() {
        let key = |s: &&str| Cursor(vec![SortPart::TextDescending(s.to_string())]);
        let page = paginate(vec!["a", "c", "b"], key, &PageRequest { limit: 10, after: None });
        assert_eq!(page.items, ["c", "b", "a"]);
    }
}
