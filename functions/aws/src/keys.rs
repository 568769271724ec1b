//! The single-table key design. docs/storage.md explains each item and index and the access
//! pattern it serves; this module is the only code that spells keys.

use chrono::{DateTime, SecondsFormat, Utc};
use helpdesk_core::api::TicketState;
use helpdesk_core::{Priority, Ticket};

pub const PK: &str = "PK";
pub const SK: &str = "SK";
/// Every item names its kind here (docs/storage.md lists them).
pub const ENTITY_ATTRIBUTE: &str = "entity";

/// The kinds of item the store writes, as their `entity` attribute says.
pub mod entity {
    pub const TICKET: &str = "ticket";
    pub const EVENT: &str = "event";
    pub const TICKET_DESCRIPTION: &str = "ticket_description";
    pub const TICKET_NUMBER: &str = "ticket_number";
    pub const COUNTER: &str = "counter";
    pub const TOPIC: &str = "topic";
    pub const SLA_PLAN: &str = "sla_plan";
    pub const CALENDAR: &str = "calendar";
    pub const USER: &str = "user";
    pub const GROUP: &str = "group";
    pub const THROTTLE: &str = "throttle";
    pub const OUTBOX: &str = "outbox";
    pub const UPLOAD: &str = "upload";
    pub const DELIVERY: &str = "delivery";
    pub const PREFERENCES: &str = "preferences";
    pub const MAIL_ID: &str = "mail_id";
    pub const REPLY_TOKEN: &str = "reply_token";
    pub const STREAM_CHECKPOINT: &str = "stream_checkpoint";
    pub const CONTACT: &str = "contact";
    pub const LINK_OFFER: &str = "link_offer";
    pub const API_TOKEN: &str = "api_token";
    pub const DEVICE: &str = "device";
    pub const EMAIL: &str = "email";
    pub const REJECTED_MAIL: &str = "rejected_mail";
    pub const PRESENCE: &str = "presence";
    pub const ARTICLE: &str = "article";
    pub const ARTICLE_REVISION: &str = "article_revision";
    pub const ARTICLE_STATS: &str = "article_stats";
    pub const REPLY_TEMPLATE: &str = "reply_template";
    pub const REPORT_BUCKET: &str = "report_bucket";
    pub const REPORTED: &str = "reported";
    pub const RATING_LINK: &str = "rating_link";
    pub const DEFLECTION_DAY: &str = "deflection_day";
    pub const DIGEST_DELIVERY: &str = "digest_delivery";
    pub const ALL: [&str; 34] = [
        TICKET,
        EVENT,
        TICKET_DESCRIPTION,
        TICKET_NUMBER,
        COUNTER,
        TOPIC,
        SLA_PLAN,
        CALENDAR,
        USER,
        GROUP,
        THROTTLE,
        OUTBOX,
        UPLOAD,
        DELIVERY,
        PREFERENCES,
        MAIL_ID,
        REPLY_TOKEN,
        STREAM_CHECKPOINT,
        CONTACT,
        LINK_OFFER,
        API_TOKEN,
        DEVICE,
        EMAIL,
        REJECTED_MAIL,
        PRESENCE,
        ARTICLE,
        ARTICLE_REVISION,
        ARTICLE_STATS,
        REPLY_TEMPLATE,
        REPORT_BUCKET,
        REPORTED,
        RATING_LINK,
        DEFLECTION_DAY,
        DIGEST_DELIVERY,
    ];
}

/// A secondary index: its name and key attributes, as in infra/template.yaml.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Index {
    pub name: &'static str,
    pub pk: &'static str,
    pub sk: &'static str,
}

