//! The engine methods the stand-in answers, on Global, Doc, Field and GenericObject, and the
//! hypercube pages they return.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::{json, Value};

use super::data::{self, Model};
use super::lock;
use super::session::{fault, Answer, Conn, Fault, Obj, Progress};

impl Conn {
    pub(super) fn global(&self, method: &str, p: &Value) -> Answer {
        match method {
            "OpenDoc" => {
                let name = p["qDocName"].as_str().unwrap_or("");
                if name != self.inner.config.app_id || self.app != name {
                    return Err(fault(1003, name, "App not found"));
                }
                let mut s = lock(&self.session);
                if s.objects.values().any(|o| matches!(o, Obj::Doc)) {
                    return Err(fault(1002, name, "App already open"));
                }
                let h = self.new_handle(&mut s, Obj::Doc);
                Ok((
                    json!({"qReturn": {"qType": "Doc", "qHandle": h, "qGenericId": name}}),
                    vec![],
                ))
            }
            "GetActiveDoc" => {
                let s = lock(&self.session);
                match s.objects.iter().find(|(_, o)| matches!(o, Obj::Doc)) {
                    Some((h, _)) => Ok((
                        json!({"qReturn": {"qType": "Doc", "qHandle": h, "qGenericId": self.app}}),
                        vec![],
                    )),
                    None => Err(fault(1017, "", "App not open")),
                }
            }
            "EngineVersion" => Ok((
                json!({"qVersion": {"qComponentVersion": "qlik-standin"}}),
                vec![],
            )),
            "GetProgress" => {
                let mut s = lock(&self.session);
                let mut rid = p["qRequestId"].as_i64().unwrap_or(0);
                if rid == 0 {
                    rid = s.last_reload;
                }
                let pr = s.progress.entry(rid).or_default();
                let new: Vec<Value> = pr.messages[pr.sent..]
                    .iter()
                    .map(|m| json!({"qMessageCode": 0, "qMessageParameters": [m]}))
                    .collect();
                pr.sent = pr.messages.len();
                Ok((
                    json!({"qProgressData": {
                        "qStarted": pr.total > 0, "qFinished": pr.finished,
                        "qCompleted": pr.completed, "qTotal": pr.total,
                        "qPersistentProgressMessages": new,
                    }}),
                    vec![],
                ))
            }
            _ => Err(fault(-32601, "", format!("Method not found: {method}"))),
        }
    }

