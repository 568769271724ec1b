//! The mail-intake function. SES puts each message the support addresses receive under
//! `inbound/` in the files bucket; S3 tells this function, which reads the message and makes it a
//! ticket, or a reply or note on the ticket it answers, with its files (docs/mail.md).
//!
//! Never lost: what cannot be taken is kept aside for admins with the reason (they may retry it,
//! which copies it under `retry/`). Never doubled: the message's id is written in the same
//! transaction as the ticket change, so the same message delivered twice changes one ticket once.
//! Never a loop: mail a machine wrote is stored but never acknowledged.

pub mod html;
pub mod parse;
pub mod route;

use aws_lambda_events::event::s3::S3Event;
use chrono::{DateTime, Duration, DurationRound, Utc};
use helpdesk_aws::{Directory, MailStore, ObjectStore, StoreError, TicketStore, Uploads, keys, new_id};
use helpdesk_core::attachment::{AttachmentRef, Upload, UploadState};
use helpdesk_core::commands::{self, Change, TicketDraft};
use helpdesk_core::mail::{self, MailOrigin, MailRejection, MailVoice, RejectedMail};
use helpdesk_core::sla;
use helpdesk_core::user::{AccountSource, Language, User, is_user_id};
use helpdesk_core::{Actor, ApiError, Role, Ticket, TicketEvent, TicketNumber};
use parse::{Bounce, Inbound};
pub use route::Settings;
use serde::Serialize;

/// The environment variables this function reads in AWS.
pub const ENVIRONMENT: &[&str] = &[
    helpdesk_aws::config::TABLE_NAME,
    helpdesk_aws::config::ATTACHMENTS_BUCKET,
    helpdesk_aws::config::MAX_ATTACHMENT_BYTES,
    helpdesk_aws::config::MAX_ATTACHMENTS,
    helpdesk_aws::config::SUPPORT_ADDRESS,
    route::MAIL_ROUTES,
    route::MAIL_DEFAULT_TOPIC,
    route::MAIL_ALLOWED_DOMAINS,
    route::MAIL_CAP_PER_HOUR,
];

/// The largest message read (SES receives up to 40 MB).
pub const MAX_MESSAGE_BYTES: usize = 40 * 1024 * 1024;

/// What one event did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub tickets: usize,
    pub replies: usize,
    pub notes: usize,
    pub bounces: usize,
    /// Taken before (the same message again): nothing changed.
    pub duplicates: usize,
    pub rejected: usize,
    /// Objects that are no message of ours (another prefix, another bucket, gone).
    pub ignored: usize,
}

impl Report {
    fn add(&mut self, other: Report) {
        self.tickets += other.tickets;
        self.replies += other.replies;
        self.notes += other.notes;
        self.bounces += other.bounces;
        self.duplicates += other.duplicates;
        self.rejected += other.rejected;
        self.ignored += other.ignored;
    }
}

/// Why a message is not taken; nothing of it is stored.
#[derive(Debug)]
struct Refusal {
    reason: MailRejection,
    detail: String,
}

fn refuse(reason: MailRejection, detail: impl Into<String>) -> Refusal {
    Refusal { reason, detail: detail.into() }
}

/// Handles one S3 event: every record in it.
pub async fn handle<S, O>(store: &S, objects: &O, settings: &Settings, event: &S3Event) -> Result<Report, StoreError>
where
    S: TicketStore + MailStore + Directory + Uploads,
    O: ObjectStore,
{
    let mut report = Report::default();
    for record in &event.records {
        let in_our_bucket = record.s3.bucket.name.as_deref() == Some(settings.bucket.as_str());
        let key = record.s3.object.key.as_deref().and_then(attachments::decode_key);
        let ours = |k: &String| in_our_bucket && (k.starts_with(keys::INBOUND_MAIL_PREFIX) || k.starts_with(keys::RETRY_MAIL_PREFIX));
        let Some(key) = key.filter(ours) else {
            tracing::warn!(key = ?record.s3.object.key, "an object that is no received message: left alone");
            report.ignored += 1;
            continue;
        };
        report.add(take_object(store, objects, settings, &key, Utc::now()).await?);
    }
    Ok(report)
}