/// Tickets of one requester, newest first.
pub const BY_REQUESTER: Index = Index { name: "GSI1", pk: "GSI1PK", sk: "GSI1SK" };
/// Tickets of one assignee (or of nobody) in queue order: see [`queue_run_prefix`].
pub const BY_ASSIGNEE: Index = Index { name: "GSI2", pk: "GSI2PK", sk: "GSI2SK" };
/// Tickets of one group (queue) in queue order.
pub const BY_GROUP: Index = Index { name: "GSI3", pk: "GSI3PK", sk: "GSI3SK" };
/// All tickets in queue order.
pub const ALL_TICKETS: Index = Index { name: "GSI4", pk: "GSI4PK", sk: "GSI4SK" };
/// Sparse: tickets with an SLA action ahead, by when it falls due. Only tickets with a running
/// clock carry these keys, so the scan reads what is due and nothing else.
pub const SLA_DUE: Index = Index { name: "GSI5", pk: "GSI5PK", sk: "GSI5SK" };
pub const INDEXES: [Index; 5] = [BY_REQUESTER, BY_ASSIGNEE, BY_GROUP, ALL_TICKETS, SLA_DUE];

/// Partitions of the due index, so that many tickets falling due at once spread their writes.
pub const SLA_SHARDS: u32 = 4;

pub fn sla_partition(shard: u32) -> String {
    format!("SLA#{shard}")
}

fn sla_shard(ticket_id: &str) -> u32 {
    // FNV-1a: stable across builds and platforms, unlike the standard hasher.
    let hash = ticket_id.bytes().fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    hash % SLA_SHARDS
}

