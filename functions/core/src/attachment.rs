//! Attachments: which files a ticket takes (type, size, count), what an upload goes through, and
//! how a file is served back. The bytes never pass through the API: the browser puts them straight
//! into S3 with a presigned request, the attachments function checks what arrived (by its bytes,
//! never by the name or the type the browser claimed), and a ticket or message names the uploads
//! it attaches.

use crate::error::{ApiError, FieldError, FieldErrorCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Largest file by default (the template's `MaxAttachmentBytes` overrides it).
pub const DEFAULT_MAX_BYTES: u64 = 25 * 1024 * 1024;
/// Most files one ticket or message carries by default (`MaxAttachmentsPerMessage`).
pub const DEFAULT_MAX_FILES: usize = 10;
/// A file name, in characters, after cleaning.
pub const MAX_FILE_NAME_CHARS: usize = 200;
/// How long a presigned upload or download stays valid.
pub const PRESIGN_SECONDS: i64 = 5 * 60;
/// How long a staged upload waits to be attached before it expires (its record by DynamoDB TTL,
/// its object by the bucket's lifecycle rule on the `staged` tag).
pub const STAGED_SECONDS: i64 = 24 * 3600;
/// How many bytes from the start of a file decide its type.
pub const SNIFF_BYTES: usize = 8 * 1024;

/// The limits a deployment sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_bytes: u64,
    pub max_files: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_bytes: DEFAULT_MAX_BYTES, max_files: DEFAULT_MAX_FILES }
    }
}

/// The types a ticket may carry: images, video, PDF, text and logs, office documents, archives.
/// Anything else (executables, HTML, SVG, scripts) is refused, whatever its name says.
pub const ALLOWED_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/bmp",
    "image/tiff",
    "image/heif",
    "video/mp4",
    "video/webm",
    "video/quicktime",
    "video/3gpp",
    "audio/webm",
    "application/pdf",
    "text/plain",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/rtf",
    "application/zip",
    "application/gzip",
    "application/x-7z-compressed",
    "application/x-tar",
    "application/vnd.rar",
];

/// Types a browser may show in the page (everything else downloads): raster images, PDF, video.
const INLINE_TYPES: &[&str] =
    &["image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "application/pdf", "video/mp4", "video/webm", "video/quicktime"];

pub fn is_allowed(content_type: &str) -> bool {
    ALLOWED_TYPES.contains(&content_type)
}

/// Other names browsers give allowed types (an iPhone photo, a zip on Windows, a CSV or log).
const TYPE_ALIASES: &[(&str, &str)] = &[
    ("image/heic", "image/heif"),
    ("application/x-zip-compressed", "application/zip"),
    ("application/x-zip", "application/zip"),
    ("application/x-gzip", "application/gzip"),
    ("application/x-rar-compressed", "application/vnd.rar"),
    ("text/csv", "text/plain"),
    ("text/x-log", "text/plain"),
    ("text/markdown", "text/plain"),
];

/// The allowed type a browser-reported type stands for (`image/heic` → `image/heif`), if any.
pub fn normalized_type(declared: &str) -> Option<&'static str> {
    let declared = declared.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let canonical = TYPE_ALIASES.iter().find(|(alias, _)| *alias == declared).map_or(declared.as_str(), |(_, canonical)| canonical);
    ALLOWED_TYPES.iter().find(|t| **t == canonical).copied()
}

pub fn is_inline(content_type: &str) -> bool {
    INLINE_TYPES.contains(&content_type)
}

/// Raster images: shown as thumbnails in the conversation.
pub fn is_image(content_type: &str) -> bool {
    is_inline(content_type) && content_type.starts_with("image/")
}

/// Asks for a place to put one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UploadRequest {
    /// The file's name as the person knows it (shown, and offered when downloading).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 1024))]
    pub file_name: String,
    /// Its exact size in bytes: the upload must send exactly this many.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub size: u64,
    /// Its type as the browser reports it; checked again against the bytes that arrive.
    #[cfg_attr(feature = "openapi", schema(max_length = 255))]
    pub content_type: String,
}

