//! `GET /v1/openapi.json`: the API description, generated from the handlers'
//! annotations and the request/response types, so it cannot drift from them.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "shipwindow",
        description = "May we ship this now? Deploy-window decisions over HTTP."
    ),
    paths(
        super::api::check_query,
        super::api::check_body,
        super::api::next,
        super::api::windows,
        super::api::calendar,
        super::grid::windows_svg,
        super::freezes::create,
        super::freezes::list,
        super::freezes::lift,
        super::reservations::create,
        super::reservations::list,
        super::reservations::release,
        super::audit::list,
        super::slack::handler::command,
        super::k8s::admission::admit,
        super::k8s::flagger::gate,
        super::github::handler::webhook,
        super::github::handler::holds,
        super::api::healthz,
        super::api::render_metrics,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// Declares the bearer scheme that `/v1/*` uses when tokens are configured.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// `GET /v1/openapi.json`.
pub(super) async fn openapi_json() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}
