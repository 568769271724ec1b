//! The index in S3. The indexer uploads a commit's new segment files first, then a manifest
//! naming every file of the commit and carrying tantivy's `meta.json`; a reader that sees a
//! manifest finds all its files there. Segment files never change once written (tantivy's own
//! rule), so a reader downloads only names it lacks.

use aws_sdk_s3::Client;
use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::primitives::ByteStream;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;

pub const MANIFEST_KEY: &str = "index/manifest.json";
const FILES_PREFIX: &str = "index/files/";
/// tantivy's description of the commit; carried in the manifest, written last.
pub const META_FILE: &str = "meta.json";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// One more at each commit.
    pub generation: u64,
    /// tantivy's `meta.json` of the commit.
    pub meta: String,
    /// The segment files the commit reads.
    pub files: BTreeSet<String>,
}

#[derive(Clone)]
pub struct IndexBucket {
    pub s3: Client,
    pub bucket: String,
}

fn failed<E: std::error::Error + 'static, R: std::fmt::Debug>(what: &str) -> impl Fn(aws_sdk_s3::error::SdkError<E, R>) -> String + '_ {
    move |e| format!("{what}: {}", DisplayErrorContext(&e))
}

/// A current manifest, or none changed since `etag`.
pub enum Fetched {
    Changed {
        manifest: Manifest,
        etag: String,
    },
    Unchanged,
    /// Nothing indexed yet.
    Absent,
}

impl IndexBucket {
    pub fn new(s3: Client, bucket: impl Into<String>) -> Self {
        IndexBucket { s3, bucket: bucket.into() }
    }

    /// The manifest, unless it is still `etag` (a conditional GET: cheap to ask often).
    pub async fn manifest(&self, etag: Option<&str>) -> Result<Fetched, String> {
        let mut request = self.s3.get_object().bucket(&self.bucket).key(MANIFEST_KEY);
        if let Some(etag) = etag {
            request = request.if_none_match(etag);
        }
        match request.send().await {
            Ok(out) => {
                let etag = out.e_tag().unwrap_or_default().to_string();
                let bytes = out.body.collect().await.map_err(|e| format!("reading the manifest: {e}"))?.into_bytes();
                let manifest = serde_json::from_slice(&bytes).map_err(|e| format!("an unreadable manifest: {e}"))?;
                Ok(Fetched::Changed { manifest, etag })
            }
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 304) => Ok(Fetched::Unchanged),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(Fetched::Absent),
            Err(e) => Err(failed("reading the manifest")(e)),
        }
    }

    /// Brings `dir` to `manifest`: downloads the files it lacks, writes the commit's meta last,
    /// removes files the commit no longer reads.
    pub async fn download(&self, manifest: &Manifest, dir: &Path) -> Result<(), String> {
        for name in &manifest.files {
            let path = dir.join(name);
            if path.exists() {
                continue;
            }
            let out = self.s3.get_object().bucket(&self.bucket).key(format!("{FILES_PREFIX}{name}")).send().await.map_err(failed(name))?;
            let bytes = out.body.collect().await.map_err(|e| format!("downloading {name}: {e}"))?.into_bytes();
            let partial = dir.join(format!("{name}.part"));
            tokio::fs::write(&partial, &bytes).await.map_err(|e| format!("writing {name}: {e}"))?;
            tokio::fs::rename(&partial, &path).await.map_err(|e| format!("writing {name}: {e}"))?;
        }
        tokio::fs::write(dir.join(META_FILE), &manifest.meta).await.map_err(|e| format!("writing the index meta: {e}"))?;
        for stale in segment_files(dir)?.difference(&manifest.files) {
            let _ = std::fs::remove_file(dir.join(stale));
        }
        Ok(())
    }

    /// Publishes the commit in `dir`: `files` not uploaded before, then the manifest.
    pub async fn upload(&self, dir: &Path, before: &Manifest, files: BTreeSet<String>) -> Result<Manifest, String> {
        for name in files.difference(&before.files) {
            let body = ByteStream::from_path(dir.join(name)).await.map_err(|e| format!("reading {name}: {e}"))?;
            self.s3.put_object().bucket(&self.bucket).key(format!("{FILES_PREFIX}{name}")).body(body).send().await.map_err(failed(name))?;
        }
        let meta = tokio::fs::read_to_string(dir.join(META_FILE)).await.map_err(|e| format!("reading the index meta: {e}"))?;
        let manifest = Manifest { generation: before.generation + 1, meta, files };
        let body = serde_json::to_vec(&manifest).map_err(|e| e.to_string())?;
        self.s3
            .put_object()
            .bucket(&self.bucket)
            .key(MANIFEST_KEY)
            .content_type("application/json")
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(failed("writing the manifest"))?;
        Ok(manifest)
    }

    /// Deletes uploaded files neither `current` nor `previous` reads (a reader may still be
    /// downloading the previous commit).
    pub async fn collect_garbage(&self, current: &Manifest, previous: &Manifest) -> Result<usize, String> {
        let mut pages = self.s3.list_objects_v2().bucket(&self.bucket).prefix(FILES_PREFIX).into_paginator().send();
        let mut removed = 0;
        while let Some(page) = pages.next().await {
            for object in page.map_err(failed("listing the index"))?.contents() {
                let Some(key) = object.key() else { continue };
                let name = key.trim_start_matches(FILES_PREFIX);
                if !current.files.contains(name) && !previous.files.contains(name) {
                    self.s3.delete_object().bucket(&self.bucket).key(key).send().await.map_err(failed("deleting an old segment"))?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }
}

/// The segment files in `dir`: not tantivy's meta, lock or bookkeeping files, not partial downloads.
pub fn segment_files(dir: &Path) -> Result<BTreeSet<String>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("listing {}: {e}", dir.display()))?;
    Ok(entries
        .filter_map(|e| e.ok().and_then(|e| e.file_name().into_string().ok()))
        .filter(|name| !name.starts_with('.') && name != META_FILE && !name.ends_with(".part") && !name.ends_with(".lock"))
        .collect())
}

/// The files of the segments `index` reads now, in `dir`: what a commit publishes.
pub fn committed_files(index: &tantivy::Index, dir: &Path) -> Result<BTreeSet<String>, String> {
    let live: Vec<String> = index.searchable_segment_metas().map_err(|e| e.to_string())?.iter().map(|m| m.id().uuid_string()).collect();
    Ok(segment_files(dir)?.into_iter().filter(|name| live.iter().any(|id| name.starts_with(id.as_str()))).collect())
}
