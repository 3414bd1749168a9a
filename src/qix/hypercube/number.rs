//! A cell's `qNum` from its JSON text: the one reading both page decoders use (the fast path
//! for every number off its exact shortcut, the general decoder for all), so the two agree on
//! every number by construction.

use serde_json::Number;

/// What a `qNum` number reads as.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Num {
    /// The number, correctly rounded to an `f64`.
    Float(f64),
    /// An integer above 2^53 that a 64-bit integer holds exactly (an `f64` would round it):
    /// kept as sent in the cell's `other`, like any value the cell cannot hold.
    Exact(Number),
}

/// 2^53: integers up to this are exact in an `f64`.
const EXACT: u64 = 1 << 53;

/// The value of `text`, a JSON number (its grammar already checked by the caller); `None` when
/// it is beyond an `f64`'s range (`1e400`): the page is then an error.
pub(super) fn read(text: &str) -> Option<Num> {
    if !text.bytes().any(|c| matches!(c, b'.' | b'e' | b'E')) {
        if let Ok(n) = text.parse::<u64>() {
            if n > EXACT {
                return Some(Num::Exact(n.into()));
            }
        } else if let Ok(n) = text.parse::<i64>() {
            if n.unsigned_abs() > EXACT {
                return Some(Num::Exact(n.into()));
            }
        }
    }
    // The standard library's parser is correctly rounded (`-0` stays negative zero).
    let v: f64 = text.parse().ok()?;
    v.is_finite().then_some(Num::Float(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_exactly_or_are_kept_or_refused() {
        assert_eq!(read("12.5"), Some(Num::Float(12.5)));
        assert!(matches!(read("-0"), Some(Num::Float(z)) if z == 0.0 && z.is_sign_negative()));
        assert_eq!(
            read("9007199254740992"),
            Some(Num::Float(9007199254740992.0))
        );
        assert_eq!(
            read("9007199254740993"),
            Some(Num::Exact(9007199254740993u64.into()))
        );
        assert_eq!(
            read("-9007199254740993"),
            Some(Num::Exact((-9007199254740993i64).into()))
        );
        // Beyond 64-bit integers: the nearest float, as serde_json reads it too.
        assert_eq!(
            read("18446744073709551616"),
            Some(Num::Float(2f64.powi(64)))
        );
        assert_eq!(read("1e400"), None);
        assert_eq!(read("-1e400"), None);
        assert_eq!(read("1e-400"), Some(Num::Float(0.0)));
    }
}
