//! The knowledge base: articles with a version per language, their visibility, and their
//! revisions. Who may read an article is decided in one place, [`crate::permissions::allows`] with
//! [`Action::ViewArticle`](crate::Action::ViewArticle) over an article's [`ArticleAccess`]: the
//! list, the page, search and suggestions all ask it (visibility leaks are the knowledge-base bug
//! other helpdesks keep fixing).

use crate::error::{FieldError, FieldErrorCode as Code};
use crate::text::{DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const MAX_TITLE_CHARS: usize = 200;
/// One language's body, in bytes of Markdown: two languages and the keys fit a request
/// ([`crate::limits::MAX_REQUEST_BYTES`]) and an item.
pub const MAX_BODY_BYTES: usize = 24 * 1024;
pub const MAX_CATEGORY_CHARS: usize = 60;

/// Who may find an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Requesters too.
    Public,
    /// Staff only: how-tos for agents, workarounds not to hand out.
    #[default]
    Internal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ArticleStatus {
    /// Seen by editors only.
    #[default]
    Draft,
    Published,
}

/// What decides who may read an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArticleAccess {
    pub visibility: Visibility,
    pub status: ArticleStatus,
}

/// One language's version of an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Translation {
    pub title: String,
    /// Markdown; shown rendered and sanitised.
    pub body: String,
}

/// An article as stored. Each save is a new `version`, and every version is kept as a revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Article {
    pub id: String,
    pub category: String,
    pub visibility: Visibility,
    pub status: ArticleStatus,
    /// By language code (`en`, `ru`); at least one.
    pub translations: BTreeMap<String, Translation>,
    pub version: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Who saved this version.
    pub updated_by: String,
    /// The ticket whose answer the article was drafted from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ticket: Option<String>,
    /// Screenshots attached to the article (uploads, as tickets' files), referenced from the
    /// bodies as `![alt](attachment:<id>)`. Only ever added to: every revision may show them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<crate::attachment::AttachmentRef>,
}

/// How a body refers to one of the article's images: `![alt](attachment:<upload id>)`.
pub const IMAGE_SCHEME: &str = "attachment:";

/// Where an article's image is served: the route checks the article may be read.
pub fn image_path(article: &str, image: &str) -> String {
    format!("/api/kb/articles/{article}/images/{image}")
}

impl Article {
    pub fn access(&self) -> ArticleAccess {
        ArticleAccess { visibility: self.visibility, status: self.status }
    }

    /// The version to show a reader of `lang`: theirs, else the default language's, else any;
    /// with the language it is in (a fallback says so on the page).
    pub fn translation_for(&self, lang: &str) -> Option<(&str, &Translation)> {
        self.translations
            .get_key_value(lang)
            .or_else(|| self.translations.get_key_value(DEFAULT_LANGUAGE))
            .or_else(|| self.translations.iter().next())
            .map(|(l, t)| (l.as_str(), t))
    }

    /// This article with `input`'s content, saved as the next version by `author` at `now`.
    pub fn revised(&self, input: ArticleInput, author: &str, now: DateTime<Utc>) -> Article {
        Article {
            category: input.category.trim().to_string(),
            visibility: input.visibility,
            status: input.status,
            translations: trimmed(input.translations),
            version: self.version + 1,
            updated_at: now,
            updated_by: author.to_string(),
            ..self.clone()
        }
    }
}

fn trimmed(translations: BTreeMap<String, Translation>) -> BTreeMap<String, Translation> {
    translations.into_iter().map(|(lang, t)| (lang, Translation { title: t.title.trim().to_string(), body: t.body })).collect()
}

/// What an editor sends to create or replace an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub visibility: Visibility,
    #[serde(default)]
    pub status: ArticleStatus,
    pub translations: BTreeMap<String, Translation>,
    /// Replacing: the version the editor started from (optimistic concurrency, as tickets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
}

