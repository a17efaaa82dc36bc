//! A map over a slice on every core whose results are taken in order while later ones are still
//! being computed. Settlement uses it to overlap the two halves of a sync: verifying the uploaded
//! transfers (pure, and parallel) and settling them in the write transaction (one at a time, in
//! the request's order). Without it the transaction waits for the last signature before it
//! settles the first transfer, and the cores verifying sit idle while it settles.
//!
//! Items go in chunks, each mapped by one call (settlement checks a chunk's signatures as one
//! batch), started in order from a shared counter by a thread on every core but one, and by the
//! taker: whenever the chunk it needs next is not ready, the taker computes the next chunk nobody
//! has started, and it waits only once every chunk is started. So the cores stay busy without the
//! taker, whose work is the sequential part, competing with a thread on each of them; and the
//! taker never waits on a thread that could not be started. When the taker returns, chunks nobody
//! started are left undone.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};

/// Runs `take` with the results of `f` over `items`, in order, computed on every core. `f` maps
/// a chunk of at most `chunk` items to one result for each. The first chunks are smaller (a
/// quarter, a quarter, then half of `chunk`), so that the first results are ready soon and the
/// taker, which computes a chunk itself whenever the next is not ready, starts its own work
/// after a short chunk rather than a full one.
pub(super) fn map_chunks_in_order<T: Sync, R: Send, O>(
    items: &[T],
    chunk: usize,
    f: impl Fn(&[T]) -> Vec<R> + Sync,
    take: impl FnOnce(&mut InOrder<'_, T, R>) -> O,
) -> O {
    let chunks = Chunks::new(items, chunk.max(1), &f);
    std::thread::scope(|scope| {
        for _ in 0..(cores() - 1).min(chunks.count) {
            // A thread that cannot be started leaves its chunks to the others and the taker.
            let _ = std::thread::Builder::new()
                .name("ledger-verify".into())
                .spawn_scoped(scope, || chunks.work());
        }
        let out = take(&mut InOrder { chunks: &chunks, next: 0, current: Vec::new().into_iter() });
        chunks.stop();
        out
    })
}

fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The results of [`map_in_order`], in the order of the items.
pub(super) struct InOrder<'c, T, R> {
    chunks: &'c Chunks<'c, T, R>,
    /// The chunk to take when `current` runs out.
    next: usize,
    current: std::vec::IntoIter<R>,
}

impl<T: Sync, R: Send> Iterator for InOrder<'_, T, R> {
    type Item = R;

    fn next(&mut self) -> Option<R> {
        loop {
            if let Some(result) = self.current.next() {
                return Some(result);
            }
            if self.next == self.chunks.count {
                return None;
            }
            self.current = self.chunks.take(self.next).into_iter();
            self.next += 1;
        }
    }
}

struct Chunks<'a, T, R> {
    items: &'a [T],
    /// Where each chunk starts, and the end of the items last.
    bounds: Vec<usize>,
    f: &'a (dyn Fn(&[T]) -> Vec<R> + Sync),
    count: usize,
    /// The first chunk no thread has started.
    unstarted: AtomicUsize,
    done: Mutex<Done<R>>,
    filed: Condvar,
}

struct Done<R> {
    /// Each chunk's results, from when it is computed until it is taken.
    chunks: Vec<Option<Vec<R>>>,
    /// A thread panicked in the middle of a chunk, which will then never be filed.
    abandoned: bool,
}

impl<'a, T: Sync, R: Send> Chunks<'a, T, R> {
    fn new(items: &'a [T], size: usize, f: &'a (dyn Fn(&[T]) -> Vec<R> + Sync)) -> Self {
        let mut bounds = vec![0];
        let ramp = [size / 4, size / 4, size / 2];
        while let Some(&start) = bounds.last().filter(|&&start| start < items.len()) {
            let size = ramp.get(bounds.len() - 1).copied().unwrap_or(size).max(1);
            bounds.push(items.len().min(start + size));
        }
        let count = bounds.len() - 1;
        Chunks {
            items,
            bounds,
            f,
            count,
            unstarted: AtomicUsize::new(0),
            done: Mutex::new(Done { chunks: (0..count).map(|_| None).collect(), abandoned: false }),
            filed: Condvar::new(),
        }
    }

