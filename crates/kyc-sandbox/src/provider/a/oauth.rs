//! Provider A's OAuth 2.0 client credentials: `POST /oauth/token` issues short-lived Bearer
//! tokens with the scopes `file:upload` (presigned URLs) and `customer:write` (customers,
//! attach); `require_token` admits the other endpoints' requests and `need_scope` checks a
//! scope.

use std::time::Instant;

use axum::extract::{FromRequest, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use base64::Engine;
use serde::Deserialize;
use serde_json::json;

use super::records::Token;
use crate::auth::{bearer, keys_match};
use crate::error::ApiError;
use crate::ids::random_id;
use crate::state::SandboxState;

/// The scope needed to request presigned URLs.
pub const SCOPE_FILE_UPLOAD: &str = "file:upload";
/// The scope needed to create customers and attach files.
pub const SCOPE_CUSTOMER_WRITE: &str = "customer:write";

#[derive(Deserialize, Default)]
struct TokenRequest {
    #[serde(default)]
    grant_type: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    client_secret: Option<String>,
    #[serde(default)]
    scope: Option<String>,
}

/// An OAuth 2.0 error (RFC 6749 §5.2 shape: `{"error", "error_description"}`).
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// `POST /oauth/token`: a token for the client credentials, in the body (form or JSON) or as
/// HTTP Basic.
pub(super) async fn issue_token(State(state): State<SandboxState>, request: Request) -> Response {
    let basic = basic_credentials(&request);
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let body = if is_json {
        match Json::<TokenRequest>::from_request(request, &state).await {
            Ok(Json(body)) => body,
            Err(e) => {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &e.body_text())
            }
        }
    } else {
        match Form::<TokenRequest>::from_request(request, &state).await {
            Ok(Form(body)) => body,
            Err(e) => {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &e.body_text())
            }
        }
    };
    if body.grant_type.as_deref() != Some("client_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be client_credentials",
        );
    }
    let (client_id, client_secret) = match (basic, body.client_id, body.client_secret) {
        (Some(pair), _, _) => pair,
        (None, Some(id), Some(secret)) => (id, secret),
        _ => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client credentials missing (HTTP Basic or client_id/client_secret)",
            )
        }
    };
    let config = state.config();
    if !(keys_match(&client_id, &config.a_client_id)
        && keys_match(&client_secret, &config.a_client_secret))
    {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client or wrong secret",
        );
    }
    let scopes: Vec<String> = match body.scope.as_deref().map(str::trim) {
        None | Some("") => vec![SCOPE_FILE_UPLOAD.into(), SCOPE_CUSTOMER_WRITE.into()],
        Some(scope) => scope.split_whitespace().map(str::to_owned).collect(),
    };
    if let Some(unknown) = scopes
        .iter()
        .find(|s| *s != SCOPE_FILE_UPLOAD && *s != SCOPE_CUSTOMER_WRITE)
    {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            &format!("unknown scope {unknown:?}; scopes are file:upload and customer:write"),
        );
    }
    let token = random_id("at");
    let ttl = config.a_token_ttl;
    let scope = scopes.join(" ");
    state.a().tokens.insert(
        token.clone(),
        Token {
            scopes,
            expires: Instant::now() + ttl,
        },
    );
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": ttl.as_secs(),
            "scope": scope,
        })),
    )
        .into_response()
}

fn basic_credentials(request: &Request) -> Option<(String, String)> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// The scopes of the request's valid token, put in the request's extensions.
#[derive(Clone)]
pub(super) struct Scopes(Vec<String>);

/// Middleware: 401 unless the request carries a valid, unexpired token, whose [`Scopes`] it
/// then carries.
pub(super) async fn require_token(
    State(state): State<SandboxState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let Some(token) = bearer(&request) else {
        return Err(ApiError::unauthorized(
            "missing `Authorization: Bearer <token>`; get a token from POST /oauth/token",
        ));
    };
    let scopes =
        {
            let mut store = state.a();
            store.tokens.retain(|_, t| t.expires > Instant::now());
            match store.tokens.get(token) {
                Some(t) => t.scopes.clone(),
                None => return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "invalid_token",
                    "the access token is unknown or expired; get a new one from POST /oauth/token",
                )),
            }
        };
    request.extensions_mut().insert(Scopes(scopes));
    Ok(next.run(request).await)
}

/// 403 `insufficient_scope` unless the token has `scope`.
pub(super) fn need_scope(scopes: &Scopes, scope: &str) -> Result<(), ApiError> {
    if scopes.0.iter().any(|s| s == scope) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "insufficient_scope",
            format!("this endpoint needs the {scope} scope"),
        ))
    }
}
