//! The template gives the function exactly the environment it reads, and S3 invokes it for
//! uploads only.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeSet;

#[test]
fn the_template_gives_the_function_exactly_the_environment_it_reads() {
    let template = helpdesk_aws::template::read_template().unwrap();
    let mut given = helpdesk_aws::template::function_environment(&template, "AttachmentsFunction").unwrap();
    assert!(given.remove("RUST_LOG"));
    assert!(given.remove("SECRETS_REVISION"), "raising it restarts every instance (key rotation)");
    let read: BTreeSet<String> = attachments::ENVIRONMENT.iter().map(|v| v.to_string()).collect();
    assert_eq!(given, read);
    let values = helpdesk_aws::template::function_environment_values(&template, "AttachmentsFunction").unwrap();
    let bucket = values["ATTACHMENTS_BUCKET"].trim().trim_start_matches("!Sub").trim().trim_matches('\'').trim_matches('"');
    assert!(
        helpdesk_aws::template::FILES_ORIGIN.starts_with(&format!("https://{bucket}.s3.")),
        "the CSP names the bucket the function checks: {bucket}"
    );
    assert!(template.contains(&format!("BucketName: !Sub \"{bucket}\"")), "the bucket is named so: {bucket}");
    assert!(template.contains("- { Name: prefix, Value: uploads/ }"), "S3 invokes it for uploads only");
}