/// Where and how to send the bytes: `PUT` to `url` with exactly `headers`, before `expires_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadGrant {
    pub upload: Upload,
    pub method: String,
    pub url: String,
    pub headers: BTreeMap<String, String>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UploadState {
    /// Granted; the bytes have not been checked yet.
    Pending,
    /// Checked: may be attached.
    Ready,
    /// Refused by its bytes and deleted; `reason` says why.
    Rejected,
    /// Part of a ticket or message.
    Attached,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// Larger than the limit.
    TooLarge,
    /// More or fewer bytes arrived than were announced.
    SizeMismatch,
    /// The bytes are of a type tickets do not take (an executable, a web page…).
    TypeNotAllowed,
    /// Nothing arrived.
    Empty,
}

/// One upload, from the grant until it is attached or expires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Upload {
    pub id: String,
    pub uploader: String,
    pub file_name: String,
    /// The size announced, then (when ready) the size that arrived.
    pub size: u64,
    /// The type announced, then (when ready) the type its bytes show.
    pub content_type: String,
    pub state: UploadState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<RejectReason>,
    pub created_at: DateTime<Utc>,
    /// The ticket it belongs to, once attached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// The event (message) it belongs to, once attached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// The knowledge-base article it shows in, once attached to one (then no ticket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    /// Attached to an internal note: staff only.
    #[serde(default)]
    pub internal: bool,
    /// The S3 version whose bytes were checked: downloads serve exactly it, and a later upload to
    /// the same key (a second PUT within the grant's minutes) is removed, never served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_version: Option<String>,
}

impl Upload {
    /// A new upload in `state`, attached to nothing yet.
    pub fn new(
        id: String,
        uploader: &str,
        file_name: String,
        size: u64,
        content_type: String,
        state: UploadState,
        created_at: DateTime<Utc>,
    ) -> Self {
        Upload {
            id,
            uploader: uploader.to_string(),
            file_name,
            size,
            content_type,
            state,
            reason: None,
            created_at,
            ticket: None,
            article: None,
            event: None,
            internal: false,
            object_version: None,
        }
    }

    /// What a message records about it.
    pub fn reference(&self) -> AttachmentRef {
        AttachmentRef { id: self.id.clone(), name: self.file_name.clone(), size: self.size, content_type: self.content_type.clone() }
    }
}

/// A file as a ticket's event lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttachmentRef {
    pub id: String,
    pub name: String,
    pub size: u64,
    pub content_type: String,
}

/// A short-lived link to the file's bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DownloadLink {
    pub url: String,
    pub expires_at: DateTime<Utc>,
    pub inline: bool,
}

/// The name a file is stored and offered under: no folders, no control characters, no quotes,
/// at most [`MAX_FILE_NAME_CHARS`] characters; `file` when nothing is left.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String =
        base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}')).collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    if trimmed.chars().count() <= MAX_FILE_NAME_CHARS {
        return if trimmed.is_empty() { "file".into() } else { trimmed.to_string() };
    }
    // Too long: the stem is shortened, the extension (up to 10 characters) kept.
    let extension = trimmed.rsplit_once('.').map(|(_, e)| e).filter(|e| !e.is_empty() && e.chars().count() <= 10 && !e.contains(' '));
    match extension {
        Some(extension) => {
            let stem: String = trimmed.chars().take(MAX_FILE_NAME_CHARS - extension.chars().count() - 1).collect();
            format!("{}.{extension}", stem.trim_end())
        }
        None => trimmed.chars().take(MAX_FILE_NAME_CHARS).collect(),
    }
}

/// Checks an upload request: returns the cleaned name and the type as the allow-list spells it.
/// The size must fit the limit and the announced type must be one tickets take (the bytes are
/// checked again when they arrive).
pub fn check_upload_request(req: &UploadRequest, limits: &Limits) -> Result<(String, &'static str), ApiError> {
    let mut errors = Vec::new();
    if req.file_name.trim().is_empty() {
        errors.push(FieldError::new("file_name", FieldErrorCode::Required, "name the file"));
    } else if req.file_name.chars().count() > 1024 {
        errors.push(FieldError::new("file_name", FieldErrorCode::TooLong, "at most 1024 characters"));
    }
    if req.size == 0 {
        errors.push(FieldError::new("size", FieldErrorCode::OutOfRange, "the file is empty"));
    } else if req.size > limits.max_bytes {
        errors.push(FieldError::new("size", FieldErrorCode::OutOfRange, format!("at most {} bytes", limits.max_bytes)));
    }
    let content_type = normalized_type(&req.content_type);
    if content_type.is_none() {
        errors.push(FieldError::new(
            "content_type",
            FieldErrorCode::UnknownOption,
            "tickets take images, video, PDF, text and logs, office documents and archives",
        ));
    }
    match content_type {
        Some(content_type) if errors.is_empty() => Ok((clean_file_name(&req.file_name), content_type)),
        _ => Err(ApiError::validation(errors)),
    }
}

