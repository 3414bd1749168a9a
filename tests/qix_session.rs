//! The engine session against the stand-in engine (a real WebSocket JSON-RPC server, the test
//! kit's `qlik_sdk_testkit::engine`): open, evaluate, hypercube pages, selections and change notifications, typed
//! engine errors, cancellation, timeouts, close, and reconnects (reattach and reopen).
#![cfg(feature = "qix")]

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use qlik_sdk::qix::helpers::{hypercube_pages, reload_with_progress, MAX_PAGE_CELLS};
use qlik_sdk::qix::{AppSession, Handle, ObjectEvent, ObjectRef, Reconnection};
use qlik_sdk::{Error, Qlik, SessionErrorKind};
use qlik_sdk_testkit::engine::Engine;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(10);

fn client(engine: &Engine, key: &str) -> Qlik {
    Qlik::builder()
        .host(engine.url())
        .allow_http(true)
        .api_key(key)
        .build()
        .expect("client")
}

async fn open(engine: &Engine) -> AppSession {
    client(engine, engine.api_key())
        .qix()
        .reconnect(5, Duration::from_millis(20))
        .open_app(engine.app_id())
        .await
        .expect("open_app")
}

/// The sample orders as the stand-in's script writes them: (customer, amount).
fn orders() -> Vec<(u64, f64)> {
    let script = qlik_sdk_testkit::engine::data::sample_script(10_000, 200);
    let body = script.split("Amount\n").nth(1).expect("orders table");
    body.lines()
        .take_while(|l| !l.starts_with(']'))
        .map(|l| {
            let f: Vec<&str> = l.split(", ").collect();
            (f[1].parse().unwrap(), f[4].parse().unwrap())
        })
        .collect()
}

async fn eval(doc: &Handle, expr: &str) -> String {
    let r = doc
        .call("Evaluate", json!({ "qExpression": expr }))
        .await
        .expect("Evaluate");
    r["qReturn"].as_str().expect("qReturn text").to_owned()
}

async fn session_object(doc: &Handle, dims: &[&str], measures: &[&str]) -> Handle {
    let prop = json!({
        "qInfo": {"qType": "table"},
        "qHyperCubeDef": {
            "qDimensions": dims.iter().map(|d| json!({"qDef": {"qFieldDefs": [d]}})).collect::<Vec<_>>(),
            "qMeasures": measures.iter().map(|m| json!({"qDef": {"qDef": m}})).collect::<Vec<_>>(),
        }
    });
    let r = doc
        .call("CreateSessionObject", json!({ "qProp": prop }))
        .await
        .expect("CreateSessionObject");
    doc.child(ObjectRef::from_value(&r).expect("object reference"))
}

async fn rows_of(object: &Handle) -> u64 {
    let l = object
        .call("GetLayout", json!({}))
        .await
        .expect("GetLayout");
    l["qLayout"]["qHyperCube"]["qSize"]["qcy"]
        .as_u64()
        .expect("qcy")
}

async fn next_event(events: &mut qlik_sdk::qix::rpc::ObjectEvents) -> Option<ObjectEvent> {
    tokio::time::timeout(WAIT, events.next())
        .await
        .expect("a notification in time")
}

#[tokio::test]
async fn opens_the_app_and_evaluates() {
    let engine = Engine::start().await.unwrap();
    let app = open(&engine).await;
    assert_eq!(app.session_state(), "SESSION_CREATED");
    assert_eq!(app.doc().q_type(), "Doc");
    assert_eq!(app.doc().generic_id(), Some(engine.app_id()));
    let orders = orders();
    let total: f64 = orders.iter().map(|o| o.1).sum();
    let got: f64 = eval(app.doc(), "Sum(Amount)").await.parse().unwrap();
    assert!((got - total).abs() < 0.01, "Sum(Amount) {got} vs {total}");
    assert_eq!(eval(app.doc(), "=Count(OrderId)").await, "10000");
    assert_eq!(eval(app.doc(), "Count(DISTINCT Country)").await, "6");
    let avg: f64 = eval(app.doc(), "Avg(Amount)").await.parse().unwrap();
    assert!((avg - total / 10_000.0).abs() < 0.01);
    // Requests carried the session's own ids, one per call, in order.
    let ids: Vec<i64> = engine.requests().iter().map(|r| r.0).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
}

