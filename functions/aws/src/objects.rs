//! The attachments bucket as the attachments function sees it: the first bytes of an object, and
//! deleting one.

use crate::ports::{ObjectStore, StoreError};
use aws_sdk_s3::Client;
use aws_sdk_s3::error::DisplayErrorContext;

#[derive(Clone)]
pub struct S3Objects {
    client: Client,
}

impl S3Objects {
    /// Over `client`; build it with checksums "when required" (see the tickets API's `Files`).
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

fn s3_error(e: impl std::error::Error) -> StoreError {
    StoreError::Backend(format!("S3: {}", DisplayErrorContext(e)))
}

impl ObjectStore for S3Objects {
    async fn first_bytes(&self, bucket: &str, key: &str, count: usize) -> Result<Vec<u8>, StoreError> {
        let range = format!("bytes=0-{}", count.saturating_sub(1));
        let out = self.client.get_object().bucket(bucket).key(key).range(range).send().await.map_err(s3_error)?;
        let bytes = out.body.collect().await.map_err(|e| StoreError::Backend(format!("S3 body: {e}")))?.into_bytes();
        Ok(bytes.iter().take(count).copied().collect())
    }

    async fn delete(&self, bucket: &str, key: &str) -> Result<(), StoreError> {
        self.client.delete_object().bucket(bucket).key(key).send().await.map_err(s3_error)?;
        Ok(())
    }
}
