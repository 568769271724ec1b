//! E-mail intake's records: the received message's id beside the ticket change it made, the
//! threading lookups (Message-IDs, reply tokens), senders by address, and rejected messages.

use super::codec::{Item, PK, SK, from_body, keyed_item, s};
use super::{DynamoStore, sdk};
use crate::keys::{self, entity};
use crate::ports::{Directory, MailStore, Page, StoreError, StoredUser};
use helpdesk_core::commands::Change;
use helpdesk_core::mail::RejectedMail;
use helpdesk_core::user::User;
use helpdesk_core::{Ticket, TicketEvent, TicketNumber};

fn ticket_id_of(item: Option<Item>) -> Option<String> {
    item.and_then(|i| i.get("ticket_id").and_then(|v| v.as_s().ok()).cloned())
}

/// The item that marks a received message as taken, and threads later replies to it.
fn received_item(message_key: &str, ticket_id: &str) -> Item {
    keyed_item(keys::mail_id_pk(message_key), keys::MAIL_ID_SK, entity::MAIL_ID, "ticket_id", ticket_id)
}

fn rejected_item(rejected: &RejectedMail) -> Result<Item, StoreError> {
    let mut item =
        super::codec::body_item(rejected, keys::REJECTED_MAIL_PK, keys::rejected_mail_sk(&rejected.id), entity::REJECTED_MAIL, 1)?;
    item.remove("version");
    Ok(item)
}

impl DynamoStore {
    /// Points the user's address at them (the intake's lookup). Idempotent.
    pub(super) async fn point_email(&self, user: &User) -> Result<(), StoreError> {
        if user.email.trim().is_empty() {
            return Ok(());
        }
        let item = keyed_item(keys::email_pk(user.email.trim()), keys::EMAIL_SK, entity::EMAIL, "user_id", &user.id);
        self.client.put_item().table_name(&self.table).set_item(Some(item)).send().await.map_err(sdk)?;
        Ok(())
    }
}

impl MailStore for DynamoStore {
    async fn ticket_of_mail(&self, message_id: &str) -> Result<Option<String>, StoreError> {
        Ok(ticket_id_of(self.get(keys::mail_id_pk(message_id), keys::MAIL_ID_SK.into()).await?))
    }

    async fn ticket_of_reply_token(&self, token: &str) -> Result<Option<String>, StoreError> {
        Ok(ticket_id_of(self.get(keys::reply_token_pk(token), keys::REPLY_TOKEN_SK.into()).await?))
    }

    async fn user_by_email(&self, address: &str) -> Result<Option<StoredUser>, StoreError> {
        let Some(item) = self.get(keys::email_pk(address), keys::EMAIL_SK.into()).await? else { return Ok(None) };
        let Some(id) = item.get("user_id").and_then(|v| v.as_s().ok()) else { return Ok(None) };
        // The pointer of an address its user has since changed leads nowhere.
        Ok(self.get_user(id).await?.filter(|stored| stored.user.email.eq_ignore_ascii_case(address)))
    }

    async fn create_mail_ticket<F>(&self, message_key: &str, ticket_id: &str, build: F) -> Result<Change, StoreError>
    where
        F: Fn(TicketNumber) -> Change + Send + Sync,
    {
        self.create_ticket_guarded(Some(received_item(message_key, ticket_id)), build).await
    }

    async fn save_mail_ticket(&self, message_key: &str, ticket: &Ticket, events: &[TicketEvent]) -> Result<(), StoreError> {
        self.save_ticket_guarded(Some(received_item(message_key, &ticket.id)), ticket, events).await
    }

    async fn put_rejected_mail(&self, rejected: &RejectedMail) -> Result<(), StoreError> {
        self.client.put_item().table_name(&self.table).set_item(Some(rejected_item(rejected)?)).send().await.map_err(sdk)?;
        Ok(())
    }

    async fn rejected_mail(&self, id: &str) -> Result<Option<RejectedMail>, StoreError> {
        self.get(keys::REJECTED_MAIL_PK.into(), keys::rejected_mail_sk(id)).await?.as_ref().map(from_body).transpose()
    }

    async fn rejected_mails(&self, cursor: Option<&str>, limit: usize) -> Result<Page<RejectedMail>, StoreError> {
        // The cursor is the last id of the page before: ULIDs only.
        let before = match cursor {
            Some(c) if ulid::Ulid::from_string(c).is_ok() => keys::rejected_mail_sk(c),
            Some(_) => return Err(StoreError::InvalidCursor),
            None => format!("{}~", keys::REJECTED_MAIL_SK_PREFIX),
        };
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :first AND :before")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", s(keys::REJECTED_MAIL_PK))
            .expression_attribute_values(":first", s(keys::REJECTED_MAIL_SK_PREFIX))
            .expression_attribute_values(":before", s(before.clone()))
            .scan_index_forward(false)
            .limit(i32::try_from(limit + 1).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(sdk)?;
        let mut items: Vec<RejectedMail> = out.items().iter().map(from_body).collect::<Result<_, _>>()?;
        // BETWEEN includes the cursor's own item.
        items.retain(|r| keys::rejected_mail_sk(&r.id) != before);
        let next_cursor = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|r| r.id.clone())
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    async fn remove_rejected_mail(&self, id: &str) -> Result<(), StoreError> {
        let key = [(PK.to_string(), s(keys::REJECTED_MAIL_PK)), (SK.to_string(), s(keys::rejected_mail_sk(id)))];
        self.client.delete_item().table_name(&self.table).set_key(Some(key.into())).send().await.map_err(sdk)?;
        Ok(())
    }
}
