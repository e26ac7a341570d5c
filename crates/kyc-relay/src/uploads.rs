//! Uploads: one file into one slot of a session. The body is read as a stream, checked with
//! `kyc-core` as it arrives and spooled to disk; an `Idempotency-Key` makes a retried upload
//! answer the first one's file.
//!
//! Receiving and storing overlap: as soon as the file's head passed the checks that need only
//! the head (its format is then known), the provider is asked for a presigned URL and the PUT
//! starts, reading the spool right behind the body as it arrives ([`crate::spool`]). The checks
//! that need the whole file (an image's end and nothing after it, an archive appended to it, a
//! PDF's structure and active content) still run on the complete body before the relay
//! answers; until they pass, the PUT is held before the file's last byte. A file refused then,
//! or a body that breaks off or stalls, drops the unfinished PUT and answers as before (422
//! `invalid_file`, 400, 408) without recording anything. Holding the last byte is what keeps
//! the storage clean: a PUT whose body ends short of its `Content-Length` never completes, so
//! no object of a refused file is stored. What may remain at the provider is the file id a
//! presigned URL was issued for, with no object behind it and never named by an attach (the
//! relay records nothing): the same as when a PUT failed before this overlap existed.

use std::future::Future;

use axum::body::{Body, HttpBody};
use axum::http::{header, HeaderMap};
use kyc_core::image_end::ImageEnd;
use kyc_core::inspect::{head_is_sufficient, inspect_tail, MAX_HEAD_BYTES, TAIL_BYTES};
use kyc_core::wire::UploadReceipt;
use kyc_core::{
    inspect_file, inspect_head, FileFormat, FileReport, Slot, VerificationStatus, Violation,
};

use crate::clock::now;
use crate::error::ApiError;
use crate::provider::ProviderAdapter;
use crate::spool::{Spool, SpoolWriter};
use crate::state::AppState;
use crate::store::{BusinessPlace, KeyClaim, SessionRecord, SlotRecord, StoredFile};

/// How long an upload's claim on its `Idempotency-Key` holds while it runs; a claim older than
/// this (its relay died mid-upload) may be taken over by a retry.
const KEY_CLAIM_SECS: u64 = 15 * 60;

/// Where an upload goes: an individual's slot, or a business session's place (a company
/// document, or an owner's side with the provider's id of the owner).
#[derive(Clone, Debug)]
pub(crate) enum Target {
    Slot(Slot),
    Business {
        place: BusinessPlace,
        provider_owner_id: Option<String>,
    },
}

impl Target {
    /// The code its `Idempotency-Key` is claimed for.
    fn code(&self) -> String {
        match self {
            Target::Slot(slot) => slot.code().to_owned(),
            Target::Business { place, .. } => place.code(),
        }
    }

    /// The slot whose file checks (formats, PDF, resolution) apply: an owner's side is an
    /// identity document's side; a company document is checked as a document's front.
    fn checked_as(&self) -> Slot {
        match self {
            Target::Slot(slot) => *slot,
            Target::Business {
                place: BusinessPlace::Owner { slot, .. },
                ..
            } => *slot,
            Target::Business {
                place: BusinessPlace::Company(_),
                ..
            } => Slot::Front,
        }
    }
}

/// Stores one file of the session in `slot`: checked again here, then stored at the provider;
/// the slot's record.
///
/// With an `Idempotency-Key`, a retried upload never creates a second provider file: the key
/// is claimed in the database before anything is sent, a retry while the first runs is told
/// so (409 `upload_in_progress`), and a retry after it succeeded gets the same receipt without
/// sending the file again. A failed upload releases its key.
pub(crate) async fn upload(
    state: &AppState,
    session: &SessionRecord,
    slot: Slot,
    key: Option<String>,
    headers: &HeaderMap,
    body: Body,
) -> Result<SlotRecord, ApiError> {
    let file = upload_to(state, session, Target::Slot(slot), key, headers, body).await?;
    Ok(SlotRecord {
        slot,
        provider_file_id: file.provider_file_id,
        format: file.format,
        bytes: file.bytes,
    })
}

