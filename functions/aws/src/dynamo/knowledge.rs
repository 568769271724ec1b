//! The knowledge base on DynamoDB: every article's current version in one partition (`KB`, in id
//! order: the list), and per article its revisions, stats and outbox items; reply templates in
//! one partition of their own (docs/storage.md).

use super::codec::{Item, PK, SK, body_item, from_body, s};
use super::{DynamoStore, TransactionFailure, sdk};
use crate::keys;
use crate::ports::{Knowledge, Page, StoreError};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::NaiveDate;
use helpdesk_core::attachment::AttachmentRef;
use helpdesk_core::backbone::{ARTICLE_CHANGED, ArticleChange, KNOWLEDGE_SOURCE};
use helpdesk_core::knowledge::{Article, ArticleStats};
use helpdesk_core::templates::ReplyTemplate;

fn outbox_item(article: &Article, event_id: &str) -> Result<Item, StoreError> {
    let change = ArticleChange { id: event_id.to_string(), article: article.id.clone(), version: article.version };
    let expires_at = article.updated_at.timestamp() + keys::OUTBOX_KEEP_SECONDS;
    Ok([
        (PK.to_string(), s(keys::article_pk(&article.id))),
        (SK.to_string(), s(keys::outbox_sk(event_id))),
        (keys::ENTITY_ATTRIBUTE.to_string(), s(keys::entity::OUTBOX)),
        (keys::OUTBOX_SOURCE.to_string(), s(KNOWLEDGE_SOURCE)),
        (keys::OUTBOX_DETAIL_TYPE.to_string(), s(ARTICLE_CHANGED)),
        (keys::OUTBOX_DETAIL.to_string(), s(serde_json::to_string(&change).map_err(super::backend)?)),
        (keys::TTL_ATTRIBUTE.to_string(), AttributeValue::N(expires_at.to_string())),
    ]
    .into())
}

fn count(item: Option<&Item>, name: &str) -> u64 {
    item.and_then(|i| i.get(name)).and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()).unwrap_or(0)
}

impl DynamoStore {
    async fn add_count(&self, pk: String, sk: String, entity: &str, name: &str, step: i64) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .update_expression("ADD #count :one SET #entity = :entity")
            .expression_attribute_names("#count", name)
            .expression_attribute_names("#entity", keys::ENTITY_ATTRIBUTE)
            .expression_attribute_values(":one", AttributeValue::N(step.to_string()))
            .expression_attribute_values(":entity", s(entity))
            .send()
            .await
            .map_err(sdk)?;
        Ok(())
    }
}

impl Knowledge for DynamoStore {
    async fn save_article(&self, article: &Article, event_id: &str, new_images: &[AttachmentRef]) -> Result<(), StoreError> {
        let current = body_item(article, keys::ARTICLES_PK, keys::article_sk(&article.id), keys::entity::ARTICLE, article.version)?;
        let head = if article.version <= 1 {
            self.put(current, "attribute_not_exists(PK)", &[], &[])?
        } else {
            self.put(
                current,
                "#version = :previous",
                &[("#version", "version")],
                &[(":previous", AttributeValue::N((article.version - 1).to_string()))],
            )?
        };
        let revision = body_item(
            article,
            &keys::article_pk(&article.id),
            keys::revision_sk(article.version),
            keys::entity::ARTICLE_REVISION,
            article.version,
        )?;
        let mut writes = vec![head];
        writes.extend(self.new_items([revision, outbox_item(article, event_id)?])?);
        let attaching = writes.len();
        writes.extend(self.attach_images(&article.id, &article.updated_by, new_images)?);
        match self.transact(writes).await {
            Ok(()) => Ok(()),
            Err(TransactionFailure::Condition(Some(i))) if i >= attaching => Err(StoreError::UploadTaken),
            Err(TransactionFailure::Condition(Some(0))) if article.version <= 1 => Err(StoreError::AlreadyExists),
            Err(TransactionFailure::Condition(_)) => {
                Err(self.version_conflict(keys::ARTICLES_PK.into(), &keys::article_sk(&article.id)).await)
            }
            Err(TransactionFailure::Raced) => Err(StoreError::Throttled),
            Err(TransactionFailure::Other(e)) => Err(e),
        }
    }