/// Sort keys of the due index up to and including `at`.
pub fn sla_due_until(at: DateTime<Utc>) -> String {
    // '~' sorts after every character of a ticket id.
    format!("{}#~", timestamp(at))
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn upload_pk(id: &str) -> String {
    format!("UPLOAD#{id}")
}
pub const UPLOAD_SK: &str = "UPLOAD";
/// Where an upload's bytes go in the attachments bucket: chosen by the server, never by the file's
/// name. The attachments function reads the id back from the key.
pub const UPLOAD_OBJECT_PREFIX: &str = "uploads/";
pub fn upload_object_key(id: &str) -> String {
    format!("{UPLOAD_OBJECT_PREFIX}{id}")
}
/// The upload id an object key names, if it names one.
pub fn upload_id_of_key(key: &str) -> Option<&str> {
    key.strip_prefix(UPLOAD_OBJECT_PREFIX).filter(|id| !id.is_empty() && !id.contains('/'))
}
/// The object tag an upload carries until it is attached; the bucket's lifecycle rule deletes
/// tagged objects a day later.
pub const STAGED_TAG: &str = "staged=true";

pub const TICKET_PK_PREFIX: &str = "TICKET#";
pub fn ticket_pk(id: &str) -> String {
    format!("{TICKET_PK_PREFIX}{id}")
}
pub const TICKET_META_SK: &str = "META";
/// The ticket's description, apart from the ticket item so that the index copies of every ticket
/// write leave it out; sorts before the events, so the ticket's one Query reads it too.
pub const TICKET_DESCRIPTION_SK: &str = "DESCRIPTION";
/// The attribute that holds it, in the description item (and in ticket items written before).
pub const DESCRIPTION_ATTRIBUTE: &str = "description";
pub const EVENT_SK_PREFIX: &str = "EVT#";
pub fn event_sk(event_id: &str) -> String {
    format!("{EVENT_SK_PREFIX}{event_id}")
}

/// The item that maps a ticket number to its id, written with the ticket so numbers are unique.
pub fn number_pk(number: u64) -> String {
    format!("TICKETNO#{number}")
}
pub const NUMBER_SK: &str = "TICKETNO";

/// The atomic counter ticket numbers come from.
pub const COUNTER_PK: &str = "COUNTER";
pub const TICKET_COUNTER_SK: &str = "ticket_number";

pub const TOPICS_PK: &str = "TOPICS";

/// SLA plans and calendars share one partition: the whole configuration is one Query.
pub const SLA_CONFIG_PK: &str = "SLA_CONFIG";
pub const SLA_PLAN_PREFIX: &str = "PLAN#";
pub const CALENDAR_PREFIX: &str = "CALENDAR#";

/// Users and groups: each kind in one partition, so listing is one Query.
pub const USERS_PK: &str = "USERS";
pub fn user_sk(id: &str) -> String {
    format!("USER#{id}")
}
pub const GROUPS_PK: &str = "GROUPS";
pub fn group_sk(id: &str) -> String {
    format!("GROUP#{id}")
}

/// Sign-in attempt counters: one item per key and minute, removed by TTL (`expires_at`).
pub fn throttle_pk(key: &str) -> String {
    format!("THROTTLE#{key}")
}
pub const TTL_ATTRIBUTE: &str = "expires_at";

/// A domain event for the bus, in its ticket's partition (the stream keeps one ticket's events in
/// order), written in the same transaction as the change it announces; the relay publishes it from
/// the table's stream and TTL removes it a day later. Sorts after `META`, so reading a ticket
/// never reads its outbox, deliveries or reply token.
pub const OUTBOX_SK_PREFIX: &str = "OUTBOX#";
pub fn outbox_sk(event_id: &str) -> String {
    format!("{OUTBOX_SK_PREFIX}{event_id}")
}
/// The outbox item's attributes the relay reads: the EventBridge detail-type and the domain event's JSON.
pub const OUTBOX_DETAIL_TYPE: &str = "detail_type";
/// The event's EventBridge source; absent means a ticket event.
pub const OUTBOX_SOURCE: &str = "source";
pub const OUTBOX_DETAIL: &str = "detail";
/// How long an outbox item stays after its write: the stream keeps records 24 hours.
pub const OUTBOX_KEEP_SECONDS: i64 = 24 * 3600;

/// Who has the ticket's page open: one item per person in the ticket's partition, after `META`
/// (never read with the ticket), removed by TTL.
pub const PRESENCE_SK_PREFIX: &str = "PRESENCE#";
pub fn presence_sk(user: &str) -> String {
    format!("{PRESENCE_SK_PREFIX}{user}")
}

/// The decision log: one item per event × recipient × channel in the ticket's partition.
pub const DELIVERY_SK_PREFIX: &str = "NOTIFY#";
pub fn delivery_sk(event_id: &str, recipient: &str, channel: &str) -> String {
    format!("{DELIVERY_SK_PREFIX}{event_id}#{recipient}#{channel}")
}

/// The weekly report's decisions for the week starting on `monday` (one per reader and channel,
/// keyed as a ticket's decisions are), removed by TTL.
pub fn digest_pk(monday: chrono::NaiveDate) -> String {
    format!("DIGEST#{monday}")
}

/// A person's notification preferences.
pub fn preferences_pk(user: &str) -> String {
    format!("PREFS#{user}")
}
pub const PREFERENCES_SK: &str = "PREFS";

/// A Message-ID of mail about a ticket (ours, and the one SES gave it): e-mail intake threads
/// replies by it.
pub fn mail_id_pk(message_id: &str) -> String {
    format!("MAILID#{message_id}")
}
pub const MAIL_ID_SK: &str = "MAILID";

/// The account an e-mail address (lower-case) belongs to: e-mail intake finds the sender by it.
pub fn email_pk(address: &str) -> String {
    format!("EMAIL#{}", address.to_lowercase())
}
pub const EMAIL_SK: &str = "EMAIL";

/// Mail the intake could not take, newest last (ULID sort keys): one partition, read by admins.
pub const REJECTED_MAIL_PK: &str = "MAILREJECTED";
pub fn rejected_mail_sk(id: &str) -> String {
    format!("REJECTED#{id}")
}
pub const REJECTED_MAIL_SK_PREFIX: &str = "REJECTED#";

/// Where SES puts each received message in the files bucket (only SES may write there).
pub const INBOUND_MAIL_PREFIX: &str = "inbound/";
/// Where an admin's retry of a rejected message puts its copy (`retry/<rejected id>`): the intake
/// takes it like a new arrival.
pub const RETRY_MAIL_PREFIX: &str = "retry/";

/// A ticket's reply-address token: in the ticket's partition, and the token's own item pointing
/// back (written together, so a token names one ticket).
pub const REPLY_TOKEN_SK: &str = "REPLYTOKEN";
pub fn reply_token_pk(token: &str) -> String {
    format!("REPLY#{token}")
}

/// A resolution's satisfaction-link token: in the ticket's partition (after `META`: never read
/// with the ticket) per resolution, and the token's own item pointing back; both removed by TTL.
pub const RATING_LINK_SK_PREFIX: &str = "RATINGLINK#";
pub fn rating_link_sk(resolution: &str) -> String {
    format!("{RATING_LINK_SK_PREFIX}{resolution}")
}
pub const RATING_TOKEN_SK: &str = "RATINGLINK";
pub fn rating_token_pk(token: &str) -> String {
    format!("RATING#{token}")
}

/// The contacts of a person or an agent group (`anna`, `group:service-desk`): one query reads
/// them all, the notify function's read per recipient.
pub fn contacts_pk(owner: &str) -> String {
    format!("CONTACTS#{owner}")
}
pub fn contact_sk(id: &str) -> String {
    format!("CONTACT#{id}")
}
pub const CONTACT_SK_PREFIX: &str = "CONTACT#";

/// Who holds a phone (a mobile contact id): a phone that changes hands leaves its old owner.
pub fn device_pk(contact_id: &str) -> String {
    format!("DEVICE#{contact_id}")
}
pub const DEVICE_SK: &str = "DEVICE";

/// A one-time Telegram link offer, consumed by a conditional delete.
pub fn link_offer_pk(token: &str) -> String {
    format!("LINK#{token}")
}
pub const LINK_OFFER_SK: &str = "LINK";

/// An API token by its id (what a bearer call looks up), and the same token in its owner's list.
pub fn api_token_pk(id: &str) -> String {
    format!("APITOKEN#{id}")
}
pub const API_TOKEN_SK: &str = "APITOKEN";
pub fn api_tokens_pk(user: &str) -> String {
    format!("APITOKENS#{user}")
}
pub fn api_token_sk(id: &str) -> String {
    format!("APITOKEN#{id}")
}
pub const API_TOKEN_SK_PREFIX: &str = "APITOKEN#";

/// The local runner's place in the table's stream (DynamoDB Local only; Lambda keeps its own).
pub fn stream_checkpoint_pk(stream: &str) -> String {
    format!("STREAM#{stream}")
}
pub const STREAM_CHECKPOINT_SK: &str = "CHECKPOINT";
pub fn topic_sk(id: &str) -> String {
    format!("TOPIC#{id}")
}

pub fn requester_partition(requester: &str) -> String {
    format!("REQ#{requester}")
}
pub fn assignee_partition(assignee: Option<&str>) -> String {
    // Unassigned tickets get a partition no agent id can produce.
    assignee.map_or_else(|| "UNASSIGNED".to_string(), |a| format!("ASG#{a}"))
}
pub fn group_partition(group: &str) -> String {
    format!("GRP#{group}")
}
pub const ALL_TICKETS_PARTITION: &str = "TICKETS";

/// The queue indexes' sort-key prefix of a part of the lifecycle: `1#` still to do, `2#` done.
pub fn state_prefix(state: TicketState) -> &'static str {
    match state {
        TicketState::Open => "1#",
        TicketState::Done => "2#",
    }
}

