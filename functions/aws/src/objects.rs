//! The files bucket as the attachments and mail-intake functions see it: the first bytes of an
//! object, deleting one, writing one.

use crate::ports::{ObjectStart, ObjectStore, StoreError};
use aws_sdk_s3::Client;
use aws_sdk_s3::error::DisplayErrorContext;

/// The S3 client configuration every attachment path uses: checksums only where S3 requires them
/// (else the SDK signs a checksum of an empty body into a presigned PUT and every real upload
/// fails), path-style addressing for a local S3.
pub fn s3_config(sdk: &aws_config::SdkConfig, path_style: bool) -> aws_sdk_s3::config::Builder {
    aws_sdk_s3::config::Builder::from(sdk)
        .request_checksum_calculation(aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired)
        .response_checksum_validation(aws_sdk_s3::config::ResponseChecksumValidation::WhenRequired)
        .force_path_style(path_style)
}

#[derive(Clone)]
pub struct S3Objects {
    client: Client,
}

impl S3Objects {
    /// Over `client`; build it from [`s3_config`].
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

fn s3_error(e: impl std::error::Error) -> StoreError {
    StoreError::Backend(format!("S3: {}", DisplayErrorContext(e)))
}

impl ObjectStore for S3Objects {
    async fn first_bytes(&self, bucket: &str, key: &str, count: usize) -> Result<Option<ObjectStart>, StoreError> {
        let range = format!("bytes=0-{}", count.saturating_sub(1));
        let out = match self.client.get_object().bucket(bucket).key(key).range(range).send().await {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_key()) => return Ok(None),
            // An empty object has no byte 0: S3 answers 416 to the range.
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 416) => {
                let head = self.client.head_object().bucket(bucket).key(key).send().await.map_err(s3_error)?;
                let version = head.version_id().filter(|v| *v != "null").map(str::to_string);
                return Ok(Some(ObjectStart { bytes: Vec::new(), size: 0, version }));
            }
            Err(e) => return Err(s3_error(e)),
        };
        let version = out.version_id().filter(|v| *v != "null").map(str::to_string);
        // `Content-Range: bytes 0-8191/<size>` tells the whole size; without it the part is all.
        let total = out.content_range().and_then(|r| r.rsplit('/').next()).and_then(|n| n.parse::<u64>().ok());
        let bytes = out.body.collect().await.map_err(|e| StoreError::Backend(format!("S3 body: {e}")))?.into_bytes();
        let size = total.unwrap_or(bytes.len() as u64);
        Ok(Some(ObjectStart { bytes: bytes.iter().take(count).copied().collect(), size, version }))
    }

    async fn delete(&self, bucket: &str, key: &str, version: Option<&str>) -> Result<(), StoreError> {
        self.client.delete_object().bucket(bucket).key(key).set_version_id(version.map(str::to_string)).send().await.map_err(s3_error)?;
        Ok(())
    }

    async fn put(&self, bucket: &str, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<Option<String>, StoreError> {
        let body = aws_sdk_s3::primitives::ByteStream::from(bytes);
        let out = self.client.put_object().bucket(bucket).key(key).content_type(content_type).body(body).send().await.map_err(s3_error)?;
        Ok(out.version_id().filter(|v| *v != "null").map(str::to_string))
    }
}
