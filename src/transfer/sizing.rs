//! How many bytes the next `PATCH` of a tus upload carries: the size the user set, or, by
//! default, a size that grows while chunks go through quickly and shrinks after a failure.
//!
//! Each chunk costs a round trip, the server's write of it and a save of the resume state, so a
//! fast link wants large chunks (measured on loopback, 2 GiB: 16 MiB chunks 548–716 MiB/s,
//! 128 MiB 875 MiB/s); a slow or flaky link wants small ones, because a chunk cut off may have to
//! be sent again whole. The default starts at [`DEFAULT_CHUNK_SIZE`], doubles after every chunk
//! acknowledged within [`GROW_WITHIN`] up to [`MAX_AUTO_CHUNK_SIZE`], and halves after a failed
//! one down to [`MIN_AUTO_CHUNK_SIZE`].

use std::time::Duration;

/// First chunk of an upload whose chunk size is not set: 16 MiB.
pub const DEFAULT_CHUNK_SIZE: u64 = 16 * 1024 * 1024;

/// Largest chunk a file upload grows to when its chunk size is not set: 128 MiB. A file is read
/// from disk as the chunk goes out, so this costs no memory.
pub const MAX_AUTO_CHUNK_SIZE: u64 = 128 * 1024 * 1024;

/// Largest chunk of a reader or stream upload whose chunk size is not set: 16 MiB. Such a
/// source is read once, so the chunk in flight is held in memory to be re-sent after a failure;
/// its chunks do not grow.
pub const MAX_AUTO_STREAM_CHUNK_SIZE: u64 = DEFAULT_CHUNK_SIZE;

/// Smallest chunk the default sizing shrinks to after failures: 1 MiB.
pub const MIN_AUTO_CHUNK_SIZE: u64 = 1024 * 1024;

/// A chunk acknowledged within this time doubles the next one (so the chunks of the default
/// sizing take up to about twice this on a steady link): 4 s.
pub const GROW_WITHIN: Duration = Duration::from_secs(4);

/// The size of the next chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChunkSizer {
    current: u64,
    /// `None`: fixed at `current` (the user set it).
    range: Option<(u64, u64)>,
}

impl ChunkSizer {
    /// Always `bytes`.
    pub(crate) fn fixed(bytes: u64) -> Self {
        ChunkSizer {
            current: bytes,
            range: None,
        }
    }

    /// Starts at [`DEFAULT_CHUNK_SIZE`] (at most `max`) and moves within
    /// [`MIN_AUTO_CHUNK_SIZE`]`..=max`.
    pub(crate) fn adaptive(max: u64) -> Self {
        let max = max.max(MIN_AUTO_CHUNK_SIZE);
        ChunkSizer {
            current: DEFAULT_CHUNK_SIZE.min(max),
            range: Some((MIN_AUTO_CHUNK_SIZE, max)),
        }
    }

    /// Bytes of the next chunk.
    pub(crate) fn next(&self) -> u64 {
        self.current
    }

    /// A chunk of `len` bytes was acknowledged after `took`: a full-size chunk that went through
    /// within [`GROW_WITHIN`] doubles the next one.
    pub(crate) fn acknowledged(&mut self, len: u64, took: Duration) {
        if let Some((_, max)) = self.range {
            if len >= self.current && took <= GROW_WITHIN {
                self.current = self.current.saturating_mul(2).min(max);
            }
        }
    }

    /// A chunk failed on the way (dropped connection, stall, 5xx): halves the next one.
    pub(crate) fn failed(&mut self) {
        if let Some((min, _)) = self.range {
            self.current = (self.current / 2).max(min);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn a_fast_link_grows_to_the_ceiling_and_a_failure_halves() {
        let mut s = ChunkSizer::adaptive(MAX_AUTO_CHUNK_SIZE);
        let mut seen = vec![s.next()];
        for _ in 0..5 {
            s.acknowledged(s.next(), Duration::from_millis(30));
            seen.push(s.next());
        }
        assert_eq!(
            seen,
            [
                16 * MIB,
                32 * MIB,
                64 * MIB,
                128 * MIB,
                128 * MIB,
                128 * MIB
            ]
        );
        s.failed();
        assert_eq!(s.next(), 64 * MIB);
        for _ in 0..10 {
            s.failed();
        }
        assert_eq!(s.next(), MIN_AUTO_CHUNK_SIZE);
    }

    #[test]
    fn a_slow_chunk_or_a_short_last_one_does_not_grow() {
        let mut s = ChunkSizer::adaptive(MAX_AUTO_CHUNK_SIZE);
        s.acknowledged(16 * MIB, GROW_WITHIN + Duration::from_millis(1));
        assert_eq!(s.next(), 16 * MIB);
        // A chunk cut short by the end of the file, or resent from inside, says little.
        s.acknowledged(3 * MIB, Duration::from_millis(1));
        assert_eq!(s.next(), 16 * MIB);
    }

    #[test]
    fn a_set_size_never_moves_and_a_stream_stays_small() {
        let mut s = ChunkSizer::fixed(30_000);
        s.acknowledged(30_000, Duration::ZERO);
        s.failed();
        assert_eq!(s.next(), 30_000);
        let mut s = ChunkSizer::adaptive(MAX_AUTO_STREAM_CHUNK_SIZE);
        s.acknowledged(s.next(), Duration::ZERO);
        assert_eq!(s.next(), 16 * MIB);
    }
}