/// [`upload`] into any [`Target`]: the same checks, claim and provider upload.
pub(crate) async fn upload_to(
    state: &AppState,
    session: &SessionRecord,
    target: Target,
    key: Option<String>,
    headers: &HeaderMap,
    body: Body,
) -> Result<StoredFile, ApiError> {
    // Held until the upload's work ends, in the task below if the client goes away.
    let permit = state.limits.upload(&session.id)?;
    if let Some(key) = &key {
        match state
            .store
            .claim_business_key(&session.id, key, &target.code(), now(), KEY_CLAIM_SECS)
            .await?
        {
            KeyClaim::Claimed => {}
            KeyClaim::Done(record) => return Ok(record),
            KeyClaim::InFlight => {
                return Err(ApiError::Conflict {
                    code: "upload_in_progress",
                    message: "an upload with this Idempotency-Key is running; ask again shortly"
                        .to_owned(),
                })
            }
            KeyClaim::OtherSlot(other) => {
                return Err(ApiError::Conflict {
                    code: "idempotency_key_reused",
                    message: format!("this Idempotency-Key was used for the {other} slot"),
                })
            }
        }
    }
    // From the claim on, the upload runs to its end even if the client goes away: a body
    // that breaks off releases the key, a file the provider has is recorded.
    let state = state.clone();
    let session = session.clone();
    let headers = headers.clone();
    state
        .clone()
        .detached(async move {
            let stored = finish(&state, &session, &target, key, &headers, body).await;
            drop(permit);
            stored
        })
        .await
}

/// Stores the file and records it in its place (completing `key`), or releases `key`.
async fn finish(
    state: &AppState,
    session: &SessionRecord,
    target: &Target,
    key: Option<String>,
    headers: &HeaderMap,
    body: Body,
) -> Result<StoredFile, ApiError> {
    let (stored, spool) = match store_file(state, session, target, headers, body).await {
        Ok(stored) => stored,
        Err(err) => {
            if let Some(key) = &key {
                state.store.release_upload_key(&session.id, key).await?;
            }
            return Err(err);
        }
    };
    let kept = record(state, session, target, key.as_deref(), &stored).await;
    // The spool (an unlinked temporary file) is freed once the file is recorded: the release
    // of its blocks took a blocking thread the record's statements then waited for (in the
    // relay's bench, 50 MiB: the record 2.2 to 3.8 ms before, 0.8 to 1.0 ms after).
    spool.release();
    // The session was submitted while this upload ran: the place keeps what was submitted.
    kept?.then_some(stored).ok_or_else(|| ApiError::Conflict {
        code: "already_submitted",
        message: "the documents were submitted; files can no longer change".to_owned(),
    })
}

/// Records `stored` in `target`'s place of the session (completing `key`'s claim): whether it
/// was kept (not once the session was submitted).
async fn record(
    state: &AppState,
    session: &SessionRecord,
    target: &Target,
    key: Option<&str>,
    stored: &StoredFile,
) -> Result<bool, ApiError> {
    let at = now();
    Ok(match (target, key) {
        (Target::Slot(slot), key) => {
            let record = SlotRecord {
                slot: *slot,
                provider_file_id: stored.provider_file_id.clone(),
                format: stored.format,
                bytes: stored.bytes,
            };
            match key {
                Some(key) => {
                    state
                        .store
                        .complete_upload_key(&session.id, key, &record, at)
                        .await?
                }
                None => state.store.put_slot(&session.id, &record, at).await?,
            }
        }
        (Target::Business { place, .. }, Some(key)) => {
            state
                .store
                .complete_business_key(&session.id, key, place, stored, at)
                .await?
        }
        (Target::Business { place, .. }, None) => {
            state
                .store
                .put_business_file(&session.id, place, stored, at)
                .await?
        }
    })
}

/// The widget's answer for a stored file.
pub(crate) fn receipt(record: &SlotRecord) -> UploadReceipt {
    UploadReceipt {
        slot: record.slot,
        format: record.format,
        bytes: record.bytes,
    }
}

/// The `Idempotency-Key` header, if sent: 1 to 255 visible ASCII characters (e.g. a UUID).
pub(crate) fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.as_bytes();
    if key.is_empty() || key.len() > 255 || !key.iter().all(|b| (0x21..=0x7E).contains(b)) {
        return Err(ApiError::BadRequest(
            "Idempotency-Key must be 1 to 255 visible ASCII characters".to_owned(),
        ));
    }
    Ok(Some(String::from_utf8_lossy(key).into_owned()))
}

