//! The attachments function. S3 tells it of every object put under `uploads/`; it reads the
//! object's first bytes, decides the real type from them (never from the name or the type the
//! browser claimed), holds the size to the one announced and to the limit, and records the upload
//! as ready, or as rejected (and deletes the object). The upload record changes only while
//! pending, so the same event delivered twice is recorded once.

use aws_lambda_events::event::s3::{S3Event, S3EventRecord};
use helpdesk_aws::{ObjectStore, StoreError, Uploads, keys};
use helpdesk_core::attachment::{self, Limits, RejectReason, SNIFF_BYTES, Upload, UploadState};
use serde::Serialize;

/// The environment variables this function reads in AWS.
pub const ENVIRONMENT: &[&str] = &[
    helpdesk_aws::config::TABLE_NAME,
    helpdesk_aws::config::ATTACHMENTS_BUCKET,
    helpdesk_aws::config::MAX_ATTACHMENT_BYTES,
    helpdesk_aws::config::MAX_ATTACHMENTS,
];

/// What one event did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub ready: usize,
    pub rejected: usize,
    /// Delivered again, or for an object that is no upload of ours: nothing to do.
    pub ignored: usize,
}

/// Office formats are zip files inside: their announced type stands when the bytes show a zip.
const ZIP_CONTAINERS: &[&str] = &[
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
];

/// The type the first bytes of a file show, as the allow-list spells it; `None` when they show
/// nothing it knows (then only plain text, announced as such, passes).
pub fn sniff(first_bytes: &[u8], announced: &str) -> Option<String> {
    match infer::get(first_bytes).map(|kind| kind.mime_type()) {
        Some("application/zip") if ZIP_CONTAINERS.contains(&announced) => Some(announced.to_string()),
        Some("application/x-rar-compressed") => Some("application/vnd.rar".into()),
        Some("image/heic") => Some("image/heif".into()),
        Some(mime) => Some(mime.to_string()),
        None if announced == "text/plain" && looks_like_text(first_bytes) => Some("text/plain".into()),
        None => None,
    }
}

/// UTF-8 (a character cut at the end of the sample aside) without NUL bytes or markup openers a
/// browser would take for a page.
fn looks_like_text(bytes: &[u8]) -> bool {
    let valid = match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && bytes.len() - e.valid_up_to() < 4,
    };
    let start = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).trim_start().to_ascii_lowercase();
    valid && !bytes.contains(&0) && !start.starts_with("<!doctype html") && !start.starts_with("<html") && !start.starts_with("<svg")
}

/// What an upload becomes, given what arrived: `Ok(type)` or why it is refused.
pub fn verdict(upload: &Upload, arrived_size: u64, first_bytes: &[u8], limits: &Limits) -> Result<String, RejectReason> {
    if let Some(problem) = size_problem(arrived_size, limits) {
        return Err(problem);
    }
    if arrived_size != upload.size {
        return Err(RejectReason::SizeMismatch);
    }
    allowed_type(first_bytes, &upload.content_type)
}

/// Why a file of `size` bytes is refused for its size alone, if it is.
pub fn size_problem(size: u64, limits: &Limits) -> Option<RejectReason> {
    if size == 0 {
        Some(RejectReason::Empty)
    } else if size > limits.max_bytes {
        Some(RejectReason::TooLarge)
    } else {
        None
    }
}

/// The allowed type the first bytes show (`announced` decides only where the bytes cannot, see
/// [`sniff`]), or `TypeNotAllowed`.
pub fn allowed_type(first_bytes: &[u8], announced: &str) -> Result<String, RejectReason> {
    match sniff(first_bytes, announced) {
        Some(kind) if attachment::is_allowed(&kind) => Ok(kind),
        _ => Err(RejectReason::TypeNotAllowed),
    }
}

/// S3 writes keys URL-encoded in events (`uploads%2F01J…`, `+` for a space).
pub fn decode_key(raw: &str) -> Option<String> {
    percent_encoding::percent_decode_str(&raw.replace('+', " ")).decode_utf8().ok().map(|k| k.into_owned())
}

