//! Who may call: the host's backend with the host API key (`POST /v1/sessions`), the widget
//! with its session token ([`Authorized`]), or only its status with a status token
//! ([`StatusReader`], see `status_token`). Both come as `Authorization: Bearer …`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use subtle::ConstantTimeEq;

use crate::clock::now;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::SessionRecord;
use crate::token::{Scope, TokenError};

/// The credential of an `Authorization: Bearer …` header.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, credential) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| credential.trim())
}

/// Checks that the request carries the host API key (compared in constant time).
pub(crate) fn require_host_key(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let key = bearer(headers).ok_or(ApiError::Unauthorized("a host API key is required"))?;
    if !bool::from(key.as_bytes().ct_eq(state.config.host_api_key.as_bytes())) {
        return Err(ApiError::Unauthorized("the host API key is not valid"));
    }
    Ok(())
}

/// The host API key, checked from the headers (an extractor, so it runs before the body is
/// read: a caller without the key costs no body buffering).
pub(crate) struct HostKey;

impl FromRequestParts<AppState> for HostKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        require_host_key(state, &parts.headers).map(|()| HostKey)
    }
}

/// The session a valid token names, still open: every widget endpoint but the status read
/// takes one. Once the session's status is final its tokens are revoked (401 `token_revoked`).
pub(crate) struct Authorized(pub(crate) SessionRecord);

impl FromRequestParts<AppState> for Authorized {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token =
            bearer(&parts.headers).ok_or(ApiError::Unauthorized("a session token is required"))?;
        let (session, scope) = authorize_scoped(state, token).await?;
        if scope == Scope::StatusOnly {
            return Err(ApiError::Forbidden(
                "a status token only reads the status; this needs the session token",
            ));
        }
        if session.status.is_final() {
            return Err(ApiError::Revoked);
        }
        Ok(Authorized(session))
    }
}

/// The session a valid session or status token names, whatever its status: the status read
/// (and the status token's renewal), so a widget reloaded after the outcome can still show it.
pub(crate) struct StatusReader(pub(crate) SessionRecord);

impl FromRequestParts<AppState> for StatusReader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token =
            bearer(&parts.headers).ok_or(ApiError::Unauthorized("a session token is required"))?;
        authorize(state, token).await.map(StatusReader)
    }
}

/// The session `token` (a session or a status token) is valid for, to read its status (counted
/// against the session's request limit).
pub(crate) async fn authorize(state: &AppState, token: &str) -> Result<SessionRecord, ApiError> {
    authorize_scoped(state, token)
        .await
        .map(|(session, _)| session)
}

/// The session `token` is valid for and what the token allows.
async fn authorize_scoped(
    state: &AppState,
    token: &str,
) -> Result<(SessionRecord, Scope), ApiError> {
    let (session_id, scope) =
        state
            .token_keys
            .verify_scoped(token, now())
            .map_err(|err| match err {
                TokenError::Expired => ApiError::Unauthorized("the session token has expired"),
                TokenError::UnknownKey => {
                    ApiError::Unauthorized("the session token's key is not known to this relay")
                }
                TokenError::Malformed | TokenError::BadSignature => {
                    ApiError::Unauthorized("the session token is not valid")
                }
            })?;
    state.count_request(&session_id).await?;
    let session = state
        .store
        .session(&session_id)
        .await?
        .ok_or(ApiError::Unauthorized("the session no longer exists"))?;
    // Taken over by a newer session of its customer: neither it nor its status is the
    // customer's any more (it was never submitted), so even the status read is refused.
    if session.superseded_by.is_some() {
        return Err(ApiError::Superseded);
    }
    Ok((session, scope))
}
