//! The HTTP/1.1 server: accepts connections, applies the generic faults, checks the bearer
//! token and routes each request.

use crate::fault::{Fault, Generic};
use crate::http::{drain, empty, error, header, json, read_small, with, Abort, Handled, Resp};
use crate::state::{lock, State};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::Request;
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

/// Serves `listener` until the task is aborted (which also ends every open connection).
pub(crate) async fn serve(listener: TcpListener, st: Arc<State>) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let _ = tcp.set_nodelay(true);
        while connections.try_join_next().is_some() {}
        let st = st.clone();
        connections.spawn(async move {
            let service = service_fn(move |req| {
                let st = st.clone();
                async move { handle(st, req).await }
            });
            // Ends with an error when a fault closes the connection: nothing to report.
            // With upgrades: the engine's WebSocket at `/app/<id>` (feature `engine`).
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(tcp), service)
                .with_upgrades()
                .await;
        });
    }
}

/// One request: faults, authentication, routing, then whatever is left of the body is read
/// so that the client sees the answer.
async fn handle(st: Arc<State>, req: Request<Incoming>) -> Handled {
    #[cfg_attr(not(feature = "engine"), allow(unused_mut))]
    let (mut parts, mut body) = req.into_parts();
    let path = parts.uri.path().to_string();
    {
        let mut stats = lock(&st.stats);
        stats.requests += 1;
        *stats
            .routes
            .entry(format!("{} {path}", parts.method))
            .or_default() += 1;
    }
    if parts.method == http::Method::PATCH && path.starts_with("/api/v1/temp-contents/files/") {
        lock(&st.stats).patches += 1;
    }
    let resp = if let Some(admin) = path.strip_prefix("/__standin/") {
        admin_route(&st, &parts, &mut body, admin).await?
    } else {
        let (delays, status) = lock(&st.faults).take_generic(&path);
        for millis in delays {
            st.fired("Latency");
            tokio::time::sleep(Duration::from_millis(millis)).await;
        }
        match status {
            Some(Generic::Status {
                status,
                retry_after,
            }) => {
                st.fired("Status");
                let r = error(
                    status,
                    &format!("HTTP-{status}"),
                    "injected by the stand-in",
                );
                match retry_after {
                    Some(secs) => with(r, "retry-after", secs),
                    None => r,
                }
            }
            Some(Generic::Disconnect) => {
                st.fired("Disconnect");
                return Err(Abort("Disconnect"));
            }
            #[cfg(feature = "engine")]
            None if path.starts_with("/app/") => engine_route(&st, &mut parts),
            None => {
                let deprecated = lock(&st.faults).take_deprecated(&path);
                let mut r = route(&st, &parts, &mut body, &path).await?;
                if let Some(headers) = deprecated {
                    st.fired("Deprecated");
                    for (name, value) in headers {
                        if let (Ok(n), Ok(v)) = (
                            http::HeaderName::from_bytes(name.as_bytes()),
                            http::HeaderValue::from_str(&value),
                        ) {
                            r.headers_mut().append(n, v);
                        }
                    }
                }
                r
            }
        }
    };
    drain(&mut body).await;
    Ok(resp)
}

