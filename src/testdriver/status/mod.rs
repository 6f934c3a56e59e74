//! The live status page for the people running a rehearsal (`/`), its JSON twin
//! (`/status.json`) and one `Transaction-Id`'s requests as JSON lines (`/status/requests`),
//! so a scenario's driver log can go into an approval report. It shows device state and
//! request metadata only: no passwords, tokens, keys, bodies or query strings.

pub mod page;
pub mod recent;
pub mod snapshot;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use super::pool::Api;
use recent::RecentRequests;

/// What the status routes read.
#[derive(Clone)]
pub struct StatusState {
    pub apis: Arc<Vec<Arc<Api>>>,
    pub recent: Arc<RecentRequests>,
}

#[derive(Deserialize)]
struct Filter {
    #[serde(rename = "transactionId")]
    transaction_id: Option<String>,
}

impl Filter {
    fn get(&self) -> Option<&str> {
        self.transaction_id.as_deref().filter(|t| !t.is_empty())
    }
}

pub fn router(state: StatusState) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/status.json", get(json))
        .route("/status/requests", get(json_lines))
        .with_state(state)
}

async fn page(State(s): State<StatusState>, filter: Query<Filter>) -> Html<String> {
    let filter = filter.get();
    let status = snapshot::build(&s.apis, s.recent.list(filter));
    Html(page::render(&status, filter))
}

async fn json(State(s): State<StatusState>, filter: Query<Filter>) -> axum::Json<snapshot::Status> {
    let filter = filter.get();
    axum::Json(snapshot::build(&s.apis, s.recent.list(filter)))
}

/// One JSON object per line, oldest first.
async fn json_lines(State(s): State<StatusState>, filter: Query<Filter>) -> Response {
    let filter = filter.get();
    let mut body = String::new();
    for r in s.recent.list(filter) {
        if let Ok(line) = serde_json::to_string(&r) {
            body.push_str(&line);
            body.push('\n');
        }
    }
    ([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response()
}
