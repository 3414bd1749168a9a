//! Faults a test queues on the stand-in, and the queue that hands them to the matching requests.

use serde::{Deserialize, Serialize};

/// A misbehaviour of the real service the stand-in reproduces on demand.
///
/// Queued faults apply to the next matching request(s), in the order they were injected;
/// `ExpireUpload`, `ExpireTokens` and `Throttle` take effect at once. As JSON (the binary's
/// `POST /__standin/faults`), a fault is externally tagged: `{"Locked": {"times": 2}}`,
/// `"OffsetMismatch"`, `{"Status": {"path_prefix": "/api/v1/items", "status": 429,
/// "times": 1, "retry_after": 1}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Fault {
    /// The next tus `PATCH` keeps the first `after` bytes of its body (the upload's offset
    /// advances by them, as a tus server does), then the connection is closed without an answer.
    /// A body shorter than `after` is kept whole, and the answer is still never sent (as when
    /// the answer is lost on the way back).
    DropMidChunk {
        /// Bytes of the body kept before the connection is closed.
        after: u64,
    },
    /// The next `times` tus `PATCH`es answer `423 Locked`.
    Locked {
        /// How many `PATCH`es are refused.
        times: u32,
    },
    /// The server forgets the last chunk it received on an upload (its offset rolls back to
    /// where that chunk started), so the next `PATCH` at the client's offset answers `409` with
    /// the server's `Upload-Offset`. Waits for a `PATCH` on an upload that has received bytes.
    OffsetMismatch,
    /// Every tus upload not yet complete expires now: its `PATCH` and `HEAD` answer `410`.
    ExpireUpload,
    /// Upload and download bodies are paced to `bytes_per_second` each, from now on (a
    /// `Throttle` with 0 turns pacing off, also for bodies under way).
    Throttle {
        /// The pace of each body, in bytes per second; 0 for no pacing.
        bytes_per_second: u64,
    },
    /// The next temp-content download closes the connection after `after` bytes of its body.
    CloseDownloadMidway {
        /// Bytes of the body sent before the connection is closed.
        after: u64,
    },
    /// The next `times` requests whose path starts with `path_prefix` answer `status` with a
    /// Qlik error body (and `Retry-After` when set), before authentication and routing.
    Status {
        /// Requests whose path starts with this are answered (`/` for every request).
        path_prefix: String,
        /// The status code answered.
        status: u16,
        /// How many requests are answered so.
        times: u32,
        /// The `Retry-After` header's seconds, if any.
        #[serde(default)]
        retry_after: Option<u64>,
    },
    /// The next `times` requests whose path starts with `path_prefix` wait `millis` first.
    Latency {
        /// Requests whose path starts with this are delayed.
        path_prefix: String,
        /// The delay, in milliseconds.
        millis: u64,
        /// How many requests are delayed.
        times: u32,
    },
    /// The next `times` requests whose path starts with `path_prefix` get no answer: the
    /// connection is closed as soon as the request's head is read (as when a proxy or the
    /// network drops it).
    Disconnect {
        /// Requests whose path starts with this are dropped (`/` for every request).
        path_prefix: String,
        /// How many requests are dropped.
        times: u32,
    },
    /// The next `times` answers to requests whose path starts with `path_prefix` carry the
    /// deprecation headers of a deprecated operation, the values as given (so a malformed one
    /// can be sent): `Deprecation` (RFC 9745, e.g. `@1767225600`), `Sunset` (an HTTP date),
    /// `Link` (e.g. `<https://qlik.dev/changelog>; rel="deprecation"`) and any `extra` headers
    /// (e.g. `qlik-deprecation-notice`). The answer is otherwise the route's own.
    Deprecated {
        /// Requests whose path starts with this are answered so.
        path_prefix: String,
        /// The `Deprecation` header's value, if any.
        #[serde(default)]
        deprecation: Option<String>,
        /// The `Sunset` header's value, if any.
        #[serde(default)]
        sunset: Option<String>,
        /// The `Link` header's value, if any.
        #[serde(default)]
        link: Option<String>,
        /// More headers: (name, value).
        #[serde(default)]
        extra: Vec<(String, String)>,
        /// How many answers carry them.
        times: u32,
    },
    /// Every access token issued so far stops being accepted (`401`): the client must fetch a
    /// new one. The API key stays valid.
    ExpireTokens,
}