/// The queue indexes' sort-key prefix of one run: a part of the lifecycle and a priority, urgent
/// (`1`) to low (`4`), so the index itself lists by priority.
pub fn queue_run_prefix(state: TicketState, priority: Priority) -> String {
    let rank = match priority {
        Priority::Urgent => 1,
        Priority::High => 2,
        Priority::Medium => 3,
        Priority::Low => 4,
    };
    format!("{}{rank}#", state_prefix(state))
}

/// What falls due first, within a run: the next SLA target's due time (overdue ones sort first),
/// `~` (after every time) without one, then age and id.
pub fn due_order_key(t: &Ticket) -> String {
    let due = t.sla_due.and_then(|d| d.due_at).map_or_else(|| "~".to_string(), timestamp);
    format!("{due}#{}#{}", timestamp(t.created_at), t.id)
}

/// The index attributes of a ticket's META item.
pub fn ticket_index_keys(t: &Ticket) -> Vec<(&'static str, String)> {
    let created = timestamp(t.created_at);
    let queue_order = format!("{}{}", queue_run_prefix(TicketState::of(t.status), t.priority), due_order_key(t));
    let mut keys = vec![
        (BY_REQUESTER.pk, requester_partition(&t.requester)),
        (BY_REQUESTER.sk, format!("{created}#{}", t.id)),
        (BY_ASSIGNEE.pk, assignee_partition(t.assignee.as_deref())),
        (BY_ASSIGNEE.sk, queue_order.clone()),
        (BY_GROUP.pk, group_partition(&t.group)),
        (BY_GROUP.sk, queue_order.clone()),
        (ALL_TICKETS.pk, ALL_TICKETS_PARTITION.to_string()),
        (ALL_TICKETS.sk, queue_order),
    ];
    if let Some(due) = t.sla_next_action {
        keys.push((SLA_DUE.pk, sla_partition(sla_shard(&t.id))));
        keys.push((SLA_DUE.sk, format!("{}#{}", timestamp(due), t.id)));
    }
    keys
}