fn object_key(record: &S3EventRecord) -> Option<String> {
    decode_key(record.s3.object.key.as_deref()?)
}

/// An S3 notification as a queue receives it (the local runner's path; S3 → SQS in general):
/// `None` for S3's test event. Members some emulators leave out (moto: `userIdentity`,
/// `requestParameters`, `responseElements`, the bucket's `ownerIdentity`, a zone on `eventTime`)
/// are filled in as S3 sends them, so the handler reads what Lambda would hand it.
pub fn notification(body: &str) -> Result<Option<S3Event>, String> {
    let mut value = serde_json::from_str::<serde_json::Value>(body).map_err(|e| format!("not JSON: {e}"))?;
    if value.get("Event").and_then(|e| e.as_str()) == Some("s3:TestEvent") {
        return Ok(None);
    }
    for record in value.get_mut("Records").and_then(|r| r.as_array_mut()).into_iter().flatten() {
        let Some(fields) = record.as_object_mut() else { continue };
        fields.entry("userIdentity").or_insert_with(|| serde_json::json!({"principalId": "local"}));
        fields.entry("requestParameters").or_insert_with(|| serde_json::json!({"sourceIPAddress": "127.0.0.1"}));
        fields.entry("responseElements").or_insert_with(|| serde_json::json!({}));
        if let Some(bucket) = fields.get_mut("s3").and_then(|s3| s3.get_mut("bucket")).and_then(|b| b.as_object_mut()) {
            bucket.entry("ownerIdentity").or_insert_with(|| serde_json::json!({"principalId": "local"}));
        }
        if let Some(time) = fields.get("eventTime").and_then(|t| t.as_str()).filter(|t| !t.ends_with('Z') && !t.contains('+')) {
            let zoned = format!("{time}Z");
            fields.insert("eventTime".into(), serde_json::Value::String(zoned));
        }
    }
    serde_json::from_value(value).map(Some).map_err(|e| e.to_string())
}

/// Deletes the current version of a checked upload's object unless it is the version that was
/// checked (a rejected upload keeps no object at all).
async fn remove_replacement<O: ObjectStore>(objects: &O, bucket: &str, key: &str, upload: &Upload) -> Result<(), StoreError> {
    let Some(current) = objects.first_bytes(bucket, key, 1).await? else { return Ok(()) };
    let replaced = match (&upload.object_version, upload.state) {
        (_, UploadState::Rejected) => true,
        (Some(checked), _) => current.version.as_ref() != Some(checked),
        // A bucket without versioning cannot tell one PUT from the next (the template's is versioned).
        (None, _) => false,
    };
    if replaced {
        tracing::warn!(key, state = ?upload.state, "a second upload to a checked key: removed");
        objects.delete(bucket, key, current.version.as_deref()).await?;
    }
    Ok(())
}

