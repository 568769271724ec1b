//! Messages per second for reading a message and deciding where it goes, on one core: parse
//! (charsets, parts, quoted history, automatic-mail and bounce recognition) and the pure part of
//! threading (the ids to look up, the reply tokens, the subject's number, the topic), over the
//! project's mail fixtures and the public corpus in tests/fixtures/mail. The lookups themselves are
//! single-item DynamoDB reads (see the integration tests for them).
//!
//!   cargo bench -p mail-intake --bench parse

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: a failed unwrap is a failed run

use mail_intake::{Settings, parse, route};
use std::time::{Duration, Instant};

fn main() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/mail");
    let mut messages: Vec<Vec<u8>> = Vec::new();
    for folder in [format!("{dir}/corpus"), dir.to_string()] {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_file() && path.extension().is_some_and(|e| e == "eml") {
                messages.push(std::fs::read(&path).unwrap());
            }
        }
    }
    let bytes: usize = messages.iter().map(Vec::len).sum();
    let settings = Settings {
        support_addresses: vec!["support@helpdesk.example.com".into()],
        routes: vec![("printers@helpdesk.example.com".into(), "printer".into())],
        ..Settings::new("bench")
    };
    let ours = settings.support_addresses.clone();
    let mut decided = 0usize;
    let mut decide = |raw: &[u8]| {
        if let Some(inbound) = parse::parse(raw, &ours) {
            let lookups: usize = inbound.answers.iter().map(|id| route::lookup_ids(id).len()).sum();
            let tokens = settings.reply_tokens(&inbound.recipients).len();
            let number = helpdesk_core::mail::subject_number(&inbound.subject).is_some();
            let allowed = inbound.from.as_deref().is_some_and(|f| settings.domain_allowed(f));
            decided += lookups + tokens + usize::from(number) + usize::from(allowed) + usize::from(inbound.automatic.is_some());
        }
    };
    // Warm up, then as many rounds as fit in three seconds.
    for raw in &messages {
        decide(raw);
    }
    let started = Instant::now();
    let mut handled = 0usize;
    while started.elapsed() < Duration::from_secs(3) {
        for raw in &messages {
            decide(raw);
        }
        handled += messages.len();
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "mail intake, parse + thread decision, one core: {:.0} messages/s ({:.1} MB/s) over {} messages of {:.1} KB on average ({} decisions)",
        handled as f64 / seconds,
        (handled as f64 / messages.len() as f64) * bytes as f64 / seconds / 1e6,
        messages.len(),
        bytes as f64 / messages.len() as f64 / 1024.0,
        decided
    );
}
