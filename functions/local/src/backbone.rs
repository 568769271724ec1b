//! The event backbone, locally (docs/events.md): what the stream's event source mapping, the bus
//! rule and the queue's event source do in AWS. The runner reads DynamoDB Local's stream of the
//! table and hands new records to the relay's handler (which puts them on moto's bus); the bus
//! rule fills the notification queue; the runner reads that queue a window at a time and hands
//! the batch to the notify function's handler.
//!
//! DynamoDB Local's shards are ephemeral: the reader re-describes the stream whenever a shard
//! ends or its iterator is refused, and resumes after the last sequence number it relayed. That
//! number is kept in the table itself, so a runner that is killed resumes where it stopped.

use crate::queues::{error, queue_arn, receive, remove};
use aws_sdk_dynamodbstreams::types::{Shard, ShardIteratorType};
use helpdesk_aws::{DynamoStore, EventBridgePublisher};
use notify::{Channels, QueueMessage, Settings};
use std::time::Duration;

/// The notify queue's redrive: as the template's.
const MAX_RECEIVES: u32 = 6;

/// Creates a consumer's queue, its dead-letter queue, and the bus rule that fills it with the
/// events of `sources` (as the template's NotifyRule and SearchRule). Returns the queue's URL.
pub async fn configure_bus(
    sdk: &helpdesk_aws::config::SdkConfig,
    bus: &str,
    queue: &str,
    sources: &[&str],
    visibility_seconds: i64,
) -> Result<String, String> {
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let create = |name: String, redrive: Option<String>| {
        let sqs = sqs.clone();
        async move {
            // A message handed out waits as long as a send's claim before it is handed out again.
            let mut request = sqs
                .create_queue()
                .queue_name(&name)
                .attributes(aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout, visibility_seconds.to_string());
            if let Some(redrive) = redrive {
                request = request.attributes(aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy, redrive);
            }
            request
                .send()
                .await
                .map_err(|e| error("creating a queue")(&aws_sdk_sqs::error::DisplayErrorContext(&e)))
                .map(|o| o.queue_url.unwrap_or_default())
        }
    };
    let dead_url = create(format!("{queue}-dead-letters"), None).await?;
    let dead_arn = queue_arn(&sqs, &dead_url).await?;
    let redrive = serde_json::json!({"deadLetterTargetArn": dead_arn, "maxReceiveCount": MAX_RECEIVES}).to_string();
    let url = create(queue.to_string(), Some(redrive)).await?;
    let arn = queue_arn(&sqs, &url).await?;
    let events = helpdesk_aws::aws_sdk_eventbridge::Client::new(sdk);
    let rule = format!("{queue}-rule");
    events
        .put_rule()
        .name(&rule)
        .event_bus_name(bus)
        .event_pattern(serde_json::json!({ "source": sources }).to_string())
        .send()
        .await
        .map_err(|e| error("a consumer's rule")(&helpdesk_aws::aws_sdk_eventbridge::error::DisplayErrorContext(&e)))?;
    let target = helpdesk_aws::aws_sdk_eventbridge::types::Target::builder()
        .id(format!("{queue}-target"))
        .arn(arn)
        .build()
        .map_err(|e| error("target")(&e))?;
    events
        .put_targets()
        .rule(&rule)
        .event_bus_name(bus)
        .targets(target)
        .send()
        .await
        .map_err(|e| error("the rule's target")(&helpdesk_aws::aws_sdk_eventbridge::error::DisplayErrorContext(&e)))?;
    Ok(url)
}

/// Lets the local stack send from `address` (moto checks the sender is a verified identity).
pub async fn verify_sender(sdk: &helpdesk_aws::config::SdkConfig, address: &str) -> Result<(), String> {
    use aws_sdk_sesv2::error::ProvideErrorMetadata;
    let ses = aws_sdk_sesv2::Client::new(sdk);
    match ses.create_email_identity().email_identity(address).send().await {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(|e| e.is_already_exists_exception()) => Ok(()),
        // LocalStack's free edition has no SES v2: the rest runs, and each mail's failure is in
        // the notification log.
        Err(e) if e.code() == Some("InternalFailure") && e.message().is_some_and(|m| m.contains("sesv2")) => {
            eprintln!("helpdesk-local: this local stack does not send mail (no SES v2): mail notifications will fail and be logged");
            Ok(())
        }
        Err(e) => Err(error("verifying the sender")(&aws_sdk_sesv2::error::DisplayErrorContext(&e))),
    }
}

/// Sequence numbers are decimal strings of varying length: compare them as numbers.
fn sequence_after(a: &str, b: &str) -> bool {
    (a.len(), a) > (b.len(), b)
}