    pub(super) fn doc(&self, doc: i64, method: &str, p: &Value, _rid: i64) -> Answer {
        let model = self.model();
        match method {
            "Evaluate" | "EvaluateEx" => {
                let src = p["qExpression"].as_str().unwrap_or("");
                let expr = data::parse(src, &model).map_err(|e| fault(7000, src, e))?;
                let rows = model.possible(&lock(&self.session).selections);
                let v = data::eval(&expr, &model, &rows, None);
                let text = v
                    .as_ref()
                    .map(data::Cell::text)
                    .unwrap_or_else(|| "-".into());
                if method == "Evaluate" {
                    Ok((json!({"qReturn": text}), vec![]))
                } else {
                    let num = match &v {
                        Some(data::Cell::Num(n)) => Some(*n),
                        _ => None,
                    };
                    Ok((
                        json!({"qValue": {"qText": text, "qIsNumeric": num.is_some(), "qNumber": data::num_json(num)}}),
                        vec![],
                    ))
                }
            }
            "GetField" => {
                let name = p["qFieldName"].as_str().unwrap_or("");
                if model.field(name).is_none() {
                    return Err(fault(2, name, "Field not found"));
                }
                let mut s = lock(&self.session);
                let h = self.new_handle(&mut s, Obj::Field(name.to_owned()));
                Ok((json!({"qReturn": {"qType": "Field", "qHandle": h}}), vec![]))
            }
            "ClearAll" => {
                let mut s = lock(&self.session);
                s.selections.clear();
                s.generation += 1;
                Ok((json!({}), Self::affected(&s)))
            }
            "CreateSessionObject" => {
                let mut props = p["qProp"].clone();
                if !props.is_object() {
                    return Err(fault(
                        8,
                        "qProp",
                        "Invalid parameters: qProp must be an object",
                    ));
                }
                let mut s = lock(&self.session);
                let id = match props["qInfo"]["qId"].as_str() {
                    Some(id) if !id.is_empty() => id.to_owned(),
                    _ => format!("session-{}", s.next),
                };
                let kind = props["qInfo"]["qType"]
                    .as_str()
                    .unwrap_or("session")
                    .to_owned();
                props["qInfo"] = json!({"qId": id, "qType": kind});
                let h = self.new_handle(
                    &mut s,
                    Obj::Generic {
                        id: id.clone(),
                        props,
                        session: true,
                    },
                );
                Ok((
                    json!({"qReturn": {"qType": "GenericObject", "qHandle": h, "qGenericType": kind, "qGenericId": id}}),
                    vec![],
                ))
            }
            "DestroySessionObject" => {
                let id = p["qId"].as_str().unwrap_or("");
                let mut s = lock(&self.session);
                let gone: Vec<i64> = s
                    .objects
                    .iter()
                    .filter(
                        |(_, o)| matches!(o, Obj::Generic { id: i, session: true, .. } if i == id),
                    )
                    .map(|(h, _)| *h)
                    .collect();
                for h in &gone {
                    s.objects.remove(h);
                }
                let ok = !gone.is_empty();
                drop(s);
                // Closed handles travel in a `close` list (here on a message of its own).
                if ok {
                    let _ = self
                        .out
                        .send(json!({"jsonrpc": "2.0", "close": gone}).to_string());
                }
                Ok((json!({"qSuccess": ok}), vec![]))
            }
            "GetObject" => {
                let id = p["qId"].as_str().unwrap_or("");
                let mut s = lock(&self.session);
                let found = s.objects.iter().find_map(|(h, o)| match o {
                    Obj::Generic { id: i, props, .. } if i == id => Some((*h, props.clone())),
                    _ => None,
                });
                let (h, props) = match found {
                    Some(x) => x,
                    None => {
                        let props = lock(&self.inner.app)
                            .objects
                            .get(id)
                            .cloned()
                            .ok_or_else(|| fault(2, id, "Object not found"))?;
                        let h = self.new_handle(
                            &mut s,
                            Obj::Generic {
                                id: id.to_owned(),
                                props: props.clone(),
                                session: false,
                            },
                        );
                        (h, props)
                    }
                };
                let kind = props["qInfo"]["qType"].clone();
                Ok((
                    json!({"qReturn": {"qType": "GenericObject", "qHandle": h, "qGenericType": kind, "qGenericId": id}}),
                    vec![],
                ))
            }
            "GetAllInfos" => {
                let app = lock(&self.inner.app);
                let infos: Vec<Value> = app.objects.values().map(|o| o["qInfo"].clone()).collect();
                Ok((json!({"qInfos": infos}), vec![]))
            }
            "GetAppLayout" => Ok((
                json!({"qLayout": {"qTitle": self.app, "qFileName": self.app, "qHasScript": true, "qHasData": !model.rows.is_empty()}}),
                vec![],
            )),
            "GetScript" => Ok((json!({"qScript": lock(&self.inner.app).script}), vec![])),
            "SetScript" => {
                let script = p["qScript"]
                    .as_str()
                    .ok_or_else(|| fault(8, "qScript", "Invalid parameters"))?;
                lock(&self.inner.app).script = script.to_owned();
                Ok((json!({}), vec![doc]))
            }
            _ => Err(fault(-32601, "", format!("Method not found: {method}"))),
        }
    }

    pub(super) async fn reload(&self, doc: i64, rid: i64) -> Answer {
        if !matches!(lock(&self.session).objects.get(&doc), Some(Obj::Doc)) {
            return Err(fault(-32601, "", "Method not found: DoReload"));
        }
        let script = lock(&self.inner.app).script.clone();
        let set = |f: &dyn Fn(&mut Progress)| {
            let mut s = lock(&self.session);
            s.last_reload = rid;
            f(s.progress.entry(rid).or_default());
        };
        let tables = match data::run_script(&script) {
            Ok(t) => t,
            Err(e) => {
                set(&|p| {
                    p.messages.push(format!("Script error: {e}"));
                    p.finished = true;
                });
                return Ok((json!({"qReturn": false}), vec![]));
            }
        };
        let total = tables.len() as i64 + 1;
        set(&|p| {
            p.total = total;
            p.messages.push("Started loading data".into());
        });
        for (i, t) in tables.iter().enumerate() {
            tokio::time::sleep(self.inner.config.reload_step).await;
            let msg = format!("{} << INLINE {} Lines fetched", t.name, t.rows.len());
            set(&|p| {
                p.completed = i as i64 + 1;
                p.messages.push(msg.clone());
            });
        }
        let model = Arc::new(Model::new(tables));
        tokio::time::sleep(self.inner.config.reload_step).await;
        lock(&self.inner.app).model = model;
        set(&|p| {
            p.completed = total;
            p.finished = true;
            p.messages.push("App saved".into());
        });
        let mut s = lock(&self.session);
        s.selections.clear();
        s.generation += 1;
        let mut changed = Self::affected(&s);
        changed.push(doc);
        Ok((json!({"qReturn": true}), changed))
    }

