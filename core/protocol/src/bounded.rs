//! Bounded lists that grow one slot at a time.
//!
//! A device holds thousands of sessions, most with one or two previous
//! sessions and a few superseded receiving chains. A `VecDeque` that doubles
//! reserves four slots for the first entry (over 2 KB for a session), so these
//! lists reserve exactly what they hold, up to their bound, where the oldest
//! entry makes room for the newest.

use std::collections::VecDeque;

/// Appends `item` as the newest entry, dropping the oldest (at the front)
/// beyond `max`.
pub(crate) fn push_back_bounded<T>(list: &mut VecDeque<T>, item: T, max: usize) {
    if max == 0 {
        return;
    }
    if list.len() >= max {
        list.drain(..=list.len() - max);
    } else if list.len() == list.capacity() {
        list.reserve_exact(1);
    }
    list.push_back(item);
}

/// Prepends `item` as the newest entry, dropping the oldest (at the back)
/// beyond `max`.
pub(crate) fn push_front_bounded<T>(list: &mut VecDeque<T>, item: T, max: usize) {
    if max == 0 {
        return;
    }
    if list.len() >= max {
        list.truncate(max - 1);
    } else if list.len() == list.capacity() {
        list.reserve_exact(1);
    }
    list.push_front(item);
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn lists_keep_the_newest_and_no_spare_slots() {
        let (mut back, mut front) = (VecDeque::new(), VecDeque::new());
        for n in 0..8 {
            push_back_bounded(&mut back, n, 5);
            push_front_bounded(&mut front, n, 5);
            let kept = (n + 1).min(5);
            assert_eq!(back.len(), kept);
            assert!(
                back.capacity() <= kept,
                "{} slots for {kept}",
                back.capacity()
            );
            assert!(
                front.capacity() <= kept,
                "{} slots for {kept}",
                front.capacity()
            );
        }
        assert_eq!(back, [3, 4, 5, 6, 7]);
        assert_eq!(front, [7, 6, 5, 4, 3]);
        push_back_bounded(&mut back, 9, 0);
        assert_eq!(back.len(), 5, "a zero bound adds nothing");
    }
}