#[tokio::test]
async fn reads_a_hypercube_as_pages_of_at_most_10000_cells() {
    let engine = Engine::start().await.unwrap();
    let app = open(&engine).await;
    let table = session_object(app.doc(), &["OrderId"], &["Sum(Amount)", "Count(OrderId)"]).await;
    let pages: Vec<_> = hypercube_pages(&table, "/qHyperCubeDef", MAX_PAGE_CELLS)
        .try_collect()
        .await
        .expect("pages");
    // 10,000 rows x 3 columns: 3,333 rows (9,999 cells) a page.
    assert_eq!(pages.len(), 4);
    assert!(pages
        .iter()
        .all(|p| p.width == 3 && p.cells.len() <= 10_000));
    let rows: Vec<&[qlik_sdk::qix::helpers::Cell]> = pages.iter().flat_map(|p| p.rows()).collect();
    assert_eq!(rows.len(), 10_000);
    let ids: Vec<f64> = rows.iter().map(|r| r[0].num().unwrap()).collect();
    assert!(ids.iter().enumerate().all(|(i, id)| *id == (i + 1) as f64));
    // Texts and states decode too: the dimension's text is its number, measures are locked.
    assert_eq!(rows[41][0].text(), "42");
    assert_eq!(
        rows[41][1].state(),
        Some(qlik_sdk::qix::types::StateEnumType::Locked)
    );
    let sum: f64 = rows.iter().map(|r| r[1].num().unwrap()).sum();
    let total: f64 = orders().iter().map(|o| o.1).sum();
    assert!((sum - total).abs() < 0.5, "{sum} vs {total}");
    assert_eq!(pages[1].top, 3_333);

    // A page over 10,000 cells: the engine's error, typed.
    let err = table
        .call(
            "GetHyperCubeData",
            json!({"qPath": "/qHyperCubeDef", "qPages": [{"qTop": 0, "qLeft": 0, "qWidth": 3, "qHeight": 3_334}]}),
        )
        .await
        .unwrap_err();
    match &err {
        Error::Engine { method, code, .. } => {
            assert_eq!(method, "GetHyperCubeData");
            assert_eq!(*code, 7009);
        }
        other => panic!("expected Error::Engine, got {other:?}"),
    }
    assert_eq!(err.engine_code(), Some(7009));
    assert!(err.to_string().contains("7009"), "{err}");
}

#[tokio::test]
async fn a_change_list_after_a_page_still_notifies() {
    // A page is handed to its decoder unread by the session; what follows the result in the
    // same message (here a change list) must still reach the object's notifications.
    let engine = Engine::start().await.unwrap();
    let app = open(&engine).await;
    let table = session_object(app.doc(), &["Country"], &["Sum(Amount)"]).await;
    let mut events = table.notifications();
    engine.change_with_next_page(&[table.handle()]);
    let pages: Vec<_> = hypercube_pages(&table, "/qHyperCubeDef", MAX_PAGE_CELLS)
        .try_collect()
        .await
        .expect("pages");
    assert_eq!(pages.len(), 1);
    assert!(pages[0].row_count() > 1 && pages[0].width == 2);
    assert_eq!(next_event(&mut events).await, Some(ObjectEvent::Changed));
    // And the session goes on: the next call is answered.
    assert_eq!(eval(app.doc(), "Count(OrderId)").await, "10000");
}

#[tokio::test]
async fn engine_errors_are_typed() {
    let engine = Engine::start().await.unwrap();
    let app = open(&engine).await;
    let err = app
        .doc()
        .call("GetObject", json!({"qId": "no-such-object"}))
        .await
        .unwrap_err();
    let Error::Engine {
        method,
        code,
        parameter,
        message,
    } = err
    else {
        panic!("expected Error::Engine, got {err:?}")
    };
    assert_eq!((method.as_str(), code), ("GetObject", 2));
    assert_eq!(parameter, "no-such-object");
    assert_eq!(message, "Object not found");
    let err = app.doc().call("NoSuchMethod", json!({})).await.unwrap_err();
    assert_eq!(err.engine_code(), Some(-32601));
    // The session is fine after errors.
    assert_eq!(eval(app.doc(), "1+2*3").await, "7");
}