/// Checks the upload against the session and the file against `kyc-core`, and stores it at
/// the provider; the file to keep, and its spool, to release.
async fn store_file(
    state: &AppState,
    session: &SessionRecord,
    target: &Target,
    headers: &HeaderMap,
    body: Body,
) -> Result<(StoredFile, Spool), ApiError> {
    if session.status != VerificationStatus::NotSubmitted {
        return Err(ApiError::Conflict {
            code: "already_submitted",
            message: "the documents were submitted; files can no longer change".to_owned(),
        });
    }
    // A slot the provider has no place for with any document it accepts for this customer
    // (e.g. a selfie at A, a liveness capture at B) is refused before reading the body. A
    // business place was checked against the business rules by its caller.
    if let Target::Slot(slot) = target {
        let policy = state.config.policy(session);
        let usable = policy
            .accepted_documents()
            .into_iter()
            .any(|document| policy.allowed_slots(document).contains(slot));
        if !usable {
            let violation = Violation::UnexpectedSlot { slot: *slot };
            return Err(ApiError::InvalidSubmission(vec![violation]));
        }
    }
    let limit = state.config.limits.max_bytes;
    let declared = declared_length(headers, &body)?;
    if declared > limit {
        return Err(ApiError::TooLarge(limit));
    }
    let claimed = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let mut receiving = Receiving::new(state, body, declared, claimed, target.checked_as())?;
    let started = std::time::Instant::now();
    let (received, file_id) = match receiving.read_head().await? {
        // The head passed: the URL request and the PUT run while the rest arrives.
        Some(format) => match state.provider(session.provider) {
            Ok(provider) => {
                let spool = receiving.spool();
                let send = send_file(provider.as_ref(), session, target, format, &spool);
                overlap(receiving.finish(), send).await?
            }
            Err(err) => {
                receiving.finish().await?;
                return Err(err);
            }
        },
        // The whole body was shorter than what the head check wants: it is judged whole.
        None => {
            let received = receiving.finish().await?;
            let provider = state.provider(session.provider)?;
            let format = received.report.format;
            let file_id =
                send_file(provider.as_ref(), session, target, format, &received.spool).await?;
            (received, file_id)
        }
    };
    tracing::debug!(
        bytes = declared,
        ms = started.elapsed().as_millis() as u64,
        "upload received and stored"
    );
    // An early return above frees the spool at once; the caller once it recorded the file.
    let report = received.report;
    let stored = StoredFile {
        provider_file_id: file_id,
        format: report.format,
        bytes: report.bytes,
    };
    Ok((stored, received.spool))
}

/// Stores the file at the provider in `target`'s place: the provider's file id.
async fn send_file(
    provider: &dyn ProviderAdapter,
    session: &SessionRecord,
    target: &Target,
    format: FileFormat,
    spool: &Spool,
) -> Result<String, ApiError> {
    let customer = &session.provider_customer_id;
    let file_id = match target {
        Target::Slot(slot) => provider.upload(customer, *slot, format, spool).await?,
        Target::Business {
            place: BusinessPlace::Company(document),
            ..
        } => {
            provider
                .upload_company_document(customer, *document, format, spool)
                .await?
        }
        Target::Business {
            place:
                BusinessPlace::Owner {
                    slot,
                    document_type,
                    ..
                },
            provider_owner_id,
        } => {
            let owner = provider_owner_id.as_deref().ok_or_else(|| {
                ApiError::Internal("an owner upload without the provider's owner".to_owned())
            })?;
            provider
                .upload_owner_file(customer, owner, *slot, *document_type, format, spool)
                .await?
        }
    };
    Ok(file_id)
}

/// Runs the rest of the receiving (`rest`, which ends with the whole-file checks) beside the
/// provider upload (`send`). The receiving's answer comes first, as when the file was stored
/// only after it: a refused or broken-off body drops the upload unfinished; a provider that
/// failed early is told only for a file that passed.
async fn overlap(
    rest: impl Future<Output = Result<Received, ApiError>>,
    send: impl Future<Output = Result<String, ApiError>>,
) -> Result<(Received, String), ApiError> {
    tokio::pin!(rest);
    tokio::pin!(send);
    let mut sent = None;
    let received = loop {
        tokio::select! {
            received = &mut rest => break received,
            result = &mut send, if sent.is_none() => sent = Some(result),
        }
    };
    let received = received?;
    let file_id = match sent {
        Some(result) => result?,
        None => send.await?,
    };
    Ok((received, file_id))
}

