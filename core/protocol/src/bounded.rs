//! Bounded lists that grow one slot at a time.
//!
//! A device holds thousands of sessions, most with one or two previous
//! sessions and a few superseded receiving chains. A `VecDeque` that doubles
//! reserves four slots for the first entry (over 2 KB for a session), so these
//! lists reserve exactly what they hold, up to their bound, where the oldest
//! entry makes room for the newest. A list that is never empty for long (the
//! superseded chains) is a boxed slice, 16 bytes where a deque takes 32.

use std::collections::VecDeque;

/// Appends `item` as the newest entry of an exact-size slice, dropping the
/// oldest (at the front) beyond `max`. Once full, the allocation is reused.
pub(crate) fn push_bounded<T>(list: &mut Box<[T]>, item: T, max: usize) {
    if max == 0 {
        return;
    }
    let mut entries = Vec::from(std::mem::take(list));
    if entries.len() >= max {
        entries.drain(..=entries.len() - max);
    }
    entries.reserve_exact(1);
    entries.push(item);
    *list = entries.into_boxed_slice();
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
        let mut front = VecDeque::new();
        let mut slice: Box<[u32]> = Box::default();
        for n in 0..8 {
            push_front_bounded(&mut front, n, 5);
            push_bounded(&mut slice, n, 5);
            let kept = (n as usize + 1).min(5);
            assert_eq!(slice.len(), kept);
            assert!(
                front.capacity() <= kept,
                "{} slots for {kept}",
                front.capacity()
            );
        }
        assert_eq!(front, [7, 6, 5, 4, 3]);
        assert_eq!(*slice, [3, 4, 5, 6, 7]);
        push_bounded(&mut slice, 9, 0);
        push_front_bounded(&mut front, 9, 0);
        assert_eq!(
            (slice.len(), front.len()),
            (5, 5),
            "a zero bound adds nothing"
        );
    }
}