#[tokio::test]
async fn a_selection_changes_the_affected_objects() {
    let engine = Engine::start().await.unwrap();
    let app = open(&engine).await;
    let chart = session_object(app.doc(), &["Country"], &["Sum(Amount)"]).await;
    assert_eq!(rows_of(&chart).await, 6);
    let mut events = chart.notifications();
    let r = app
        .doc()
        .call("GetField", json!({"qFieldName": "Country"}))
        .await
        .unwrap();
    let country = app.doc().child(ObjectRef::from_value(&r).unwrap());
    let ok = country
        .call(
            "SelectValues",
            json!({"qFieldValues": [{"qText": "Sweden"}], "qToggleMode": false}),
        )
        .await
        .unwrap();
    assert_eq!(ok["qReturn"], true);
    assert_eq!(next_event(&mut events).await, Some(ObjectEvent::Changed));
    assert_eq!(rows_of(&chart).await, 1);
    // Country is Sweden for customers whose number is a multiple of 6.
    let sweden = orders().iter().filter(|o| o.0 % 6 == 0).count();
    assert_eq!(eval(app.doc(), "Count(OrderId)").await, sweden.to_string());
    app.doc().call("ClearAll", json!({})).await.unwrap();
    assert_eq!(next_event(&mut events).await, Some(ObjectEvent::Changed));
    assert_eq!(rows_of(&chart).await, 6);
    // Destroying the object closes its handle: Closed, then the stream ends.
    let id = chart.generic_id().unwrap().to_owned();
    app.doc()
        .call("DestroySessionObject", json!({"qId": id}))
        .await
        .unwrap();
    assert_eq!(next_event(&mut events).await, Some(ObjectEvent::Closed));
    assert_eq!(next_event(&mut events).await, None);
}

#[tokio::test]
async fn a_dropped_future_cancels_its_request() {
    let engine = Engine::start().await.unwrap();
    let app = open(&engine).await;
    engine.delay("EvaluateEx", Duration::from_secs(30));
    let (id, call) = app
        .doc()
        .call_with_id("EvaluateEx", json!({"qExpression": "Sum(Amount)"}));
    assert!(tokio::time::timeout(Duration::from_millis(200), call)
        .await
        .is_err());
    let deadline = tokio::time::Instant::now() + WAIT;
    while !engine.cancelled().contains(&id) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no CancelRequest for {id}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(engine.requests().iter().any(|(_, m)| m == "CancelRequest"));
    // The session goes on; the late "aborted" answer reached nobody.
    assert_eq!(eval(app.doc(), "Count(Customer)").await, "10000");
}

