//! Uploads: the record of one file from its presigned upload until a ticket or message attaches it.

use super::codec::{PK, SK, from_item, s, to_item};
use super::{DynamoStore, sdk};
use crate::keys;
use crate::ports::{StoreError, Uploads};
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use helpdesk_core::TicketEvent;
use helpdesk_core::attachment::{AttachmentRef, Upload, UploadState};

fn state(value: UploadState) -> AttributeValue {
    s(helpdesk_core::wire_name(&value))
}

impl DynamoStore {
    /// The write that attaches upload `file` to what `owner` names (attributes set on the upload
    /// record): the upload must be ready and `author`'s own, and leaves its expiry behind.
    fn attach_write(&self, file: &str, author: &str, owner: &[(&str, AttributeValue)]) -> Result<TransactWriteItem, StoreError> {
        let sets: Vec<String> = owner.iter().map(|(name, _)| format!("#{name} = :{name}")).collect();
        let mut update = Update::builder()
            .table_name(&self.table)
            .key(PK, s(keys::upload_pk(file)))
            .key(SK, s(keys::UPLOAD_SK))
            .update_expression(format!("SET #state = :attached, {} REMOVE expires_at", sets.join(", ")))
            .condition_expression("#state = :ready AND #uploader = :author")
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#uploader", "uploader")
            .expression_attribute_values(":attached", state(UploadState::Attached))
            .expression_attribute_values(":ready", state(UploadState::Ready))
            .expression_attribute_values(":author", s(author));
        for (name, value) in owner {
            update =
                update.expression_attribute_names(format!("#{name}"), *name).expression_attribute_values(format!(":{name}"), value.clone());
        }
        Ok(TransactWriteItem::builder().update(update.build().map_err(super::backend)?).build())
    }

    /// The writes that attach every file `events` list to `ticket_id`.
    pub(super) fn attach_writes(&self, ticket_id: &str, events: &[TicketEvent]) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut writes = Vec::new();
        for event in events {
            for file in event.kind.attachments() {
                let owner =
                    [("ticket", s(ticket_id)), ("event", s(&event.id)), ("internal", AttributeValue::Bool(event.kind.is_internal()))];
                writes.push(self.attach_write(&file.id, &event.actor.id, &owner)?);
            }
        }
        Ok(writes)
    }

    /// The writes that attach `images` to an article, saved by `author`.
    pub(super) fn attach_images(
        &self,
        article: &str,
        author: &str,
        images: &[AttachmentRef],
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        images.iter().map(|image| self.attach_write(&image.id, author, &[("article", s(article))])).collect()
    }
}

impl Uploads for DynamoStore {
    async fn put_upload(&self, upload: &Upload, expires_at: i64) -> Result<(), StoreError> {
        let mut item = to_item(upload, keys::upload_pk(&upload.id), keys::UPLOAD_SK.into(), keys::entity::UPLOAD)?;
        item.insert("expires_at".into(), AttributeValue::N(expires_at.to_string()));
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await;
        match put {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Err(StoreError::AlreadyExists),
            Err(e) => Err(sdk(e)),
        }
    }

    async fn get_upload(&self, id: &str) -> Result<Option<Upload>, StoreError> {
        self.get(keys::upload_pk(id), keys::UPLOAD_SK.into()).await?.map(from_item).transpose()
    }

    async fn pin_upload_version(&self, id: &str, version: &str) -> Result<(), StoreError> {
        let pin = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(keys::upload_pk(id)))
            .key(SK, s(keys::UPLOAD_SK))
            .update_expression("SET #version = :version")
            .condition_expression("#state = :ready AND attribute_not_exists(#version)")
            .expression_attribute_names("#version", "object_version")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":version", s(version))
            .expression_attribute_values(":ready", state(UploadState::Ready))
            .send()
            .await;
        match pin {
            // Pinned by an earlier delivery of the same message (or attached meanwhile): it stands.
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(()),
            other => other.map(|_| ()).map_err(sdk),
        }
    }

    async fn settle_upload(&self, settled: &Upload) -> Result<bool, StoreError> {
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, s(keys::upload_pk(&settled.id)))
            .key(SK, s(keys::UPLOAD_SK))
            .condition_expression("#state = :pending")
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#size", "size")
            .expression_attribute_names("#type", "content_type")
            .expression_attribute_values(":pending", state(UploadState::Pending))
            .expression_attribute_values(":state", state(settled.state))
            .expression_attribute_values(":size", AttributeValue::N(settled.size.to_string()))
            .expression_attribute_values(":type", s(&settled.content_type));
        let mut set = "SET #state = :state, #size = :size, #type = :type".to_string();
        if let Some(version) = &settled.object_version {
            set.push_str(", object_version = :version");
            update = update.expression_attribute_values(":version", s(version));
        }
        update = match settled.reason {
            Some(reason) => update
                .update_expression(format!("{set}, #reason = :reason"))
                .expression_attribute_names("#reason", "reason")
                .expression_attribute_values(":reason", s(helpdesk_core::wire_name(&reason))),
            None => update.update_expression(set),
        };
        match update.send().await {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(false),
            Err(e) => Err(sdk(e)),
        }
    }
}