/// The upload's length: its `Content-Length`, or the exact length the body knows of itself (a
/// body built in-process). A body of unknown length is refused before anything is read: the
/// size bound is checked against the declared length, and the provider is sent that length.
fn declared_length(headers: &HeaderMap, body: &Body) -> Result<u64, ApiError> {
    if let Some(value) = headers.get(header::CONTENT_LENGTH) {
        return value
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .ok_or_else(|| ApiError::BadRequest("Content-Length is not a number".to_owned()));
    }
    body.size_hint()
        .exact()
        .ok_or_else(|| ApiError::BadRequest("the upload needs a Content-Length header".to_owned()))
}

/// A received upload: checked, and spooled to disk for the provider.
struct Received {
    report: FileReport,
    spool: Spool,
}

/// An upload's body being read as a stream: the head stays in memory until `kyc-core` can
/// judge it ([`head_is_sufficient`]); a file it refuses is not read further. Every byte goes to
/// a spool file, never to memory as a whole, except a PDF: its encryption and structure are in
/// its trailer and cross-reference sections anywhere in the file, so a PDF (at most
/// `limits.max_bytes`, 10 MiB by default; statements and scans are small) is kept whole,
/// checked with [`inspect_file`] and parsed for active content ([`crate::pdf`]). An image's
/// structure is walked over every byte as it streams by ([`ImageEnd`]): it must reach its end
/// with nothing after it. A body longer or shorter than declared is refused (400).
struct Receiving<'a> {
    state: &'a AppState,
    stream: axum::body::BodyDataStream,
    declared: u64,
    claimed: Option<&'a str>,
    slot: Slot,
    head: Vec<u8>,
    writer: SpoolWriter,
    judged: Option<kyc_core::HeadReport>,
    keep_whole: bool,
    image_end: Option<ImageEnd>,
}

