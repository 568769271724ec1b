//! The template gives the scan exactly the environment it reads, and schedules it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeSet;

#[test]
fn the_template_gives_the_scan_exactly_the_environment_it_reads() {
    let template = helpdesk_aws::template::read_template().unwrap();
    let mut given = helpdesk_aws::template::function_environment(&template, "SlaScanFunction").unwrap();
    assert!(given.remove("RUST_LOG"));
    assert!(given.remove("SECRETS_REVISION"), "raising it restarts every instance (key rotation)");
    let read: BTreeSet<String> = sla_scan::ENVIRONMENT.iter().map(|v| v.to_string()).collect();
    assert_eq!(given, read);
    assert!(template.contains("ScheduleExpression: !Ref SlaScanSchedule"), "the scan runs on the schedule parameter");
}
