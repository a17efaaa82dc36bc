//! Reading `docs/messages.md` in tests: the one reader each crate's message test uses to hold its
//! words to the table (`wallet-core`, `outpost-ledger` and `outpost` each word their own
//! messages, and each checks its own sections with these).

use std::collections::BTreeMap;

/// One section's rows of `table` (the text of docs/messages.md): code, without `prefix`, →
/// message, as written. Panics when the section is missing or a code has two rows.
pub fn section_rows(table: &str, section: &str, prefix: &str) -> BTreeMap<String, String> {
    let section = table.split(section).nth(1).unwrap_or_else(|| panic!("{section} in docs/messages.md"));
    let section = section.split("\n## ").next().unwrap_or_default();
    let mut rows = BTreeMap::new();
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        let code = cells[0].trim_matches('`').trim_start_matches(prefix).to_owned();
        let message = cells.get(1).copied().unwrap_or_default().to_owned();
        assert!(rows.insert(code.clone(), message).is_none(), "{code} has two rows");
    }
    rows
}

/// `text` without what is inside parentheses: where a message's own words are, apart from the
/// details it quotes.
pub fn outside_parentheses(text: &str) -> String {
    let mut depth = 0usize;
    text.chars()
        .filter(|c| {
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                _ => return depth == 0,
            }
            false
        })
        .collect()
}