#[tokio::test]
async fn a_request_times_out_and_is_cancelled() {
    let engine = Engine::start().await.unwrap();
    let app = client(&engine, engine.api_key())
        .qix()
        .request_timeout(Some(Duration::from_millis(300)))
        .open_app(engine.app_id())
        .await
        .unwrap();
    engine.delay("GetAppLayout", Duration::from_secs(30));
    let started = std::time::Instant::now();
    let (id, call) = app.doc().call_with_id("GetAppLayout", json!({}));
    let err = call.await.unwrap_err();
    assert_eq!(err.session_kind(), Some(SessionErrorKind::Timeout), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    let deadline = tokio::time::Instant::now() + WAIT;
    while !engine.cancelled().contains(&id) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no CancelRequest for {id}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(eval(app.doc(), "2*21").await, "42");
}

#[tokio::test]
async fn close_fails_requests_in_flight_and_later_calls() {
    let engine = Engine::start().await.unwrap();
    let app = open(&engine).await;
    let doc = app.doc().clone();
    let mut events = Box::pin(app.events());
    engine.delay("Evaluate", Duration::from_secs(30));
    let in_flight = tokio::spawn(doc.call("Evaluate", json!({"qExpression": "1"})));
    tokio::time::sleep(Duration::from_millis(100)).await;
    app.close().await.unwrap();
    let err = in_flight.await.unwrap().unwrap_err();
    assert_eq!(err.session_kind(), Some(SessionErrorKind::Closed), "{err}");
    let err = doc.call("GetAppLayout", json!({})).await.unwrap_err();
    assert_eq!(err.session_kind(), Some(SessionErrorKind::Closed), "{err}");
    assert_eq!(next_event(&mut doc.notifications()).await, None);
    let closed = tokio::time::timeout(WAIT, async {
        while let Some(e) = events.next().await {
            if e == qlik_sdk::qix::SessionEvent::Closed {
                return true;
            }
        }
        false
    })
    .await
    .unwrap();
    assert!(closed);
}

#[tokio::test]
async fn reconnect_reattaches_when_the_engine_kept_the_session() {
    let engine = Engine::start().await.unwrap();
    let app = open(&engine).await;
    let chart = session_object(app.doc(), &["Country"], &["Sum(Amount)"]).await;
    let r = app
        .doc()
        .call("GetField", json!({"qFieldName": "Country"}))
        .await
        .unwrap();
    let country = app.doc().child(ObjectRef::from_value(&r).unwrap());
    country
        .call("Select", json!({"qMatch": "Japan"}))
        .await
        .unwrap();
    let selected = eval(app.doc(), "Count(OrderId)").await;
    let reconnected = app.reconnected();
    tokio::pin!(reconnected);
    // Let the waiter subscribe before the drop.
    assert!(
        tokio::time::timeout(Duration::from_millis(50), &mut reconnected)
            .await
            .is_err()
    );
    engine.drop_connections(false);
    let how = tokio::time::timeout(WAIT, reconnected)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(how, Reconnection::Reattached);
    assert_eq!(app.session_state(), "SESSION_ATTACHED");
    assert_eq!(engine.connections(), 2);
    // Same engine session: selections and handles are as they were.
    assert_eq!(eval(app.doc(), "Count(OrderId)").await, selected);
    assert_eq!(rows_of(&chart).await, 1);
}

#[tokio::test]
async fn reconnect_reopens_the_doc_and_the_objects_when_the_session_is_lost() {
    let engine = Engine::start().await.unwrap();
    let app = open(&engine).await;
    // A closed object leaves a gap: the new engine session numbers the objects otherwise, and
    // the session maps its handles onto the new ones.
    let temp = session_object(app.doc(), &["Country"], &["Count(OrderId)"]).await;
    let temp_id = temp.generic_id().unwrap().to_owned();
    app.doc()
        .call("DestroySessionObject", json!({"qId": temp_id}))
        .await
        .unwrap();
    let session_chart = session_object(app.doc(), &["Product"], &["Sum(Quantity)"]).await;
    let r = app
        .doc()
        .call("GetObject", json!({"qId": "chart-country"}))
        .await
        .unwrap();
    let sheet_chart = app.doc().child(ObjectRef::from_value(&r).unwrap());
    let r = app
        .doc()
        .call("GetField", json!({"qFieldName": "Country"}))
        .await
        .unwrap();
    let country = app.doc().child(ObjectRef::from_value(&r).unwrap());
    country
        .call("Select", json!({"qMatch": "Japan"}))
        .await
        .unwrap();
    assert_ne!(eval(app.doc(), "Count(OrderId)").await, "10000");
    let mut changes = session_chart.notifications();
    let mut events = Box::pin(app.events());

    // A request in flight when the socket drops fails as Disconnected.
    engine.delay("EvaluateEx", Duration::from_secs(30));
    let in_flight = tokio::spawn(
        app.doc()
            .call("EvaluateEx", json!({"qExpression": "Sum(Amount)"})),
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    engine.drop_connections(true);
    let err = in_flight.await.unwrap().unwrap_err();
    assert_eq!(
        err.session_kind(),
        Some(SessionErrorKind::Disconnected),
        "{err}"
    );

    let how = tokio::time::timeout(WAIT, async {
        while let Some(e) = events.next().await {
            if let qlik_sdk::qix::SessionEvent::Reconnected(r) = e {
                return r;
            }
        }
        panic!("events ended")
    })
    .await
    .unwrap();
    let Reconnection::Reopened { restored, lost } = how else {
        panic!("expected Reopened, got {how:?}")
    };
    let types: Vec<&str> = restored.iter().map(|o| o.q_type.as_str()).collect();
    assert_eq!(types, ["Doc", "GenericObject", "GenericObject", "Field"]);
    assert!(lost.is_empty(), "{lost:?}");
    assert_eq!(app.session_state(), "SESSION_CREATED");
    // A new engine session: the selection is gone, every handle works again.
    assert_eq!(next_event(&mut changes).await, Some(ObjectEvent::Changed));
    assert_eq!(eval(app.doc(), "Count(OrderId)").await, "10000");
    assert_eq!(rows_of(&session_chart).await, 8);
    assert_eq!(rows_of(&sheet_chart).await, 6);
    country
        .call("Select", json!({"qMatch": "Brazil"}))
        .await
        .unwrap();
    assert_eq!(rows_of(&sheet_chart).await, 1);
    // The persistent chart was fetched again by its id, the session one created again.
    let methods: Vec<String> = engine.requests().into_iter().map(|r| r.1).collect();
    assert_eq!(methods.iter().filter(|m| *m == "OpenDoc").count(), 2);
    assert_eq!(methods.iter().filter(|m| *m == "GetObject").count(), 2);
    assert_eq!(
        methods
            .iter()
            .filter(|m| *m == "CreateSessionObject")
            .count(),
        3
    );
}

#[tokio::test]
async fn a_second_socket_attaches_to_the_same_engine_session_unless_its_identity_differs() {
    let engine = Engine::start().await.unwrap();
    let first = open(&engine).await;
    let r = first
        .doc()
        .call("GetField", json!({"qFieldName": "Product"}))
        .await
        .unwrap();
    let product = first.doc().child(ObjectRef::from_value(&r).unwrap());
    product
        .call("Select", json!({"qMatch": "Cog"}))
        .await
        .unwrap();
    let cogs = eval(first.doc(), "Count(OrderId)").await;
    assert_ne!(cogs, "10000");
    // Same user, same app: the engine's session, doc already open (OpenDoc would say 1002).
    let second = open(&engine).await;
    assert_eq!(second.session_state(), "SESSION_ATTACHED");
    assert_eq!(second.doc().generic_id(), Some(engine.app_id()));
    assert_eq!(eval(second.doc(), "Count(OrderId)").await, cogs);
    // Another identity: a session of its own.
    let third = client(&engine, engine.api_key())
        .qix()
        .identity("report-job")
        .open_app(engine.app_id())
        .await
        .unwrap();
    assert_eq!(third.session_state(), "SESSION_CREATED");
    assert_eq!(eval(third.doc(), "Count(OrderId)").await, "10000");
    let methods: Vec<String> = engine.requests().into_iter().map(|r| r.1).collect();
    assert_eq!(methods.iter().filter(|m| *m == "GetActiveDoc").count(), 1);

    // The engine loses the session: both sockets reconnect into one new session. The first
    // there reopens the doc; the other attaches to that session (its doc handle is the same)
    // or, if it came while the doc was not open yet, reopens and finds it open (1002) and
    // takes it with GetActiveDoc.
    let mut first_events = Box::pin(first.events());
    let mut second_events = Box::pin(second.events());
    engine.drop_connections(true);
    let mut reopened = 0;
    for events in [&mut first_events, &mut second_events] {
        let how = tokio::time::timeout(WAIT, async {
            while let Some(e) = events.next().await {
                if let qlik_sdk::qix::SessionEvent::Reconnected(r) = e {
                    return r;
                }
            }
            panic!("events ended")
        })
        .await
        .unwrap();
        if matches!(how, Reconnection::Reopened { .. }) {
            reopened += 1;
        }
    }
    assert!(reopened >= 1);
    assert_eq!(eval(first.doc(), "Count(OrderId)").await, "10000");
    assert_eq!(eval(second.doc(), "Count(OrderId)").await, "10000");
    // Still one engine session: a selection through one shows through the other.
    product
        .call("Select", json!({"qMatch": "Cog"}))
        .await
        .unwrap();
    assert_eq!(eval(second.doc(), "Count(OrderId)").await, cogs);
}

#[tokio::test]
async fn reconnect_gives_up_when_the_engine_is_gone() {
    let engine = Engine::start().await.unwrap();
    let app = client(&engine, engine.api_key())
        .qix()
        .reconnect(2, Duration::from_millis(20))
        .open_app(engine.app_id())
        .await
        .unwrap();
    let mut events = Box::pin(app.events());
    drop(engine);
    let mut seen = Vec::new();
    tokio::time::timeout(WAIT, async {
        while let Some(e) = events.next().await {
            let closed = e == qlik_sdk::qix::SessionEvent::Closed;
            seen.push(e);
            if closed {
                break;
            }
        }
    })
    .await
    .unwrap();
    assert!(
        matches!(seen[0], qlik_sdk::qix::SessionEvent::Disconnected { .. }),
        "{seen:?}"
    );
    assert!(
        matches!(
            seen[1],
            qlik_sdk::qix::SessionEvent::ReconnectFailed { attempts: 2, .. }
        ),
        "{seen:?}"
    );
    assert_eq!(seen.last(), Some(&qlik_sdk::qix::SessionEvent::Closed));
    let err = app.doc().call("GetAppLayout", json!({})).await.unwrap_err();
    assert_eq!(err.session_kind(), Some(SessionErrorKind::Closed), "{err}");
}

#[tokio::test]
async fn credentials_and_app_ids_are_checked() {
    let engine = Engine::start().await.unwrap();
    let err = client(&engine, "wrong-key")
        .qix()
        .open_app(engine.app_id())
        .await
        .unwrap_err();
    assert_eq!(
        err.status(),
        Some(reqwest::StatusCode::UNAUTHORIZED),
        "{err}"
    );
    let err = client(&engine, engine.api_key())
        .qix()
        .open_app("../other")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidArgument {
                parameter: "app_id",
                ..
            }
        ),
        "{err:?}"
    );
    let err = client(&engine, engine.api_key())
        .qix()
        .open_app("another-app")
        .await
        .unwrap_err();
    assert_eq!(err.engine_code(), Some(1003), "{err}");
}

