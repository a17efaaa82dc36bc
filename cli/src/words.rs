//! Counts and lists as a person writes them: "2 conflicting transfers", "AIKO-0001 and BEN-0002",
//! never "transfer(s)" or a debug list like `["AIKO-0001"]`.

/// `n` followed by the singular or plural noun: `count(1, "purse", "purses")` is "1 purse".
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// Items joined as in a sentence: "nobody" for none, "A", "A and B", "A, B and C".
pub fn list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => "nobody".to_owned(),
        [one] => one.as_ref().to_owned(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_with_their_noun() {
        assert_eq!(count(0, "purse", "purses"), "0 purses");
        assert_eq!(count(1, "purse", "purses"), "1 purse");
        assert_eq!(count(2, "more approval", "more approvals"), "2 more approvals");
    }

    #[test]
    fn lists_read_as_a_sentence() {
        assert_eq!(list::<&str>(&[]), "nobody");
        assert_eq!(list(&["AIKO-0001"]), "AIKO-0001");
        assert_eq!(list(&["A", "B"]), "A and B");
        assert_eq!(list(&["A".to_owned(), "B".to_owned(), "C".to_owned()]), "A, B and C");
    }
}
