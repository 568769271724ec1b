//! Mail the intake kept aside: admins list it (newest first) and try a message again once the
//! cause is fixed (a domain allowed, a cap raised). A retry copies the raw message under
//! `retry/<id>`; S3 hands the copy to the mail-intake function like a new arrival, which settles
//! the rejection (taken: removed; refused again: another attempt recorded).

use crate::attachments::Files;
use crate::{Reply, json, not_found, query_pairs, require, store_error};
use helpdesk_aws::{MailStore, keys};
use helpdesk_core::api::Paged;
use helpdesk_core::permissions::{Action, Resource, allows};
use helpdesk_core::{Actor, ApiError, ErrorCode};
use lambda_http::Request;
use lambda_http::http::StatusCode;

/// Rejected messages per page.
const PAGE: usize = 50;

/// `GET /api/mail/rejected`: messages the intake could not take, newest first.
pub async fn list_rejected<S: MailStore>(store: &S, actor: &Actor, req: &Request) -> Reply {
    require(allows(actor, Action::ManageMail, Resource::None), "see rejected mail")?;
    let pairs = query_pairs(req);
    let cursor = pairs.iter().find(|(k, _)| k == "cursor").map(|(_, v)| v.as_str());
    let page = store.rejected_mails(cursor, PAGE).await.map_err(store_error)?;
    json(StatusCode::OK, &Paged { items: page.items, next_cursor: page.next_cursor })
}

/// `POST /api/mail/rejected/{id}/retry`: hands the message to the intake again.
pub async fn retry_rejected<S: MailStore>(store: &S, files: Option<&Files>, actor: &Actor, id: &str) -> Reply {
    require(allows(actor, Action::ManageMail, Resource::None), "retry rejected mail")?;
    let files = files.ok_or_else(|| ApiError::new(ErrorCode::RouteNotFound, "mail intake is not set up on this deployment"))?;
    let rejected = store.rejected_mail(id).await.map_err(store_error)?.ok_or_else(|| not_found("rejected message"))?;
    files.copy(&rejected.object_key, &format!("{}{}", keys::RETRY_MAIL_PREFIX, rejected.id)).await?;
    json(StatusCode::ACCEPTED, &rejected)
}