#[tokio::test]
async fn reloads_with_progress() {
    let engine = Engine::start().await.unwrap();
    let app = open(&engine).await;
    let script = "Customers:\nLOAD * INLINE [\nCustomerId, Customer, Country\n1, Ada, Sweden\n2, Bo, Japan\n];\n\
                  Orders:\nLOAD * INLINE [\nOrderId, CustomerId, Product, Quantity, Amount\n1, 1, Bolt, 2, 10.5\n2, 2, Cog, 1, 4\n3, 2, Cog, 5, 20\n];\n";
    app.doc()
        .call("SetScript", json!({ "qScript": script }))
        .await
        .unwrap();
    let mut changes = app.doc().notifications();
    let mut reports = Vec::new();
    let ok = reload_with_progress(app.doc(), Duration::from_millis(20), |p| {
        reports.push(p.clone())
    })
    .await
    .unwrap();
    assert!(ok);
    let messages: Vec<String> = reports.iter().flat_map(|p| p.messages.clone()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("Orders << INLINE 3 Lines fetched")),
        "{messages:?}"
    );
    assert!(reports.len() >= 2, "progress was polled: {reports:?}");
    let last = reports.last().unwrap();
    assert_eq!((last.completed, last.total), (3, 3));
    assert_eq!(next_event(&mut changes).await, Some(ObjectEvent::Changed));
    assert_eq!(eval(app.doc(), "Sum(Amount)").await, "34.5");
    assert_eq!(eval(app.doc(), "Count(DISTINCT Country)").await, "2");

    // A script the stand-in cannot run: false, and the messages say why.
    app.doc()
        .call("SetScript", json!({ "qScript": "T: SELECT * FROM x;" }))
        .await
        .unwrap();
    let mut messages = Vec::new();
    let ok = reload_with_progress(app.doc(), Duration::from_millis(20), |p| {
        messages.extend(p.messages.clone())
    })
    .await
    .unwrap();
    assert!(!ok);
    assert!(
        messages.iter().any(|m| m.contains("Script error")),
        "{messages:?}"
    );
}

