//! Attachment routes: grant an upload (a presigned S3 `PUT`), say how an upload fared, and hand out
//! a short-lived link to an attached file, to exactly those who may read the message it belongs
//! to. The bytes never pass through this function.

use crate::{Reply, json, not_found, store_error};
use aws_sdk_s3::presigning::PresigningConfig;
use chrono::{Duration, Utc};
use helpdesk_aws::{TicketStore, Uploads, config, keys, new_id};
use helpdesk_core::api::parse_body;
use helpdesk_core::attachment::{
    self, AttachmentRef, DownloadLink, Limits, PRESIGN_SECONDS, STAGED_SECONDS, Upload, UploadGrant, UploadRequest, UploadState,
};
use helpdesk_core::commands;
use helpdesk_core::{Actor, ApiError, ErrorCode, FieldError, FieldErrorCode};
use lambda_http::http::StatusCode;
use std::collections::BTreeMap;

/// The attachments bucket and how files are signed into and out of it.
#[derive(Clone)]
pub struct Files {
    s3: aws_sdk_s3::Client,
    bucket: String,
    pub limits: Limits,
}

impl Files {
    pub fn new(s3: aws_sdk_s3::Client, bucket: impl Into<String>, limits: Limits) -> Self {
        Files { s3, bucket: bucket.into(), limits }
    }

    /// An S3 client for presigning ([`helpdesk_aws::objects::s3_config`]).
    pub fn client(sdk: &config::SdkConfig, path_style: bool) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(helpdesk_aws::objects::s3_config(sdk, path_style).build())
    }

    /// From `ATTACHMENTS_BUCKET`, `MAX_ATTACHMENT_BYTES` and `MAX_ATTACHMENTS` (limits default
    /// when unset); `None` without a bucket.
    pub fn from_env(sdk: &config::SdkConfig, path_style: bool) -> Result<Option<Self>, String> {
        let Some(bucket) = std::env::var(config::ATTACHMENTS_BUCKET).ok().filter(|b| !b.is_empty()) else { return Ok(None) };
        Ok(Some(Files::new(Self::client(sdk, path_style), bucket, config::attachment_limits()?)))
    }

    fn presigning() -> Result<PresigningConfig, ApiError> {
        PresigningConfig::expires_in(std::time::Duration::from_secs(PRESIGN_SECONDS as u64)).map_err(internal)
    }

    /// A `PUT` that only takes exactly `size` bytes of `content_type`, tagged as staged.
    async fn presign_put(&self, key: &str, size: u64, content_type: &str) -> Result<(String, BTreeMap<String, String>), ApiError> {
        let request = self
            .s3
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_length(i64::try_from(size).map_err(internal)?)
            .content_type(content_type)
            .tagging(keys::STAGED_TAG)
            .presigned(Self::presigning()?)
            .await
            .map_err(internal)?;
        // The browser sets Content-Length itself; it must send the other signed headers as given.
        let headers = request
            .headers()
            .filter(|(name, _)| !name.eq_ignore_ascii_case("content-length") && !name.eq_ignore_ascii_case("host"))
            .map(|(name, value)| (name.to_ascii_lowercase(), value.to_string()))
            .collect();
        Ok((request.uri().to_string(), headers))
    }

    /// A link to exactly the version that was checked.
    pub(crate) async fn presign_get(&self, key: &str, version: Option<&str>, file: &AttachmentRef) -> Result<(String, bool), ApiError> {
        let inline = attachment::is_inline(&file.content_type);
        let request = self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .set_version_id(version.map(str::to_string))
            .response_content_disposition(attachment::content_disposition(&file.name, inline))
            .response_content_type(&file.content_type)
            .presigned(Self::presigning()?)
            .await
            .map_err(internal)?;
        Ok((request.uri().to_string(), inline))
    }

    /// Copies an object within the bucket (an admin's retry of a rejected message); a source
    /// that is gone answers 404.
    pub async fn copy(&self, from: &str, to: &str) -> Result<(), ApiError> {
        let source = format!("{}/{}", self.bucket, percent_encoding::utf8_percent_encode(from, percent_encoding::NON_ALPHANUMERIC));
        match self.s3.copy_object().bucket(&self.bucket).copy_source(source).key(to).send().await {
            Ok(_) => Ok(()),
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 404) => {
                Err(ApiError::new(ErrorCode::NotFound, "the message is no longer stored"))
            }
            Err(e) => Err(internal(aws_sdk_s3::error::DisplayErrorContext(e))),
        }
    }

    /// Takes the staged tag off the files about to be attached, so the bucket's lifecycle rule
    /// leaves them be. Done before the ticket's transaction: if that then fails, a file is kept
    /// unattached (a little storage), never lost after being attached.
    pub(crate) async fn keep(&self, files: &[(AttachmentRef, Option<String>)]) -> Result<(), ApiError> {
        for (file, version) in files {
            let untag = self.s3.delete_object_tagging().bucket(&self.bucket).key(keys::upload_object_key(&file.id));
            untag.set_version_id(version.clone()).send().await.map_err(internal)?;
        }
        Ok(())
    }
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "attachments");
    ApiError::new(ErrorCode::Internal, "the file store did not answer")
}

