//! What the runner's local queues share: naming a failed set-up step, a queue's ARN, reading
//! and removing messages as an event source mapping does.

pub fn error(what: &str) -> impl Fn(&dyn std::fmt::Display) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// The ARN of the queue at `url` (S3 and EventBridge targets name queues by it).
pub async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> Result<String, String> {
    let out = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| error("queue attributes")(&aws_sdk_sqs::error::DisplayErrorContext(&e)))?;
    out.attributes()
        .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
        .cloned()
        .ok_or_else(|| "a queue without an ARN".into())
}

/// The queue's next messages (up to ten), as an event source mapping polls it. None after a
/// pause when it is empty or cannot be read (said in the log), so a loop over it never spins:
/// moto answers at once even when asked to wait.
pub async fn receive(sqs: &aws_sdk_sqs::Client, url: &str, name: &str) -> Vec<aws_sdk_sqs::types::Message> {
    match sqs.receive_message().queue_url(url).max_number_of_messages(10).wait_time_seconds(1).send().await {
        Ok(out) if !out.messages().is_empty() => out.messages.unwrap_or_default(),
        Ok(_) => {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            Vec::new()
        }
        Err(e) => {
            tracing::warn!(error = %aws_sdk_sqs::error::DisplayErrorContext(&e), queue = name, "local queue");
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            Vec::new()
        }
    }
}

/// Removes a handled message (a failed removal only means it comes back: handlers are idempotent).
pub async fn remove(sqs: &aws_sdk_sqs::Client, url: &str, message: &aws_sdk_sqs::types::Message) {
    if let Some(receipt) = message.receipt_handle() {
        let _ = sqs.delete_message().queue_url(url).receipt_handle(receipt).send().await;
    }
}
