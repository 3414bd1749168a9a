//! The engine's one app: its script, the model the script loaded, and its sheets and charts.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Value};

use super::data::{self, Model};

/// The app the engine serves.
pub(super) struct App {
    pub(super) script: String,
    pub(super) model: Arc<Model>,
    /// Persistent objects (sheets and charts): id -> properties.
    pub(super) objects: BTreeMap<String, Value>,
}

impl App {
    /// The sample app: `orders` orders of 200 customers, two sheets and two charts.
    pub(super) fn sample(orders: usize) -> std::io::Result<App> {
        let script = data::sample_script(orders, 200);
        let tables = data::run_script(&script).map_err(std::io::Error::other)?;
        Ok(App {
            script,
            model: Arc::new(Model::new(tables)),
            objects: sample_objects(),
        })
    }
}

fn sample_objects() -> BTreeMap<String, Value> {
    let chart = |id: &str, kind: &str, title: &str, dim: &str, measures: &[&str]| {
        (
            id.to_owned(),
            json!({
                "qInfo": {"qId": id, "qType": kind},
                "qMetaDef": {"title": title},
                "qHyperCubeDef": {
                    "qDimensions": [{"qDef": {"qFieldDefs": [dim]}}],
                    "qMeasures": measures.iter().map(|m| json!({"qDef": {"qDef": m}})).collect::<Vec<_>>(),
                    "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 1 + measures.len(), "qHeight": 20}]
                }
            }),
        )
    };
    let sheet = |id: &str, title: &str, cells: &[&str]| {
        (
            id.to_owned(),
            json!({
                "qInfo": {"qId": id, "qType": "sheet"},
                "qMetaDef": {"title": title},
                "cells": cells.iter().map(|c| json!({"name": c})).collect::<Vec<_>>(),
            }),
        )
    };
    BTreeMap::from([
        sheet("sheet-overview", "Overview", &["chart-country"]),
        sheet("sheet-products", "Products", &["chart-products"]),
        chart(
            "chart-country",
            "barchart",
            "Sales by country",
            "Country",
            &["Sum(Amount)"],
        ),
        chart(
            "chart-products",
            "table",
            "Products",
            "Product",
            &["Sum(Quantity)", "Count(OrderId)", "Avg(Amount)"],
        ),
    ])
}
