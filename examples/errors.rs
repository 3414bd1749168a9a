//! Telling errors apart: every failure of a typed call is one `qlik_sdk::Error`, with
//! classifiers for what a program decides on. `cargo run --features apps --example errors`
//! (your tenant with QLIK_HOST + QLIK_API_KEY or client credentials, else a local stand-in
//! tenant, which can also show a 403 and a 429).
use qlik_sdk::Error;

mod local;

/// What a program would do about `e`.
fn explain(what: &str, e: &Error) {
    let action = if e.is_not_found() {
        "not found: skip it".to_string()
    } else if e.is_forbidden() {
        "forbidden: ask for access".to_string()
    } else if e.is_unauthorized() {
        "unauthorized: check the credentials".to_string()
    } else if e.is_rate_limited() {
        format!(
            "rate limited after {} attempts (server asked to wait {:?}): try later",
            e.attempts().unwrap_or(1),
            e.retry_after()
        )
    } else if let Error::InvalidArgument {
        parameter, rule, ..
    } = e
    {
        format!("refused before sending: `{parameter}` {rule}")
    } else if let Error::Decode { path, .. } = e {
        format!("answer did not decode at {path}")
    } else {
        format!("other: {e}")
    };
    println!("{what}:\n  {action}");
    if let (Some(status), Some(code)) = (e.status(), e.code()) {
        println!(
            "  status {status}, Qlik code {code}, title {:?}",
            e.title().unwrap_or("")
        );
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (qlik, local) = local::connect(10).await?;
    let apps = qlik.apps();
    let get = |id: &'static str| apps.get_app().app_id(id).send();

    // A typed call that succeeds, for contrast.
    if local.is_some() {
        let app = get("r-5").await?;
        println!(
            "r-5 is {:?}",
            app.attributes.as_ref().and_then(|a| a.name.clone())
        );
    }
    match get("app-missing").await {
        Err(e) => explain("an app that does not exist", &e),
        Ok(_) => println!("app-missing exists?"),
    }
    // Checked against the spec before anything is sent.
    match qlik.items().list_items().limit(1000).send().await {
        Err(e) => explain("a page size over the spec's maximum", &e),
        Ok(_) => println!("limit 1000 accepted?"),
    }
    if local.is_some() {
        for (what, id) in [
            ("an app this user may not read", "app-forbidden"),
            (
                "a busy tenant (429 with Retry-After on every attempt)",
                "app-busy",
            ),
        ] {
            match get(id).await {
                Err(e) => explain(what, &e),
                Ok(_) => println!("{id} answered?"),
            }
        }
    }
    Ok(())
}
