//! The sample payloads of the non-HTTP triggers parse into the event types their handlers take,
//! and say what our template will send. (The API Gateway samples run through the handler in
//! tickets_api.rs.)

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::s3::S3Event;
use aws_lambda_events::event::ses::SimpleEmailEvent;

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/../events/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn the_scheduled_event_is_an_eventbridge_schedule() {
    let event: EventBridgeEvent = serde_json::from_str(&read("scheduled/sla-scan.json")).unwrap();
    assert_eq!(event.detail_type, "Scheduled Event");
    assert_eq!(event.source, "aws.events");
}

#[test]
fn the_s3_event_is_an_object_created_under_inbound() {
    let event: S3Event = serde_json::from_str(&read("s3/inbound-mail.json")).unwrap();
    let record = &event.records[0];
    assert!(record.event_name.as_deref().unwrap_or_default().starts_with("ObjectCreated:"));
    let key = record.s3.object.key.as_deref().unwrap_or_default();
    assert!(key.contains("%2B"), "keys arrive URL-encoded: {key}");
    // What the mail-intake function reads the key as.
    let decoded = attachments::decode_key(key).unwrap();
    assert_eq!(decoded, "inbound/0f3kq8r1v2a9d6s5e4c3b2a1+test");
    assert!(decoded.starts_with(helpdesk_aws::keys::INBOUND_MAIL_PREFIX));
}

#[test]
fn the_ses_event_is_a_receipt_stored_to_s3() {
    let event: SimpleEmailEvent = serde_json::from_str(&read("ses/receipt.json")).unwrap();
    let receipt = &event.records[0].ses.receipt;
    assert_eq!(receipt.action.type_.as_deref(), Some("S3"));
}
