//! What a notification says, in the recipient's language, from the UI's message catalogue: one
//! message for the one or more events it tells of (several events on a ticket within the
//! coalescing window become one message).

use super::preferences::Notice;
use crate::event::{EventKind, TicketEvent};
use crate::messages::{plural, text};
use crate::ticket::Ticket;
use crate::user::Language;
use chrono_tz::Tz;

/// The longest SMS text: one GSM segment's worth of characters would be 160; Cyrillic takes 70
/// per segment, so keep it to two.
pub const MAX_SHORT_CHARS: usize = 140;

/// One event as a message tells it.
pub struct Item<'a> {
    pub notice: Notice,
    pub event: &'a TicketEvent,
    /// The author's display name.
    pub actor_name: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// For SMS and other short channels.
    pub short: String,
    /// What happened, without links or footer: the text of a push notification.
    pub preview: String,
}

/// The longest push preview: a lock screen shows a few lines.
const MAX_PREVIEW_CHARS: usize = 500;

/// Where a message points its reader.
pub struct Links<'a> {
    pub ticket: &'a str,
    /// The reader's notification settings.
    pub settings: &'a str,
    /// The satisfaction links (good, bad) of the resolution a requester is told of.
    pub rating: Option<(&'a str, &'a str)>,
}

/// Renders `items` (never empty) about `ticket` for a reader of `language` in `zone`, with a link
/// to the ticket, one to the reader's notification settings and, when the message tells a
/// requester of a resolution, the two rating links. Staff-only events are left out for a
/// requester (`for_staff` false), whatever the caller passed.
pub fn render(language: Language, zone: Tz, ticket: &Ticket, items: &[Item<'_>], links: &Links<'_>, for_staff: bool) -> Rendered {
    let (ticket_link, settings_link) = (links.ticket, links.settings);
    let items: Vec<&Item> = items.iter().filter(|i| for_staff || !i.event.is_staff_only()).collect();
    let headlines: Vec<String> = items.iter().map(|i| headline(language, zone, i)).collect();
    let number = ticket.number.to_string();
    let subject = match headlines.as_slice() {
        [one] => format!("[{number}] {one}: {}", ticket.subject),
        _ => format!("[{number}] {} ({})", ticket.subject, plural(language, "notify.updates", headlines.len() as u64)),
    };
    let mut text_body = String::new();
    let mut html =
        format!("<!DOCTYPE html><html lang=\"{}\"><body style=\"font-family:sans-serif\">", crate::messages::language_code(language));
    html.push_str(&format!("<p><strong>{}</strong> {}</p>", escape(&number), escape(&ticket.subject)));
    for (item, line) in items.iter().zip(&headlines) {
        text_body.push_str(line);
        text_body.push('\n');
        html.push_str(&format!("<h3>{}</h3>", escape(line)));
        if let Some(body) = body_of(item, ticket) {
            text_body.push_str(&quote(body));
            text_body.push('\n');
            html.push_str(&format!(
                "<div style=\"white-space:pre-wrap;border-left:3px solid #ccc;padding-left:8px\">{}</div>",
                escape(body)
            ));
        }
        if let Some(extra) = explanation(language, item.notice) {
            text_body.push_str(extra);
            text_body.push('\n');
            html.push_str(&format!("<p>{}</p>", escape(extra)));
        }
        text_body.push('\n');
    }
    let preview: String = text_body.trim().chars().take(MAX_PREVIEW_CHARS).collect();
    let resolution = items.iter().any(|i| i.notice == Notice::Resolved);
    if let Some((good, bad)) = links.rating.filter(|_| resolution && !for_staff) {
        let (ask, good_label, bad_label) =
            (text(language, "notify.rate"), text(language, "notify.rate.good"), text(language, "notify.rate.bad"));
        text_body.push_str(&format!("{ask}\n{good_label}: {good}\n{bad_label}: {bad}\n\n"));
        html.push_str(&format!(
            "<p>{}</p><p><a href=\"{}\">{}</a> &nbsp; <a href=\"{}\">{}</a></p>",
            escape(ask),
            escape(good),
            escape(good_label),
            escape(bad),
            escape(bad_label)
        ));
    }
    let open = text(language, "notify.open");
    let settings = text(language, "notify.settings");
    text_body.push_str(&format!("{open}: {ticket_link}\n\n-- \n{settings}: {settings_link}\n"));
    html.push_str(&format!(
        "<p><a href=\"{}\">{}</a></p><hr><p style=\"color:#666;font-size:small\"><a href=\"{}\">{}</a></p></body></html>",
        escape(ticket_link),
        escape(open),
        escape(settings_link),
        escape(settings)
    ));
    let first = headlines.first().cloned().unwrap_or_default();
    let short = truncate(&format!("{number}: {first}. {ticket_link}"), &format!("{number}: {first}"), MAX_SHORT_CHARS);
    Rendered { subject, text: text_body, html, short, preview }
}

fn headline(language: Language, zone: Tz, item: &Item<'_>) -> String {
    let key = match item.notice {
        Notice::TicketFiled => "notify.ticket_filed",
        Notice::NewTicket => "notify.new_ticket",
        Notice::Reply => "notify.reply",
        Notice::Resolved => "notify.resolved",
        Notice::WaitingForYou => "notify.waiting_for_you",
        Notice::Reopened => "notify.reopened",
        Notice::Assigned => "notify.assigned",
        Notice::SlaWarning => "notify.sla_warning",
        Notice::SlaBreached => "notify.sla_breached",
        Notice::Mentioned => "notify.mentioned",
        // Not about a ticket: the weekly report has a message of its own (reports::digest).
        Notice::WeeklyReport => "notice.weekly_report",
    };
    let mut line = text(language, key).replace("{name}", item.actor_name);
    if let EventKind::SlaWarning { target, due_at, .. } | EventKind::SlaBreached { target, due_at, .. } = &item.event.kind {
        let target = text(language, &format!("sla.{}", crate::wire_name(target)));
        let due = due_at.with_timezone(&zone).format("%Y-%m-%d %H:%M %Z").to_string();
        line = line.replace("{target}", target).replace("{due}", &due);
    }
    line
}

fn explanation(language: Language, notice: Notice) -> Option<&'static str> {
    match notice {
        Notice::TicketFiled => Some(text(language, "notify.ticket_filed.body")),
        Notice::Resolved => Some(text(language, "notify.resolved.body")),
        Notice::WaitingForYou => Some(text(language, "notify.waiting_for_you.body")),
        _ => None,
    }
}

