//! The SDK against the test kit's stand-in tenant (`qlik-sdk-testkit`), as a user tests their
//! own code: a function of theirs, a fault injected, the outcome and the stand-in's counters.
#![cfg(all(feature = "items", feature = "users"))]

use futures::TryStreamExt;
use qlik_sdk::apis::items::types::ItemResourceTypeEnum;
use qlik_sdk::Qlik;
use qlik_sdk_testkit::{Fault, Standin};

/// A user's function: how many apps the tenant holds.
async fn count_apps(qlik: &Qlik) -> Result<usize, qlik_sdk::Error> {
    let mut items = qlik
        .items()
        .list_items()
        .resource_type(ItemResourceTypeEnum::App)
        .items();
    let mut n = 0;
    while items.try_next().await?.is_some() {
        n += 1;
    }
    Ok(n)
}

fn client(standin: &Standin) -> Qlik {
    Qlik::builder()
        .host(standin.url())
        .allow_http(true) // the stand-in serves plain http on 127.0.0.1
        .api_key(standin.api_key())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_users_function_rides_out_429s() {
    let standin = Standin::builder().items(30).start().await.unwrap();
    standin.inject(Fault::Status {
        path_prefix: "/api/v1/items".into(),
        status: 429,
        times: 2,
        retry_after: Some(0),
    });
    assert_eq!(count_apps(&client(&standin)).await.unwrap(), 6);
    assert_eq!(standin.stats().fired, ["Status", "Status"]);
}

#[tokio::test]
async fn a_users_function_sees_a_lasting_outage() {
    let standin = Standin::start().await.unwrap();
    standin.inject(Fault::Status {
        path_prefix: "/".into(),
        status: 503,
        times: 100,
        retry_after: Some(0),
    });
    let e = count_apps(&client(&standin)).await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(503));
}

#[tokio::test]
async fn an_expired_token_is_replaced_once() {
    let standin = Standin::start().await.unwrap();
    let qlik = Qlik::builder()
        .host(standin.url())
        .allow_http(true)
        .client_credentials(standin.client_id(), standin.client_secret())
        .build()
        .unwrap();
    let me = qlik.users().get_my_user().send().await.unwrap();
    assert_eq!(me.email.as_deref(), Some("ada@example.com"));
    standin.inject(Fault::ExpireTokens);
    qlik.users().get_my_user().send().await.unwrap();
    assert_eq!(standin.stats().token_requests, 2);
}
