//! The ports the handlers take: small traits, one implementation per backend.

use chrono::{DateTime, NaiveDate, Utc};
use helpdesk_core::api::ApiTokenSummary;
use helpdesk_core::api::{PeopleQuery, TicketQuery, Total};
use helpdesk_core::attachment::{AttachmentRef, Upload};
use helpdesk_core::calendar::Calendar;
use helpdesk_core::commands::Change;
use helpdesk_core::knowledge::{Article, ArticleStats};
use helpdesk_core::mail::RejectedMail;
use helpdesk_core::notify::{Contact, Delivery, Owner, Preferences};
use helpdesk_core::presence::Presence;
use helpdesk_core::reports::{BucketKey, Contribution, Counters, ReportQuery};
use helpdesk_core::sla::{SlaConfig, SlaPlan};
use helpdesk_core::templates::ReplyTemplate;
use helpdesk_core::user::{Group, User};
use helpdesk_core::{Role, Ticket, TicketEvent, TicketNumber, Topic};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::future::Future;

/// A message for the event bus, as the relay reads it from an outbox item (docs/events.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxMessage {
    /// The event's id (a ULID).
    pub id: String,
    /// The EventBridge source: `helpdesk` for ticket events, `helpdesk.knowledge` for articles.
    pub source: String,
    /// The EventBridge detail-type, e.g. `SlaBreached`.
    pub detail_type: String,
    /// The domain event's JSON.
    pub detail: String,
}

/// Tickets whose SLA action time has come, and how many index items were read to find them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DueTickets {
    pub ticket_ids: Vec<String>,
    pub items_read: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record changed since it was read; `current` is its version now.
    #[error("version conflict: the record is at version {current}")]
    VersionConflict { current: u64 },
    #[error("the record already exists")]
    AlreadyExists,
    #[error("the record does not exist")]
    Missing,
    #[error("invalid cursor")]
    InvalidCursor,
    /// The database refused for load (after the SDK's own retries): try again shortly.
    #[error("the database is throttling requests")]
    Throttled,
    /// An upload named for attaching is not ready, not the writer's, or attached already.
    #[error("an upload to attach is not ready or not yours")]
    UploadTaken,
    #[error("storage backend: {0}")]
    Backend(String),
}

/// One page of a list, and where the next one starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Which tickets a list reads.
#[derive(Debug, Clone, Copy)]
pub enum Listing<'a> {
    /// One requester's tickets, newest first; filters apply.
    OfRequester(&'a str),
    /// The queues, in the query's order across the whole queue: the filters pick the index.
    Queues,
}

pub trait TicketStore: Send + Sync {
    /// Takes the next ticket number and writes the ticket `build` makes with it, its number item
    /// and its first events, all in one transaction with the counter: a create that fails takes
    /// no number, and no two tickets share one. `build` may run more than once (when another
    /// create took the number first). Returns what was written.
    fn create_ticket<F>(&self, build: F) -> impl Future<Output = Result<Change, StoreError>> + Send
    where
        F: Fn(TicketNumber) -> Change + Send + Sync;
    /// A ticket and its events in order.
    fn get_ticket(&self, id: &str) -> impl Future<Output = Result<Option<(Ticket, Vec<TicketEvent>)>, StoreError>> + Send;
    /// The ticket alone, without its events or description: one small read for what a page polls.
    fn get_ticket_head(&self, id: &str) -> impl Future<Output = Result<Option<Ticket>, StoreError>> + Send;
    fn find_ticket_id(&self, number: u64) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;
    /// Writes the changed ticket, its new events and an outbox item announcing each of them in one
    /// transaction, if the stored ticket is still at `ticket.version - 1`.
    fn save_ticket(&self, ticket: &Ticket, events: &[TicketEvent]) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// A page of tickets as the indexes hold them: without their descriptions.
    fn list_tickets(&self, listing: Listing<'_>, query: &TicketQuery) -> impl Future<Output = Result<Page<Ticket>, StoreError>> + Send;
    /// How many tickets the queue `query` names holds, up to a cap.
    fn count_queue(&self, query: &TicketQuery) -> impl Future<Output = Result<Total, StoreError>> + Send;

    /// Writes a topic: a new one when `topic.version == 1`, else only over `topic.version - 1`.
    fn put_topic(&self, topic: &Topic) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn get_topic(&self, id: &str) -> impl Future<Output = Result<Option<Topic>, StoreError>> + Send;
    fn list_topics(&self) -> impl Future<Output = Result<Vec<Topic>, StoreError>> + Send;

    /// Every SLA plan and calendar.
    fn sla_config(&self) -> impl Future<Output = Result<SlaConfig, StoreError>> + Send;
    /// Versioned like topics: version 1 creates.
    fn put_sla_plan(&self, plan: &SlaPlan) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn put_calendar(&self, calendar: &Calendar) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Tickets with an SLA action due at or before `until`, from the sparse due index.
    fn due_tickets(&self, until: DateTime<Utc>) -> impl Future<Output = Result<DueTickets, StoreError>> + Send;
}

/// A user as stored: the record and, for local accounts, the password hash kept beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredUser {
    pub user: User,
    pub password_hash: Option<String>,
}

