//! Search over tickets and articles (docs/search.md). The indexer function keeps a tantivy index
//! in S3 ([`bucket`]); this function keeps a copy in its `/tmp`, pulled at cold start and again
//! whenever the manifest changed (asked at most every [`REFRESH`]), and answers
//! `GET /api/search` and `GET /api/search/suggest` ([`handler`]).

pub mod bucket;
pub mod documents;
pub mod handler;
pub mod query;
pub mod schema;

use bucket::{Fetched, IndexBucket};
use schema::Fields;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tantivy::{Index, IndexReader, ReloadPolicy, Searcher};

/// How often a warm function asks whether the index changed: a conditional GET, answered 304.
pub const REFRESH: Duration = Duration::from_secs(2);

/// The environment variables this function reads in AWS.
pub const ENVIRONMENT: &[&str] = &[
    helpdesk_aws::config::TABLE_NAME,
    helpdesk_aws::config::SESSION_AUDIENCE,
    helpdesk_aws::config::SESSION_SECRET_ID,
    helpdesk_aws::config::ORIGIN_SECRET_ID,
    helpdesk_aws::config::SEARCH_INDEX_BUCKET,
];

/// An index in a local directory: opened if one is there, else created empty.
pub struct LocalIndex {
    pub index: Index,
    pub reader: IndexReader,
    pub fields: Fields,
}

impl LocalIndex {
    pub fn open_or_create(dir: &Path) -> tantivy::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = schema::schema();
        let index = if dir.join(bucket::META_FILE).exists() { Index::open_in_dir(dir)? } else { Index::create_in_dir(dir, schema)? };
        schema::register(&index);
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(LocalIndex { index, reader, fields })
    }
}

/// A fresh directory for a copy of the index, unique to this process and `purpose` (the local
/// runner holds the indexer's and the search function's side by side).
pub fn scratch_dir(purpose: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("helpdesk-{purpose}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

struct ReplicaState {
    local: Option<LocalIndex>,
    etag: Option<String>,
    checked: Option<Instant>,
}

/// The search function's copy of the index.
pub struct Replica {
    bucket: IndexBucket,
    dir: PathBuf,
    refresh: Duration,
    state: tokio::sync::Mutex<ReplicaState>,
}

impl Replica {
    pub fn new(bucket: IndexBucket, dir: PathBuf, refresh: Duration) -> Self {
        Replica { bucket, dir, refresh, state: tokio::sync::Mutex::new(ReplicaState { local: None, etag: None, checked: None }) }
    }

    /// A searcher over the newest index this copy has, pulling a newer one when it is time to ask.
    /// A failed pull keeps serving the copy it has.
    pub async fn searcher(&self) -> Result<(Searcher, Fields), String> {
        let mut state = self.state.lock().await;
        if state.checked.is_none_or(|at| at.elapsed() >= self.refresh) {
            if let Err(e) = self.pull(&mut state).await {
                tracing::warn!(error = %e, "the search index could not be refreshed: serving the copy at hand");
            }
            state.checked = Some(Instant::now());
        }
        if state.local.is_none() {
            state.local = Some(LocalIndex::open_or_create(&self.dir).map_err(|e| e.to_string())?);
        }
        let local = state.local.as_ref().ok_or("no index")?;
        Ok((local.reader.searcher(), local.fields))
    }

    async fn pull(&self, state: &mut ReplicaState) -> Result<(), String> {
        match self.bucket.manifest(state.etag.as_deref()).await? {
            Fetched::Unchanged | Fetched::Absent => Ok(()),
            Fetched::Changed { manifest, etag } => {
                tokio::fs::create_dir_all(&self.dir).await.map_err(|e| e.to_string())?;
                self.bucket.download(&manifest, &self.dir).await?;
                match &state.local {
                    Some(local) => local.reader.reload().map_err(|e| e.to_string())?,
                    None => state.local = Some(LocalIndex::open_or_create(&self.dir).map_err(|e| e.to_string())?),
                }
                tracing::info!(generation = manifest.generation, files = manifest.files.len(), "search index updated");
                state.etag = Some(etag);
                Ok(())
            }
        }
    }
}