/// Handles one S3 event: every record in it.
pub async fn handle<S: Uploads, O: ObjectStore>(
    store: &S,
    objects: &O,
    bucket: &str,
    limits: &Limits,
    event: &S3Event,
) -> Result<Report, StoreError> {
    let mut report = Report::default();
    for record in &event.records {
        let in_our_bucket = record.s3.bucket.name.as_deref() == Some(bucket);
        let key = object_key(record);
        let id = key.as_deref().and_then(keys::upload_id_of_key);
        let (Some(key), Some(id), true) = (key.as_deref(), id, in_our_bucket) else {
            tracing::warn!(key = ?record.s3.object.key, bucket = ?record.s3.bucket.name, "an object that is no upload: left alone");
            report.ignored += 1;
            continue;
        };
        let upload = match store.get_upload(id).await? {
            Some(upload) if upload.state == UploadState::Pending => upload,
            Some(upload) => {
                // Checked already: a later PUT to the same key (within the grant's minutes) is
                // not what was checked. Its version goes; the checked one stays current.
                remove_replacement(objects, bucket, key, &upload).await?;
                report.ignored += 1;
                continue;
            }
            None => {
                // Nobody was granted this key: whatever it is, it does not stay.
                tracing::warn!(key, "an object under uploads/ with no upload record: deleted");
                if let Some(start) = objects.first_bytes(bucket, key, 1).await? {
                    objects.delete(bucket, key, start.version.as_deref()).await?;
                }
                report.ignored += 1;
                continue;
            }
        };
        // What is there now is what gets judged and recorded (its size, its version), whatever
        // the event said.
        let Some(start) = objects.first_bytes(bucket, key, SNIFF_BYTES).await? else {
            report.ignored += 1;
            continue;
        };
        let version = start.version.clone();
        let settled = match verdict(&upload, start.size, &start.bytes, limits) {
            Ok(kind) => {
                Upload { state: UploadState::Ready, size: start.size, content_type: kind, object_version: version.clone(), ..upload }
            }
            Err(reason) => {
                Upload { state: UploadState::Rejected, size: start.size, reason: Some(reason), object_version: version.clone(), ..upload }
            }
        };
        if !store.settle_upload(&settled).await? {
            report.ignored += 1;
            continue;
        }
        if settled.state == UploadState::Rejected {
            tracing::info!(id, reason = ?settled.reason, "upload rejected");
            objects.delete(bucket, key, version.as_deref()).await?;
            report.rejected += 1;
        } else {
            report.ready += 1;
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    const EXE: &[u8] = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0\xb8\0\0\0\0\0\0\0@\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x80\0\0\0PE\0\0";
    const ELF: &[u8] = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0>\0\x01\0\0\0";

    fn upload(size: u64, content_type: &str) -> Upload {
        Upload {
            id: "01J".into(),
            uploader: "anna".into(),
            file_name: "x".into(),
            size,
            content_type: content_type.into(),
            state: UploadState::Pending,
            reason: None,
            created_at: chrono::DateTime::UNIX_EPOCH,
            ticket: None,
            article: None,
            event: None,
            internal: false,
            object_version: None,
        }
    }

    #[test]
    fn the_bytes_decide_the_type_not_the_name_or_the_claim() {
        let limits = Limits::default();
        assert_eq!(verdict(&upload(PNG.len() as u64, "image/png"), PNG.len() as u64, PNG, &limits), Ok("image/png".into()));
        assert_eq!(verdict(&upload(PNG.len() as u64, "text/plain"), PNG.len() as u64, PNG, &limits), Ok("image/png".into()));
        for bad in [EXE, ELF] {
            assert_eq!(verdict(&upload(bad.len() as u64, "image/png"), bad.len() as u64, bad, &limits), Err(RejectReason::TypeNotAllowed));
        }
        let html = b"<!DOCTYPE html><script>alert(1)</script>";
        assert_eq!(verdict(&upload(html.len() as u64, "text/plain"), html.len() as u64, html, &limits), Err(RejectReason::TypeNotAllowed));
        let log = "2026-11-28 ERROR printer offline — ошибка\n".as_bytes();
        assert_eq!(verdict(&upload(log.len() as u64, "text/plain"), log.len() as u64, log, &limits), Ok("text/plain".into()));
        assert_eq!(verdict(&upload(log.len() as u64, "image/png"), log.len() as u64, log, &limits), Err(RejectReason::TypeNotAllowed));
    }

    #[test]
    fn sizes_must_match_the_announcement_and_the_limit() {
        let limits = Limits { max_bytes: 100, max_files: 10 };
        assert_eq!(verdict(&upload(24, "image/png"), 30, PNG, &limits), Err(RejectReason::SizeMismatch));
        assert_eq!(verdict(&upload(200, "image/png"), 200, PNG, &limits), Err(RejectReason::TooLarge));
        assert_eq!(verdict(&upload(0, "image/png"), 0, &[], &limits), Err(RejectReason::Empty));
    }

    #[test]
    fn a_text_sample_cut_inside_a_character_is_still_text() {
        let mut sample = "ошибка ".repeat(10).into_bytes();
        sample.pop();
        assert!(looks_like_text(&sample));
        assert!(!looks_like_text(b"abc\0def"));
    }
}
