//! Contacts (Telegram chats, push subscriptions, phones), Telegram link offers, and API tokens.

use super::codec::{Item, PK, SK, from_item, keyed_item, s, to_item};
use super::{DynamoStore, TransactionFailure, backend, sdk};
use crate::keys::{self, entity};
use crate::ports::{ApiTokens, Contacts, StoreError, StoredApiToken};
use aws_sdk_dynamodb::types::{AttributeValue, Delete, ReturnValue, TransactWriteItem};
use chrono::{DateTime, Utc};
use helpdesk_core::api::ApiTokenSummary;
use helpdesk_core::notify::{Contact, Owner};

/// More contacts than any person has browsers and phones: the read stops here.
const MAX_CONTACTS_READ: usize = 100;
const MAX_TOKENS_READ: usize = 200;

fn contact_item(owner: &Owner, contact: &Contact) -> Result<Item, StoreError> {
    to_item(contact, keys::contacts_pk(&owner.name()), keys::contact_sk(contact.id()), entity::CONTACT)
}

fn is_condition_failure<E: aws_sdk_dynamodb::error::ProvideErrorMetadata>(e: &E) -> bool {
    e.code() == Some("ConditionalCheckFailedException")
}

impl Contacts for DynamoStore {
    async fn contacts(&self, owner: &Owner) -> Result<Vec<Contact>, StoreError> {
        let items = self.query_partition_prefix(keys::contacts_pk(&owner.name()), keys::CONTACT_SK_PREFIX, MAX_CONTACTS_READ).await?;
        items.into_iter().map(from_item).collect()
    }

    async fn put_contact(&self, owner: &Owner, contact: &Contact) -> Result<(), StoreError> {
        self.client.put_item().table_name(&self.table).set_item(Some(contact_item(owner, contact)?)).send().await.map_err(sdk)?;
        Ok(())
    }

    async fn remove_contact(&self, owner: &Owner, id: &str) -> Result<Option<Contact>, StoreError> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(PK, s(keys::contacts_pk(&owner.name())))
            .key(SK, s(keys::contact_sk(id)))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(sdk)?;
        out.attributes.map(from_item).transpose()
    }

    async fn claim_device(&self, contact_id: &str, owner: &Owner) -> Result<Option<Owner>, StoreError> {
        let item = keyed_item(keys::device_pk(contact_id), keys::DEVICE_SK, entity::DEVICE, "owner", &owner.name());
        let out = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(sdk)?;
        Ok(out.attributes.and_then(|a| a.get("owner").and_then(|v| v.as_s().ok()).and_then(|o| Owner::parse(o))))
    }

    async fn offer_link(&self, token: &str, owner: &Owner, expires_at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut item = keyed_item(keys::link_offer_pk(token), keys::LINK_OFFER_SK, entity::LINK_OFFER, "owner", &owner.name());
        // The TTL attribute: DynamoDB removes offers nobody took.
        item.insert(keys::TTL_ATTRIBUTE.into(), AttributeValue::N(expires_at.timestamp().to_string()));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
            .map_err(sdk)?;
        Ok(())
    }

    async fn take_link(&self, token: &str, now: DateTime<Utc>) -> Result<Option<Owner>, StoreError> {
        // Deleted only while unexpired: two chats racing for one offer, one wins.
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(PK, s(keys::link_offer_pk(token)))
            .key(SK, s(keys::LINK_OFFER_SK))
            .condition_expression("attribute_exists(PK) AND #expires > :now")
            .expression_attribute_names("#expires", keys::TTL_ATTRIBUTE)
            .expression_attribute_values(":now", AttributeValue::N(now.timestamp().to_string()))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        match out {
            Ok(out) => Ok(out.attributes.and_then(|a| a.get("owner").and_then(|v| v.as_s().ok()).and_then(|o| Owner::parse(o)))),
            Err(e) if e.as_service_error().is_some_and(is_condition_failure) => Ok(None),
            Err(e) => Err(sdk(e)),
        }
    }
}

impl ApiTokens for DynamoStore {
    async fn put_api_token(&self, token: &StoredApiToken) -> Result<(), StoreError> {
        let pointer = to_item(token, keys::api_token_pk(&token.summary.id), keys::API_TOKEN_SK.into(), entity::API_TOKEN)?;
        let listed = to_item(&token.summary, keys::api_tokens_pk(&token.user), keys::api_token_sk(&token.summary.id), entity::API_TOKEN)?;
        self.transact(self.new_items([pointer, listed])?).await.map_err(|e| match e {
            TransactionFailure::Condition(_) | TransactionFailure::Raced => StoreError::AlreadyExists,
            TransactionFailure::Other(e) => e,
        })
    }

    async fn api_token(&self, id: &str) -> Result<Option<StoredApiToken>, StoreError> {
        self.get(keys::api_token_pk(id), keys::API_TOKEN_SK.into()).await?.map(from_item).transpose()
    }

    async fn api_tokens(&self, user: &str) -> Result<Vec<ApiTokenSummary>, StoreError> {
        let items = self.query_partition_prefix(keys::api_tokens_pk(user), keys::API_TOKEN_SK_PREFIX, MAX_TOKENS_READ).await?;
        items.into_iter().map(from_item).collect()
    }

    async fn revoke_api_token(&self, user: &str, id: &str) -> Result<bool, StoreError> {
        // Both items go together, and only when the token is this person's.
        let pointer = Delete::builder()
            .table_name(&self.table)
            .key(PK, s(keys::api_token_pk(id)))
            .key(SK, s(keys::API_TOKEN_SK))
            .condition_expression("#user = :user")
            .expression_attribute_names("#user", "user")
            .expression_attribute_values(":user", s(user))
            .build()
            .map_err(backend)?;
        let listed = Delete::builder()
            .table_name(&self.table)
            .key(PK, s(keys::api_tokens_pk(user)))
            .key(SK, s(keys::api_token_sk(id)))
            .build()
            .map_err(backend)?;
        let writes = vec![TransactWriteItem::builder().delete(pointer).build(), TransactWriteItem::builder().delete(listed).build()];
        match self.transact(writes).await {
            Ok(()) => Ok(true),
            Err(TransactionFailure::Condition(_)) => Ok(false),
            Err(TransactionFailure::Raced) => Ok(false),
            Err(TransactionFailure::Other(e)) => Err(e),
        }
    }
}