impl Fault {
    /// The variant's name, as recorded in [`Stats::fired`](crate::Stats::fired).
    pub fn name(&self) -> &'static str {
        match self {
            Fault::DropMidChunk { .. } => "DropMidChunk",
            Fault::Locked { .. } => "Locked",
            Fault::OffsetMismatch => "OffsetMismatch",
            Fault::ExpireUpload => "ExpireUpload",
            Fault::Throttle { .. } => "Throttle",
            Fault::CloseDownloadMidway { .. } => "CloseDownloadMidway",
            Fault::Status { .. } => "Status",
            Fault::Latency { .. } => "Latency",
            Fault::Disconnect { .. } => "Disconnect",
            Fault::ExpireTokens => "ExpireTokens",
            Fault::Deprecated { .. } => "Deprecated",
        }
    }
}

/// What a tus `PATCH` must do, taken from the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PatchFault {
    Drop(u64),
    Locked,
    OffsetMismatch,
}

/// What a generic fault taken from the queue does to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Generic {
    /// Answer this status (with `Retry-After` seconds when set).
    Status {
        status: u16,
        retry_after: Option<u64>,
    },
    /// Close the connection without an answer.
    Disconnect,
}

/// Queued faults with the number of requests each still applies to.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    queue: Vec<(Fault, u32)>,
}

impl FaultQueue {
    /// Queues a fault (the ones that take effect at once are not queued by the caller).
    pub fn push(&mut self, fault: Fault) {
        let times = match &fault {
            Fault::Locked { times }
            | Fault::Status { times, .. }
            | Fault::Latency { times, .. }
            | Fault::Disconnect { times, .. }
            | Fault::Deprecated { times, .. } => *times,
            _ => 1,
        };
        if times > 0 {
            self.queue.push((fault, times));
        }
    }

    /// Forgets every queued fault.
    pub fn clear(&mut self) {
        self.queue.clear();
    }

    /// Uses one application of the entry at `i`, returning its fault.
    fn use_at(&mut self, i: usize) -> Fault {
        let fault = self.queue[i].0.clone();
        self.queue[i].1 -= 1;
        if self.queue[i].1 == 0 {
            self.queue.remove(i);
        }
        fault
    }

    /// The generic faults for a request to `path`: the delay of every matching `Latency`
    /// entry, and the first matching `Status` or `Disconnect` entry.
    pub fn take_generic(&mut self, path: &str) -> (Vec<u64>, Option<Generic>) {
        let mut delays = Vec::new();
        let mut i = 0;
        while i < self.queue.len() {
            match &self.queue[i].0 {
                Fault::Latency {
                    path_prefix,
                    millis,
                    ..
                } if path.starts_with(path_prefix.as_str()) => {
                    delays.push(*millis);
                    let before = self.queue.len();
                    self.use_at(i);
                    if self.queue.len() == before {
                        i += 1;
                    }
                }
                _ => i += 1,
            }
        }
        let action = self.queue.iter().position(|(f, _)| match f {
            Fault::Status { path_prefix, .. } | Fault::Disconnect { path_prefix, .. } => {
                path.starts_with(path_prefix.as_str())
            }
            _ => false,
        });
        let action = action.and_then(|i| match self.use_at(i) {
            Fault::Status {
                status,
                retry_after,
                ..
            } => Some(Generic::Status {
                status,
                retry_after,
            }),
            Fault::Disconnect { .. } => Some(Generic::Disconnect),
            _ => None,
        });
        (delays, action)
    }

    /// The headers (name, value) a `Deprecated` entry adds to the answer to `path`, if one
    /// matches (the first one).
    pub fn take_deprecated(&mut self, path: &str) -> Option<Vec<(String, String)>> {
        let i = self.queue.iter().position(|(f, _)| {
            matches!(f, Fault::Deprecated { path_prefix, .. } if path.starts_with(path_prefix.as_str()))
        })?;
        match self.use_at(i) {
            Fault::Deprecated {
                deprecation,
                sunset,
                link,
                extra,
                ..
            } => {
                let named = [
                    ("deprecation", deprecation),
                    ("sunset", sunset),
                    ("link", link),
                ];
                let mut headers: Vec<(String, String)> = named
                    .into_iter()
                    .filter_map(|(n, v)| v.map(|v| (n.to_owned(), v)))
                    .collect();
                headers.extend(extra);
                Some(headers)
            }
            _ => None,
        }
    }

