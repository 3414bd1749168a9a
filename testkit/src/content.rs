//! Deterministic pseudo-random content, generated to a file.

use std::io::Write;
use std::path::Path;

/// splitmix64: a small, fast generator; the same seed gives the same bytes everywhere.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A seed from a name (FNV-1a).
pub(crate) fn seed(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Bytes of pseudo-random base data; the content is made of rotations of it.
const BASE: usize = 4 * 1024 * 1024 + 8;

/// Writes `size` pseudo-random bytes from `seed` to `path` (blocking; run it off the runtime).
///
/// A base of 4 MiB comes from the generator; each following block of the content is that base
/// rotated by a different amount, so no two blocks are alike and the file is written at disk
/// speed even in a debug build.
pub(crate) fn generate(path: &Path, seed: u64, size: u64) -> std::io::Result<()> {
    let tmp = path.with_extension("partial");
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
    let mut state = seed;
    let mut base = vec![0u8; BASE];
    for word in base.chunks_exact_mut(8) {
        word.copy_from_slice(&next(&mut state).to_le_bytes());
    }
    let mut left = size;
    let mut block = 0u64;
    while left > 0 {
        let rot = (block.wrapping_mul(2_654_435_761) % BASE as u64) as usize;
        for part in [&base[rot..], &base[..rot]] {
            let n = left.min(part.len() as u64) as usize;
            out.write_all(&part[..n])?;
            left -= n as u64;
        }
        block += 1;
    }
    out.flush()?;
    drop(out);
    std::fs::rename(tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_deterministic_sized_and_blocks_differ() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            dir.path().join("a"),
            dir.path().join("b"),
            dir.path().join("c"),
        );
        let size = 2 * BASE as u64 + 12_345;
        generate(&a, seed("r-5"), size).unwrap();
        generate(&b, seed("r-5"), size).unwrap();
        generate(&c, seed("r-10"), size).unwrap();
        let (a, b, c) = (
            std::fs::read(a).unwrap(),
            std::fs::read(b).unwrap(),
            std::fs::read(c).unwrap(),
        );
        assert_eq!(a.len() as u64, size);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a[..BASE], a[BASE..2 * BASE]);
    }
}