/// Users, groups, and the counters that throttle failed sign-ins.
/// Uploads from their grant until attached (docs/storage.md, `upload`). Attaching happens in the
/// ticket's own transaction: [`TicketStore::create_ticket`] and [`TicketStore::save_ticket`] claim
/// every upload the new events list, only if ready and the writer's.
pub trait Uploads: Send + Sync {
    /// Records a granted upload; it expires at `expires_at` (seconds) unless attached.
    fn put_upload(&self, upload: &Upload, expires_at: i64) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn get_upload(&self, id: &str) -> impl Future<Output = Result<Option<Upload>, StoreError>> + Send;
    /// Records what the check of the arrived bytes found, only while the upload is pending:
    /// `false` when it was settled already (the same S3 event delivered again).
    fn settle_upload(&self, settled: &Upload) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Records the S3 version of a ready upload's bytes once (e-mail intake's files, written
    /// after their record): downloads then serve exactly it.
    fn pin_upload_version(&self, id: &str, version: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Objects in the attachments bucket, as the attachments function reads and removes them.
pub trait ObjectStore: Send + Sync {
    /// The object's current version: up to `count` bytes from its start, its whole size and its
    /// version id (`None` in a bucket without versioning); `None` when there is no object.
    fn first_bytes(&self, bucket: &str, key: &str, count: usize) -> impl Future<Output = Result<Option<ObjectStart>, StoreError>> + Send;
    /// Deletes one version of the object (or the object, in a bucket without versioning).
    fn delete(&self, bucket: &str, key: &str, version: Option<&str>) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Writes an object (e-mail intake's files); returns its version id (`None` without versioning).
    fn put(
        &self,
        bucket: &str,
        key: &str,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;
}

/// The start of an object as [`ObjectStore::first_bytes`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectStart {
    pub bytes: Vec<u8>,
    pub size: u64,
    pub version: Option<String>,
}

pub trait Directory: Send + Sync {
    fn get_user(&self, id: &str) -> impl Future<Output = Result<Option<StoredUser>, StoreError>> + Send;
    /// Versioned like topics; `password_hash` is stored beside the user, never in API answers.
    fn put_user(&self, user: &User, password_hash: Option<&str>) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The accounts with these ids that exist (active or not), in no particular order: one read
    /// for the names a page shows.
    fn people_by_id(&self, ids: &[String]) -> impl Future<Output = Result<Vec<User>, StoreError>> + Send;
    /// A page of people in id order, filtered as `query` says.
    fn list_people(&self, query: &PeopleQuery) -> impl Future<Output = Result<Page<User>, StoreError>> + Send;
    /// Every active account with one of `roles` (the weekly report's readers: few).
    fn people_in_roles(&self, roles: &[Role]) -> impl Future<Output = Result<Vec<User>, StoreError>> + Send;
    fn get_group(&self, id: &str) -> impl Future<Output = Result<Option<Group>, StoreError>> + Send;
    fn put_group(&self, group: &Group) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn list_groups(&self) -> impl Future<Output = Result<Vec<Group>, StoreError>> + Send;
    /// The attempts each of `keys` had in the window starting at `window`, in order.
    fn attempts(&self, keys: &[String], window: DateTime<Utc>) -> impl Future<Output = Result<Vec<u32>, StoreError>> + Send;
    /// Counts one attempt against each key in the window, atomically, and returns the counts with
    /// it: concurrent attempts each see their own place. The counters expire after `keep_until`.
    fn count_attempt(
        &self,
        keys: &[String],
        window: DateTime<Utc>,
        keep_until: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<u32>, StoreError>> + Send;
    /// Takes back an attempt counted in the window (it succeeded).
    fn forget_attempt(&self, keys: &[String], window: DateTime<Utc>) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The notify function's records: preferences, the decision log on each ticket, and what mail
/// threading needs (docs/events.md, notifications).
pub trait NotificationLog: Send + Sync {
    /// A person's saved preferences (`None`: the role's defaults apply).
    fn preferences(&self, user: &str) -> impl Future<Output = Result<Option<Preferences>, StoreError>> + Send;
    /// Saves preferences at `preferences.version`: 1 creates, any other replaces `version - 1`.
    fn put_preferences(&self, user: &str, preferences: &Preferences) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The ticket's decision log in event order.
    fn deliveries(&self, ticket_id: &str) -> impl Future<Output = Result<Vec<Delivery>, StoreError>> + Send;
    /// Records a decision that sends nothing (suppressed). The first record of an event ×
    /// recipient × channel stands: a repeat delivery of the event changes nothing.
    fn record_delivery(&self, ticket_id: &str, delivery: &Delivery) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Claims the send of `delivery` until `lease_until`: only if nobody decided it yet, it failed
    /// before, or its sender's claim ran out before `now` (a crashed sender). Returns the attempt
    /// number, or `None` when it is sent, suppressed or being sent.
    fn claim_delivery(
        &self,
        ticket_id: &str,
        delivery: &Delivery,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<u32>, StoreError>> + Send;
    /// Records how a claimed send ended (sent, failed, or suppressed by the cap).
    fn settle_delivery(&self, ticket_id: &str, delivery: &Delivery) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Remembers Message-IDs of mail sent about the ticket.
    fn remember_mail_ids(&self, ticket_id: &str, message_ids: &[String]) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The ticket's reply-address token: the stored one, or `fresh` stored now.
    fn reply_token(&self, ticket_id: &str, fresh: &str) -> impl Future<Output = Result<String, StoreError>> + Send;
    /// Claims the weekly report of the week starting `monday` for one reader, as
    /// [`Self::claim_delivery`] claims a ticket's notice.
    fn claim_digest(
        &self,
        monday: NaiveDate,
        delivery: &Delivery,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<u32>, StoreError>> + Send;
    /// Records how a claimed weekly report's send ended.
    fn settle_digest(&self, monday: NaiveDate, delivery: &Delivery) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Satisfaction links (docs/reports.md): one random token per resolution, made with the first
/// "resolved" notice, naming the ticket and the resolution it rates.
pub trait RatingLinks: Send + Sync {
    /// The resolution's token: the stored one, or `fresh` stored now, valid until `expires_at`.
    fn rating_token(
        &self,
        ticket_id: &str,
        resolution: &str,
        fresh: &str,
        expires_at: DateTime<Utc>,
    ) -> impl Future<Output = Result<String, StoreError>> + Send;
    /// The ticket and the resolution a token rates, unless it is unknown or expired at `now`.
    fn rating_target(&self, token: &str, now: DateTime<Utc>) -> impl Future<Output = Result<Option<(String, String)>, StoreError>> + Send;
}

/// Where people and agent groups are reached beyond mail and SMS (a Telegram chat, browsers,
/// phones), and the one-time offers that link a Telegram chat.
pub trait Contacts: Send + Sync {
    /// Every contact of `owner` (one query).
    fn contacts(&self, owner: &Owner) -> impl Future<Output = Result<Vec<Contact>, StoreError>> + Send;
    /// Adds a contact, or replaces the owner's contact with the same id.
    fn put_contact(&self, owner: &Owner, contact: &Contact) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Removes a contact; returns it when there was one.
    fn remove_contact(&self, owner: &Owner, id: &str) -> impl Future<Output = Result<Option<Contact>, StoreError>> + Send;
    /// Records `owner` as the holder of the phone `contact_id`; returns the previous holder.
    fn claim_device(&self, contact_id: &str, owner: &Owner) -> impl Future<Output = Result<Option<Owner>, StoreError>> + Send;
    /// Stores a link offer for `owner`, usable once until `expires_at`.
    fn offer_link(&self, token: &str, owner: &Owner, expires_at: DateTime<Utc>) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Takes the offer (a conditional delete): its owner, or `None` when unknown, used or expired.
    fn take_link(&self, token: &str, now: DateTime<Utc>) -> impl Future<Output = Result<Option<Owner>, StoreError>> + Send;
}

/// An API token as stored: whose it is and the hash of its secret (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredApiToken {
    pub user: String,
    /// SHA-256 of the secret part, hex.
    pub secret_hash: String,
    #[serde(flatten)]
    pub summary: ApiTokenSummary,
}

/// Bearer tokens of native apps: a pointer by token id for each call, a list per person.
pub trait ApiTokens: Send + Sync {
    fn put_api_token(&self, token: &StoredApiToken) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn api_token(&self, id: &str) -> impl Future<Output = Result<Option<StoredApiToken>, StoreError>> + Send;
    fn api_tokens(&self, user: &str) -> impl Future<Output = Result<Vec<ApiTokenSummary>, StoreError>> + Send;
    /// Revokes `user`'s token `id`; `false` when they have none such.
    fn revoke_api_token(&self, user: &str, id: &str) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// What e-mail intake reads and writes beyond tickets: threading lookups, senders by address,
/// the received message's own id written with the ticket change (a second delivery of the same
/// message changes nothing), and the messages kept aside for admins.
pub trait MailStore: Send + Sync {
    /// The ticket a Message-ID belongs to: mail we sent about it, or mail it received.
    fn ticket_of_mail(&self, message_id: &str) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;
    /// The ticket of a reply-address token (`support+<token>@…`).
    fn ticket_of_reply_token(&self, token: &str) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;
    /// The account whose address this is (compared lower-case), as stored.
    fn user_by_email(&self, address: &str) -> impl Future<Output = Result<Option<StoredUser>, StoreError>> + Send;
    /// [`TicketStore::create_ticket`] with the message's id item (`message_key`, pointing at
    /// `ticket_id`, the id `build` gives the ticket) in the same transaction: `AlreadyExists`
    /// when that message made a ticket or message already.
    fn create_mail_ticket<F>(
        &self,
        message_key: &str,
        ticket_id: &str,
        build: F,
    ) -> impl Future<Output = Result<Change, StoreError>> + Send
    where
        F: Fn(TicketNumber) -> Change + Send + Sync;
    /// [`TicketStore::save_ticket`] with the message's id item in the same transaction:
    /// `AlreadyExists` when the message was taken already.
    fn save_mail_ticket(
        &self,
        message_key: &str,
        ticket: &Ticket,
        events: &[TicketEvent],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Keeps a message aside (or records another failed try of it).
    fn put_rejected_mail(&self, rejected: &RejectedMail) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn rejected_mail(&self, id: &str) -> impl Future<Output = Result<Option<RejectedMail>, StoreError>> + Send;
    /// Newest first, `limit` at a time.
    fn rejected_mails(&self, cursor: Option<&str>, limit: usize) -> impl Future<Output = Result<Page<RejectedMail>, StoreError>> + Send;
    fn remove_rejected_mail(&self, id: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The outbox as the relay reads it: the table's stream names new outbox items by their keys.
/// Who has a ticket's page open (core::presence): short-lived marks, removed by TTL.
pub trait Presences: Send + Sync {
    /// Records `presence` on the ticket until `expires_at` (replacing the person's last mark).
    fn mark_presence(
        &self,
        ticket_id: &str,
        presence: &Presence,
        expires_at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The marks still standing at `now`.
    fn presences(&self, ticket_id: &str, now: DateTime<Utc>) -> impl Future<Output = Result<Vec<Presence>, StoreError>> + Send;
}

pub trait Outbox: Send + Sync {
    /// The outbox items at `keys` (PK, SK), in that order; keys with no item (expired) are left out.
    fn outbox_messages(&self, keys: &[(String, String)]) -> impl Future<Output = Result<Vec<OutboxMessage>, StoreError>> + Send;
}

/// Where domain events go for other parts (notifications) to consume.
pub trait EventPublisher: Send + Sync {
    fn publish(&self, messages: &[OutboxMessage]) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The knowledge base's articles, their revisions and how often they helped; reply templates.
pub trait Knowledge: Send + Sync {
    /// Writes `article` as its version: version 1 only if new (`AlreadyExists`), later versions
    /// only over the one before (`VersionConflict`, `Missing`). The revision and the
    /// announcement for search (an outbox item, id `event_id`) go in the same transaction, as
    /// does attaching `new_images` (ready uploads of the author's; else `UploadTaken`).
    fn save_article(
        &self,
        article: &Article,
        event_id: &str,
        new_images: &[AttachmentRef],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn get_article(&self, id: &str) -> impl Future<Output = Result<Option<Article>, StoreError>> + Send;
    /// Articles in id order from after `cursor`, `limit` of them.
    fn list_articles(&self, cursor: Option<&str>, limit: usize) -> impl Future<Output = Result<Page<Article>, StoreError>> + Send;
    /// Every saved version, newest first (at most [`crate::keys::MAX_REVISIONS_LISTED`]).
    fn article_revisions(&self, id: &str) -> impl Future<Output = Result<Vec<Article>, StoreError>> + Send;
    fn article_revision(&self, id: &str, version: u64) -> impl Future<Output = Result<Option<Article>, StoreError>> + Send;
    fn article_stats(&self, id: &str) -> impl Future<Output = Result<ArticleStats, StoreError>> + Send;
    fn reply_templates(&self) -> impl Future<Output = Result<Vec<ReplyTemplate>, StoreError>> + Send;
    fn get_reply_template(&self, id: &str) -> impl Future<Output = Result<Option<ReplyTemplate>, StoreError>> + Send;
    /// Version 1 only if new (`AlreadyExists`); later ones only over the one before.
    fn put_reply_template(&self, template: &ReplyTemplate) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Removes it if it is at `version` (`VersionConflict`, `Missing` otherwise).
    fn remove_reply_template(&self, id: &str, version: u64) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Counts a ticket marked (`1`) or unmarked (`-1`) as answered by the article.
    fn count_solution(&self, id: &str, step: i64) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Counts one "this solved it", also under the topic the requester had chosen, and for the
    /// reports under that topic on `day` (in the report time zone).
    fn count_deflection(&self, id: &str, topic: Option<&str>, day: NaiveDate) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Report buckets (docs/reports.md): each ticket's figures as last applied, and the day buckets
/// they add up to.
pub trait Reports: Send + Sync {
    /// The contribution last applied for `ticket`, with how many times one was (the condition
    /// of the next).
    fn reported(&self, ticket: &str) -> impl Future<Output = Result<Option<(u64, Contribution)>, StoreError>> + Send;
    /// Adds `delta` to the buckets and records `contribution` as the ticket's, in one
    /// transaction, only if the record was applied `previous` times (`None`: never); else
    /// `VersionConflict` and nothing is written.
    fn apply_report(
        &self,
        ticket: &str,
        previous: Option<u64>,
        contribution: &Contribution,
        delta: &Contribution,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The buckets of `query`'s dimension, days and filters (one Query per month).
    fn report_buckets(&self, query: &ReportQuery) -> impl Future<Output = Result<Vec<(BucketKey, Counters)>, StoreError>> + Send;
    /// Deflections per topic (`-`: none chosen) over the days from `from` to `to`, both included.
    fn deflections(&self, from: NaiveDate, to: NaiveDate) -> impl Future<Output = Result<BTreeMap<String, i64>, StoreError>> + Send;
}
