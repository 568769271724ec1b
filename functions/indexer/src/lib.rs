//! The indexer: the event backbone's ticket and article events → the search index in S3
//! (docs/search.md). It runs one at a time (reserved concurrency 1): it keeps the index it wrote
//! last in its `/tmp` with an open writer, and starts over from the bucket when the manifest is not
//! the one it wrote (a cold start, a rebuild elsewhere).
//!
//! Each event names a ticket or an article; the indexer reads its current state and replaces its
//! documents whole. A repeated, late or reordered event therefore changes nothing that a later
//! one did not, and a deleted or unreadable subject just leaves the index.

use helpdesk_aws::{Directory, DynamoStore, Knowledge, TicketStore};
use search::LocalIndex;
use search::bucket::{Fetched, IndexBucket, Manifest, committed_files};
use search::documents;
use std::collections::HashSet;
use std::path::PathBuf;
use tantivy::{IndexWriter, TantivyDocument, Term};

/// The environment variables this function reads in AWS.
pub const ENVIRONMENT: &[&str] = &[helpdesk_aws::config::TABLE_NAME, helpdesk_aws::config::SEARCH_INDEX_BUCKET];

/// The writer's memory: tantivy flushes a segment when it fills.
const WRITER_BYTES: usize = 32 * 1024 * 1024;
/// Segments the index may hold before a publish merges them into one (each publish commits at
/// least one).
const MAX_SEGMENTS: usize = 8;

/// What an event is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    Ticket(String),
    Article(String),
}

/// The subject of a queue message holding an EventBridge event (`None`: not one of ours).
pub fn subject_of(body: &str) -> Option<Subject> {
    let event: serde_json::Value = serde_json::from_str(body).ok()?;
    let detail = event.get("detail")?;
    match event.get("source")?.as_str()? {
        helpdesk_core::backbone::EVENT_SOURCE => Some(Subject::Ticket(detail.get("ticket")?.get("id")?.as_str()?.to_string())),
        helpdesk_core::backbone::KNOWLEDGE_SOURCE => Some(Subject::Article(detail.get("article")?.as_str()?.to_string())),
        _ => None,
    }
}

struct Writing {
    local: LocalIndex,
    writer: IndexWriter,
    manifest: Manifest,
    etag: Option<String>,
}

/// What one run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    pub tickets: usize,
    pub articles: usize,
    /// Subjects that no longer exist: their documents were removed.
    pub removed: usize,
    pub generation: u64,
}

/// A ticket's documents as it stands now, with its requester's name (none: it no longer exists).
async fn ticket_documents<S: TicketStore + Directory>(
    store: &S,
    fields: &search::schema::Fields,
    id: &str,
) -> Result<Vec<TantivyDocument>, String> {
    let Some((ticket, events)) = store.get_ticket(id).await.map_err(failed)? else {
        return Ok(Vec::new());
    };
    let requester = store.get_user(&ticket.requester).await.map_err(failed)?.map(|u| u.user);
    Ok(vec![documents::ticket(fields, &ticket, &events, requester.as_ref())])
}

pub struct Indexer {
    bucket: IndexBucket,
    dir: PathBuf,
    writing: Option<Writing>,
}

/// Runs blocking index work (a merge) without holding up the other tasks of a multi-threaded
/// runtime (the local runner's); on a current-thread runtime (a test's) it just runs.
fn blocking<T>(work: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(work),
        _ => work(),
    }
}

fn failed(e: impl std::fmt::Display) -> String {
    e.to_string()
}

impl Indexer {
    pub fn new(bucket: IndexBucket, dir: PathBuf) -> Self {
        Indexer { bucket, dir, writing: None }
    }

    /// The writer over the bucket's current index: kept when the manifest is the one written
    /// here last, else rebuilt from the bucket.
    async fn current(&mut self, fresh: bool) -> Result<&mut Writing, String> {
        let known = self.writing.as_ref().and_then(|w| w.etag.clone());
        let fetched = if fresh { Fetched::Absent } else { self.bucket.manifest(known.as_deref()).await? };
        match fetched {
            Fetched::Unchanged if self.writing.is_some() => {}
            Fetched::Absent if !fresh && self.writing.as_ref().is_some_and(|w| w.manifest.generation == 0) => {}
            fetched => {
                // Drop the writer (and its lock) before the directory goes.
                self.writing = None;
                let _ = std::fs::remove_dir_all(&self.dir);
                std::fs::create_dir_all(&self.dir).map_err(failed)?;
                let (manifest, etag) = match fetched {
                    Fetched::Changed { manifest, etag } => {
                        self.bucket.download(&manifest, &self.dir).await?;
                        (manifest, Some(etag))
                    }
                    // The bucket lost track of what was written (or a rebuild): start empty, after
                    // the last generation written here so readers see a change.
                    Fetched::Absent | Fetched::Unchanged => (Manifest::default(), None),
                };
                let local = LocalIndex::open_or_create(&self.dir).map_err(failed)?;
                let writer: IndexWriter = local.index.writer_with_num_threads(1, WRITER_BYTES).map_err(failed)?;
                // Merges run in `publish`, between the commit and the upload, never in the
                // background: a background merge deletes the files it merged, which the upload
                // may be reading ("No such file" under load).
                writer.set_merge_policy(Box::new(tantivy::merge_policy::NoMergePolicy));
                self.writing = Some(Writing { local, writer, manifest, etag });
            }
        }
        self.writing.as_mut().ok_or_else(|| "no index writer".to_string())
    }