#[tokio::test]
async fn lists_sheets_and_objects() {
    let engine = Engine::start().await.unwrap();
    let app = open(&engine).await;
    let infos = app.doc().call("GetAllInfos", json!({})).await.unwrap();
    let sheets: Vec<&str> = infos["qInfos"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["qType"] == "sheet")
        .map(|i| i["qId"].as_str().unwrap())
        .collect();
    assert_eq!(sheets, ["sheet-overview", "sheet-products"]);
    let list = app
        .doc()
        .call(
            "CreateSessionObject",
            json!({"qProp": {"qInfo": {"qType": "SheetList"}, "qAppObjectListDef": {"qType": "sheet"}}}),
        )
        .await
        .unwrap();
    let list = app.doc().child(ObjectRef::from_value(&list).unwrap());
    let layout = list.call("GetLayout", json!({})).await.unwrap();
    let titles: Vec<&str> = layout["qLayout"]["qAppObjectList"]["qItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["qMeta"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Overview", "Products"]);
}

#[tokio::test]
async fn a_message_over_the_limit_fails_the_request_and_closes_without_a_reconnect() {
    let engine = Engine::start().await.unwrap();
    let app = client(&engine, engine.api_key())
        .qix()
        .max_message_size(64 * 1024)
        .reconnect(5, Duration::from_millis(20))
        .open_app(engine.app_id())
        .await
        .expect("open_app");
    let events = app.events();
    futures::pin_mut!(events);
    let table = session_object(app.doc(), &["OrderId"], &["Sum(Amount)", "Count(OrderId)"]).await;
    // A page of 9,999 cells is several hundred KiB: over the 64 KiB limit.
    let err = hypercube_pages(&table, "/qHyperCubeDef", MAX_PAGE_CELLS)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(
        err.session_kind(),
        Some(SessionErrorKind::MessageTooLarge),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains("over the limit of 65536 bytes") && text.contains("max_message_size"),
        "{text}"
    );
    // The session closes: no Disconnected, no reconnect.
    let next = tokio::time::timeout(WAIT, events.next())
        .await
        .expect("an event");
    assert_eq!(next, Some(qlik_sdk::qix::SessionEvent::Closed));
    assert_eq!(engine.connections(), 1);
    let err = app.doc().call("GetAppLayout", json!({})).await.unwrap_err();
    assert_eq!(err.session_kind(), Some(SessionErrorKind::Closed), "{err}");
}