    pub(super) fn field(&self, name: &str, method: &str, p: &Value) -> Answer {
        let model = self.model();
        let c = model
            .field(name)
            .ok_or_else(|| fault(2, name, "Field not found"))?;
        let mut s = lock(&self.session);
        let toggle = p["qToggleMode"].as_bool().unwrap_or(false);
        let picked: BTreeSet<String> = match method {
            "SelectValues" => p["qFieldValues"]
                .as_array()
                .ok_or_else(|| {
                    fault(
                        8,
                        "qFieldValues",
                        "Invalid parameters: qFieldValues must be an array",
                    )
                })?
                .iter()
                .map(
                    |v| match (v["qIsNumeric"].as_bool(), v["qNumber"].as_f64()) {
                        (Some(true), Some(n)) => data::fmt_num(n),
                        _ => v["qText"].as_str().unwrap_or("").to_owned(),
                    },
                )
                .collect(),
            "Select" => {
                let m = p["qMatch"].as_str().unwrap_or("");
                model.values(c).into_iter().filter(|v| v == m).collect()
            }
            "Clear" => BTreeSet::new(),
            "GetCardinal" => return Ok((json!({"qReturn": model.values(c).len()}), vec![])),
            _ => return Err(fault(-32601, "", format!("Method not found: {method}"))),
        };
        let picked: BTreeSet<String> = picked.intersection(&model.values(c)).cloned().collect();
        let current = s.selections.remove(name).unwrap_or_default();
        let next = if toggle {
            current.symmetric_difference(&picked).cloned().collect()
        } else {
            picked
        };
        let ok = method == "Clear" || !next.is_empty();
        if !next.is_empty() {
            s.selections.insert(name.to_owned(), next);
        }
        s.generation += 1;
        Ok((json!({"qReturn": ok}), Self::affected(&s)))
    }

    pub(super) fn cube_of(
        &self,
        handle: i64,
        props: &Value,
        path: &str,
    ) -> Result<Arc<data::Cube>, Fault> {
        let mut def = props;
        for seg in path.split('/').filter(|s| !s.is_empty()) {
            def = def.get(seg).ok_or_else(|| fault(4, path, "Invalid path"))?;
        }
        let model = self.model();
        let (generation, selections) = {
            let s = lock(&self.session);
            if let Some((g, c)) = s.cubes.get(&handle) {
                if *g == s.generation {
                    return Ok(c.clone());
                }
            }
            (s.generation, s.selections.clone())
        };
        let cube =
            Arc::new(data::cube(def, &model, &selections).map_err(|e| fault(7000, path, e))?);
        lock(&self.session)
            .cubes
            .insert(handle, (generation, cube.clone()));
        Ok(cube)
    }

