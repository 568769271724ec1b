//! What the runner's local queues share: naming a failed set-up step, a queue's ARN.

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
