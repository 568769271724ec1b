//! Admin-managed records: topics, SLA calendars and SLA plans. They share one set of rules: an id
//! on create, the version being replaced on replace, 409 on a clash, and validation before any write.

use crate::session::hash_password;
use crate::{Reply, SlaCache, json, not_found, query_pairs, require, store_error};
use helpdesk_aws::{Directory, StoreError, StoredUser, TicketStore};
use helpdesk_core::api::{Items, Paged, PeopleQuery, TopicList, UserView, parse_body};
use helpdesk_core::calendar::{Calendar, CalendarInput};
use helpdesk_core::permissions::{Action, Resource, allows};
use helpdesk_core::sla::{SlaPlan, SlaPlanInput};
use helpdesk_core::topic::{TopicInput, is_slug};
use helpdesk_core::user::{AccountSource, GroupInput, User, UserInput};
use helpdesk_core::{Actor, ApiError, ErrorCode, FieldError, FieldErrorCode, Topic};
use lambda_http::Request;
use lambda_http::http::StatusCode;

/// The id a create names; it must be given.
fn id_to_create(body_id: Option<String>) -> Result<String, ApiError> {
    body_id.ok_or_else(|| ApiError::validation(vec![FieldError::new("id", FieldErrorCode::Required, "a new record needs an id")]))
}

/// The version a replace claims to replace; the body may repeat the path's id, not another.
fn version_to_replace(path_id: &str, body_id: Option<String>, version: Option<u64>) -> Result<u64, ApiError> {
    if body_id.is_some_and(|body_id| body_id != path_id) {
        return Err(ApiError::validation(vec![FieldError::new("id", FieldErrorCode::Invalid, "differs from the id in the path")]));
    }
    version.ok_or_else(|| {
        ApiError::validation(vec![FieldError::new("version", FieldErrorCode::Required, "send the version you are replacing")])
    })
}

fn check_current(current_version: u64, seen: u64) -> Result<(), ApiError> {
    if current_version == seen { Ok(()) } else { Err(ApiError::version_conflict(current_version)) }
}

/// The answer to writing a record: 201 or 200 with it, 409 when the id is taken.
fn written<T: serde::Serialize>(result: Result<(), StoreError>, record: &T, id: &str, created: bool) -> Reply {
    match result {
        Err(StoreError::AlreadyExists) => Err(ApiError::new(ErrorCode::AlreadyExists, format!("'{id}' exists already"))),
        other => {
            other.map_err(store_error)?;
            json(if created { StatusCode::CREATED } else { StatusCode::OK }, record)
        }
    }
}

pub async fn load_topic<S: TicketStore>(store: &S, id: &str) -> Result<Topic, ApiError> {
    if !is_slug(id) {
        return Err(not_found("topic"));
    }
    store.get_topic(id).await.map_err(store_error)?.ok_or_else(|| not_found("topic"))
}

/// A topic by id: archived ones only for those who may see them (admins).
pub async fn get_topic<S: TicketStore>(store: &S, actor: &Actor, id: &str) -> Reply {
    let topic = load_topic(store, id).await?;
    if !topic.active && !allows(actor, Action::ViewAllTopics, Resource::None) {
        return Err(not_found("topic"));
    }
    json(StatusCode::OK, &topic)
}

/// Field errors for group ids that name no group; `field` names the member (`groups[0]`, …).
pub(crate) async fn unknown_groups<D: Directory>(directory: &D, groups: &[(String, &str)]) -> Result<Vec<FieldError>, ApiError> {
    let mut errors = Vec::new();
    for (field, id) in groups {
        if directory.get_group(id).await.map_err(store_error)?.is_none() {
            errors.push(FieldError::new(field.clone(), FieldErrorCode::NotFound, format!("there is no group '{id}'")));
        }
    }
    Ok(errors)
}

/// A topic checked against its input rules and against the groups that exist.
async fn checked_topic<S: TicketStore + Directory>(store: &S, input: TopicInput, id: &str, version: u64) -> Result<Topic, ApiError> {
    let default_group = input.default_group.clone();
    let checked = input.into_topic(id, version);
    let mut errors = checked.as_ref().err().cloned().unwrap_or_default();
    if helpdesk_core::topic::is_slug(&default_group) {
        errors.extend(unknown_groups(store, &[("default_group".to_string(), default_group.as_str())]).await?);
    }
    match checked {
        Ok(topic) if errors.is_empty() => Ok(topic),
        _ => Err(ApiError::validation(errors)),
    }
}

