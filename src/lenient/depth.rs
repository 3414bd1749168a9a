//! The depth guard: recursive types decode and encode at any depth serde_json accepts, on any
//! thread's stack.
//!
//! serde_json refuses input nested deeper than [`MAX_DEPTH`] levels. Below that, a recursive
//! generated type (an engine object's `qChildren`, a REST schema that contains itself) can still
//! need more stack than a thread has: tens of kilobytes a level in a debug build, so 30 levels
//! overflowed a tokio worker's 2 MiB stack and aborted the process. Every object decoded and
//! every object field written goes through [`grow`], which continues on a fresh stack segment
//! taken from the heap when less than [`RED_ZONE`] bytes are left; the segment is freed when
//! that object is done. Input that nests deeper than [`MAX_DEPTH`] is an error naming the limit
//! ([`depth_message`]).

/// The deepest nesting of arrays and objects a body may have, serde_json's own limit (its
/// recursion limit of 128 refuses the 128th level): a body nested deeper is an
/// [`Error::Decode`](crate::Error::Decode) saying so.
pub const MAX_DEPTH: usize = 127;

/// The stack one object level may use before the next check: a debug build's largest decoding
/// frames between two objects measured about 80 KiB (an engine `qChildren` level).
const RED_ZONE: usize = 512 * 1024;

/// The size of each stack segment taken from the heap when a thread's own stack runs low.
const SEGMENT: usize = 4 * 1024 * 1024;

/// Runs `f`, on a new stack segment when less than [`RED_ZONE`] is left on this one.
#[inline]
pub(crate) fn grow<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(RED_ZONE, SEGMENT, f)
}

/// The message of a body nested deeper than [`MAX_DEPTH`], or `None` for any other error.
pub(crate) fn depth_message(e: &serde_json::Error) -> Option<String> {
    e.to_string()
        .starts_with("recursion limit exceeded")
        .then(|| {
            format!(
                "the body nests arrays and objects deeper than {MAX_DEPTH} levels (line {}, \
                 column {}); nothing that deep is decoded",
                e.line(),
                e.column()
            )
        })
}