    /// Replaces the documents of `subjects` with their current state, commits, and publishes.
    pub async fn apply<S: TicketStore + Directory + Knowledge>(&mut self, store: &S, subjects: &[Subject]) -> Result<Applied, String> {
        let unique: Vec<&Subject> = {
            let mut seen = HashSet::new();
            subjects.iter().filter(|s| seen.insert(*s)).collect()
        };
        let mut documents: Vec<(String, Vec<TantivyDocument>)> = Vec::new();
        let mut applied = Applied::default();
        let fields = search::schema::schema().1;
        for subject in unique {
            match subject {
                Subject::Ticket(id) => {
                    let docs = ticket_documents(store, &fields, id).await?;
                    if docs.is_empty() {
                        applied.removed += 1;
                    } else {
                        applied.tickets += 1;
                    }
                    documents.push((documents::ticket_key(id), docs));
                }
                Subject::Article(id) => {
                    let docs = match store.get_article(id).await.map_err(failed)? {
                        Some(article) => {
                            applied.articles += 1;
                            documents::article(&fields, &article)
                        }
                        None => {
                            applied.removed += 1;
                            Vec::new()
                        }
                    };
                    documents.push((documents::article_key(id), docs));
                }
            }
        }
        applied.generation = self.write(documents, false).await?;
        Ok(applied)
    }

    /// Indexes everything again from the table into a new index, and publishes it whole.
    pub async fn rebuild(&mut self, store: &DynamoStore) -> Result<Applied, String> {
        let fields = search::schema::schema().1;
        let mut documents: Vec<(String, Vec<TantivyDocument>)> = Vec::new();
        let mut applied = Applied::default();
        for id in store.all_ticket_ids().await.map_err(failed)? {
            let docs = ticket_documents(store, &fields, &id).await?;
            if !docs.is_empty() {
                applied.tickets += 1;
                documents.push((documents::ticket_key(&id), docs));
            }
        }
        let mut cursor = None;
        loop {
            let page = store.list_articles(cursor.as_deref(), 100).await.map_err(failed)?;
            for article in &page.items {
                documents.push((documents::article_key(&article.id), documents::article(&fields, article)));
                applied.articles += 1;
            }
            cursor = page.next_cursor;
            if cursor.is_none() {
                break;
            }
        }
        applied.generation = self.write(documents, true).await?;
        Ok(applied)
    }

    async fn write(&mut self, documents: Vec<(String, Vec<TantivyDocument>)>, fresh: bool) -> Result<u64, String> {
        let previous_generation = self.writing.as_ref().map_or(0, |w| w.manifest.generation);
        let dir = self.dir.clone();
        let writing = self.current(fresh).await?;
        if fresh {
            writing.manifest.generation = writing.manifest.generation.max(previous_generation);
        }
        let fields = writing.local.fields;
        for (key, docs) in documents {
            writing.writer.delete_term(Term::from_field_text(fields.key, &key));
            for doc in docs {
                writing.writer.add_document(doc).map_err(failed)?;
            }
        }
        writing.writer.commit().map_err(failed)?;
        let segments = writing.local.index.searchable_segment_ids().map_err(failed)?;
        if segments.len() > MAX_SEGMENTS {
            let writer = &mut writing.writer;
            blocking(|| {
                writer.merge(&segments).wait()?;
                writer.garbage_collect_files().wait().map(|_| ())
            })
            .map_err(failed)?;
        }
        let files = committed_files(&writing.local.index, &dir)?;
        let before = writing.manifest.clone();
        let manifest = self.bucket.upload(&self.dir, &before, files).await?;
        let removed = self.bucket.collect_garbage(&manifest, &before).await?;
        tracing::info!(generation = manifest.generation, files = manifest.files.len(), removed, "search index published");
        let generation = manifest.generation;
        // Our own manifest: the next run keeps this writer unless someone else wrote since.
        let etag = match self.bucket.manifest(None).await? {
            Fetched::Changed { manifest: read, etag } if read.generation == generation => Some(etag),
            _ => None,
        };
        if let Some(writing) = self.writing.as_mut() {
            writing.manifest = manifest;
            writing.etag = etag;
        }
        Ok(generation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_their_subject() {
        let ticket = r#"{"source":"helpdesk","detail-type":"PublicReply","detail":{"ticket":{"id":"01TICKET"},"event":{}}}"#;
        assert_eq!(subject_of(ticket), Some(Subject::Ticket("01TICKET".into())));
        let article = r#"{"source":"helpdesk.knowledge","detail-type":"ArticleChanged","detail":{"id":"e","article":"01ART","version":2}}"#;
        assert_eq!(subject_of(article), Some(Subject::Article("01ART".into())));
        for other in ["{}", "not json", r#"{"source":"else","detail":{"article":"x"}}"#] {
            assert_eq!(subject_of(other), None, "{other}");
        }
    }
}
