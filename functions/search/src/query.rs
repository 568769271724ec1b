//! From what a person typed to hits they may see. The words are analysed like the index's text
//! and looked up as terms: never parsed as query syntax, so nothing typed can widen a query.
//! Every hit then passes the same permission check as the other read paths.

use crate::schema::{Fields, terms};
use helpdesk_core::knowledge::{ArticleAccess, ArticleStatus, Visibility};
use helpdesk_core::permissions::{Action, Reach, Resource, allows};
use helpdesk_core::search::{HitKind, Scope, SearchHit, SearchQuery};
use helpdesk_core::{Actor, Role, Status, TicketNumber};
use std::collections::HashMap;
use std::ops::Bound;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{Searcher, TantivyDocument, Term};

/// Terms shorter than this are matched exactly: one typo in a short word matches too much.
const FUZZY_MIN_CHARS: usize = 5;
/// Words of a query that count (a pasted page is cut, not refused).
const MAX_TERMS: usize = 24;

fn term(field: tantivy::schema::Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::Basic))
}

fn any(clauses: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(clauses.into_iter().map(|q| (Occur::Should, q)).collect()))
}

fn all(clauses: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(clauses.into_iter().map(|q| (Occur::Must, q)).collect()))
}

/// What the caller may find, as a filter: their reach over tickets, and over articles.
fn reach(f: &Fields, actor: &Actor, scope: Scope, tickets_only: bool) -> Box<dyn Query> {
    let mut kinds: Vec<Box<dyn Query>> = Vec::new();
    if scope != Scope::Articles {
        let mut ticket = vec![term(f.kind, "ticket")];
        match actor.role {
            Role::Admin | Role::System => {}
            Role::Manager if actor.groups.is_empty() => {}
            Role::Requester => ticket.push(term(f.requester, &actor.id)),
            Role::Manager => {
                let mut mine = vec![term(f.requester, &actor.id)];
                mine.extend(actor.groups.iter().map(|g| term(f.group, g)));
                ticket.push(any(mine));
            }
            Role::Agent => {
                let mut mine = vec![term(f.requester, &actor.id), term(f.assignee, &actor.id)];
                mine.extend(actor.groups.iter().map(|g| term(f.group, g)));
                ticket.push(any(mine));
            }
        }
        kinds.push(all(ticket));
    }
    if scope != Scope::Tickets && !tickets_only {
        let mut article = vec![term(f.kind, "article")];
        let published = term(f.article_status, "published");
        match actor.role {
            Role::Requester => article.extend([term(f.visibility, "public"), published]),
            Role::Agent | Role::Manager if !actor.edits_knowledge => article.push(published),
            Role::Agent | Role::Manager | Role::Admin | Role::System => {}
        }
        kinds.push(all(article));
    }
    any(kinds)
}

/// The words: every one must match somewhere (a search), or any may (a suggestion, whose last
/// word may be half typed).
fn words(f: &Fields, actor: &Actor, text: &str, suggest: bool) -> Option<Box<dyn Query>> {
    let mut fields = vec![(f.title, 3.0), (f.body, 1.0)];
    if actor.role.reads_queues() {
        fields.extend([(f.internal, 1.0), (f.details, 1.0)]);
    }
    let analysed: Vec<String> = terms(text).into_iter().take(MAX_TERMS).collect();
    let last = analysed.len().saturating_sub(1);
    let mut per_word: Vec<Box<dyn Query>> = Vec::new();
    for (i, word) in analysed.iter().enumerate() {
        let mut clauses: Vec<Box<dyn Query>> = Vec::new();
        for &(field, boost) in &fields {
            let t = Term::from_field_text(field, word);
            clauses.push(Box::new(BoostQuery::new(term(field, word), boost)));
            if suggest && i == last {
                clauses.push(Box::new(BoostQuery::new(Box::new(FuzzyTermQuery::new_prefix(t.clone(), 0, true)), boost * 0.5)));
            }
            if word.chars().count() >= FUZZY_MIN_CHARS {
                clauses.push(Box::new(BoostQuery::new(Box::new(FuzzyTermQuery::new(t, 1, true)), boost * 0.3)));
            }
        }
        per_word.push(any(clauses));
    }
    // A ticket's number, as `HD-1042` or `1042`, finds it.
    let numbers: Vec<Box<dyn Query>> = text
        .split_whitespace()
        .filter_map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '-').parse::<TicketNumber>().ok())
        .map(|n| -> Box<dyn Query> {
            Box::new(BoostQuery::new(Box::new(TermQuery::new(Term::from_field_u64(f.number, n.0), IndexRecordOption::Basic)), 10.0))
        })
        .collect();
    if per_word.is_empty() && numbers.is_empty() {
        return None;
    }
    let text_query = if suggest || per_word.is_empty() { any(per_word) } else { all(per_word) };
    Some(if numbers.is_empty() {
        text_query
    } else {
        let mut either = numbers;
        either.push(text_query);
        any(either)
    })
}