/// Takes the message stored at `key`: makes it a ticket, a reply or a note, or keeps it aside.
pub async fn take_object<S, O>(store: &S, objects: &O, settings: &Settings, key: &str, now: DateTime<Utc>) -> Result<Report, StoreError>
where
    S: TicketStore + MailStore + Directory + Uploads,
    O: ObjectStore,
{
    let Some(object) = objects.first_bytes(&settings.bucket, key, MAX_MESSAGE_BYTES).await? else {
        return Ok(Report { ignored: 1, ..Report::default() });
    };
    // A retry's copy is `retry/<rejected id>`: it settles that rejection.
    let retry_of = key.strip_prefix(keys::RETRY_MAIL_PREFIX).map(str::to_string);
    let (outcome, from, subject) = if object.size > MAX_MESSAGE_BYTES as u64 {
        (Err(refuse(MailRejection::TooLarge, format!("{} bytes; the most taken is {MAX_MESSAGE_BYTES}", object.size))), None, None)
    } else {
        match parse::parse(&object.bytes, &settings.support_addresses) {
            None => (Err(refuse(MailRejection::Unreadable, "not an e-mail message")), None, None),
            Some(inbound) => {
                let outcome = take(store, objects, settings, &inbound, &object.bytes, now).await?;
                (outcome, inbound.from.clone(), Some(inbound.subject.clone()))
            }
        }
    };
    match outcome {
        Ok(report) => {
            if let Some(id) = &retry_of {
                store.remove_rejected_mail(id).await?;
            }
            Ok(report)
        }
        Err(refusal) => {
            let previous = match &retry_of {
                Some(id) => store.rejected_mail(id).await?,
                None => None,
            };
            let rejected = RejectedMail {
                id: retry_of.clone().unwrap_or_else(new_id),
                received_at: previous.as_ref().map_or(now, |p| p.received_at),
                reason: refusal.reason,
                detail: refusal.detail,
                from,
                subject: subject.filter(|s| !s.is_empty()),
                // The message as it arrived: a retry copies it again from there.
                object_key: previous.as_ref().map_or_else(|| key.to_string(), |p| p.object_key.clone()),
                attempts: previous.map_or(1, |p| p.attempts + 1),
            };
            tracing::warn!(key, reason = ?rejected.reason, detail = rejected.detail, "message kept aside");
            store.put_rejected_mail(&rejected).await?;
            Ok(Report { rejected: 1, ..Report::default() })
        }
    }
}

/// Where a message goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Thread {
    /// Onto this ticket (found by what the message answers, or by its reply address).
    Existing(String),
    /// Onto this ticket, which its subject names, if the sender is on it.
    BySubject(String),
    /// A new ticket.
    New,
}

/// The ticket a message answers: by the ids of mail it answers (ours, with SES's ids, and mail we
/// received), then the reply address's token. The subject's number comes last, guarded.
pub async fn thread<S: TicketStore + MailStore>(store: &S, settings: &Settings, inbound: &Inbound) -> Result<Thread, StoreError> {
    for id in &inbound.answers {
        if let Some(ticket) = ticket_of_mail_id(store, id).await? {
            return Ok(Thread::Existing(ticket));
        }
    }
    for token in settings.reply_tokens(&inbound.recipients) {
        if let Some(ticket) = store.ticket_of_reply_token(&token).await? {
            return Ok(Thread::Existing(ticket));
        }
    }
    if let Some(number) = mail::subject_number(&inbound.subject)
        && let Some(ticket) = store.find_ticket_id(number.0).await?
    {
        return Ok(Thread::BySubject(ticket));
    }
    Ok(Thread::New)
}

/// The ticket a Message-ID is about, by every id it may be stored under ([`route::lookup_ids`]).
async fn ticket_of_mail_id<S: MailStore>(store: &S, message_id: &str) -> Result<Option<String>, StoreError> {
    for candidate in route::lookup_ids(message_id) {
        if let Some(ticket) = store.ticket_of_mail(&candidate).await? {
            return Ok(Some(ticket));
        }
    }
    Ok(None)
}

