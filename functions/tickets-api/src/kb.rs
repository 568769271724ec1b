//! Knowledge-base routes: articles' list, page, writes, history and restore, "this solved it",
//! and a draft from a ticket's answer. Every read goes through [`readable`], the one visibility
//! check (`Action::ViewArticle`); articles a caller may not read answer 404 like missing ones.

use crate::attachments::{self, Files};
use crate::{Reply, json, not_found, query_pairs, require, store_error};
use chrono::Utc;
use helpdesk_aws::{Knowledge, StoreError, TicketStore, Uploads, keys, new_id};
use helpdesk_core::api::{Items, Paged, parse_body};
use helpdesk_core::attachment::{AttachmentRef, is_image};
use helpdesk_core::knowledge::markdown;
use helpdesk_core::knowledge::{
    Article, ArticleInput, ArticleStatus, ArticleSummary, ArticleView, DeflectionInput, RestoreInput, RevisionSummary, Translation,
    Visibility,
};
use helpdesk_core::limits::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use helpdesk_core::permissions::{Action, Resource, allows};
use helpdesk_core::query::{self, bad_query};
use helpdesk_core::text::DEFAULT_LANGUAGE;
use helpdesk_core::{Actor, ApiError, ErrorCode, EventKind, FieldError, FieldErrorCode};
use lambda_http::Request;
use lambda_http::http::StatusCode;

/// The one visibility check of every read path here.
pub fn readable(actor: &Actor, article: &Article) -> bool {
    allows(actor, Action::ViewArticle, Resource::Article(article.access()))
}

/// `lang` of the query (default English), refused when unsupported; other names only as listed.
fn language(req: &Request, also: &[&str]) -> Result<String, ApiError> {
    let mut lang = DEFAULT_LANGUAGE.to_string();
    for (name, value) in query_pairs(req) {
        match name.as_str() {
            "lang" => lang = query::language(&value)?,
            other if also.contains(&other) => {}
            other => return Err(bad_query(other, "unknown parameter")),
        }
    }
    Ok(lang)
}

async fn load<S: Knowledge>(store: &S, actor: &Actor, id: &str) -> Result<Article, ApiError> {
    match store.get_article(id).await.map_err(store_error)? {
        Some(article) if readable(actor, &article) => Ok(article),
        _ => Err(not_found("article")),
    }
}

async fn view<S: Knowledge>(store: &S, actor: &Actor, article: Article, lang: &str) -> Result<ArticleView, ApiError> {
    let (shown, translation) = article
        .translation_for(lang)
        .map(|(l, t)| (l.to_string(), t.clone()))
        .unwrap_or_else(|| (lang.to_string(), Translation { title: String::new(), body: String::new() }));
    let stats = if actor.role.is_staff() { Some(store.article_stats(&article.id).await.map_err(store_error)?) } else { None };
    let editor = allows(actor, Action::EditArticles, Resource::Article(article.access()));
    Ok(ArticleView {
        html: markdown::to_html(&translation.body, &article.id),
        title: translation.title,
        lang: shown,
        languages: article.translations.keys().cloned().collect(),
        translations: editor.then(|| article.translations.clone()),
        stats,
        id: article.id,
        category: article.category,
        visibility: article.visibility,
        status: article.status,
        version: article.version,
        updated_at: article.updated_at,
        updated_by: article.updated_by,
        source_ticket: article.source_ticket.filter(|_| actor.role.is_staff()),
    })
}

fn checked(input: &ArticleInput) -> Result<(), ApiError> {
    let problems = input.problems();
    if problems.is_empty() { Ok(()) } else { Err(ApiError::validation(problems)) }
}