#[tokio::test]
async fn bytes_after_an_answer_fail_that_request_not_the_session() {
    let engine = Engine::start().await.unwrap();
    let app = open(&engine).await;
    let table = session_object(app.doc(), &["Country"], &["Sum(Amount)"]).await;
    // A page answer followed by junk in the same message (read by the page decoders).
    engine.junk_after_next("GetHyperCubeData", " <html>");
    let err = hypercube_pages(&table, "/qHyperCubeDef", MAX_PAGE_CELLS)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(
        err.session_kind(),
        Some(SessionErrorKind::Protocol),
        "{err}"
    );
    assert!(err.to_string().contains("<html>"), "{err}");
    // Any other answer followed by junk: that request fails at once (not at its timeout).
    engine.junk_after_next("Evaluate", "} <html>");
    let err = app
        .doc()
        .call("Evaluate", json!({"qExpression": "1+1"}))
        .await
        .unwrap_err();
    assert_eq!(
        err.session_kind(),
        Some(SessionErrorKind::Protocol),
        "{err}"
    );
    // The session goes on.
    assert_eq!(eval(app.doc(), "1+1").await, "2");
    let pages: Vec<_> = hypercube_pages(&table, "/qHyperCubeDef", MAX_PAGE_CELLS)
        .try_collect()
        .await
        .expect("pages");
    assert_eq!(pages[0].row_count(), 6);
    assert_eq!(engine.connections(), 1);
}

