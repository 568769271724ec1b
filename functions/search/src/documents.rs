//! Tickets and articles as index documents. A ticket's document is rebuilt whole from its current
//! state on every change, so applying a change twice or out of order lands in the same place.

use crate::schema::Fields;
use helpdesk_core::form::FieldValue;
use helpdesk_core::knowledge::Article;
use helpdesk_core::knowledge::markdown;
use helpdesk_core::user::User;
use helpdesk_core::{EventKind, Ticket, TicketEvent, wire_name};
use tantivy::TantivyDocument;

/// The characters of text a hit shows.
pub const SNIPPET_CHARS: usize = 200;

pub fn ticket_key(id: &str) -> String {
    format!("ticket:{id}")
}

pub fn article_key(id: &str) -> String {
    format!("article:{id}")
}

fn snippet(text: &str) -> String {
    let mut words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some((at, _)) = words.char_indices().nth(SNIPPET_CHARS) {
        words.truncate(at);
        words.push('…');
    }
    words
}

fn field_text(value: &FieldValue) -> String {
    match value {
        FieldValue::Flag(_) => String::new(),
        FieldValue::Number(n) => n.to_string(),
        FieldValue::Text(t) => t.clone(),
        FieldValue::List(items) => items.join(" "),
    }
}

/// A ticket's document: public text (description, public replies) apart from internal notes;
/// the requester's name and the form's values for staff.
pub fn ticket(f: &Fields, ticket: &Ticket, events: &[TicketEvent], requester: Option<&User>) -> TantivyDocument {
    let mut public = vec![ticket.description.as_str()];
    let mut internal = Vec::new();
    for event in events {
        match &event.kind {
            EventKind::PublicReply { body, .. } => public.push(body),
            EventKind::InternalNote { body, .. } => internal.push(body.as_str()),
            _ => {}
        }
    }
    let mut details = vec![ticket.requester.clone()];
    if let Some(user) = requester {
        details.extend([user.name.clone(), user.email.clone()]);
    }
    details.extend(ticket.fields.values().map(field_text));
    let mut doc = TantivyDocument::default();
    doc.add_text(f.key, ticket_key(&ticket.id));
    doc.add_text(f.kind, "ticket");
    doc.add_text(f.id, &ticket.id);
    doc.add_text(f.title, &ticket.subject);
    doc.add_text(f.body, public.join("\n"));
    doc.add_text(f.internal, internal.join("\n"));
    doc.add_text(f.details, details.join(" "));
    doc.add_text(f.snippet, snippet(&ticket.description));
    doc.add_u64(f.number, ticket.number.0);
    doc.add_text(f.requester, &ticket.requester);
    doc.add_text(f.group, &ticket.group);
    doc.add_text(f.assignee, ticket.assignee.as_deref().unwrap_or(""));
    doc.add_text(f.status, wire_name(&ticket.status));
    doc.add_text(f.topic, &ticket.topic);
    doc.add_i64(f.created, ticket.created_at.timestamp());
    doc.add_i64(f.updated, ticket.updated_at.timestamp());
    doc
}

/// An article's documents: one per language it is written in.
pub fn article(f: &Fields, article: &Article) -> Vec<TantivyDocument> {
    article
        .translations
        .iter()
        .map(|(lang, translation)| {
            let text = markdown::to_text(&translation.body);
            let mut doc = TantivyDocument::default();
            doc.add_text(f.key, article_key(&article.id));
            doc.add_text(f.kind, "article");
            doc.add_text(f.id, &article.id);
            doc.add_text(f.title, &translation.title);
            doc.add_text(f.body, format!("{text}\n{}", article.category));
            doc.add_text(f.snippet, snippet(&text));
            doc.add_text(f.lang, lang);
            doc.add_text(f.visibility, wire_name(&article.visibility));
            doc.add_text(f.article_status, wire_name(&article.status));
            doc.add_i64(f.updated, article.updated_at.timestamp());
            doc
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::snippet;

    #[test]
    fn snippets_are_short_and_on_one_line() {
        assert_eq!(snippet("a\n  b"), "a b");
        let long = "я".repeat(300);
        assert_eq!(snippet(&long).chars().count(), super::SNIPPET_CHARS + 1);
    }
}
