//! Reply templates: staff read them all to answer with one; knowledge editors and admins write them.

use crate::{Reply, json, not_found, require, store_error};
use helpdesk_aws::{Knowledge, StoreError};
use helpdesk_core::api::{Items, parse_body};
use helpdesk_core::permissions::{Action, Resource, allows};
use helpdesk_core::templates::ReplyTemplateInput;
use helpdesk_core::{Actor, ApiError, ErrorCode, FieldError, FieldErrorCode};
use lambda_http::http::StatusCode;

fn written(result: Result<(), StoreError>, id: &str) -> Result<(), ApiError> {
    match result {
        Err(StoreError::AlreadyExists) => Err(ApiError::new(ErrorCode::AlreadyExists, format!("'{id}' exists already"))),
        other => other.map_err(store_error),
    }
}

pub async fn list<S: Knowledge>(store: &S, actor: &Actor) -> Reply {
    require(allows(actor, Action::UseReplyTemplates, Resource::None), "use reply templates")?;
    let mut items = store.reply_templates().await.map_err(store_error)?;
    items.sort_by_key(|a| a.name.get("en").to_lowercase());
    json(StatusCode::OK, &Items { items })
}

pub async fn create<S: Knowledge>(store: &S, actor: &Actor, body: &[u8]) -> Reply {
    require(allows(actor, Action::ManageReplyTemplates, Resource::None), "manage reply templates")?;
    let mut input: ReplyTemplateInput = parse_body(body)?;
    let id = input
        .id
        .take()
        .ok_or_else(|| ApiError::validation(vec![FieldError::new("id", FieldErrorCode::Required, "a new template needs an id")]))?;
    let template = input.into_template(&id, 1).map_err(ApiError::validation)?;
    written(store.put_reply_template(&template).await, &id)?;
    json(StatusCode::CREATED, &template)
}

pub async fn replace<S: Knowledge>(store: &S, actor: &Actor, id: &str, body: &[u8]) -> Reply {
    require(allows(actor, Action::ManageReplyTemplates, Resource::None), "manage reply templates")?;
    let mut input: ReplyTemplateInput = parse_body(body)?;
    if input.id.take().is_some_and(|body_id| body_id != id) {
        return Err(ApiError::validation(vec![FieldError::new("id", FieldErrorCode::Invalid, "differs from the id in the path")]));
    }
    let seen = input.version.ok_or_else(|| {
        ApiError::validation(vec![FieldError::new("version", FieldErrorCode::Required, "send the version you are replacing")])
    })?;
    let current = store.get_reply_template(id).await.map_err(store_error)?.ok_or_else(|| not_found("reply template"))?;
    if current.version != seen {
        return Err(ApiError::version_conflict(current.version));
    }
    let template = input.into_template(id, seen + 1).map_err(ApiError::validation)?;
    written(store.put_reply_template(&template).await, id)?;
    json(StatusCode::OK, &template)
}

/// Removes a template; `?version=` names the version seen (a template changed meanwhile stays).
pub async fn remove<S: Knowledge>(store: &S, actor: &Actor, id: &str, req: &lambda_http::Request) -> Reply {
    require(allows(actor, Action::ManageReplyTemplates, Resource::None), "manage reply templates")?;
    let mut version = None;
    for (name, value) in crate::query_pairs(req) {
        match name.as_str() {
            "version" => version = value.parse::<u64>().ok(),
            other => return Err(ApiError::new(ErrorCode::InvalidQuery, format!("query parameter '{other}': unknown parameter"))),
        }
    }
    let version =
        version.ok_or_else(|| ApiError::new(ErrorCode::InvalidQuery, "query parameter 'version': the version you are removing"))?;
    store.remove_reply_template(id, version).await.map_err(|e| match e {
        StoreError::Missing => not_found("reply template"),
        other => store_error(other),
    })?;
    json(StatusCode::OK, &serde_json::json!({"removed": id}))
}
