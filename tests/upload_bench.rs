//! Benchmark of an upload (not a test: it prints figures). Run with the local stack up:
//!
//!     cargo bench -p helpdesk-tests --bench upload                 # a 20 MiB file
//!     UPLOAD_BENCH_MIB=5 cargo bench -p helpdesk-tests --bench upload
//!
//! It times the grant (POST /api/uploads), the browser's PUT of the bytes to the presigned URL
//! (here: moto's S3 on loopback), and the attachments function's check of the arrived file.

use helpdesk_tests::*;
use serde_json::json;

#[tokio::main]
async fn main() {
    let mib: usize = std::env::var("UPLOAD_BENCH_MIB").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let t = test_app().await;
    // A PNG header, then filler: a real image's first bytes decide its type.
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.resize(mib * 1024 * 1024, 0x5a);

    let started = std::time::Instant::now();
    let grant =
        t.call("POST", "/api/uploads", ANNA, Some(json!({"file_name": "big.png", "size": bytes.len(), "content_type": "image/png"}))).await;
    let granted = started.elapsed();
    assert_eq!(grant.status, 201, "{:?}", grant.body);

    let started = std::time::Instant::now();
    let status = put_granted(&grant.body, bytes.clone()).await.status();
    let sent = started.elapsed();
    assert!(status.is_success(), "PUT answered {status}");

    // The event S3 would send for it, handed to the function.
    let record = json!({"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2026-11-28T00:00:00.000Z", "eventName": "ObjectCreated:Put",
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "bench", "bucket": {"name": t.bucket, "arn": format!("arn:aws:s3:::{}", t.bucket)},
               "object": {"key": format!("uploads/{}", grant.body["upload"]["id"].as_str().expect("id")), "size": bytes.len()}}}]});
    let event = attachments::notification(&record.to_string()).expect("an S3 event").expect("not a test event");
    let objects = helpdesk_aws::S3Objects::new(iam_calls::s3_client(&local_sdk("AWS_ENDPOINT_URL").await, iam_calls::SET_UP));
    let started = std::time::Instant::now();
    let report = attachments::handle(&t.seed, &objects, &t.bucket, &Default::default(), &event).await.expect("check");
    let checked = started.elapsed();

    println!("upload of {mib} MiB to the local S3 (moto on loopback):");
    println!("  grant (POST /api/uploads):      {:>8.1} ms", granted.as_secs_f64() * 1000.0);
    println!("  PUT of the bytes:               {:>8.1} ms = {:.0} MiB/s", sent.as_secs_f64() * 1000.0, mib as f64 / sent.as_secs_f64());
    println!("  attachments function's check:   {:>8.1} ms ({report:?}; reads the first 8 KiB only)", checked.as_secs_f64() * 1000.0);
    figure(&format!("upload: grant ({mib} MiB)"), granted.as_secs_f64() * 1000.0, "ms");
    figure(&format!("upload: attachments check ({mib} MiB)"), checked.as_secs_f64() * 1000.0, "ms");
    t.finish().await;
}