/// A client of a stand-in tenant that serves the engine too: one host, one OAuth2 token.
async fn tenant_with_engine() -> (qlik_sdk_testkit::Standin, Qlik) {
    let standin = qlik_sdk_testkit::Standin::builder()
        .engine(qlik_sdk_testkit::engine::Config {
            orders: 500,
            ..Default::default()
        })
        .start()
        .await
        .unwrap();
    let qlik = Qlik::builder()
        .host(standin.url())
        .allow_http(true)
        .client_credentials(standin.client_id(), standin.client_secret())
        .build()
        .unwrap();
    (standin, qlik)
}

#[tokio::test]
async fn a_standin_tenant_serves_the_engine_beside_the_rest_apis() {
    let (standin, qlik) = tenant_with_engine().await;
    let engine = standin.engine().expect("the tenant serves an engine");
    assert_eq!(engine.url(), standin.url());
    // A REST call first (the CI's qix-only build has no users API: the engine alone then).
    #[cfg(feature = "users")]
    qlik.users().get_my_user().send().await.unwrap();
    let app = qlik.qix().open_app(engine.app_id()).await.unwrap();
    assert_eq!(app.session_state(), "SESSION_CREATED");
    assert_eq!(eval(app.doc(), "Count(OrderId)").await, "500");
    assert_eq!(engine.connections(), 1);
    // One token for the REST call and the socket.
    assert_eq!(standin.stats().token_requests, 1);
    // A key the tenant does not know is refused at the upgrade.
    let err = Qlik::builder()
        .host(standin.url())
        .allow_http(true)
        .api_key("wrong-key")
        .build()
        .unwrap()
        .qix()
        .open_app(engine.app_id())
        .await
        .unwrap_err();
    assert_eq!(
        err.status(),
        Some(reqwest::StatusCode::UNAUTHORIZED),
        "{err}"
    );
    // The tenant's faults apply to the engine's route too.
    standin.inject(qlik_sdk_testkit::Fault::Status {
        path_prefix: "/app/".into(),
        status: 503,
        times: 1,
        retry_after: None,
    });
    let err = qlik.qix().open_app(engine.app_id()).await.unwrap_err();
    assert_eq!(
        err.status(),
        Some(reqwest::StatusCode::SERVICE_UNAVAILABLE),
        "{err}"
    );
    assert_eq!(standin.stats().fired, ["Status"]);
    assert_eq!(engine.connections(), 1);
}

#[tokio::test]
async fn a_standin_tenants_engine_reattaches_after_a_dropped_socket() {
    let (standin, qlik) = tenant_with_engine().await;
    let engine = standin.engine().unwrap();
    let app = qlik
        .qix()
        .reconnect(5, Duration::from_millis(20))
        .open_app(engine.app_id())
        .await
        .unwrap();
    let r = app
        .doc()
        .call("GetField", json!({"qFieldName": "Country"}))
        .await
        .unwrap();
    let country = app.doc().child(ObjectRef::from_value(&r).unwrap());
    country
        .call("Select", json!({"qMatch": "Japan"}))
        .await
        .unwrap();
    let selected = eval(app.doc(), "Count(OrderId)").await;
    assert_ne!(selected, "500");
    let reconnected = app.reconnected();
    tokio::pin!(reconnected);
    // Let the waiter subscribe before the drop.
    assert!(
        tokio::time::timeout(Duration::from_millis(50), &mut reconnected)
            .await
            .is_err()
    );
    engine.drop_connections(false);
    let how = tokio::time::timeout(WAIT, reconnected)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(how, Reconnection::Reattached);
    assert_eq!(engine.connections(), 2);
    assert_eq!(eval(app.doc(), "Count(OrderId)").await, selected);
}