    /// The first queued fault for a tus `PATCH` (`OffsetMismatch` only when the upload has
    /// received bytes, so that there is something to forget).
    pub fn take_patch(&mut self, upload_has_bytes: bool) -> Option<PatchFault> {
        let i = self.queue.iter().position(|(f, _)| match f {
            Fault::DropMidChunk { .. } | Fault::Locked { .. } => true,
            Fault::OffsetMismatch => upload_has_bytes,
            _ => false,
        })?;
        Some(match self.use_at(i) {
            Fault::DropMidChunk { after } => PatchFault::Drop(after),
            Fault::Locked { .. } => PatchFault::Locked,
            _ => PatchFault::OffsetMismatch,
        })
    }

    /// The byte count after which the next download is cut, if one is queued.
    pub fn take_download(&mut self) -> Option<u64> {
        let i = self
            .queue
            .iter()
            .position(|(f, _)| matches!(f, Fault::CloseDownloadMidway { .. }))?;
        match self.use_at(i) {
            Fault::CloseDownloadMidway { after } => Some(after),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_faults_apply_the_given_number_of_times_in_order() {
        let mut q = FaultQueue::default();
        q.push(Fault::Locked { times: 2 });
        q.push(Fault::DropMidChunk { after: 5 });
        assert_eq!(q.take_patch(false), Some(PatchFault::Locked));
        assert_eq!(q.take_patch(false), Some(PatchFault::Locked));
        assert_eq!(q.take_patch(false), Some(PatchFault::Drop(5)));
        assert_eq!(q.take_patch(false), None);
    }

    #[test]
    fn offset_mismatch_waits_for_an_upload_with_bytes() {
        let mut q = FaultQueue::default();
        q.push(Fault::OffsetMismatch);
        assert_eq!(q.take_patch(false), None);
        assert_eq!(q.take_patch(true), Some(PatchFault::OffsetMismatch));
    }

    #[test]
    fn status_and_latency_match_by_prefix() {
        let mut q = FaultQueue::default();
        q.push(Fault::Latency {
            path_prefix: "/api".into(),
            millis: 7,
            times: 1,
        });
        q.push(Fault::Status {
            path_prefix: "/api/v1/items".into(),
            status: 429,
            times: 1,
            retry_after: Some(2),
        });
        let (d, s) = q.take_generic("/api/v1/spaces");
        assert_eq!(d, vec![7]);
        assert!(s.is_none());
        let (d, s) = q.take_generic("/api/v1/items");
        assert!(d.is_empty());
        assert_eq!(
            s,
            Some(Generic::Status {
                status: 429,
                retry_after: Some(2)
            })
        );
        assert!(q.take_generic("/api/v1/items").1.is_none());
        q.push(Fault::Disconnect {
            path_prefix: "/".into(),
            times: 1,
        });
        assert_eq!(q.take_generic("/x").1, Some(Generic::Disconnect));
        assert_eq!(q.take_generic("/x").1, None);
    }

    #[test]
    fn deprecated_adds_its_headers_to_the_given_number_of_answers() {
        let mut q = FaultQueue::default();
        q.push(Fault::Deprecated {
            path_prefix: "/api/v1/users".into(),
            deprecation: Some("@1".into()),
            sunset: None,
            link: Some("<x>; rel=deprecation".into()),
            extra: vec![("qlik-deprecated".into(), "yes".into())],
            times: 1,
        });
        assert!(q.take_deprecated("/api/v1/spaces").is_none());
        assert!(
            q.take_generic("/api/v1/users").1.is_none(),
            "not a generic fault"
        );
        let h = q.take_deprecated("/api/v1/users/me").unwrap();
        assert_eq!(
            h,
            [
                ("deprecation".to_owned(), "@1".to_owned()),
                ("link".into(), "<x>; rel=deprecation".into()),
                ("qlik-deprecated".into(), "yes".into())
            ]
        );
        assert!(q.take_deprecated("/api/v1/users/me").is_none());
    }

    #[test]
    fn faults_read_from_json() {
        let f: Fault = serde_json::from_str(r#"{"Locked": {"times": 3}}"#).unwrap();
        assert_eq!(f, Fault::Locked { times: 3 });
        let f: Fault = serde_json::from_str(r#""OffsetMismatch""#).unwrap();
        assert_eq!(f, Fault::OffsetMismatch);
        let f: Fault =
            serde_json::from_str(r#"{"Status": {"path_prefix": "/", "status": 503, "times": 1}}"#)
                .unwrap();
        assert_eq!(f.name(), "Status");
    }
}
