//! The index's schema and its one analyzer. Text goes through one chain for both languages:
//! lower case, English and Russian stop words, then the Russian and the English Snowball
//! stemmers one after the other — each leaves the other script's words alone, so a ticket
//! written in either language (or both) needs no language detection.

use tantivy::schema::{FAST, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer};
use tantivy::{Index, schema::Field};

pub const ANALYZER: &str = "helpdesk";

/// The fields of a document: a ticket, or one language's version of an article.
#[derive(Clone, Copy)]
pub struct Fields {
    /// `ticket:<id>` or `article:<id>`: what an update deletes before adding (all of an
    /// article's languages at once).
    pub key: Field,
    /// `ticket` or `article`.
    pub kind: Field,
    pub id: Field,
    /// A ticket's subject, an article's title: searched, boosted, shown.
    pub title: Field,
    /// What a requester may read: a ticket's description and public replies, an article's text.
    pub body: Field,
    /// Staff only: internal notes.
    pub internal: Field,
    /// Staff only: the requester's id, name and address, and the form's values (asset tags).
    pub details: Field,
    /// Shown under a hit: the start of the text.
    pub snippet: Field,
    pub number: Field,
    pub requester: Field,
    pub group: Field,
    pub assignee: Field,
    pub status: Field,
    pub topic: Field,
    /// Tickets: created, as seconds since the epoch (date filters).
    pub created: Field,
    /// Seconds since the epoch, shown.
    pub updated: Field,
    /// Articles: the language of this document, and who may read it.
    pub lang: Field,
    pub visibility: Field,
    pub article_status: Field,
}

fn text(stored: bool) -> TextOptions {
    let indexing = TextFieldIndexing::default().set_tokenizer(ANALYZER).set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let options = TextOptions::default().set_indexing_options(indexing);
    if stored { options.set_stored() } else { options }
}

pub fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        key: b.add_text_field("key", STRING),
        kind: b.add_text_field("kind", STRING | STORED),
        id: b.add_text_field("id", STRING | STORED),
        title: b.add_text_field("title", text(true)),
        body: b.add_text_field("body", text(false)),
        internal: b.add_text_field("internal", text(false)),
        details: b.add_text_field("details", text(false)),
        snippet: b.add_text_field("snippet", STORED),
        number: b.add_u64_field("number", INDEXED | STORED),
        requester: b.add_text_field("requester", STRING | STORED),
        group: b.add_text_field("group", STRING | STORED),
        assignee: b.add_text_field("assignee", STRING | STORED),
        status: b.add_text_field("status", STRING | STORED),
        topic: b.add_text_field("topic", STRING),
        created: b.add_i64_field("created", INDEXED | FAST),
        updated: b.add_i64_field("updated", STORED),
        lang: b.add_text_field("lang", STRING | STORED),
        visibility: b.add_text_field("visibility", STRING | STORED),
        article_status: b.add_text_field("article_status", STRING | STORED),
    };
    (b.build(), fields)
}

pub fn analyzer() -> TextAnalyzer {
    let mut builder = TextAnalyzer::builder(SimpleTokenizer::default()).filter(RemoveLongFilter::limit(40)).filter(LowerCaser).dynamic();
    for language in [Language::English, Language::Russian] {
        if let Some(stop) = StopWordFilter::new(language) {
            builder = builder.filter_dynamic(stop);
        }
    }
    builder.filter_dynamic(Stemmer::new(Language::Russian)).filter_dynamic(Stemmer::new(Language::English)).build()
}

/// Gives an opened or created index the analyzer its text fields name.
pub fn register(index: &Index) {
    index.tokenizers().register(ANALYZER, analyzer());
}

/// The terms `text` becomes in the index: what a query looks up.
pub fn terms(text: &str) -> Vec<String> {
    let mut analyzer = analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut terms = Vec::new();
    while stream.advance() {
        terms.push(stream.token().text.clone());
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::terms;

    #[test]
    fn word_forms_meet_in_one_term_in_both_languages() {
        for group in [["принтер", "принтера", "принтеры"], ["printer", "printers", "PRINTERS"], ["печатает", "печатать", "печатают"]]
        {
            let stems: Vec<Vec<String>> = group.iter().map(|w| terms(w)).collect();
            assert!(stems.iter().all(|s| s == &stems[0] && s.len() == 1), "{group:?} → {stems:?}");
        }
        assert_eq!(terms("The printer и сканер are not working"), terms("printer сканер working"), "stop words of both languages go");
        assert_ne!(terms("принтер"), terms("printer"), "each script keeps its own words");
    }
}