pub async fn list_topics<S: TicketStore>(store: &S, actor: &Actor, req: &Request) -> Reply {
    let mut include_archived = false;
    for (name, value) in query_pairs(req) {
        match (name.as_str(), value.as_str()) {
            ("all", "true") => include_archived = true,
            ("all", "false") => include_archived = false,
            _ => return Err(ApiError::new(ErrorCode::InvalidQuery, format!("query parameter '{name}': unknown or not true/false"))),
        }
    }
    if include_archived {
        require(allows(actor, Action::ViewAllTopics, Resource::None), "see archived topics")?;
    }
    let mut items = store.list_topics().await.map_err(store_error)?;
    items.retain(|t| include_archived || t.active);
    json(StatusCode::OK, &TopicList { items })
}

pub async fn create_topic<S: TicketStore + Directory>(store: &S, actor: &Actor, body: &[u8]) -> Reply {
    require(allows(actor, Action::ManageTopics, Resource::None), "manage topics")?;
    let mut input: TopicInput = parse_body(body)?;
    let id = id_to_create(input.id.take())?;
    let topic = checked_topic(store, input, &id, 1).await?;
    written(store.put_topic(&topic).await, &topic, &id, true)
}

pub async fn replace_topic<S: TicketStore + Directory>(store: &S, actor: &Actor, id: &str, body: &[u8]) -> Reply {
    require(allows(actor, Action::ManageTopics, Resource::None), "manage topics")?;
    let mut input: TopicInput = parse_body(body)?;
    let seen = version_to_replace(id, input.id.take(), input.version)?;
    check_current(load_topic(store, id).await?.version, seen)?;
    let topic = checked_topic(store, input, id, seen + 1).await?;
    written(store.put_topic(&topic).await, &topic, id, false)
}

/// Topics are archived, not erased: their tickets keep pointing at them.
pub async fn archive_topic<S: TicketStore>(store: &S, actor: &Actor, id: &str) -> Reply {
    require(allows(actor, Action::ManageTopics, Resource::None), "manage topics")?;
    let mut topic = load_topic(store, id).await?;
    if topic.active {
        topic.active = false;
        topic.version += 1;
        store.put_topic(&topic).await.map_err(store_error)?;
    }
    json(StatusCode::OK, &topic)
}

pub async fn list_calendars<S: TicketStore>(store: &S, sla: &SlaCache, actor: &Actor) -> Reply {
    require(allows(actor, Action::ViewSla, Resource::None), "see SLA calendars")?;
    json(StatusCode::OK, &Items { items: sla.get(store).await.map_err(store_error)?.calendars.clone() })
}

/// The calendar as stored now (a consistent read: a replace checks the version against it).
async fn load_calendar<S: TicketStore>(store: &S, id: &str) -> Result<Calendar, ApiError> {
    let config = store.sla_config().await.map_err(store_error)?;
    config.calendars.into_iter().find(|c| c.id == id).ok_or_else(|| not_found("calendar"))
}

pub async fn get_calendar<S: TicketStore>(store: &S, sla: &SlaCache, actor: &Actor, id: &str) -> Reply {
    require(allows(actor, Action::ViewSla, Resource::None), "see SLA calendars")?;
    let config = sla.get(store).await.map_err(store_error)?;
    json(StatusCode::OK, config.calendars.iter().find(|c| c.id == id).ok_or_else(|| not_found("calendar"))?)
}

pub async fn create_calendar<S: TicketStore>(store: &S, sla: &SlaCache, actor: &Actor, body: &[u8]) -> Reply {
    require(allows(actor, Action::ManageSla, Resource::None), "manage SLA calendars")?;
    let mut input: CalendarInput = parse_body(body)?;
    let id = id_to_create(input.id.take())?;
    let calendar = input.into_calendar(&id, 1).map_err(ApiError::validation)?;
    let result = store.put_calendar(&calendar).await;
    sla.clear();
    written(result, &calendar, &id, true)
}

