//! The single-table key design. docs/storage.md explains each item and index and the access
//! pattern it serves; this module is the only code that spells keys.

use chrono::SecondsFormat;
use helpdesk_core::{Status, Ticket};

pub const PK: &str = "PK";
pub const SK: &str = "SK";

/// A secondary index: its name and key attributes, as in infra/template.yaml.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Index {
    pub name: &'static str,
    pub pk: &'static str,
    pub sk: &'static str,
}

/// Tickets of one requester, newest first.
pub const BY_REQUESTER: Index = Index { name: "GSI1", pk: "GSI1PK", sk: "GSI1SK" };
/// Tickets of one assignee (or of nobody), by status then age.
pub const BY_ASSIGNEE: Index = Index { name: "GSI2", pk: "GSI2PK", sk: "GSI2SK" };
/// Tickets of one group (queue), by status then age.
pub const BY_GROUP: Index = Index { name: "GSI3", pk: "GSI3PK", sk: "GSI3SK" };
/// All tickets, by status then age.
pub const ALL_TICKETS: Index = Index { name: "GSI4", pk: "GSI4PK", sk: "GSI4SK" };
pub const INDEXES: [Index; 4] = [BY_REQUESTER, BY_ASSIGNEE, BY_GROUP, ALL_TICKETS];

pub fn ticket_pk(id: &str) -> String {
    format!("TICKET#{id}")
}
pub const TICKET_META_SK: &str = "META";
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

/// Sort-key prefix that selects one status in the status-ordered indexes.
pub fn status_prefix(status: Status) -> String {
    format!("{}#", status.queue_rank())
}

/// The index attributes of a ticket's META item.
pub fn ticket_index_keys(t: &Ticket) -> [(&'static str, String); 8] {
    let created = t.created_at.to_rfc3339_opts(SecondsFormat::Micros, true);
    let by_status_then_age = format!("{}{created}#{}", status_prefix(t.status), t.id);
    [
        (BY_REQUESTER.pk, requester_partition(&t.requester)),
        (BY_REQUESTER.sk, format!("{created}#{}", t.id)),
        (BY_ASSIGNEE.pk, assignee_partition(t.assignee.as_deref())),
        (BY_ASSIGNEE.sk, by_status_then_age.clone()),
        (BY_GROUP.pk, group_partition(&t.group)),
        (BY_GROUP.sk, by_status_then_age.clone()),
        (ALL_TICKETS.pk, ALL_TICKETS_PARTITION.to_string()),
        (ALL_TICKETS.sk, by_status_then_age),
    ]
}