    /// A thread's work: chunk after chunk until none is left.
    fn work(&self) {
        let _abandon_on_panic = AbandonOnPanic(self);
        while self.compute_next() {}
    }

    /// Starts the first chunk nobody has, computes and files it; `false` if none was left.
    fn compute_next(&self) -> bool {
        let index = self.unstarted.fetch_add(1, Ordering::Relaxed);
        if index >= self.count {
            return false;
        }
        let items = &self.items[self.bounds[index]..self.bounds[index + 1]];
        let results = (self.f)(items);
        assert_eq!(results.len(), items.len(), "one result for each item of a chunk");
        self.lock().chunks[index] = Some(results);
        self.filed.notify_all();
        true
    }

    /// Chunk `index`'s results. Until they are filed, computes chunks nobody has started, and
    /// waits only when every chunk is started.
    fn take(&self, index: usize) -> Vec<R> {
        let mut done = self.lock();
        loop {
            if let Some(results) = done.chunks[index].take() {
                return results;
            }
            assert!(!done.abandoned, "a thread computing a chunk panicked");
            if self.unstarted.load(Ordering::Relaxed) < self.count {
                drop(done);
                self.compute_next();
                done = self.lock();
            } else {
                done = self.filed.wait(done).unwrap_or_else(|poisoned| poisoned.into_inner());
            }
        }
    }

    /// Leaves the chunks nobody has started undone.
    fn stop(&self) {
        self.unstarted.fetch_max(self.count, Ordering::Relaxed);
    }

    fn lock(&self) -> MutexGuard<'_, Done<R>> {
        self.done.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Tells the taker when a thread unwinds out of [`Chunks::work`], so that it does not wait for a
/// chunk that will never come (the scope then passes the panic on).
struct AbandonOnPanic<'c, 'a, T, R>(&'c Chunks<'a, T, R>);

impl<T, R> Drop for AbandonOnPanic<'_, '_, T, R> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.done.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).abandoned = true;
            self.0.filed.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_order_whatever_the_taker_does_between_them() {
        let items: Vec<u64> = (0..103).collect();
        let squares = map_chunks_in_order(
            &items,
            4,
            |chunk| chunk.iter().map(|n| n * n).collect(),
            |results| results.inspect(|_| std::thread::yield_now()).collect::<Vec<_>>(),
        );
        assert_eq!(squares, items.iter().map(|n| n * n).collect::<Vec<_>>());
    }

    #[test]
    fn a_taker_that_stops_early_returns_without_the_rest() {
        let items: Vec<u64> = (0..1000).collect();
        let plus_one = |chunk: &[u64]| chunk.iter().map(|n| n + 1).collect();
        let first: Vec<u64> = map_chunks_in_order(&items, 32, plus_one, |results| results.take(5).collect());
        assert_eq!(first, [1, 2, 3, 4, 5]);
        assert_eq!(map_chunks_in_order(&[] as &[u64], 32, plus_one, |results| results.count()), 0);
        for len in [1, 7, 8, 9, 31, 32, 70, 1000] {
            let all: Vec<u64> = map_chunks_in_order(&items[..len], 32, plus_one, |results| results.collect());
            assert_eq!(all, (1..=len as u64).collect::<Vec<_>>(), "{len} items");
        }
        let sizes = std::sync::Mutex::new(Vec::new());
        let record = |chunk: &[u64]| {
            sizes.lock().unwrap().push((chunk[0], chunk.len()));
            chunk.to_vec()
        };
        map_chunks_in_order(&items[..100], 32, record, |results| results.count());
        let mut sizes = sizes.into_inner().unwrap();
        sizes.sort();
        assert_eq!(sizes, [(0, 8), (8, 8), (16, 16), (32, 32), (64, 32), (96, 4)]);
    }

    #[test]
    fn a_panic_while_computing_reaches_the_caller_instead_of_hanging() {
        let items: Vec<u64> = (0..64).collect();
        let outcome = std::panic::catch_unwind(|| {
            map_chunks_in_order(
                &items,
                4,
                |chunk| chunk.iter().map(|n| assert_ne!(*n, 37, "item 37")).collect(),
                |results| results.count(),
            )
        });
        assert!(outcome.is_err());
    }
}