impl ArticleInput {
    /// Everything wrong with the input, by field; empty when it can be saved.
    pub fn problems(&self) -> Vec<FieldError> {
        let mut problems = Vec::new();
        if self.category.chars().count() > MAX_CATEGORY_CHARS {
            problems.push(FieldError::new("category", Code::TooLong, format!("at most {MAX_CATEGORY_CHARS} characters")));
        }
        if self.translations.is_empty() {
            problems.push(FieldError::new("translations", Code::Required, "write the article in at least one language"));
        }
        for (lang, t) in &self.translations {
            let at = |field: &str| format!("translations.{lang}.{field}");
            if !SUPPORTED_LANGUAGES.contains(&lang.as_str()) {
                problems.push(FieldError::new(
                    format!("translations.{lang}"),
                    Code::UnknownOption,
                    format!("unsupported language '{lang}'"),
                ));
                continue;
            }
            if t.title.trim().is_empty() {
                problems.push(FieldError::new(at("title"), Code::Required, "give the article a title"));
            } else if t.title.chars().count() > MAX_TITLE_CHARS {
                problems.push(FieldError::new(at("title"), Code::TooLong, format!("at most {MAX_TITLE_CHARS} characters")));
            }
            if t.body.trim().is_empty() {
                problems.push(FieldError::new(at("body"), Code::Required, "write the article's text"));
            } else if t.body.len() > MAX_BODY_BYTES {
                problems.push(FieldError::new(at("body"), Code::TooLong, format!("at most {MAX_BODY_BYTES} bytes")));
            }
        }
        problems
    }

    /// A new article from checked input.
    pub fn into_article(self, id: &str, author: &str, now: DateTime<Utc>) -> Article {
        Article {
            id: id.to_string(),
            category: self.category.trim().to_string(),
            visibility: self.visibility,
            status: self.status,
            translations: trimmed(self.translations),
            version: 1,
            created_at: now,
            updated_at: now,
            updated_by: author.to_string(),
            source_ticket: None,
            images: Vec::new(),
        }
    }
}

/// An article in a list or a search result, in the reader's language where it has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticleSummary {
    pub id: String,
    pub title: String,
    /// The language `title` is in; differs from the one asked for when it has no translation.
    pub lang: String,
    pub category: String,
    pub visibility: Visibility,
    pub status: ArticleStatus,
    pub updated_at: DateTime<Utc>,
}

impl ArticleSummary {
    pub fn of(article: &Article, lang: &str) -> Self {
        let (shown, title) = article.translation_for(lang).map(|(l, t)| (l.to_string(), t.title.clone())).unwrap_or_default();
        ArticleSummary {
            id: article.id.clone(),
            title,
            lang: shown,
            category: article.category.clone(),
            visibility: article.visibility,
            status: article.status,
            updated_at: article.updated_at,
        }
    }
}

/// How often an article helped: counted when a requester says it solved their problem before
/// filing (deflection), and when an agent marks it as a ticket's solution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticleStats {
    pub deflections: u64,
    pub solutions: u64,
}

/// An article's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticleView {
    pub id: String,
    pub category: String,
    pub visibility: Visibility,
    pub status: ArticleStatus,
    /// The language shown; differs from the one asked for when the article lacks it.
    pub lang: String,
    pub title: String,
    /// The body rendered from Markdown and sanitised: safe to insert as HTML.
    pub html: String,
    /// The languages the article is written in.
    pub languages: Vec<String>,
    pub version: u64,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    /// Editors only: every language's Markdown, to edit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translations: Option<BTreeMap<String, Translation>>,
    /// Staff only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<ArticleStats>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ticket: Option<String>,
}

/// One saved version of an article, in its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevisionSummary {
    pub version: u64,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    pub status: ArticleStatus,
    pub visibility: Visibility,
    /// The titles of that version, by language.
    pub titles: BTreeMap<String, String>,
}

impl RevisionSummary {
    pub fn of(article: &Article) -> Self {
        RevisionSummary {
            version: article.version,
            updated_at: article.updated_at,
            updated_by: article.updated_by.clone(),
            status: article.status,
            visibility: article.visibility,
            titles: article.translations.iter().map(|(l, t)| (l.clone(), t.title.clone())).collect(),
        }
    }
}

/// Restore an earlier version: its content becomes the next version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RestoreInput {
    /// The version to bring back.
    pub revision: u64,
    /// The version the editor sees now.
    pub version: u64,
}

/// "This solved it" on the new-ticket form.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeflectionInput {
    /// The topic the requester had chosen, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
}

#[cfg(feature = "markdown")]
pub mod markdown {
    //! Markdown to what readers see and what search indexes.

    use super::{IMAGE_SCHEME, image_path};
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

    fn options() -> Options {
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
    }