/// An account for a sender no account has the address of: a new requester, when the deployment
/// takes mail from their domain.
async fn sender<S: MailStore + Directory>(
    store: &S,
    settings: &Settings,
    inbound: &Inbound,
    address: &str,
) -> Result<Result<User, Refusal>, StoreError> {
    if !settings.domain_allowed(address) {
        return Ok(Err(refuse(MailRejection::SenderNotAllowed, format!("{address} is not in a domain that may file tickets by mail"))));
    }
    let language = match inbound.language.as_deref() {
        Some("ru") => Language::Ru,
        Some("en") => Language::En,
        _ => settings.default_language,
    };
    let name = inbound.from_name.clone().unwrap_or_else(|| address.split('@').next().unwrap_or(address).to_string());
    let base = route::user_id_for(address);
    for n in 0..20 {
        let id = if n == 0 { base.clone() } else { format!("{}-{}", base.chars().take(60).collect::<String>(), n + 1) };
        if !is_user_id(&id) {
            continue;
        }
        let user = User { language, ..User::new(&id, &name, address, Role::Requester, &[], AccountSource::Local) };
        match store.put_user(&user, None).await {
            Ok(()) => {
                tracing::info!(id, "a new requester from mail");
                return Ok(Ok(user));
            }
            // Another user has this id (or a delivery beside this one made them a moment ago).
            Err(StoreError::AlreadyExists) => {
                if let Some(stored) = store.user_by_email(address).await? {
                    return Ok(Ok(stored.user));
                }
            }
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::Backend(format!("no free account id for {address}")))
}

/// The messages one sender may send an hour, counted atomically.
async fn over_cap<S: Directory>(store: &S, settings: &Settings, address: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let hour = now.duration_trunc(Duration::hours(1)).unwrap_or(now);
    let counts = store.count_attempt(&[format!("mail-in:{address}")], hour, hour + Duration::hours(2)).await?;
    Ok(counts.first().is_some_and(|&n| n > settings.cap_per_hour))
}

/// Takes a parsed message. `Ok(Err(_))`: refused, nothing stored.
async fn take<S, O>(
    store: &S,
    objects: &O,
    settings: &Settings,
    inbound: &Inbound,
    raw: &[u8],
    now: DateTime<Utc>,
) -> Result<Result<Report, Refusal>, StoreError>
where
    S: TicketStore + MailStore + Directory + Uploads,
    O: ObjectStore,
{
    if store.ticket_of_mail(&inbound.key).await?.is_some() {
        tracing::info!(key = inbound.key, "a message taken before: nothing to do");
        return Ok(Ok(Report { duplicates: 1, ..Report::default() }));
    }
    let Some(address) = inbound.from.clone() else {
        return Ok(Err(refuse(MailRejection::NoSender, "the message has no From address")));
    };
    if let Some(bounce) = &inbound.bounce {
        return Ok(Ok(take_bounce(store, inbound, bounce, now).await?));
    }
    if over_cap(store, settings, &address, now).await? {
        return Ok(Err(refuse(
            MailRejection::RateLimited,
            format!("more than {} messages from {address} this hour", settings.cap_per_hour),
        )));
    }
    let known = store.user_by_email(&address).await?.map(|stored| stored.user);
    let origin = MailOrigin {
        from: address.clone(),
        message_id: inbound.message_id.clone().unwrap_or_default(),
        auto_submitted: inbound.automatic.is_some(),
        trimmed: inbound.trimmed,
        possible_follow_up_of: None,
        html: None,
    };
    let mut follow_up_of = None;
    let target = match thread(store, settings, inbound).await? {
        Thread::Existing(id) => store.get_ticket(&id).await?,
        Thread::BySubject(id) => match store.get_ticket(&id).await? {
            Some((ticket, events)) => {
                let authors: Vec<&str> = events.iter().map(|e| e.actor.id.as_str()).collect();
                match &known {
                    Some(user) if user.active && mail::may_thread_by_subject(&ticket, &authors, &user.actor()) => Some((ticket, events)),
                    _ => {
                        follow_up_of = Some(ticket.number);
                        None
                    }
                }
            }
            None => None,
        },
        Thread::New => None,
    };
    if let Some((ticket, events)) = target {
        let actor = known.as_ref().filter(|u| u.active).map(User::actor);
        let voice = mail::voice(&ticket, actor.as_ref());
        match add_to_ticket(store, objects, settings, inbound, raw, &ticket, events, voice, origin.clone(), now).await? {
            Some(report) => return Ok(Ok(report)),
            // Closed: the mail opens a follow-up ticket.
            None => follow_up_of = Some(ticket.number),
        }
    }
    let user = match known {
        Some(user) => user,
        None => match sender(store, settings, inbound, &address).await? {
            Ok(user) => user,
            Err(refusal) => return Ok(Err(refusal)),
        },
    };
    let origin = MailOrigin { possible_follow_up_of: follow_up_of, ..origin };
    Ok(Ok(new_ticket(store, objects, settings, inbound, raw, &user, origin, now).await?))
}

/// Stores the message's files as uploads of `uploader`, ready to attach: each checked by its bytes
/// like a browser's upload (type, size), the first `max_files` taken. Returns their references and
/// a line naming each file left out. Ids are derived from the message, so a second delivery
/// writes the same uploads again instead of new ones.
async fn store_files<S: Uploads, O: ObjectStore>(
    store: &S,
    objects: &O,
    settings: &Settings,
    inbound: &Inbound,
    raw: &[u8],
    uploader: &str,
    now: DateTime<Utc>,
) -> Result<StoredFiles, StoreError> {
    let mut files: Vec<(String, String, &[u8], Option<&String>)> =
        inbound.files.iter().map(|f| (f.name.clone(), f.declared_type.clone(), f.bytes.as_slice(), f.content_id.as_ref())).collect();
    if inbound.trimmed {
        // The whole message, quoted history and all, stays at hand.
        files.push(("message.eml".into(), "message/rfc822".into(), raw, None));
    }
    let mut stored = StoredFiles::default();
    for (index, (name, declared, bytes, content_id)) in files.into_iter().enumerate() {
        let name = helpdesk_core::attachment::clean_file_name(&name);
        if stored.taken.len() >= settings.limits.max_files {
            stored.left_out.push(format!("{name} (more than {} files)", settings.limits.max_files));
            continue;
        }
        let content_type = match route::file_type(&name, &declared, bytes, &settings.limits) {
            Ok(t) => t,
            Err(reason) => {
                stored.left_out.push(format!("{name} ({})", route::reason_text(reason)));
                continue;
            }
        };
        let id = route::file_id(&inbound.key, index);
        let upload = Upload::new(id.clone(), uploader, name, bytes.len() as u64, content_type, UploadState::Ready, now);
        // The record first: the attachments function, told of the object, then finds it checked.
        match store.put_upload(&upload, now.timestamp() + helpdesk_core::attachment::STAGED_SECONDS).await {
            Ok(()) | Err(StoreError::AlreadyExists) => {}
            Err(e) => return Err(e),
        }
        let version = objects.put(&settings.bucket, &keys::upload_object_key(&id), bytes.to_vec(), &upload.content_type).await?;
        if let Some(version) = version {
            store.pin_upload_version(&id, &version).await?;
        }
        if let Some(content_id) = content_id {
            stored.inline.insert(content_id.clone(), id.clone());
        }
        stored.taken.push(upload.reference());
    }
    Ok(stored)
}

/// The files of a message as stored.
#[derive(Default)]
struct StoredFiles {
    taken: Vec<AttachmentRef>,
    /// A line for each file left out.
    left_out: Vec<String>,
    /// Content-ID → upload id, for the HTML's inline images.
    inline: std::collections::HashMap<String, String>,
}

impl StoredFiles {
    /// The origin with the message's HTML made safe, its images pointed at these files.
    fn with_html(&self, origin: MailOrigin, inbound: &Inbound) -> MailOrigin {
        MailOrigin { html: inbound.html.as_deref().and_then(|h| html::sanitize(h, &self.inline)), ..origin }
    }
}

/// The text as stored: the sender's words, and a line naming files that were not attached.
fn text_with_notes(inbound: &Inbound, left_out: &[String]) -> String {
    if left_out.is_empty() {
        return inbound.text.clone();
    }
    format!("{}\n\n[Not attached: {}]", inbound.text, left_out.join(", "))
}

/// Adds the message to a ticket. `None` when the ticket is closed (and the sender would reply).
#[allow(clippy::too_many_arguments)]
async fn add_to_ticket<S, O>(
    store: &S,
    objects: &O,
    settings: &Settings,
    inbound: &Inbound,
    raw: &[u8],
    ticket: &Ticket,
    mut events: Vec<TicketEvent>,
    voice: MailVoice,
    origin: MailOrigin,
    now: DateTime<Utc>,
) -> Result<Option<Report>, StoreError>
where
    S: TicketStore + MailStore + Directory + Uploads,
    O: ObjectStore,
{
    let author = match &voice {
        MailVoice::Reply(actor) | MailVoice::Note(actor) => actor.id.clone(),
    };
    let is_note = matches!(voice, MailVoice::Note(_));
    let stored = store_files(store, objects, settings, inbound, raw, &author, now).await?;
    let text = text_with_notes(inbound, &stored.left_out);
    let origin = stored.with_html(origin, inbound);
    let files = stored.taken;
    let mut change = match commands::mail_message(ticket, voice, &text, origin, now, &mut new_id) {
        Ok(change) => change,
        Err(ApiError { .. }) => return Ok(None),
    };
    helpdesk_core::event::attach(&mut change.events, files);
    let config = store.sla_config().await?;
    events.extend(change.events.iter().cloned());
    sla::refresh(&mut change.ticket, &events, &config);
    match save(store, &inbound.key, &change).await? {
        true if is_note => Ok(Some(Report { notes: 1, ..Report::default() })),
        true => Ok(Some(Report { replies: 1, ..Report::default() })),
        false => Ok(Some(Report { duplicates: 1, ..Report::default() })),
    }
}

/// Saves a change with the message's id; `false` when the message was taken meanwhile. A ticket
/// another writer changed meanwhile is read again by the next delivery (S3 retries the event).
async fn save<S: MailStore>(store: &S, key: &str, change: &Change) -> Result<bool, StoreError> {
    match store.save_mail_ticket(key, &change.ticket, &change.events).await {
        Ok(()) => Ok(true),
        Err(StoreError::AlreadyExists | StoreError::UploadTaken) => Ok(false),
        Err(e) => Err(e),
    }
}

#[allow(clippy::too_many_arguments)]
async fn new_ticket<S, O>(
    store: &S,
    objects: &O,
    settings: &Settings,
    inbound: &Inbound,
    raw: &[u8],
    user: &User,
    origin: MailOrigin,
    now: DateTime<Utc>,
) -> Result<Report, StoreError>
where
    S: TicketStore + MailStore + Directory + Uploads,
    O: ObjectStore,
{
    let topics = store.list_topics().await?;
    let Some(topic) = settings.topic_for(&inbound.recipients, &topics) else {
        return Err(StoreError::Backend("no active topic takes mail: set MAIL_DEFAULT_TOPIC to one".into()));
    };
    let requester = user.actor();
    let stored = store_files(store, objects, settings, inbound, raw, &requester.id, now).await?;
    let text = text_with_notes(inbound, &stored.left_out);
    let draft = TicketDraft::from_mail(&inbound.subject, &text, &requester, topic, stored.with_html(origin, inbound));
    let files = stored.taken;
    let config = store.sla_config().await?;
    let ticket_id = new_id();
    let event_id = new_id();
    let created = store
        .create_mail_ticket(&inbound.key, &ticket_id, |number: TicketNumber| {
            let mut change = draft.clone().into_ticket(ticket_id.clone(), number, event_id.clone(), now);
            helpdesk_core::event::attach(&mut change.events, files.clone());
            sla::refresh(&mut change.ticket, &change.events, &config);
            change
        })
        .await;
    match created {
        Ok(change) => {
            tracing::info!(number = %change.ticket.number, "a ticket from mail");
            Ok(Report { tickets: 1, ..Report::default() })
        }
        Err(StoreError::AlreadyExists | StoreError::UploadTaken) => Ok(Report { duplicates: 1, ..Report::default() }),
        Err(e) => Err(e),
    }
}

/// A delivery failure: each address that failed is marked undeliverable (nothing is mailed there
/// until it changes), and the ticket the failed mail was about gets a note for its agents.
async fn take_bounce<S>(store: &S, inbound: &Inbound, bounce: &Bounce, now: DateTime<Utc>) -> Result<Report, StoreError>
where
    S: TicketStore + MailStore + Directory,
{
    for address in &bounce.recipients {
        // With the password hash: the write replaces the whole record.
        let Some(stored) = store.user_by_email(address).await?.filter(|s| s.user.mail_bounced_at.is_none()) else { continue };
        let marked = User { mail_bounced_at: Some(now), version: stored.user.version + 1, ..stored.user };
        match store.put_user(&marked, stored.password_hash.as_deref()).await {
            // Changed meanwhile: the next bounce marks it.
            Ok(()) | Err(StoreError::VersionConflict { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    let ticket = match &bounce.original_id {
        Some(id) => ticket_of_mail_id(store, id).await?,
        None => None,
    };
    let Some((ticket, _)) = (match ticket {
        Some(id) => store.get_ticket(&id).await?,
        None => None,
    }) else {
        tracing::info!(recipients = ?bounce.recipients, "a bounce about no ticket of ours");
        return Ok(Report { bounces: 1, ..Report::default() });
    };
    let text = format!(
        "Mail to {} could not be delivered{}.",
        if bounce.recipients.is_empty() { "a recipient".to_string() } else { bounce.recipients.join(", ") },
        if bounce.detail.is_empty() { String::new() } else { format!(": {}", bounce.detail) }
    );
    let origin = MailOrigin {
        from: inbound.from.clone().unwrap_or_default(),
        message_id: inbound.message_id.clone().unwrap_or_default(),
        auto_submitted: true,
        ..MailOrigin::default()
    };
    let voice = MailVoice::Note(Actor::new(mail::MAIL_ACTOR_ID, Role::System));
    let Ok(change) = commands::mail_message(&ticket, voice, &text, origin, now, &mut new_id) else {
        return Ok(Report { bounces: 1, ..Report::default() });
    };
    save(store, &inbound.key, &change).await?;
    Ok(Report { bounces: 1, ..Report::default() })
}
