//! Uploads: the record of one file from its presigned upload until a ticket or message attaches it.

use super::codec::{PK, SK, from_item, s, to_item};
use super::{DynamoStore, sdk};
use crate::keys;
use crate::ports::{StoreError, Uploads};
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use helpdesk_core::TicketEvent;
use helpdesk_core::attachment::{Upload, UploadState};

fn state(value: UploadState) -> AttributeValue {
    s(helpdesk_core::wire_name(&value))
}

impl DynamoStore {
    /// The writes that attach every file `events` list to `ticket_id`: each upload must be ready
    /// and the event author's own, and leaves the expiry behind.
    pub(super) fn attach_writes(&self, ticket_id: &str, events: &[TicketEvent]) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut writes = Vec::new();
        for event in events {
            for file in event.kind.attachments() {
                let update = Update::builder()
                    .table_name(&self.table)
                    .key(PK, s(keys::upload_pk(&file.id)))
                    .key(SK, s(keys::UPLOAD_SK))
                    .update_expression(
                        "SET #state = :attached, #ticket = :ticket, #event = :event, #internal = :internal REMOVE expires_at",
                    )
                    .condition_expression("#state = :ready AND #uploader = :author")
                    .expression_attribute_names("#state", "state")
                    .expression_attribute_names("#ticket", "ticket")
                    .expression_attribute_names("#event", "event")
                    .expression_attribute_names("#internal", "internal")
                    .expression_attribute_names("#uploader", "uploader")
                    .expression_attribute_values(":attached", state(UploadState::Attached))
                    .expression_attribute_values(":ready", state(UploadState::Ready))
                    .expression_attribute_values(":ticket", s(ticket_id))
                    .expression_attribute_values(":event", s(&event.id))
                    .expression_attribute_values(":internal", AttributeValue::Bool(event.kind.is_internal()))
                    .expression_attribute_values(":author", s(&event.actor.id))
                    .build()
                    .map_err(super::backend)?;
                writes.push(TransactWriteItem::builder().update(update).build());
            }
        }
        Ok(writes)
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
