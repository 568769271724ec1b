//! Input limits, in one place: the API, the forms and the tests all read them from here.

/// Largest request body the API accepts; DynamoDB items top out at 400 KB, and a ticket must
/// leave room for its fields and keys.
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;
/// A ticket subject, in characters.
pub const MAX_SUBJECT_CHARS: usize = 200;
/// A description, reply or internal note, in bytes of UTF-8.
pub const MAX_MESSAGE_BYTES: usize = 32 * 1024;
/// Default and ceiling for a single-line text field's length, in characters.
pub const DEFAULT_TEXT_FIELD_CHARS: usize = 500;
/// Default and ceiling for a multi-line text field's length, in characters.
pub const DEFAULT_MULTILINE_FIELD_CHARS: usize = 8_000;
/// Fields one topic may define.
pub const MAX_TOPIC_FIELDS: usize = 40;
/// Options one select field may offer.
pub const MAX_FIELD_OPTIONS: usize = 200;
/// Page size of list endpoints: default and maximum.
pub const DEFAULT_PAGE_SIZE: usize = 25;
pub const MAX_PAGE_SIZE: usize = 100;
/// A user, agent or group id (until the identity work gives them a directory).
pub const MAX_ID_CHARS: usize = 120;
/// The largest magnitude a number field holds: whole numbers up to it are exact in a double, and
/// DynamoDB stores it without loss (it refuses beyond 10^125).
pub const MAX_FIELD_NUMBER: f64 = 1e15;
/// The smallest non-zero magnitude a number field holds (DynamoDB refuses below 10^-130).
pub const MIN_FIELD_NUMBER: f64 = 1e-6;