/// Follows the table's stream for ever, relaying new outbox items to the bus.
pub async fn relay_stream(
    store: DynamoStore,
    streams: aws_sdk_dynamodbstreams::Client,
    dynamodb: helpdesk_aws::aws_sdk_dynamodb::Client,
    publisher: EventBridgePublisher,
) {
    loop {
        if let Err(e) = relay_pass(&store, &streams, &dynamodb, &publisher).await {
            tracing::warn!(error = %e, "stream reader: starting over from the last relayed record");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Reads every shard from the last relayed record on, until a shard ends or an iterator is refused.
async fn relay_pass(
    store: &DynamoStore,
    streams: &aws_sdk_dynamodbstreams::Client,
    dynamodb: &helpdesk_aws::aws_sdk_dynamodb::Client,
    publisher: &EventBridgePublisher,
) -> Result<(), String> {
    let table = dynamodb
        .describe_table()
        .table_name(store.table())
        .send()
        .await
        .map_err(|e| error("describe table")(&aws_sdk_dynamodbstreams::error::DisplayErrorContext(&e)))?;
    let stream = table.table().and_then(|t| t.latest_stream_arn()).ok_or("the table has no stream")?.to_string();
    let mut checkpoint = store.stream_checkpoint(&stream).await.map_err(|e| e.to_string())?;
    let described = streams
        .describe_stream()
        .stream_arn(&stream)
        .send()
        .await
        .map_err(|e| error("describe stream")(&aws_sdk_dynamodbstreams::error::DisplayErrorContext(&e)))?;
    let shards: Vec<Shard> = described.stream_description().map(|d| d.shards().to_vec()).unwrap_or_default();
    for shard in shards {
        let range = shard.sequence_number_range();
        let ending = range.and_then(|r| r.ending_sequence_number());
        // A closed shard wholly before the checkpoint has nothing new.
        if let (Some(end), Some(done)) = (ending, checkpoint.as_deref())
            && !sequence_after(end, done)
        {
            continue;
        }
        let starting = range.and_then(|r| r.starting_sequence_number()).unwrap_or("0");
        let mut request = streams.get_shard_iterator().stream_arn(&stream).shard_id(shard.shard_id().unwrap_or_default());
        request = match checkpoint.as_deref() {
            Some(done) if !sequence_after(starting, done) => {
                request.shard_iterator_type(ShardIteratorType::AfterSequenceNumber).sequence_number(done)
            }
            _ => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
        };
        let mut iterator = request
            .send()
            .await
            .map_err(|e| error("shard iterator")(&aws_sdk_dynamodbstreams::error::DisplayErrorContext(&e)))?
            .shard_iterator;
        while let Some(current) = iterator {
            let page = streams
                .get_records()
                .shard_iterator(current)
                .limit(100)
                .send()
                .await
                .map_err(|e| error("get records")(&aws_sdk_dynamodbstreams::error::DisplayErrorContext(&e)))?;
            let records: Vec<relay::StreamRecord> = page
                .records()
                .iter()
                .filter_map(|r| {
                    let change = r.dynamodb()?;
                    Some(relay::StreamRecord {
                        sequence_number: change.sequence_number()?.to_string(),
                        event_name: r.event_name().map(|n| n.as_str().to_string()).unwrap_or_default(),
                        keys: change.keys().map(|keys| serde_dynamo::Item::from(keys.clone())).unwrap_or_default(),
                    })
                })
                .collect();
            let relayed = relay::relay(store, publisher, &records).await;
            if let Some((_, e)) = relayed.failed_at {
                return Err(format!("relaying: {e}"));
            }
            if relayed.published > 0
                && let Some(last) = records.last()
            {
                store.save_stream_checkpoint(&stream, &last.sequence_number).await.map_err(|e| e.to_string())?;
                checkpoint = Some(last.sequence_number.clone());
            }
            iterator = page.next_shard_iterator;
            if records.is_empty() {
                // An open shard with nothing new: look again shortly.
                if ending.is_some() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    Ok(())
}

/// Reads the notification queue for ever: a batch is what arrives within `window` of its first
/// message (the coalescing window), handed to the notify handler; failed messages wait longer
/// each try, then go to the dead-letter queue (the queue's redrive).
pub async fn deliver_notifications(
    store: DynamoStore,
    channels: Channels,
    settings: Settings,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    window: Duration,
) {
    loop {
        if let Err(e) = deliver_batch(&store, &channels, &settings, &sqs, &queue_url, window).await {
            tracing::warn!(error = %e, "notification queue");
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

async fn deliver_batch(
    store: &DynamoStore,
    channels: &Channels,
    settings: &Settings,
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    window: Duration,
) -> Result<(), String> {
    let mut messages: Vec<aws_sdk_sqs::types::Message> = Vec::new();
    let mut opened: Option<tokio::time::Instant> = None;
    loop {
        let wait = match opened {
            None => 2,
            Some(at) => {
                let left = window.saturating_sub(at.elapsed());
                if left.is_zero() {
                    break;
                }
                left.as_secs().clamp(1, 20) as i32
            }
        };
        let out = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(if opened.is_some() && window < Duration::from_secs(1) { 0 } else { wait })
            .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .map_err(|e| error("receive")(&aws_sdk_sqs::error::DisplayErrorContext(&e)))?;
        let got = out.messages.unwrap_or_default();
        if got.is_empty() && opened.is_none() {
            return Ok(());
        }
        opened.get_or_insert_with(tokio::time::Instant::now);
        messages.extend(got);
        if messages.len() >= 100 {
            break;
        }
    }
    let receipts: std::collections::HashMap<String, String> = messages
        .iter()
        .map(|m| (m.message_id().unwrap_or_default().to_string(), m.receipt_handle().unwrap_or_default().to_string()))
        .collect();
    let batch = messages
        .iter()
        .map(|m| QueueMessage {
            id: m.message_id().unwrap_or_default().to_string(),
            body: m.body().unwrap_or_default().to_string(),
            receive_count: m
                .attributes()
                .and_then(|a| a.get(&aws_sdk_sqs::types::MessageSystemAttributeName::ApproximateReceiveCount))
                .and_then(|n| n.parse().ok())
                .unwrap_or(1),
        })
        .collect();
    let (report, retry) =
        Box::pin(notify::consume(store, channels, settings, batch, chrono::Utc::now())).await.map_err(|e| e.to_string())?;
    if report.sent + report.failed > 0 {
        tracing::info!(?report, "notified");
    }
    for (id, receipt) in &receipts {
        match retry.iter().find(|(r, _)| r == id) {
            Some((_, wait)) => {
                notify::back_off(sqs, queue_url, receipt, local_delay(*wait)).await;
            }
            None => {
                let _ = sqs.delete_message().queue_url(queue_url).receipt_handle(receipt).send().await;
            }
        }
    }
    Ok(())
}

/// Locally the backoff is scaled down (seconds instead of minutes) so a failing channel's retries
/// and dead-lettering can be watched: `HELPDESK_NOTIFY_BACKOFF_SCALE` divides the delay (default 30).
fn local_delay(aws_delay: i32) -> i32 {
    let scale: i32 = std::env::var("HELPDESK_NOTIFY_BACKOFF_SCALE").ok().and_then(|v| v.parse().ok()).filter(|&n| n > 0).unwrap_or(30);
    (aws_delay / scale).max(1)
}

/// Reads the search queue for ever and hands what arrives to the indexer, as the queue's event
/// source mapping does in AWS; a failed batch is left to come back (the indexer is idempotent).
pub async fn index_for_search(store: DynamoStore, mut indexer: indexer::Indexer, sqs: aws_sdk_sqs::Client, queue_url: String) {
    loop {
        let messages = receive(&sqs, &queue_url, "search queue").await;
        if messages.is_empty() {
            continue;
        }
        let subjects: Vec<indexer::Subject> = messages.iter().filter_map(|m| m.body().and_then(indexer::subject_of)).collect();
        match indexer.apply(&store, &subjects).await {
            Ok(applied) => {
                tracing::debug!(?applied, "indexed");
                for m in &messages {
                    remove(&sqs, &queue_url, m).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "indexing failed: the batch comes back"),
        }
    }
}

/// Reads the reports queue for ever and hands each message's ticket to the reports function, as
/// the queue's event source mapping does in AWS; a message that failed is left to come back.
pub async fn count_for_reports(store: DynamoStore, zone: chrono_tz::Tz, sqs: aws_sdk_sqs::Client, queue_url: String) {
    loop {
        for m in receive(&sqs, &queue_url, "reports queue").await {
            let done = match m.body().and_then(reports::ticket_of) {
                Some(ticket) => reports::apply(&store, zone, &[ticket]).await.map(|_| ()),
                None => Ok(()),
            };
            match done {
                Ok(()) => remove(&sqs, &queue_url, &m).await,
                Err(e) => tracing::warn!(error = %e, "report buckets not updated: the message comes back"),
            }
        }
    }
}