/// The words the message quotes: a message's body, a new ticket's description.
fn body_of<'a>(item: &'a Item<'_>, ticket: &'a Ticket) -> Option<&'a str> {
    match &item.event.kind {
        EventKind::PublicReply { body, .. } | EventKind::InternalNote { body, .. } => Some(body),
        EventKind::Created { .. } => Some(&ticket.description),
        _ => None,
    }
}

fn quote(body: &str) -> String {
    body.lines().map(|l| format!("> {l}")).collect::<Vec<_>>().join("\n")
}

/// `full` if it fits in `max` characters, else `fallback` cut to fit.
fn truncate(full: &str, fallback: &str, max: usize) -> String {
    if full.chars().count() <= max {
        return full.into();
    }
    let mut cut: String = fallback.chars().take(max.saturating_sub(1)).collect();
    if cut.chars().count() < fallback.chars().count() {
        cut.push('…');
    }
    cut
}

/// HTML-escapes text for element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::audience::tests::ticket;
    use crate::permissions::{Actor, Role};
    use chrono::{TimeZone, Utc};

    fn event(kind: EventKind) -> TicketEvent {
        TicketEvent {
            id: "01E".into(),
            at: Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap(),
            actor: Actor::new("anna", Role::Agent),
            kind,
        }
    }

    #[test]
    fn a_reply_in_russian_carries_the_number_the_words_and_the_link() {
        let t = ticket(Some("anna"));
        let reply =
            event(EventKind::PublicReply { body: "Перезагрузите <принтер>".into(), attachments: vec![], mail: None });
        let items = [Item { notice: Notice::Reply, event: &reply, actor_name: "Анна Петрова" }];
        let links = Links { ticket: "https://hd/tickets/HD-1042", settings: "https://hd/profile", rating: None };
        let r = render(Language::Ru, Tz::UTC, &t, &items, &links, false);
        assert_eq!(r.subject, "[HD-1042] Ответ от: Анна Петрова: Printer jams");
        assert!(r.text.contains("> Перезагрузите <принтер>") && r.text.contains("https://hd/tickets/HD-1042"), "{}", r.text);
        assert!(r.html.contains("Перезагрузите &lt;принтер&gt;") && r.html.contains("lang=\"ru\""), "{}", r.html);
        assert!(r.short.starts_with("HD-1042: Ответ от: Анна Петрова") && r.short.chars().count() <= MAX_SHORT_CHARS);
    }

    #[test]
    fn several_events_make_one_message_and_notes_never_reach_a_requester() {
        let t = ticket(Some("anna"));
        let reply = event(EventKind::PublicReply { body: "Fixed the tray".into(), attachments: vec![], mail: None });
        let note = event(EventKind::InternalNote { body: "SECRET vendor contract".into(), attachments: vec![], mail: None });
        let resolved = event(EventKind::StatusChanged { from: crate::Status::Open, to: crate::Status::Resolved });
        let items = [
            Item { notice: Notice::Reply, event: &reply, actor_name: "Anna" },
            Item { notice: Notice::Mentioned, event: &note, actor_name: "Anna" },
            Item { notice: Notice::Resolved, event: &resolved, actor_name: "Anna" },
        ];
        let links = Links { ticket: "l", settings: "s", rating: Some(("https://hd/rate?good", "https://hd/rate?bad")) };
        let r = render(Language::En, Tz::UTC, &t, &items, &links, false);
        assert_eq!(r.subject, "[HD-1042] Printer jams (2 updates)");
        assert!(r.text.contains("Fixed the tray") && r.text.contains("resolved"), "{}", r.text);
        assert!(!r.text.contains("SECRET") && !r.html.contains("SECRET"));
        // The requester told of the resolution can rate it in one click; staff are not asked.
        assert!(r.text.contains("https://hd/rate?good") && r.html.contains("href=\"https://hd/rate?bad\""), "{}", r.text);
        assert!(!r.short.contains("rate?"));
        let staff = render(Language::En, Tz::UTC, &t, &items, &links, true);
        assert!(staff.text.contains("SECRET"));
        assert!(!staff.text.contains("rate?good"));
    }

    #[test]
    fn sla_times_show_in_the_readers_zone() {
        let t = ticket(None);
        let due_at = Utc.with_ymd_and_hms(2026, 11, 27, 10, 0, 0).unwrap();
        let breach = event(EventKind::SlaBreached { target: crate::sla::TargetKind::FirstResponse, cycle: 1, due_at });
        let items = [Item { notice: Notice::SlaBreached, event: &breach, actor_name: "" }];
        let r =
            render(Language::En, "Europe/Moscow".parse().unwrap(), &t, &items, &Links { ticket: "l", settings: "s", rating: None }, true);
        assert!(r.subject.contains("First response") && r.subject.contains("2026-11-27 13:00 MSK"), "{}", r.subject);
    }
}