async fn route(
    st: &Arc<State>,
    parts: &http::request::Parts,
    body: &mut Incoming,
    path: &str,
) -> Handled {
    if path == "/oauth/token" && parts.method == http::Method::POST {
        return crate::oauth::token(st, parts, body).await;
    }
    let Some(api) = path.strip_prefix("/api/v1/") else {
        return Ok(error(404, "HTTP-404", "no such route on the stand-in"));
    };
    let bearer = header(parts, "authorization").and_then(|a| a.strip_prefix("Bearer "));
    if !bearer.is_some_and(|b| st.authorized(b.trim())) {
        return Ok(error(401, "HTTP-401", "Unauthorized"));
    }
    let segs: Vec<&str> = api.trim_end_matches('/').split('/').collect();
    // Unauthenticated requests are not counted (they answer 401 below).
    let user = bearer.and_then(|b| st.user_of(b.trim()));
    if let (Some(limits), Some(user)) = (&st.limits, user) {
        if let Some((tier, per_minute)) =
            crate::rate_limits::tier_of(&limits.rules, parts.method.as_str(), &segs)
        {
            let admitted = limits.admit(user, tier, per_minute, std::time::Instant::now());
            let mut stats = lock(&st.stats);
            match admitted {
                Ok(()) => *stats.admitted.entry(tier.to_string()).or_default() += 1,
                Err(wait) => {
                    stats.rate_limited += 1;
                    return Ok(crate::rate_limits::too_many(wait));
                }
            }
        }
    }
    use crate::{apps, data_files, temp_contents as tc};
    let method = parts.method.as_str();
    match (method, segs.as_slice()) {
        ("POST", ["temp-contents"]) => tc::create(st, parts, body).await,
        ("OPTIONS", ["temp-contents", "files"]) => tc::tus_options(),
        ("POST", ["temp-contents", "files"]) => tc::tus_create(st, parts).await,
        ("PATCH", ["temp-contents", "files", id]) => tc::tus_patch(st, parts, body, id).await,
        ("HEAD", ["temp-contents", "files", id]) => tc::tus_head(st, id),
        ("GET" | "HEAD", ["temp-contents", id]) => tc::download(st, parts, id).await,
        ("GET", ["temp-contents", id, "details"]) => tc::details(st, id),
        ("POST", ["apps", "import"]) => apps::import(st, parts, body).await,
        ("POST", ["apps", id, "export"]) => apps::export(st, id).await,
        ("GET", ["apps", id]) => apps::get(st, id),
        ("POST", ["data-files"]) => data_files::create(st, parts, body).await,
        ("GET", ["data-files"]) => data_files::list(st, parts),
        ("GET", ["data-files", id]) => data_files::get(st, id),
        ("DELETE", ["data-files", id]) => data_files::delete(st, id).await,
        _ => match crate::tenant::route(st, parts, body, &segs).await {
            Some(r) => r,
            None => Ok(error(404, "HTTP-404", "no such route on the stand-in")),
        },
    }
}

/// The engine's WebSocket upgrade at `/app/<id>`: `401` without the API key or a valid token,
/// `404` when the stand-in serves no engine.
#[cfg(feature = "engine")]
fn engine_route(st: &State, parts: &mut http::request::Parts) -> Resp {
    let Some(engine) = &st.engine else {
        return not_found();
    };
    let bearer = header(parts, "authorization").and_then(|a| a.strip_prefix("Bearer "));
    if !bearer.is_some_and(|b| st.authorized(b.trim())) {
        return error(401, "HTTP-401", "Unauthorized");
    }
    crate::engine::socket::upgrade(engine, parts)
}

/// `POST /__standin/faults` (a fault or a list of them, JSON), `DELETE /__standin/faults`,
/// `GET /__standin/stats`.
async fn admin_route(
    st: &State,
    parts: &http::request::Parts,
    body: &mut Incoming,
    route: &str,
) -> Handled {
    let method = parts.method.as_str();
    Ok(match (method, route) {
        ("POST", "faults") => {
            let raw = match read_small(body, 1 << 20).await {
                Ok(b) => b,
                Err(r) => return Ok(r),
            };
            #[derive(serde::Deserialize)]
            #[serde(untagged)]
            enum OneOrMany {
                One(Fault),
                Many(Vec<Fault>),
            }
            match serde_json::from_slice::<OneOrMany>(&raw) {
                Ok(OneOrMany::One(f)) => {
                    st.inject(f);
                    empty(204)
                }
                Ok(OneOrMany::Many(fs)) => {
                    fs.into_iter().for_each(|f| st.inject(f));
                    empty(204)
                }
                Err(e) => error(400, "HTTP-400", &format!("not a fault: {e}")),
            }
        }
        ("DELETE", "faults") => {
            st.clear_faults();
            empty(204)
        }
        ("GET", "stats") => {
            let stats = lock(&st.stats).clone();
            json(200, &serde_json::to_value(stats).unwrap_or_default())
        }
        _ => not_found(),
    })
}

fn not_found() -> Resp {
    error(404, "HTTP-404", "no such route on the stand-in")
}