    /// The body as HTML, sanitised: raw HTML in the Markdown keeps only harmless tags, links
    /// open without the opener and without passing the referrer. Images of the article
    /// (`attachment:<id>`) point at `article`'s image route.
    pub fn to_html(markdown: &str, article: &str) -> String {
        let events = Parser::new_ext(markdown, options()).map(|event| match event {
            Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
                let dest_url = match dest_url.strip_prefix(IMAGE_SCHEME) {
                    Some(image) => image_path(article, image).into(),
                    None => dest_url,
                };
                Event::Start(Tag::Image { link_type, dest_url, title, id })
            }
            other => other,
        });
        let mut raw = String::new();
        html::push_html(&mut raw, events);
        ammonia::Builder::default().link_rel(Some("noopener noreferrer")).clean(&raw).to_string()
    }

    /// The upload ids a body shows as images (`attachment:<id>`), in order, each once.
    pub fn image_ids(markdown: &str) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for event in Parser::new_ext(markdown, options()) {
            if let Event::Start(Tag::Image { dest_url, .. }) = event
                && let Some(id) = dest_url.strip_prefix(IMAGE_SCHEME)
                && !ids.iter().any(|known| known == id)
            {
                ids.push(id.to_string());
            }
        }
        ids
    }

    /// The words of the body without markup, for the search index and snippets.
    pub fn to_text(markdown: &str) -> String {
        let mut text = String::new();
        for event in Parser::new_ext(markdown, options()) {
            match event {
                Event::Text(t) | Event::Code(t) => text.push_str(&t),
                Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item) => text.push(' '),
                _ => {}
            }
        }
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn markup_renders_and_scripts_do_not() {
            let html =
                to_html("# Printer\n\nPress **Reset**.<script>alert(1)</script><img src=x onerror=alert(1)>[x](javascript:alert(1))", "A1");
            assert!(html.contains("<h1>Printer</h1>") && html.contains("<strong>Reset</strong>"), "{html}");
            assert!(!html.contains("<script") && !html.contains("onerror") && !html.contains("javascript:"), "{html}");
            let shot = "Before ![the tray](attachment:01UP) and ![again](attachment:01UP) ![web](https://example.com/x.png) ![two](attachment:02UP)";
            assert_eq!(image_ids(shot), ["01UP", "02UP"]);
            let html = to_html(shot, "A1");
            assert!(html.contains(r#"<img src="/api/kb/articles/A1/images/01UP" alt="the tray">"#), "{html}");
            assert!(html.contains(r#"src="https://example.com/x.png""#), "{html}");
            assert_eq!(to_text("# Printer\n\nPress **Reset**, then `lpstat`.\n- one\n- two"), "Printer Press Reset, then lpstat. one two");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(langs: &[(&str, &str, &str)]) -> ArticleInput {
        ArticleInput {
            category: "Printing".into(),
            visibility: Visibility::Public,
            status: ArticleStatus::Published,
            translations: langs
                .iter()
                .map(|(l, t, b)| (l.to_string(), Translation { title: t.to_string(), body: b.to_string() }))
                .collect(),
            version: None,
        }
    }

    #[test]
    fn input_problems_name_their_fields() {
        assert!(input(&[("en", "Printer", "Restart it")]).problems().is_empty());
        let fields = |i: ArticleInput| i.problems().into_iter().map(|p| (p.field, p.code)).collect::<Vec<_>>();
        assert_eq!(fields(input(&[])), vec![("translations".into(), Code::Required)]);
        assert_eq!(fields(input(&[("de", "Drucker", "x")])), vec![("translations.de".into(), Code::UnknownOption)]);
        assert_eq!(
            fields(input(&[("ru", " ", &"я".repeat(MAX_BODY_BYTES))])),
            vec![("translations.ru.title".into(), Code::Required), ("translations.ru.body".into(), Code::TooLong)]
        );
    }

    #[test]
    fn a_missing_translation_falls_back_to_english_then_any() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let both = input(&[("en", "Printer", "a"), ("ru", "Принтер", "б")]).into_article("a1", "admin", now);
        assert_eq!(both.translation_for("ru").map(|(l, t)| (l, t.title.as_str())), Some(("ru", "Принтер")));
        let english = input(&[("en", "Printer", "a")]).into_article("a1", "admin", now);
        assert_eq!(english.translation_for("ru").map(|(l, _)| l), Some("en"));
        let russian = input(&[("ru", "Принтер", "б")]).into_article("a1", "admin", now);
        assert_eq!(russian.translation_for("en").map(|(l, _)| l), Some("ru"));
    }

    #[test]
    fn a_revision_is_the_next_version_by_its_author() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let first = input(&[("en", "Printer", "a")]).into_article("a1", "admin", now);
        let later = now + chrono::Duration::minutes(5);
        let second = first.revised(input(&[("en", " Printer jams ", "b")]), "lena", later);
        assert_eq!((second.version, second.updated_by.as_str(), second.created_at, second.updated_at), (2, "lena", now, later));
        assert_eq!(second.translations["en"].title, "Printer jams");
    }
}