fn filters(f: &Fields, q: &SearchQuery) -> Vec<Box<dyn Query>> {
    let mut clauses = Vec::new();
    if !q.status.is_empty() {
        clauses.push(any(q.status.iter().map(|s| term(f.status, &helpdesk_core::wire_name(s))).collect()));
    }
    if let Some(topic) = &q.topic {
        clauses.push(term(f.topic, topic));
    }
    if let Some(group) = &q.group {
        clauses.push(term(f.group, group));
    }
    if q.from.is_some() || q.to.is_some() {
        let seconds = |day: chrono::NaiveDate, end: bool| {
            let time = if end { day.and_hms_opt(23, 59, 59) } else { day.and_hms_opt(0, 0, 0) };
            time.map_or(0, |t| t.and_utc().timestamp())
        };
        let low = q.from.map_or(Bound::Unbounded, |d| Bound::Included(Term::from_field_i64(f.created, seconds(d, false))));
        let high = q.to.map_or(Bound::Unbounded, |d| Bound::Included(Term::from_field_i64(f.created, seconds(d, true))));
        clauses.push(Box::new(RangeQuery::new(low, high)));
    }
    clauses
}

fn text(doc: &TantivyDocument, field: tantivy::schema::Field) -> String {
    doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_string()
}

/// A stored value as the enum whose wire name it is.
fn wire<T: serde::de::DeserializeOwned>(doc: &TantivyDocument, field: tantivy::schema::Field) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(text(doc, field))).ok()
}

fn hit(f: &Fields, actor: &Actor, doc: &TantivyDocument) -> Option<SearchHit> {
    let updated = doc.get_first(f.updated).and_then(|v| v.as_i64()).unwrap_or(0);
    let updated_at = chrono::DateTime::from_timestamp(updated, 0).unwrap_or_default();
    let base = SearchHit {
        kind: HitKind::Ticket,
        id: text(doc, f.id),
        title: text(doc, f.title),
        snippet: text(doc, f.snippet),
        number: None,
        status: None,
        lang: None,
        article_status: None,
        visibility: None,
        updated_at,
    };
    match text(doc, f.kind).as_str() {
        "ticket" => {
            let (requester, group, assignee) = (text(doc, f.requester), text(doc, f.group), text(doc, f.assignee));
            let reach = Reach { requester: &requester, group: &group, assignee: Some(assignee.as_str()).filter(|a| !a.is_empty()) };
            allows(actor, Action::ViewTicket, Resource::Reach(reach)).then(|| SearchHit {
                number: doc.get_first(f.number).and_then(|v| v.as_u64()),
                status: wire::<Status>(doc, f.status),
                ..base
            })
        }
        "article" => {
            let visibility: Visibility = wire(doc, f.visibility)?;
            let status: ArticleStatus = wire(doc, f.article_status)?;
            allows(actor, Action::ViewArticle, Resource::Article(ArticleAccess { visibility, status })).then(|| SearchHit {
                kind: HitKind::Article,
                lang: Some(text(doc, f.lang)),
                article_status: Some(status),
                visibility: Some(visibility),
                ..base
            })
        }
        _ => None,
    }
}

/// Runs `q` for `actor`: hits they may see, best first; an article once, in the reader's language
/// when it has it. `suggest`: articles only, any word, the last as a prefix.
pub fn run(searcher: &Searcher, f: &Fields, actor: &Actor, q: &SearchQuery, suggest: bool) -> tantivy::Result<Vec<SearchHit>> {
    let scope = if suggest { Scope::Articles } else { q.scope };
    let Some(words) = words(f, actor, &q.text, suggest) else { return Ok(Vec::new()) };
    let mut clauses = vec![words, reach(f, actor, scope, q.filters_tickets())];
    clauses.extend(filters(f, q));
    let query = all(clauses);
    // Articles come once per language: ask for enough to fill the page after folding them.
    let wanted = q.limit * 2 + 2;
    let top: Vec<(f32, tantivy::DocAddress)> = searcher.search(&query, &TopDocs::with_limit(wanted).order_by_score())?;
    let mut hits: Vec<(f32, SearchHit)> = Vec::new();
    let mut article_at: HashMap<String, usize> = HashMap::new();
    for (score, address) in top {
        let doc: TantivyDocument = searcher.doc(address)?;
        let Some(hit) = hit(f, actor, &doc) else { continue };
        if hit.kind == HitKind::Article {
            if let Some(&at) = article_at.get(&hit.id) {
                // The better-scored language stays first; the reader's own replaces it in place.
                if hit.lang.as_deref() == Some(q.lang.as_str()) {
                    hits[at].1 = hit;
                }
                continue;
            }
            article_at.insert(hit.id.clone(), hits.len());
        }
        hits.push((score, hit));
    }
    Ok(hits.into_iter().take(q.limit).map(|(_, h)| h).collect())
}