impl<'a> Receiving<'a> {
    fn new(
        state: &'a AppState,
        body: Body,
        declared: u64,
        claimed: Option<&'a str>,
        slot: Slot,
    ) -> Result<Receiving<'a>, ApiError> {
        let writer = SpoolWriter::new(state.config.spool_dir.as_deref(), declared).map_err(
            |err| match err.kind() {
                // The spool's disk has no room for this file now (its space is reserved up
                // front): as when the relay takes as many uploads as it can, the widget retries.
                std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
                    tracing::warn!(bytes = declared, "the spool's disk is full");
                    ApiError::busy("the relay has no room for this file now")
                }
                _ => ApiError::Internal(format!("spool file: {err}")),
            },
        )?;
        Ok(Receiving {
            state,
            stream: body.into_data_stream(),
            declared,
            claimed,
            slot,
            head: Vec::new(),
            writer,
            judged: None,
            keep_whole: false,
            image_end: None,
        })
    }

    /// Reads until the head is judged (its format, once it passed) or the body ends (`None`:
    /// the whole body is the head, judged by [`Receiving::finish`]).
    async fn read_head(&mut self) -> Result<Option<FileFormat>, ApiError> {
        while self.judged.is_none() {
            if !self.next_chunk().await? {
                break;
            }
        }
        Ok(self.judged.as_ref().map(|judged| judged.file.format))
    }

    /// The spool as it is written, for the provider's PUT.
    fn spool(&self) -> Spool {
        self.writer.spool()
    }

    /// Judges the head once it holds enough.
    fn judge(&mut self) -> Result<(), ApiError> {
        let head = &self.head;
        if self.judged.is_some()
            || !(head_is_sufficient(head, self.declared) || head.len() >= MAX_HEAD_BYTES)
        {
            return Ok(());
        }
        let limits = &self.state.config.limits;
        let report = inspect_head(head, self.declared, self.claimed, self.slot, limits)
            .map_err(ApiError::InvalidFile)?;
        // A PDF is parsed whole for active content, even when the head check had it all.
        self.keep_whole = report.needs_whole_file || report.file.format == FileFormat::Pdf;
        self.image_end = ImageEnd::new(report.file.format);
        if let Some(end) = &mut self.image_end {
            end.feed(&self.head);
        }
        if !self.keep_whole {
            self.head = Vec::new();
        }
        self.judged = Some(report);
        Ok(())
    }

    /// Reads and spools the next chunk of the body; `false` at its end.
    async fn next_chunk(&mut self) -> Result<bool, ApiError> {
        self.judge()?;
        let timeout = self.state.config.body_idle_timeout;
        let next = futures_util::StreamExt::next(&mut self.stream);
        let Ok(next) = tokio::time::timeout(timeout, next).await else {
            return Err(ApiError::Limited {
                status: axum::http::StatusCode::REQUEST_TIMEOUT,
                code: "body_timeout",
                message: format!(
                    "the body sent nothing for {} s; send the file again",
                    timeout.as_secs_f32()
                ),
            });
        };
        let Some(chunk) = next else {
            return Ok(false);
        };
        let chunk =
            chunk.map_err(|err| ApiError::BadRequest(format!("the upload broke off: {err}")))?;
        if self.writer.len() + chunk.len() as u64 > self.declared {
            return Err(ApiError::BadRequest(
                "the body is longer than its Content-Length".to_owned(),
            ));
        }
        if self.judged.is_none() || self.keep_whole {
            self.head.extend_from_slice(&chunk);
        }
        if let Some(end) = &mut self.image_end {
            end.feed(&chunk);
        }
        self.writer
            .write(chunk)
            .await
            .map_err(|err| ApiError::Internal(format!("spool file: {err}")))?;
        Ok(true)
    }

    /// Reads the rest of the body and runs the checks that need the whole file; the spool is
    /// sealed (its last byte released to the PUT) only when they passed.
    async fn finish(mut self) -> Result<Received, ApiError> {
        while self.next_chunk().await? {}
        if self.writer.len() != self.declared {
            return Err(ApiError::BadRequest(format!(
                "the body has {} bytes, its Content-Length says {}",
                self.writer.len(),
                self.declared
            )));
        }
        let limits = &self.state.config.limits;
        let (claimed, slot) = (self.claimed, self.slot);
        let mut head = std::mem::take(&mut self.head);
        let mut image_end = self.image_end.take();
        let judged = match self.judged.take() {
            Some(judged) => judged,
            // The whole body is in the head (a file shorter than what the head check wants).
            None => {
                let judged = inspect_head(&head, self.declared, claimed, slot, limits)
                    .map_err(ApiError::InvalidFile)?;
                image_end = ImageEnd::new(judged.file.format);
                if let Some(end) = &mut image_end {
                    end.feed(&head);
                }
                judged
            }
        };
        let needs_tail = judged.needs_tail;
        let head_format = judged.file.format;
        let report = if judged.needs_whole_file {
            inspect_file(&head, claimed, slot, limits).map_err(ApiError::InvalidFile)?
        } else {
            judged.file
        };
        if report.format != head_format {
            // The PUT already started with the head's format (its Content-Type).
            return Err(ApiError::Internal(format!(
                "the file's format changed from {head_format:?} to {:?} after its head",
                report.format
            )));
        }
        if report.format == FileFormat::Pdf {
            // Active content inside compressed object streams, which the byte scan cannot see,
            // and whether an encrypted one opens without a password.
            let whole = std::mem::take(&mut head);
            crate::pdf::check(&self.state.config.pdf_parser, whole)
                .await
                .map_err(|problem| match problem {
                    Some(problem) => ApiError::InvalidFile(vec![problem]),
                    None => ApiError::Internal("the PDF check could not run".to_owned()),
                })?;
        }
        let spool_error = |err: std::io::Error| ApiError::Internal(format!("spool file: {err}"));
        self.writer.flush().await.map_err(spool_error)?;
        // An archive appended to the file (a JPEG/ZIP polyglot) is at its end, which the head
        // check did not see: the last 64 KiB are read back from the spool. It is the more
        // specific name for bytes after an image's end, so it is told first.
        if needs_tail {
            let tail = self
                .writer
                .spool()
                .tail(TAIL_BYTES as u64)
                .await
                .map_err(spool_error)?;
            inspect_tail(&tail).map_err(|problem| ApiError::InvalidFile(vec![problem]))?;
        }
        if let Some(end) = &image_end {
            end.finish()
                .map_err(|problem| ApiError::InvalidFile(vec![problem]))?;
        }
        let spool = self.writer.finish().await.map_err(spool_error)?;
        Ok(Received { report, spool })
    }
}