    async fn get_article(&self, id: &str) -> Result<Option<Article>, StoreError> {
        self.get(keys::ARTICLES_PK.into(), keys::article_sk(id)).await?.as_ref().map(from_body).transpose()
    }

    async fn list_articles(&self, cursor: Option<&str>, limit: usize) -> Result<Page<Article>, StoreError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":pk", s(keys::ARTICLES_PK))
            .expression_attribute_values(":prefix", s(keys::ARTICLE_SK_PREFIX))
            .limit(i32::try_from(limit).unwrap_or(i32::MAX));
        if let Some(after) = cursor {
            if !helpdesk_core::topic::is_plain_id(after) {
                return Err(StoreError::InvalidCursor);
            }
            query = query.exclusive_start_key(PK, s(keys::ARTICLES_PK)).exclusive_start_key(SK, s(keys::article_sk(after)));
        }
        let out = query.send().await.map_err(sdk)?;
        let items: Vec<Article> = out.items().iter().map(from_body).collect::<Result<_, _>>()?;
        let next_cursor = out.last_evaluated_key().and(items.last()).map(|a| a.id.clone());
        Ok(Page { items, next_cursor })
    }

    async fn article_revisions(&self, id: &str) -> Result<Vec<Article>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":pk", s(keys::article_pk(id)))
            .expression_attribute_values(":prefix", s(keys::REVISION_SK_PREFIX))
            .scan_index_forward(false)
            .limit(i32::try_from(keys::MAX_REVISIONS_LISTED).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(sdk)?;
        out.items().iter().map(from_body).collect()
    }

    async fn article_revision(&self, id: &str, version: u64) -> Result<Option<Article>, StoreError> {
        self.get(keys::article_pk(id), keys::revision_sk(version)).await?.as_ref().map(from_body).transpose()
    }

    async fn article_stats(&self, id: &str) -> Result<ArticleStats, StoreError> {
        let item = self.get(keys::article_pk(id), keys::ARTICLE_STATS_SK.into()).await?;
        Ok(ArticleStats { deflections: count(item.as_ref(), "deflections"), solutions: count(item.as_ref(), "solutions") })
    }

    async fn count_deflection(&self, id: &str, topic: Option<&str>, day: NaiveDate) -> Result<(), StoreError> {
        self.add_count(keys::article_pk(id), keys::ARTICLE_STATS_SK.into(), keys::entity::ARTICLE_STATS, "deflections", 1).await?;
        self.add_count(keys::article_pk(id), keys::deflection_sk(topic), keys::entity::ARTICLE_STATS, "deflections", 1).await?;
        self.add_count(keys::deflections_pk(day), keys::deflections_sk(day, topic), keys::entity::DEFLECTION_DAY, "deflections", 1).await
    }

    async fn reply_templates(&self) -> Result<Vec<ReplyTemplate>, StoreError> {
        self.query_partition(keys::REPLY_TEMPLATES_PK.into(), keys::MAX_REPLY_TEMPLATES).await?.iter().map(from_body).collect()
    }

    async fn get_reply_template(&self, id: &str) -> Result<Option<ReplyTemplate>, StoreError> {
        self.get(keys::REPLY_TEMPLATES_PK.into(), keys::reply_template_sk(id)).await?.as_ref().map(from_body).transpose()
    }

    async fn put_reply_template(&self, template: &ReplyTemplate) -> Result<(), StoreError> {
        let item = body_item(
            template,
            keys::REPLY_TEMPLATES_PK,
            keys::reply_template_sk(&template.id),
            keys::entity::REPLY_TEMPLATE,
            template.version,
        )?;
        self.put_versioned(item, template.version).await
    }

    async fn remove_reply_template(&self, id: &str, version: u64) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(PK, s(keys::REPLY_TEMPLATES_PK))
            .key(SK, s(keys::reply_template_sk(id)))
            .condition_expression("#version = :version")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":version", AttributeValue::N(version.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                Err(self.version_conflict(keys::REPLY_TEMPLATES_PK.into(), &keys::reply_template_sk(id)).await)
            }
            Err(e) => Err(sdk(e)),
        }
    }

    async fn count_solution(&self, id: &str, step: i64) -> Result<(), StoreError> {
        self.add_count(keys::article_pk(id), keys::ARTICLE_STATS_SK.into(), keys::entity::ARTICLE_STATS, "solutions", step).await
    }
}