/// A `Content-Disposition` value: `inline` or `attachment`, with the name in ASCII and, when it
/// is not ASCII, also in UTF-8 (RFC 6266, RFC 5987).
pub fn content_disposition(name: &str, inline: bool) -> String {
    let kind = if inline { "inline" } else { "attachment" };
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' }).filter(|c| !matches!(c, '"' | '\\')).collect();
    if ascii == name {
        return format!("{kind}; filename=\"{ascii}\"");
    }
    let encoded: String = name
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_folders_controls_and_quotes() {
        assert_eq!(clean_file_name("C:\\Users\\anna\\screen shot.png"), "screen shot.png");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("a\"b\u{0}\u{202e}gnp.exe"), "abgnp.exe");
        assert_eq!(clean_file_name("..."), "file");
        assert_eq!(clean_file_name(&"я".repeat(500)).chars().count(), MAX_FILE_NAME_CHARS);
        let long = clean_file_name(&format!("{}.png", "a".repeat(1020)));
        assert!(long.ends_with("aaa.png") && long.chars().count() == MAX_FILE_NAME_CHARS, "{long}");
    }

    #[test]
    fn requests_are_checked_against_the_limits_and_the_allow_list() {
        let limits = Limits { max_bytes: 100, max_files: 2 };
        let ok = UploadRequest { file_name: "shot.png".into(), size: 100, content_type: "image/png".into() };
        assert_eq!(check_upload_request(&ok, &limits).unwrap(), ("shot.png".to_string(), "image/png"));
        let iphone = UploadRequest { content_type: "image/HEIC".into(), ..ok.clone() };
        assert_eq!(check_upload_request(&iphone, &limits).unwrap().1, "image/heif");
        for (browser, canonical) in
            [("application/x-zip-compressed", "application/zip"), ("text/csv", "text/plain"), ("video/3gpp", "video/3gpp")]
        {
            assert_eq!(normalized_type(browser), Some(canonical));
        }
        assert_eq!(normalized_type("application/octet-stream"), None);
        assert_eq!(normalized_type(""), None);
        for bad in [
            UploadRequest { size: 101, ..ok.clone() },
            UploadRequest { size: 0, ..ok.clone() },
            UploadRequest { content_type: "text/html".into(), ..ok.clone() },
            UploadRequest { content_type: "image/svg+xml".into(), ..ok.clone() },
            UploadRequest { content_type: "application/x-msdownload".into(), ..ok.clone() },
            UploadRequest { file_name: " ".into(), ..ok.clone() },
        ] {
            let error = check_upload_request(&bad, &limits).unwrap_err();
            assert_eq!(error.code, crate::ErrorCode::ValidationFailed, "{bad:?}");
        }
    }

    #[test]
    fn only_images_pdf_and_video_show_inline() {
        assert!(is_inline("image/png") && is_inline("application/pdf") && is_inline("video/webm"));
        assert!(!is_inline("text/plain") && !is_inline("application/zip") && !is_inline("image/tiff"));
        assert!(!is_allowed("image/svg+xml") && !is_allowed("text/html"));
    }

    #[test]
    fn dispositions_quote_safely_and_carry_utf8_names() {
        assert_eq!(content_disposition("log.txt", false), "attachment; filename=\"log.txt\"");
        assert_eq!(
            content_disposition("снимок.png", true),
            "inline; filename=\"______.png\"; filename*=UTF-8''%D1%81%D0%BD%D0%B8%D0%BC%D0%BE%D0%BA.png"
        );
        assert!(!content_disposition("a\"b.txt", false).contains("a\"b"));
    }
}
