//! The generated engine handles on a recording session: what a typed call sends (named
//! parameters, exactly what was set, numbers as a JavaScript client writes them, a client's own
//! members of engine objects), and how results come back (unwrapped, typed handles on the same
//! session, lossless layouts, errors naming the method).
#![cfg(feature = "qix")]

use qlik_sdk::qix::rpc::{Call, CallFuture, Handle, ObjectRef};
use qlik_sdk::qix::{self, types};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

/// Records each request and answers with the next canned result.
struct Recorder {
    sent: Mutex<Vec<(i64, &'static str, Value)>>,
    answers: Mutex<Vec<Result<Value, qlik_sdk::Error>>>,
}

impl Call for Recorder {
    fn call(&self, handle: i64, method: &'static str, params: Value) -> CallFuture {
        self.sent.lock().unwrap().push((handle, method, params));
        let answer = self.answers.lock().unwrap().remove(0);
        Box::pin(async move { answer })
    }
}

fn session(answers: Vec<Result<Value, qlik_sdk::Error>>) -> (Arc<Recorder>, qix::Doc) {
    let r = Arc::new(Recorder {
        sent: Mutex::new(Vec::new()),
        answers: Mutex::new(answers),
    });
    let call: Arc<dyn Call> = r.clone();
    let doc = qix::Doc::new(Handle::new(
        call,
        ObjectRef {
            q_type: "Doc".into(),
            q_handle: 1,
            q_generic_id: Some("app-1".into()),
        },
    ));
    (r, doc)
}

#[tokio::test]
async fn required_arguments_and_optional_setters_send_named_parameters() {
    let (r, doc) = session(vec![
        Ok(json!({"qReturn": {"qType": "Field", "qHandle": 3}})),
        Ok(json!({"qReturn": {"qType": "Field", "qHandle": 4}})),
    ]);
    let field = doc.get_field("Year").await.unwrap();
    assert_eq!(field.handle().q_type(), "Field");
    assert_eq!(field.handle().handle(), 3);
    let field = doc.get_field("Year").q_state_name("$").await.unwrap();
    assert_eq!(field.handle().handle(), 4);
    let sent = r.sent.lock().unwrap().clone();
    assert_eq!(sent[0], (1, "GetField", json!({"qFieldName": "Year"})));
    assert_eq!(
        sent[1],
        (
            1,
            "GetField",
            json!({"qFieldName": "Year", "qStateName": "$"})
        )
    );
}

#[tokio::test]
async fn returned_handles_talk_on_the_same_session_to_their_own_handle() {
    let (r, doc) = session(vec![
        Ok(json!({"qReturn": {"qType": "Field", "qHandle": 3}})),
        Ok(json!({"qReturn": true})),
    ]);
    let field = doc.get_field("Year").await.unwrap();
    let values = [types::FieldValue {
        q_text: Some("2024".into()),
        q_number: Some(2024.0),
        q_is_numeric: Some(true),
        ..Default::default()
    }];
    assert!(field.select_values(&values).await.unwrap());
    let sent = r.sent.lock().unwrap().clone();
    assert_eq!(sent[1].0, 3, "sent to the field's handle");
    assert_eq!(sent[1].1, "SelectValues");
    // Integral numbers as a JavaScript client writes them: 2024, not 2024.0.
    let number = &sent[1].2["qFieldValues"][0]["qNumber"];
    assert_eq!(number.to_string(), "2024");
    assert_eq!(
        sent[1].2,
        json!({"qFieldValues": [{"qText": "2024", "qNumber": 2024, "qIsNumeric": true}]})
    );
}

#[tokio::test]
async fn a_clients_own_members_are_sent_and_kept() {
    let layout = json!({"qLayout": {
        "qInfo": {"qId": "obj-1", "qType": "my-chart"},
        "myChartOptions": {"colors": ["red"], "stacked": true},
        "qHyperCube": {"qSize": {"qcx": 2, "qcy": 10}, "qNewEngineMember": 1}
    }});
    let (r, doc) = session(vec![
        Ok(json!({"qReturn": {"qType": "GenericObject", "qHandle": 2, "qGenericId": "obj-1"}})),
        Ok(layout.clone()),
    ]);
    let mut props = types::GenericObjectProperties {
        q_info: Some(types::NxInfo {
            q_type: Some("my-chart".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    props
        .extra
        .insert("myChartOptions", json!({"colors": ["red"]}));
    let obj = doc.create_session_object(&props).await.unwrap();
    assert_eq!(obj.handle().generic_id(), Some("obj-1"));
    let got = obj.get_layout().await.unwrap();
    let sent = r.sent.lock().unwrap().clone();
    assert_eq!(
        sent[0].2,
        json!({"qProp": {"qInfo": {"qType": "my-chart"}, "myChartOptions": {"colors": ["red"]}}})
    );
    assert_eq!(
        (sent[1].0, sent[1].1, &sent[1].2),
        (2, "GetLayout", &json!({}))
    );
    // Typed where declared, kept where not, and written back as received.
    assert_eq!(
        got.q_hyper_cube
            .as_ref()
            .and_then(|h| h.q_size.as_ref())
            .and_then(|s| s.qcy),
        Some(10)
    );
    assert_eq!(
        got.extra.get("myChartOptions"),
        Some(&json!({"colors": ["red"], "stacked": true}))
    );
    assert_eq!(serde_json::to_value(&got).unwrap(), layout["qLayout"]);
}

#[tokio::test]
async fn results_decode_leniently_and_errors_name_the_method() {
    let (_, doc) = session(vec![
        Ok(json!({"qReturn": 361716})),
        Ok(json!({})),
        Err(qlik_sdk::Error::Other("engine said no".into())),
    ]);
    // A number where text is declared converts.
    assert_eq!(doc.evaluate("Sum(x)").await.unwrap(), "361716");
    // A missing output is an error naming the method and the member.
    match doc.evaluate("Sum(x)").await.unwrap_err() {
        qlik_sdk::Error::Decode {
            operation, path, ..
        } => {
            assert_eq!(operation.as_deref(), Some("Doc.Evaluate"));
            assert_eq!(path, "qReturn");
        }
        e => panic!("{e:?}"),
    }
    // The session's error comes through as it is.
    assert!(matches!(
        doc.evaluate("Sum(x)").await.unwrap_err(),
        qlik_sdk::Error::Other(m) if m == "engine said no"
    ));
}

#[tokio::test]
async fn a_value_that_cannot_be_sent_fails_before_sending() {
    let (r, doc) = session(vec![]);
    let mut props = types::GenericObjectProperties::default();
    let cube = types::HyperCubeDef {
        q_mode: Some(types::NxHypercubeMode::Unknown("Z".into())),
        ..Default::default()
    };
    props.q_hyper_cube_def = Some(cube);
    match doc.create_session_object(&props).await.unwrap_err() {
        qlik_sdk::Error::InvalidArgument {
            operation,
            parameter,
            ..
        } => {
            assert_eq!(operation, "Doc.CreateSessionObject");
            assert_eq!(parameter, "qProp");
        }
        e => panic!("{e:?}"),
    }
    assert!(r.sent.lock().unwrap().is_empty(), "nothing sent");
}

#[tokio::test]
async fn enums_send_the_wire_value_and_read_the_long_name() {
    let m: types::NxHypercubeMode = serde_json::from_value(json!("DATA_MODE_PIVOT")).unwrap();
    assert_eq!(m, types::NxHypercubeMode::DataModePivot);
    assert_eq!(serde_json::to_value(&m).unwrap(), json!("P"));
    let m: types::NxHypercubeMode = serde_json::from_value(json!("NEW_MODE")).unwrap();
    assert_eq!(m, types::NxHypercubeMode::Unknown("NEW_MODE".into()));
}