pub async fn replace_calendar<S: TicketStore>(store: &S, sla: &SlaCache, actor: &Actor, id: &str, body: &[u8]) -> Reply {
    require(allows(actor, Action::ManageSla, Resource::None), "manage SLA calendars")?;
    let mut input: CalendarInput = parse_body(body)?;
    let seen = version_to_replace(id, input.id.take(), input.version)?;
    check_current(load_calendar(store, id).await?.version, seen)?;
    let calendar = input.into_calendar(id, seen + 1).map_err(ApiError::validation)?;
    let result = store.put_calendar(&calendar).await;
    sla.clear();
    written(result, &calendar, id, false)
}

pub async fn list_plans<S: TicketStore>(store: &S, sla: &SlaCache, actor: &Actor) -> Reply {
    require(allows(actor, Action::ViewSla, Resource::None), "see SLA plans")?;
    let mut plans = sla.get(store).await.map_err(store_error)?.plans.clone();
    plans.sort_by(|a, b| (a.precedence, &a.id).cmp(&(b.precedence, &b.id)));
    json(StatusCode::OK, &Items { items: plans })
}

pub async fn get_plan<S: TicketStore>(store: &S, sla: &SlaCache, actor: &Actor, id: &str) -> Reply {
    require(allows(actor, Action::ViewSla, Resource::None), "see SLA plans")?;
    let config = sla.get(store).await.map_err(store_error)?;
    json(StatusCode::OK, config.plans.iter().find(|p| p.id == id).ok_or_else(|| not_found("plan"))?)
}

/// Checks a plan against the calendars that exist (a consistent read: writes see the truth).
async fn checked_plan<S: TicketStore>(
    store: &S,
    input: SlaPlanInput,
    id: &str,
    version: u64,
) -> Result<(SlaPlan, Option<SlaPlan>), ApiError> {
    let config = store.sla_config().await.map_err(store_error)?;
    let calendar_exists = config.calendars.iter().any(|c| c.id == input.calendar);
    let current = config.plans.into_iter().find(|p| p.id == id);
    Ok((input.into_plan(id, version, calendar_exists).map_err(ApiError::validation)?, current))
}

pub async fn create_plan<S: TicketStore>(store: &S, sla: &SlaCache, actor: &Actor, body: &[u8]) -> Reply {
    require(allows(actor, Action::ManageSla, Resource::None), "manage SLA plans")?;
    let mut input: SlaPlanInput = parse_body(body)?;
    let id = id_to_create(input.id.take())?;
    let (plan, _) = checked_plan(store, input, &id, 1).await?;
    let result = store.put_sla_plan(&plan).await;
    sla.clear();
    written(result, &plan, &id, true)
}

/// Replacing a plan changes the clocks of open tickets: each is recomputed from its log at its next
/// write, and the scan re-reads those whose stored action time has come.
pub async fn replace_plan<S: TicketStore>(store: &S, sla: &SlaCache, actor: &Actor, id: &str, body: &[u8]) -> Reply {
    require(allows(actor, Action::ManageSla, Resource::None), "manage SLA plans")?;
    let mut input: SlaPlanInput = parse_body(body)?;
    let seen = version_to_replace(id, input.id.take(), input.version)?;
    let (plan, current) = checked_plan(store, input, id, seen + 1).await?;
    check_current(current.ok_or_else(|| not_found("plan"))?.version, seen)?;
    let result = store.put_sla_plan(&plan).await;
    sla.clear();
    written(result, &plan, id, false)
}

/// Every account with its profile: admins only, paged and searchable.
pub async fn list_users<D: Directory>(directory: &D, actor: &Actor, req: &Request) -> Reply {
    require(allows(actor, Action::ManageDirectory, Resource::None), "see user accounts")?;
    let pairs = query_pairs(req);
    let query = PeopleQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    if !query.ids.is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidQuery, "query parameter 'id': look names up in /api/directory"));
    }
    let page = directory.list_people(&query).await.map_err(store_error)?;
    json(StatusCode::OK, &Paged { items: page.items.into_iter().map(UserView::from).collect(), next_cursor: page.next_cursor })
}

/// A user: admins see anyone, everybody sees themselves.
pub async fn get_user<D: Directory>(directory: &D, actor: &Actor, id: &str) -> Reply {
    require(actor.id == id || allows(actor, Action::ManageDirectory, Resource::None), "see this user")?;
    let stored = directory.get_user(id).await.map_err(store_error)?.ok_or_else(|| not_found("user"))?;
    json(StatusCode::OK, &UserView::from(stored.user))
}