pub(crate) fn unavailable() -> ApiError {
    ApiError::new(ErrorCode::RouteNotFound, "attachments are not set up on this deployment")
}

/// `POST /api/uploads`: a place for one file.
pub async fn request_upload<S: Uploads>(store: &S, files: Option<&Files>, actor: &Actor, body: &[u8]) -> Reply {
    let files = files.ok_or_else(unavailable)?;
    let request: UploadRequest = parse_body(body)?;
    let (file_name, content_type) = attachment::check_upload_request(&request, &files.limits)?;
    let now = Utc::now();
    let upload = Upload::new(new_id(), &actor.id, file_name, request.size, content_type.to_string(), UploadState::Pending, now);
    let (url, headers) = files.presign_put(&keys::upload_object_key(&upload.id), upload.size, &upload.content_type).await?;
    store.put_upload(&upload, (now + Duration::seconds(STAGED_SECONDS)).timestamp()).await.map_err(store_error)?;
    let grant = UploadGrant { upload, method: "PUT".into(), url, headers, expires_at: now + Duration::seconds(PRESIGN_SECONDS) };
    json(StatusCode::CREATED, &grant)
}

/// `GET /api/uploads/{id}`: how the uploader's file fared (pending, ready, rejected and why).
pub async fn get_upload<S: Uploads>(store: &S, actor: &Actor, id: &str) -> Reply {
    let upload = store.get_upload(id).await.map_err(store_error)?.filter(|u| u.uploader == actor.id).ok_or_else(|| not_found("upload"))?;
    json(StatusCode::OK, &upload)
}

/// `GET /api/attachments/{id}`: a short-lived link to an attached file, for whoever may read the
/// message that carries it (a note's files never reach a requester; a ticket the caller may not
/// see answers 404 like a missing file).
pub async fn download<S: TicketStore + Uploads>(store: &S, files: Option<&Files>, actor: &Actor, id: &str) -> Reply {
    let files = files.ok_or_else(unavailable)?;
    let upload = store.get_upload(id).await.map_err(store_error)?.ok_or_else(|| not_found("attachment"))?;
    let (Some(ticket_id), Some(event_id), UploadState::Attached) = (&upload.ticket, &upload.event, upload.state) else {
        return Err(not_found("attachment"));
    };
    let (ticket, events) = crate::tickets::load(store, actor, ticket_id).await.map_err(|_| not_found("attachment"))?;
    let visible = commands::visible_events(actor, &ticket, &events);
    let file = visible
        .iter()
        .find(|e| &e.id == event_id)
        .and_then(|e| e.kind.attachments().iter().find(|f| f.id == upload.id))
        .ok_or_else(|| not_found("attachment"))?;
    let (url, inline) = files.presign_get(&keys::upload_object_key(&upload.id), upload.object_version.as_deref(), file).await?;
    json(StatusCode::OK, &DownloadLink { url, expires_at: Utc::now() + Duration::seconds(PRESIGN_SECONDS), inline })
}

/// The writer's own upload `id`, ready to attach; else why not, as an error at `field`.
pub(crate) async fn ready_upload<S: Uploads>(
    store: &S,
    actor: &Actor,
    id: &str,
    field: String,
) -> Result<Result<Upload, FieldError>, ApiError> {
    let upload = if ulid::Ulid::from_string(id).is_ok() { store.get_upload(id).await.map_err(store_error)? } else { None };
    Ok(match upload.filter(|u| u.uploader == actor.id) {
        None => Err(FieldError::new(field, FieldErrorCode::NotFound, "no such upload of yours")),
        Some(u) if u.state == UploadState::Ready => Ok(u),
        Some(u) if u.state == UploadState::Pending => Err(FieldError::new(field, FieldErrorCode::NotEligible, "still being checked")),
        Some(_) => Err(FieldError::new(field, FieldErrorCode::NotEligible, "refused or attached already")),
    })
}

/// The files a create or message request names, checked: each a ready upload of the writer's,
/// named once, no more than the limit. Their staged tag comes off (see [`Files::keep`]); the
/// ticket's transaction then claims them.
pub async fn claim<S: Uploads>(store: &S, files: Option<&Files>, actor: &Actor, ids: &[String]) -> Result<Vec<AttachmentRef>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let files = files.ok_or_else(unavailable)?;
    if ids.len() > files.limits.max_files {
        let message = format!("at most {} files", files.limits.max_files);
        return Err(ApiError::validation(vec![FieldError::new("attachments", FieldErrorCode::OutOfRange, message)]));
    }
    let mut refs: Vec<(AttachmentRef, Option<String>)> = Vec::with_capacity(ids.len());
    let mut errors = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let field = format!("attachments[{i}]");
        if ids[..i].contains(id) {
            errors.push(FieldError::new(field, FieldErrorCode::Duplicate, "named twice"));
            continue;
        }
        match ready_upload(store, actor, id, field).await? {
            Ok(u) => refs.push((u.reference(), u.object_version.clone())),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    files.keep(&refs).await?;
    Ok(refs.into_iter().map(|(file, _)| file).collect())
}
