//! Who may call: the host's backend with the host API key (`POST /v1/sessions`), the widget
//! with its session token ([`Authorized`]). Both come as `Authorization: Bearer …`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use subtle::ConstantTimeEq;

use crate::clock::now;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::SessionRecord;
use crate::token::TokenError;

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
        let StatusReader(session) = StatusReader::from_request_parts(parts, state).await?;
        if session.status.is_final() {
            return Err(ApiError::Revoked);
        }
        Ok(Authorized(session))
    }
}

/// The session a valid token names, whatever its status: the status read, so a widget
/// reloaded after the outcome can still show it.
pub(crate) struct StatusReader(pub(crate) SessionRecord);

impl FromRequestParts<AppState> for StatusReader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token =
            bearer(&parts.headers).ok_or(ApiError::Unauthorized("a session token is required"))?;
        authorize(state, token).map(StatusReader)
    }
}

/// The session `token` is valid for (counted against the session's request limit).
pub(crate) fn authorize(state: &AppState, token: &str) -> Result<SessionRecord, ApiError> {
    let session_id = state
        .token_keys
        .verify(token, now())
        .map_err(|err| match err {
            TokenError::Expired => ApiError::Unauthorized("the session token has expired"),
            TokenError::UnknownKey => {
                ApiError::Unauthorized("the session token's key is not known to this relay")
            }
            TokenError::Malformed | TokenError::BadSignature => {
                ApiError::Unauthorized("the session token is not valid")
            }
        })?;
    state.count_request(&session_id)?;
    state
        .store
        .session(&session_id)?
        .ok_or(ApiError::Unauthorized("the session no longer exists"))
}