/// Every article's current version, one partition in id order: the knowledge base's list.
pub const ARTICLES_PK: &str = "KB";
pub const ARTICLE_SK_PREFIX: &str = "ARTICLE#";
pub fn article_sk(id: &str) -> String {
    format!("{ARTICLE_SK_PREFIX}{id}")
}
/// One article's revisions, stats and outbox items.
pub fn article_pk(id: &str) -> String {
    format!("ARTICLE#{id}")
}
pub const REVISION_SK_PREFIX: &str = "REV#";
/// Zero-padded so revisions sort by version.
pub fn revision_sk(version: u64) -> String {
    format!("{REVISION_SK_PREFIX}{version:010}")
}
pub const ARTICLE_STATS_SK: &str = "STATS";
/// Deflections under one topic (`-`: none chosen).
pub fn deflection_sk(topic: Option<&str>) -> String {
    format!("DEFLECTED#{}", topic.unwrap_or("-"))
}
/// Deflections per day and topic (any article), for the reports: per month one partition, per day
/// and topic one counter; kept apart from the report buckets, which a rebuild recomputes from the
/// tickets' logs (a deflection has no ticket).
pub fn deflections_pk(day: chrono::NaiveDate) -> String {
    format!("DEFLECTIONS#{}", day.format("%Y-%m"))
}
pub fn deflections_sk(day: chrono::NaiveDate, topic: Option<&str>) -> String {
    format!("{day}#{}", topic.unwrap_or(helpdesk_core::reports::NONE))
}
/// Reply templates, one partition: the ticket page reads them all in one Query.
pub const REPLY_TEMPLATES_PK: &str = "REPLY_TEMPLATES";
pub fn reply_template_sk(id: &str) -> String {
    format!("TEMPLATE#{id}")
}
/// Reply templates kept at most (the picker lists them all).
pub const MAX_REPLY_TEMPLATES: usize = 500;
/// The revisions an article's history lists at most.
pub const MAX_REVISIONS_LISTED: usize = 200;

/// Report buckets of one dimension and month: a report reads a month with one Query.
pub fn report_pk(dimension: helpdesk_core::reports::Dimension, day: chrono::NaiveDate) -> String {
    format!("REPORT#{}#{}", helpdesk_core::wire_name(&dimension), day.format("%Y-%m"))
}
/// A bucket in its month: day first, so a date range is one key range.
pub fn report_sk(key: &helpdesk_core::reports::BucketKey) -> String {
    format!("{}#{}#{}#{}", key.day.format("%Y-%m-%d"), key.group, key.topic, key.value)
}
/// What a ticket's figures add to the buckets, as last applied (on the ticket's partition).
pub const REPORTED_SK: &str = "REPORTED";

#[cfg(test)]
mod tests {
    /// docs/storage.md has one row for each kind of item the store writes, named by its `entity`.
    #[test]
    fn the_storage_document_lists_every_item_kind() {
        let doc = include_str!("../../../docs/storage.md");
        let rows: Vec<&str> = doc.lines().filter(|l| l.starts_with("| `")).collect();
        let documented: Vec<&str> =
            rows.iter().filter_map(|row| row.strip_prefix("| `")?.split('`').next()).filter(|kind| !kind.contains('#')).collect();
        let mut expected: Vec<&str> = super::entity::ALL.to_vec();
        expected.sort();
        let mut listed = documented.clone();
        listed.sort();
        assert_eq!(listed, expected, "docs/storage.md's item table against keys::entity::ALL");
    }
}
