//! Swagger UI at `/docs`, served from the binary (vendored assets, works offline).

use std::sync::Arc;

use axum::Router;
use utoipa_swagger_ui::SwaggerUi;

use super::pool::Api;
use super::routes;

/// `/docs` shows the operations every API serves under its prefix.
pub fn docs(apis: &[Arc<Api>]) -> Router {
    let mut doc = routes::openapi();
    doc.servers = Some(
        apis.iter()
            .map(|a| utoipa::openapi::server::Server::new(format!("/{}", a.config.prefix)))
            .collect(),
    );
    SwaggerUi::new("/docs").url("/docs/openapi.json", doc).into()
}