/// A user's groups must exist.
async fn check_user_groups<D: Directory>(directory: &D, user: &User) -> Result<(), ApiError> {
    let groups: Vec<(String, &str)> = user.groups.iter().enumerate().map(|(i, g)| (format!("groups[{i}]"), g.as_str())).collect();
    let errors = unknown_groups(directory, &groups).await?;
    if errors.is_empty() { Ok(()) } else { Err(ApiError::validation(errors)) }
}

fn hashed(password: Option<String>) -> Result<Option<String>, ApiError> {
    password.map(|p| hash_password(&p)).transpose().map_err(|e| ApiError::new(ErrorCode::Internal, e))
}

pub async fn create_user<D: Directory>(directory: &D, actor: &Actor, body: &[u8]) -> Reply {
    require(allows(actor, Action::ManageDirectory, Resource::None), "manage users")?;
    let mut input: UserInput = parse_body(body)?;
    let id = id_to_create(input.id.take())?;
    let (user, password) = input.into_user(&id, None).map_err(ApiError::validation)?;
    check_user_groups(directory, &user).await?;
    let hash = hashed(password)?;
    written(directory.put_user(&user, hash.as_deref()).await, &UserView::from(user), &id, true)
}

pub async fn replace_user<D: Directory>(directory: &D, actor: &Actor, id: &str, body: &[u8]) -> Reply {
    require(allows(actor, Action::ManageDirectory, Resource::None), "manage users")?;
    let mut input: UserInput = parse_body(body)?;
    let seen = version_to_replace(id, input.id.take(), input.version)?;
    let StoredUser { user: current, password_hash: current_hash } =
        directory.get_user(id).await.map_err(store_error)?.ok_or_else(|| not_found("user"))?;
    check_current(current.version, seen)?;
    if current.source == AccountSource::Ldap && input.password.is_some() {
        return Err(ApiError::validation(vec![FieldError::new(
            "password",
            FieldErrorCode::Invalid,
            "the directory holds this user's password",
        )]));
    }
    let (user, password) = input.into_user(id, Some(&current)).map_err(ApiError::validation)?;
    check_user_groups(directory, &user).await?;
    let hash = hashed(password)?.or(current_hash);
    written(directory.put_user(&user, hash.as_deref()).await, &UserView::from(user), id, false)
}

pub async fn list_groups<D: Directory>(directory: &D, actor: &Actor) -> Reply {
    require(allows(actor, Action::ViewDirectory, Resource::None), "see groups")?;
    let mut groups = directory.list_groups().await.map_err(store_error)?;
    groups.sort_by(|a, b| a.id.cmp(&b.id));
    json(StatusCode::OK, &Items { items: groups })
}

pub async fn get_group<D: Directory>(directory: &D, actor: &Actor, id: &str) -> Reply {
    require(allows(actor, Action::ViewDirectory, Resource::None), "see groups")?;
    json(StatusCode::OK, &directory.get_group(id).await.map_err(store_error)?.ok_or_else(|| not_found("group"))?)
}

pub async fn create_group<D: Directory>(directory: &D, actor: &Actor, body: &[u8]) -> Reply {
    require(allows(actor, Action::ManageDirectory, Resource::None), "manage groups")?;
    let mut input: GroupInput = parse_body(body)?;
    let id = id_to_create(input.id.take())?;
    let group = input.into_group(&id, 1).map_err(ApiError::validation)?;
    written(directory.put_group(&group).await, &group, &id, true)
}

pub async fn replace_group<D: Directory>(directory: &D, actor: &Actor, id: &str, body: &[u8]) -> Reply {
    require(allows(actor, Action::ManageDirectory, Resource::None), "manage groups")?;
    let mut input: GroupInput = parse_body(body)?;
    let seen = version_to_replace(id, input.id.take(), input.version)?;
    let current = directory.get_group(id).await.map_err(store_error)?.ok_or_else(|| not_found("group"))?;
    check_current(current.version, seen)?;
    let group = input.into_group(id, seen + 1).map_err(ApiError::validation)?;
    written(directory.put_group(&group).await, &group, id, false)
}
