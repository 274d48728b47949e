//! Runs batches of metric queries off the UI task and reports each answer as it arrives.

use std::time::Duration;

use futures::StreamExt as _;
use jiff::Timestamp;

use super::{Backend, PromError};
use crate::domain::dashboard::QueryResult;

/// How many queries of one batch run at once.
const CONCURRENCY: usize = 4;

/// Identifies one query of a batch (the app keeps which panel/target it belongs to).
pub(crate) type QueryId = u64;

/// A range query window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Window {
    pub start: Timestamp,
    pub end: Timestamp,
    pub step: Duration,
}

/// One query to run.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsQuery {
    pub id: QueryId,
    pub expr: String,
    /// `None` runs an instant query now.
    pub(crate) window: Option<Window>,
}

/// One query's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsAnswer {
    pub id: QueryId,
    pub(crate) sent: Timestamp,
    pub(crate) received: Timestamp,
    pub result: Result<QueryResult, PromError>,
}

/// Values of one label among the series matching `matches` (template variables).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelQuery {
    pub id: QueryId,
    pub label: String,
    pub matches: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LabelAnswer {
    pub id: QueryId,
    pub result: Result<Vec<String>, PromError>,
}

/// Runs one query.
pub(crate) async fn run_one(client: &Backend, query: &MetricsQuery) -> MetricsAnswer {
    let sent = Timestamp::now();
    let result = match query.window {
        Some(w) => client.range(&query.expr, w.start, w.end, w.step).await,
        None => client.instant(&query.expr, None).await,
    };
    MetricsAnswer {
        id: query.id,
        sent,
        received: Timestamp::now(),
        result,
    }
}

/// Runs a batch, a few at a time, calling `report` with each answer as it arrives.
pub(crate) async fn run_batch(
    client: Backend,
    queries: Vec<MetricsQuery>,
    report: impl Fn(MetricsAnswer),
) {
    // Owned futures: borrowing the batch inside a spawned task trips higher-ranked
    // lifetime inference (the future would not be `Send`).
    let mut answers = futures::stream::iter(queries.into_iter().map(|q| {
        let client = client.clone();
        async move { run_one(&client, &q).await }
    }))
    .buffer_unordered(CONCURRENCY);
    while let Some(answer) = answers.next().await {
        report(answer);
    }
}