    pub(super) fn generic(
        &self,
        handle: i64,
        id: &str,
        props: Value,
        method: &str,
        p: &Value,
    ) -> Answer {
        match method {
            "GetInfo" => Ok((json!({"qInfo": props["qInfo"]}), vec![])),
            "GetProperties" => Ok((json!({"qProp": props}), vec![])),
            "SetProperties" => {
                let mut new = p["qProp"].clone();
                if !new.is_object() {
                    return Err(fault(
                        8,
                        "qProp",
                        "Invalid parameters: qProp must be an object",
                    ));
                }
                new["qInfo"] = props["qInfo"].clone();
                let mut s = lock(&self.session);
                if let Some(Obj::Generic { props, .. }) = s.objects.get_mut(&handle) {
                    *props = new;
                }
                s.cubes.remove(&handle);
                Ok((json!({}), vec![handle]))
            }
            "GetLayout" => {
                let mut layout = json!({"qInfo": props["qInfo"], "qMeta": props["qMetaDef"]});
                if let Some(def) = props.get("qHyperCubeDef") {
                    let cube = self.cube_of(handle, &props, "/qHyperCubeDef")?;
                    let width = cube.dims.len() + cube.measures.len();
                    let mut pages = Vec::new();
                    for page in def["qInitialDataFetch"].as_array().into_iter().flatten() {
                        pages.push(data_page(&cube, page)?);
                    }
                    layout["qHyperCube"] = json!({
                        "qSize": {"qcx": width, "qcy": cube.rows.len()},
                        "qDimensionInfo": cube.dims.iter().map(|d| json!({"qFallbackTitle": d})).collect::<Vec<_>>(),
                        "qMeasureInfo": cube.measures.iter().map(|m| json!({"qFallbackTitle": m})).collect::<Vec<_>>(),
                        "qDataPages": pages,
                        "qMode": "S",
                    });
                }
                if let Some(list) = props.get("qAppObjectListDef") {
                    let kind = list["qType"].as_str().unwrap_or("");
                    let app = lock(&self.inner.app);
                    let items: Vec<Value> = app
                        .objects
                        .values()
                        .filter(|o| o["qInfo"]["qType"] == kind)
                        .map(|o| json!({"qInfo": o["qInfo"], "qMeta": o["qMetaDef"], "qData": {"cells": o["cells"]}}))
                        .collect();
                    layout["qAppObjectList"] = json!({"qItems": items});
                }
                if props.get("cells").is_some() {
                    layout["cells"] = props["cells"].clone();
                }
                let _ = id;
                Ok((json!({"qLayout": layout}), vec![]))
            }
            _ => Err(fault(-32601, "", format!("Method not found: {method}"))),
        }
    }
}

/// The requested area of an `NxPage` clipped to the cube: rows `top..bottom`, columns
/// `left..right`.
pub(super) fn clip(cube: &data::Cube, page: &Value) -> (usize, usize, usize, usize) {
    let get = |k: &str| page[k].as_u64().unwrap_or(0) as usize;
    let (top, left, w, h) = (get("qTop"), get("qLeft"), get("qWidth"), get("qHeight"));
    let bottom = top.saturating_add(h).min(cube.rows.len());
    let right = left.saturating_add(w).min(cube.width());
    (top.min(bottom), bottom, left.min(right), right)
}

/// One `NxDataPage` of a layout's `qInitialDataFetch`: the cells of the requested area (clipped
/// to the cube).
fn data_page(cube: &data::Cube, page: &Value) -> Result<Value, Fault> {
    let get = |k: &str| page[k].as_u64().unwrap_or(0);
    if get("qWidth").saturating_mul(get("qHeight")) > 10_000 {
        return Err(fault(7009, "", "Calculation pages too large"));
    }
    let (top, bottom, left, right) = clip(cube, page);
    let matrix: Vec<Value> = (top..bottom)
        .map(|r| Value::Array(cube.rows[r][left..right].to_vec()))
        .collect();
    Ok(json!({
        "qMatrix": matrix,
        "qArea": {"qTop": top, "qLeft": left, "qWidth": right - left, "qHeight": bottom - top},
        "qTails": [],
    }))
}

/// Positional params (an array) as named ones, for the methods the stand-in answers.
pub(super) fn named(method: &str, params: Value) -> Value {
    let Value::Array(list) = params else {
        return params;
    };
    let names: &[&str] = match method {
        "OpenDoc" => &["qDocName", "qUserName", "qPassword", "qSerial", "qNoData"],
        "GetProgress" => &["qRequestId"],
        "CancelRequest" => &["qRequestId"],
        "Evaluate" | "EvaluateEx" => &["qExpression"],
        "GetField" => &["qFieldName", "qStateName"],
        "CreateSessionObject" | "SetProperties" => &["qProp"],
        "DestroySessionObject" | "GetObject" => &["qId"],
        "SetScript" => &["qScript"],
        "DoReload" => &["qMode", "qPartial", "qDebug"],
        "Select" => &["qMatch", "qSoftLock", "qExcludedValuesMode"],
        "SelectValues" => &["qFieldValues", "qToggleMode", "qSoftLock"],
        "GetHyperCubeData" => &["qPath", "qPages"],
        _ => &[],
    };
    Value::Object(
        names
            .iter()
            .zip(list)
            .map(|(n, v)| ((*n).to_owned(), v))
            .collect(),
    )
}