/// The images `article`'s bodies show that it does not hold yet: each a ready image the editor
/// uploaded (its staged tag taken off, as a ticket's files; the save's transaction attaches it).
/// They join the article's images.
async fn claim_images<S: Uploads>(
    store: &S,
    files: Option<&Files>,
    actor: &Actor,
    article: &mut Article,
) -> Result<Vec<AttachmentRef>, ApiError> {
    let mut wanted: Vec<(String, String)> = Vec::new();
    for (lang, translation) in &article.translations {
        for id in markdown::image_ids(&translation.body) {
            if !article.images.iter().any(|i| i.id == id) && !wanted.iter().any(|(_, w)| *w == id) {
                wanted.push((format!("translations.{lang}.body"), id));
            }
        }
    }
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let files = files.ok_or_else(attachments::unavailable)?;
    if wanted.len() > files.limits.max_files {
        let message = format!("at most {} new images in one save", files.limits.max_files);
        return Err(ApiError::validation(vec![FieldError::new(wanted[0].0.clone(), FieldErrorCode::OutOfRange, message)]));
    }
    let mut claimed: Vec<(AttachmentRef, Option<String>)> = Vec::new();
    let mut errors = Vec::new();
    for (field, id) in wanted {
        match attachments::ready_upload(store, actor, &id, field.clone()).await? {
            Ok(u) if is_image(&u.content_type) => claimed.push((u.reference(), u.object_version.clone())),
            Ok(_) => errors.push(FieldError::new(field, FieldErrorCode::NotEligible, format!("{id} is not an image"))),
            Err(mut refused) => {
                refused.message = format!("image {id}: {}", refused.message);
                errors.push(refused);
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    files.keep(&claimed).await?;
    let refs: Vec<AttachmentRef> = claimed.into_iter().map(|(file, _)| file).collect();
    article.images.extend(refs.iter().cloned());
    Ok(refs)
}

/// `GET /api/kb/articles/{id}/images/{image}`: to the image's bytes (a short-lived link), for
/// whoever may read the article; anything else answers 404.
pub async fn image<S: Knowledge + Uploads>(store: &S, files: Option<&Files>, actor: &Actor, id: &str, image: &str) -> Reply {
    let files = files.ok_or_else(attachments::unavailable)?;
    let article = load(store, actor, id).await?;
    let file = article.images.iter().find(|i| i.id == image).ok_or_else(|| not_found("image"))?;
    let upload = store.get_upload(image).await.map_err(store_error)?.ok_or_else(|| not_found("image"))?;
    let (url, _) = files.presign_get(&keys::upload_object_key(image), upload.object_version.as_deref(), file).await?;
    lambda_http::Response::builder()
        .status(StatusCode::FOUND)
        .header(lambda_http::http::header::LOCATION, url)
        // The link expires; the page asks again rather than keep it.
        .header(lambda_http::http::header::CACHE_CONTROL, "private, max-age=60")
        .body(lambda_http::Body::Empty)
        .map_err(|_| ApiError::new(ErrorCode::Internal, "internal error"))
}

async fn save<S: Knowledge>(store: &S, article: &Article, new_images: &[AttachmentRef]) -> Result<(), ApiError> {
    store.save_article(article, &new_id(), new_images).await.map_err(|e| match e {
        StoreError::AlreadyExists => ApiError::new(ErrorCode::AlreadyExists, "an article with this id exists"),
        other => store_error(other),
    })
}

pub async fn list<S: Knowledge>(store: &S, actor: &Actor, req: &Request) -> Reply {
    let lang = language(req, &["category", "cursor", "limit"])?;
    let pairs = query_pairs(req);
    let value = |name: &str| pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let category = value("category");
    let limit = match value("limit") {
        None => DEFAULT_PAGE_SIZE,
        Some(v) => v.parse().ok().filter(|n| (1..=MAX_PAGE_SIZE).contains(n)).ok_or_else(|| bad_query("limit", "1 to 100"))?,
    };
    let mut cursor = value("cursor");
    let mut items = Vec::new();
    // What the caller may not read is left out, so a page is read on until it is full (bounded).
    for _ in 0..5 {
        let page = store.list_articles(cursor.as_deref(), limit).await.map_err(|e| match e {
            StoreError::InvalidCursor => ApiError::new(ErrorCode::InvalidCursor, "the cursor is not one this list gave out"),
            other => store_error(other),
        })?;
        cursor = page.next_cursor;
        items.extend(
            page.items
                .iter()
                .filter(|a| readable(actor, a) && category.as_ref().is_none_or(|c| &a.category == c))
                .map(|a| ArticleSummary::of(a, &lang)),
        );
        if items.len() >= limit || cursor.is_none() {
            break;
        }
    }
    json(StatusCode::OK, &Paged { items, next_cursor: cursor })
}

pub async fn get<S: Knowledge>(store: &S, actor: &Actor, id: &str, req: &Request) -> Reply {
    let lang = language(req, &[])?;
    let article = load(store, actor, id).await?;
    json(StatusCode::OK, &view(store, actor, article, &lang).await?)
}

pub async fn create<S: Knowledge + Uploads>(store: &S, files: Option<&Files>, actor: &Actor, req: &Request, body: &[u8]) -> Reply {
    require(allows(actor, Action::EditArticles, Resource::None), "write articles")?;
    let lang = language(req, &[])?;
    let input: ArticleInput = parse_body(body)?;
    checked(&input)?;
    let mut article = input.into_article(&new_id(), &actor.id, Utc::now());
    let new_images = claim_images(store, files, actor, &mut article).await?;
    save(store, &article, &new_images).await?;
    json(StatusCode::CREATED, &view(store, actor, article, &lang).await?)
}

pub async fn replace<S: Knowledge + Uploads>(
    store: &S,
    files: Option<&Files>,
    actor: &Actor,
    id: &str,
    req: &Request,
    body: &[u8],
) -> Reply {
    let lang = language(req, &[])?;
    let current = load(store, actor, id).await?;
    require(allows(actor, Action::EditArticles, Resource::Article(current.access())), "edit articles")?;
    let input: ArticleInput = parse_body(body)?;
    let Some(version) = input.version else {
        return Err(ApiError::validation(vec![helpdesk_core::FieldError::new(
            "version",
            helpdesk_core::FieldErrorCode::Required,
            "send the version you edited",
        )]));
    };
    if version != current.version {
        return Err(ApiError::version_conflict(current.version));
    }
    checked(&input)?;
    let mut article = current.revised(input, &actor.id, Utc::now());
    let new_images = claim_images(store, files, actor, &mut article).await?;
    save(store, &article, &new_images).await?;
    json(StatusCode::OK, &view(store, actor, article, &lang).await?)
}

pub async fn revisions<S: Knowledge>(store: &S, actor: &Actor, id: &str) -> Reply {
    let current = load(store, actor, id).await?;
    require(allows(actor, Action::EditArticles, Resource::Article(current.access())), "see an article's history")?;
    let items: Vec<RevisionSummary> = store.article_revisions(id).await.map_err(store_error)?.iter().map(RevisionSummary::of).collect();
    json(StatusCode::OK, &Items { items })
}

pub async fn restore<S: Knowledge>(store: &S, actor: &Actor, id: &str, req: &Request, body: &[u8]) -> Reply {
    let lang = language(req, &[])?;
    let current = load(store, actor, id).await?;
    require(allows(actor, Action::EditArticles, Resource::Article(current.access())), "restore articles")?;
    let input: RestoreInput = parse_body(body)?;
    if input.version != current.version {
        return Err(ApiError::version_conflict(current.version));
    }
    let old = store.article_revision(id, input.revision).await.map_err(store_error)?.ok_or_else(|| not_found("revision"))?;
    let content = ArticleInput {
        category: old.category,
        visibility: old.visibility,
        status: old.status,
        translations: old.translations,
        version: Some(current.version),
    };
    // An old revision's images are the article's still (they are only ever added to).
    let article = current.revised(content, &actor.id, Utc::now());
    save(store, &article, &[]).await?;
    json(StatusCode::OK, &view(store, actor, article, &lang).await?)
}

/// "This solved it": counted for articles the caller may read.
/// `zone`: the report time zone, whose day the deflection counts on in the topic report.
pub async fn deflect<S: Knowledge>(store: &S, zone: chrono_tz::Tz, actor: &Actor, id: &str, body: &[u8]) -> Reply {
    let input: DeflectionInput = if body.is_empty() { DeflectionInput::default() } else { parse_body(body)? };
    if input.topic.as_deref().is_some_and(|t| !helpdesk_core::topic::is_slug(t)) {
        return Err(ApiError::validation(vec![helpdesk_core::FieldError::new(
            "topic",
            helpdesk_core::FieldErrorCode::Invalid,
            "a topic id",
        )]));
    }
    load(store, actor, id).await?;
    let today = chrono::Utc::now().with_timezone(&zone).date_naive();
    store.count_deflection(id, input.topic.as_deref(), today).await.map_err(store_error)?;
    lambda_http::Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(lambda_http::Body::Empty)
        .map_err(|_| ApiError::new(ErrorCode::Internal, "internal error"))
}

/// A draft article from a ticket: its subject as the title, and its last public answer by staff
/// (else its description) as the body, in the editor's language. Internal notes never go in.
pub async fn draft_from_ticket<S: Knowledge + TicketStore>(store: &S, actor: &Actor, reference: &str, req: &Request) -> Reply {
    require(allows(actor, Action::EditArticles, Resource::None), "write articles")?;
    let lang = language(req, &[])?;
    let (ticket, events) = crate::tickets::load(store, actor, reference).await?;
    let answer = events.iter().rev().find_map(|e| match &e.kind {
        EventKind::PublicReply { body, .. } if e.actor.role.is_staff() => Some(body.clone()),
        _ => None,
    });
    let mut body = answer.unwrap_or_else(|| ticket.description.clone());
    body.truncate(body.floor_char_boundary(helpdesk_core::knowledge::MAX_BODY_BYTES));
    if body.trim().is_empty() {
        body = ticket.subject.clone();
    }
    let title: String = ticket.subject.chars().take(helpdesk_core::knowledge::MAX_TITLE_CHARS).collect();
    let input = ArticleInput {
        category: String::new(),
        visibility: Visibility::Internal,
        status: ArticleStatus::Draft,
        translations: [(lang.clone(), Translation { title, body })].into(),
        version: None,
    };
    checked(&input)?;
    let mut article = input.into_article(&new_id(), &actor.id, Utc::now());
    article.source_ticket = Some(ticket.id.clone());
    save(store, &article, &[]).await?;
    json(StatusCode::CREATED, &view(store, actor, article, &lang).await?)
}
