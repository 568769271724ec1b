//! The OpenAPI document, generated from the route table and the API's own types (their
//! constraints included), so it cannot drift from what the server takes. Tooling only (feature
//! `openapi`): the function serves the committed `openapi.json`, and a test holds that file to
//! what this module generates (`UPDATE_OPENAPI=1 cargo test -p helpdesk-tests --test openapi`
//! rewrites it).

use crate::auth::LoginRequest;
use crate::routes::{ROUTES, Route, RouteDef};
use helpdesk_core::api::{
    ApiTokenSummary, CreateTicketRequest, IssuedApiToken, Items, Me, MessageRequest, MyPreferences, NewApiToken, Paged, PersonSummary,
    TicketPage, TicketView, UpdateTicketRequest, UserView,
};
use helpdesk_core::attachment::{DownloadLink, Upload, UploadGrant, UploadRequest};
use helpdesk_core::calendar::{Calendar, CalendarInput};
use helpdesk_core::knowledge::{ArticleInput, ArticleSummary, ArticleView, DeflectionInput, RestoreInput, RevisionSummary};
use helpdesk_core::limits::{MAX_PAGE_SIZE, MAX_REQUEST_BYTES};
use helpdesk_core::mail::RejectedMail;
use helpdesk_core::notify::contacts::{NewDevice, NewPushSubscription, TelegramLinkOffer};
use helpdesk_core::notify::{ContactSummary, Delivery, NotificationSettings, Preferences};
use helpdesk_core::presence::{PresenceReport, TicketPulse};
use helpdesk_core::search::SearchResults;
use helpdesk_core::sla::{SlaPlan, SlaPlanInput};
use helpdesk_core::templates::{ReplyTemplate, ReplyTemplateInput};
use helpdesk_core::topic::TopicInput;
use helpdesk_core::user::{Group, GroupInput, UserInput};
use helpdesk_core::{ApiError, ErrorCode, Priority, Status, TicketNumber, Topic};
use std::collections::BTreeMap;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder, Ref, RefOr, Required, ResponseBuilder,
    ServerBuilder,
};
use utoipa::{PartialSchema, ToSchema};

/// Id patterns of the records a path names (the validators in the domain crate decide the same).
const SLUG: &str = "^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$";
const USER_ID: &str = "^(?!none$)[a-z0-9._-]{1,64}$";
const ULID: &str = "^[0-9A-HJKMNP-TV-Z]{26}$";
const TICKET_REFERENCE: &str = "^(HD-[0-9]{1,19}|[0-9A-HJKMNP-TV-Z]{26})$";
const CONTACT_ID: &str = "^(telegram|[wm][0-9a-f]{16})$";
const MAX_QUERY_VALUE: usize = helpdesk_core::api::MAX_CURSOR_CHARS;

/// What one route takes and answers.
struct Operation {
    id: &'static str,
    summary: &'static str,
    body: Option<RefOr<Schema>>,
    ok: (u16, RefOr<Schema>),
    query: Vec<Query>,
}

#[derive(Clone, Copy)]
enum Query {
    Status,
    State,
    Sort,
    Groups,
    Priority,
    Topic,
    Assignee,
    Group,
    Cursor,
    Limit,
    Search,
    Staff,
    All,
    Ids,
    Lang,
    Category,
    Words,
    Scope,
    Statuses,
    From,
    To,
    Hits,
    Version,
    ReportFrom,
    ReportTo,
    Format,
    ReportSort,
    ReportLimit,
}

fn of<T: ToSchema>() -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(T::name()))
}

fn inline<T: PartialSchema>() -> RefOr<Schema> {
    T::schema()
}

fn object(properties: &[(&str, RefOr<Schema>)]) -> RefOr<Schema> {
    let mut builder = ObjectBuilder::new().schema_type(Type::Object);
    for (name, schema) in properties {
        builder = builder.property(*name, schema.clone()).required(*name);
    }
    builder.into()
}

fn string() -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::String).into()
}

fn enumeration(values: &[&str]) -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values.iter().copied())).into()
}

fn boolean() -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::Boolean).into()
}

fn group_chat() -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::Object).property("chat", of::<ContactSummary>()).into()
}

const QUEUE_FILTERS: [Query; 9] =
    [Query::Status, Query::State, Query::Priority, Query::Topic, Query::Assignee, Query::Groups, Query::Sort, Query::Cursor, Query::Limit];
const MY_TICKET_FILTERS: [Query; 8] =
    [Query::Status, Query::State, Query::Priority, Query::Topic, Query::Assignee, Query::Group, Query::Cursor, Query::Limit];
const PEOPLE_FILTERS: [Query; 5] = [Query::Search, Query::Staff, Query::Group, Query::Cursor, Query::Limit];
const DIRECTORY_FILTERS: [Query; 6] = [Query::Search, Query::Staff, Query::Group, Query::Ids, Query::Cursor, Query::Limit];

/// Every route, described: an exhaustive match, so a new route cannot go undocumented.
fn operation(route: Route) -> Operation {
    let op = |id, summary, body: Option<RefOr<Schema>>, status, ok: RefOr<Schema>| Operation {
        id,
        summary,
        body,
        ok: (status, ok),
        query: vec![],
    };
    match route {
        Route::Health => op("health", "Liveness", None, 200, object(&[("status", string())])),
        Route::OpenApi => op("openapi", "This document", None, 200, ObjectBuilder::new().schema_type(Type::Object).into()),
        Route::Login => op(
            "login",
            "Sign in (local password or the directory); sets the hd_session (HttpOnly), hd_csrf and hd_device cookies",
            Some(of::<LoginRequest>()),
            200,
            of::<Me>(),
        ),
        Route::Logout => {
            op("logout", "Sign out: ends every session of the user and clears the cookies", None, 200, object(&[("signed_out", boolean())]))
        }
        Route::Me => op("me", "The signed-in caller", None, 200, of::<Me>()),
        Route::UpdateMe => {
            op("updateMe", "Change one's own preferences (the UI and notification language)", Some(of::<MyPreferences>()), 200, of::<Me>())
        }
        Route::People => Operation {
            query: DIRECTORY_FILTERS.to_vec(),
            ..op(
                "listPeople",
                "People to pick from (staff): names and roles, active accounts only, paged; or exactly the people `id` names",
                None,
                200,
                inline::<Paged<PersonSummary>>(),
            )
        },
        Route::ListUsers => Operation {
            query: [PEOPLE_FILTERS.as_slice(), &[Query::All]].concat(),
            ..op("listUsers", "User accounts with their profiles (admin), paged", None, 200, inline::<Paged<UserView>>())
        },
        Route::CreateUser => op("createUser", "Create a user (admin)", Some(of::<UserInput>()), 201, of::<UserView>()),
        Route::GetUser => op("getUser", "A user (admins; anyone for themselves)", None, 200, of::<UserView>()),
        Route::ReplaceUser => op(
            "replaceUser",
            "Replace a user (admin); a new password or disabling ends their sessions",
            Some(of::<UserInput>()),
            200,
            of::<UserView>(),
        ),
        Route::ListGroups => op("listGroups", "Groups (queues) (staff)", None, 200, inline::<Items<Group>>()),
        Route::CreateGroup => op("createGroup", "Create a group (admin)", Some(of::<GroupInput>()), 201, of::<Group>()),
        Route::GetGroup => op("getGroup", "A group (staff)", None, 200, of::<Group>()),
        Route::ReplaceGroup => op("replaceGroup", "Replace a group (admin)", Some(of::<GroupInput>()), 200, of::<Group>()),
        Route::ListTopics => Operation {
            query: vec![Query::All],
            ..op("listTopics", "Topics offered for new tickets (admins: all=true adds archived ones)", None, 200, inline::<Items<Topic>>())
        },
        Route::CreateTopic => op("createTopic", "Create a topic (admin)", Some(of::<TopicInput>()), 201, of::<Topic>()),
        Route::GetTopic => op("getTopic", "A topic with its form (archived ones: admins only)", None, 200, of::<Topic>()),
        Route::ReplaceTopic => {
            op("replaceTopic", "Replace a topic (admin); `version` is the version replaced", Some(of::<TopicInput>()), 200, of::<Topic>())
        }
        Route::ArchiveTopic => {
            op("archiveTopic", "Archive a topic (admin): its tickets stay, new tickets cannot use it", None, 200, of::<Topic>())
        }
        Route::ListCalendars => op("listCalendars", "SLA calendars (staff)", None, 200, inline::<Items<Calendar>>()),
        Route::CreateCalendar => op("createCalendar", "Create a calendar (admin)", Some(of::<CalendarInput>()), 201, of::<Calendar>()),
        Route::GetCalendar => op("getCalendar", "A calendar (staff)", None, 200, of::<Calendar>()),
        Route::ReplaceCalendar => op(
            "replaceCalendar",
            "Replace a calendar (admin); `version` is the version replaced",
            Some(of::<CalendarInput>()),
            200,
            of::<Calendar>(),
        ),
        Route::ListPlans => op("listPlans", "SLA plans in order of precedence (staff)", None, 200, inline::<Items<SlaPlan>>()),
        Route::CreatePlan => op("createPlan", "Create a plan (admin)", Some(of::<SlaPlanInput>()), 201, of::<SlaPlan>()),
        Route::GetPlan => op("getPlan", "A plan (staff)", None, 200, of::<SlaPlan>()),
        Route::ReplacePlan => op(
            "replacePlan",
            "Replace a plan (admin); open tickets' clocks follow from their logs",
            Some(of::<SlaPlanInput>()),
            200,
            of::<SlaPlan>(),
        ),
        Route::CreateTicket => op(
            "createTicket",
            "File a ticket (requesters for themselves; staff also for a caller); Location names it",
            Some(of::<CreateTicketRequest>()),
            201,
            of::<TicketView>(),
        ),
        Route::ListQueue => Operation {
            query: QUEUE_FILTERS.to_vec(),
            ..op(
                "listQueue",
                "The queues: agents filter by their groups or assignee=<themselves>; admins see all. Ordered across the whole queue (`sort`), open tickets before done ones; every page carries the total",
                None,
                200,
                of::<TicketPage>(),
            )
        },
        Route::ListMine => Operation {
            query: MY_TICKET_FILTERS.to_vec(),
            ..op("listMine", "The caller's own tickets, newest first", None, 200, of::<TicketPage>())
        },
        Route::GetTicket => op("getTicket", "A ticket with the events the caller may see", None, 200, of::<TicketView>()),
        Route::UpdateTicket => op(
            "updateTicket",
            "Change status, assignee, group, priority or field values; send only what changes",
            Some(of::<UpdateTicketRequest>()),
            200,
            of::<TicketView>(),
        ),
        Route::Reply => op("reply", "A public reply; may move the status", Some(of::<MessageRequest>()), 200, of::<TicketView>()),
        Route::AddNote => {
            op("addNote", "An internal note (staff only; never shown to requesters)", Some(of::<MessageRequest>()), 200, of::<TicketView>())
        }
        Route::CreateUpload => op(
            "createUpload",
            "A presigned PUT for one file: send exactly `size` bytes with the headers given, then attach the upload's id once it is ready",
            Some(of::<UploadRequest>()),
            201,
            of::<UploadGrant>(),
        ),
        Route::GetUpload => {
            op("getUpload", "How the caller's upload fared: pending, ready, or rejected and why", None, 200, of::<Upload>())
        }
        Route::GetAttachment => op(
            "getAttachment",
            "A short-lived link to an attached file, for whoever may read the message that carries it",
            None,
            200,
            of::<DownloadLink>(),
        ),
        Route::MyNotifications => op(
            "myNotifications",
            "The caller's notification preferences and what they can choose from",
            None,
            200,
            of::<NotificationSettings>(),
        ),
        Route::SaveMyNotifications => op(
            "saveMyNotifications",
            "Save the caller's notification preferences over the version read (0: the defaults)",
            Some(of::<Preferences>()),
            200,
            of::<NotificationSettings>(),
        ),
        Route::TicketPresence => op(
            "ticketPresence",
            "An open ticket page reports itself (every 10 s) and hears the ticket's version and the other staff on it now",
            Some(of::<PresenceReport>()),
            200,
            of::<TicketPulse>(),
        ),
        Route::TicketNotifications => op(
            "ticketNotifications",
            "Every notification decision on the ticket: sent, not sent and why, failed with the provider's answer (staff)",
            None,
            200,
            inline::<Items<Delivery>>(),
        ),
        Route::IssueToken => op(
            "issueToken",
            "Sign in for an API token (native apps): send it as Authorization: Bearer <token>; shown this once",
            Some(of::<NewApiToken>()),
            201,
            of::<IssuedApiToken>(),
        ),
        Route::ListTokens => {
            op("listTokens", "The caller's API tokens (browser session only)", None, 200, inline::<Items<ApiTokenSummary>>())
        }
        Route::RevokeToken => {
            op("revokeToken", "Revoke one of the caller's API tokens (browser session only)", None, 200, object(&[("revoked", boolean())]))
        }
        Route::LinkMyTelegram => op(
            "linkMyTelegram",
            "A one-time Telegram deep link (15 minutes) that ties the chat opening it to the caller",
            None,
            201,
            of::<TelegramLinkOffer>(),
        ),
        Route::AddPushSubscription => op(
            "addPushSubscription",
            "Subscribe this browser to web push: the PushSubscription's JSON and a device name",
            Some(of::<NewPushSubscription>()),
            201,
            of::<NotificationSettings>(),
        ),
        Route::RegisterDevice => op(
            "registerDevice",
            "Register a phone's push token (FCM or APNs); the same token again updates it",
            Some(of::<NewDevice>()),
            201,
            of::<NotificationSettings>(),
        ),
        Route::RemoveContact => {
            op("removeContact", "Remove a Telegram chat, browser or phone of the caller's", None, 200, of::<NotificationSettings>())
        }
        Route::GroupTelegram => {
            op("groupTelegram", "The group's linked Telegram chat (admins, the group's agents)", None, 200, group_chat())
        }
        Route::LinkGroupTelegram => op(
            "linkGroupTelegram",
            "A one-time link that ties a Telegram group chat to the agent group (admins, the group's agents)",
            None,
            201,
            of::<TelegramLinkOffer>(),
        ),
        Route::UnlinkGroupTelegram => op("unlinkGroupTelegram", "Unlink the group's Telegram chat", None, 200, group_chat()),
        Route::ListRejectedMail => Operation {
            query: vec![Query::Cursor],
            ..op(
                "listRejectedMail",
                "Mail the intake could not take, newest first, with the reason (admins)",
                None,
                200,
                inline::<Paged<RejectedMail>>(),
            )
        },
        Route::RetryRejectedMail => op(
            "retryRejectedMail",
            "Hand a rejected message to the intake again (admins); it is taken within seconds",
            None,
            202,
            of::<RejectedMail>(),
        ),
        Route::ListArticles => Operation {
            query: vec![Query::Lang, Query::Category, Query::Cursor, Query::Limit],
            ..op(
                "listArticles",
                "Knowledge-base articles the caller may read (requesters: published public ones; editors: drafts too), in id order",
                None,
                200,
                inline::<Paged<ArticleSummary>>(),
            )
        },
        Route::CreateArticle => Operation {
            query: vec![Query::Lang],
            ..op("createArticle", "Write an article (editors)", Some(of::<ArticleInput>()), 201, of::<ArticleView>())
        },
        Route::GetArticle => Operation {
            query: vec![Query::Lang],
            ..op(
                "getArticle",
                "An article in the reader's language (else English, else any: `lang` says which), rendered and sanitised",
                None,
                200,
                of::<ArticleView>(),
            )
        },
        Route::ReplaceArticle => Operation {
            query: vec![Query::Lang],
            ..op(
                "replaceArticle",
                "Save a new version of an article (editors; send the version edited)",
                Some(of::<ArticleInput>()),
                200,
                of::<ArticleView>(),
            )
        },
        Route::ArticleRevisions => op(
            "articleRevisions",
            "Every saved version of an article, newest first (editors)",
            None,
            200,
            inline::<Items<RevisionSummary>>(),
        ),
        Route::RestoreArticle => Operation {
            query: vec![Query::Lang],
            ..op(
                "restoreArticle",
                "Bring back an earlier version as the next one (editors)",
                Some(of::<RestoreInput>()),
                200,
                of::<ArticleView>(),
            )
        },
        Route::DeflectByArticle => op(
            "deflectByArticle",
            "\"This solved it\": count that the article answered a question before a ticket was filed",
            Some(of::<DeflectionInput>()),
            204,
            object(&[]),
        ),
        Route::ArticleImage => op(
            "articleImage",
            "One of an article's images (screenshots), for whoever may read the article: a redirect to its bytes",
            None,
            302,
            object(&[]),
        ),
        Route::DraftArticleFromTicket => Operation {
            query: vec![Query::Lang],
            ..op(
                "draftArticleFromTicket",
                "An internal draft article from a ticket: its subject and its last public answer by staff (editors)",
                None,
                201,
                of::<ArticleView>(),
            )
        },
        Route::ListReplyTemplates => {
            op("listReplyTemplates", "Reply templates, by name (staff)", None, 200, inline::<Items<ReplyTemplate>>())
        }
        Route::CreateReplyTemplate => op(
            "createReplyTemplate",
            "Write a reply template (knowledge editors, admins); bodies may name {requester}, {number}, {subject}, {agent}",
            Some(of::<ReplyTemplateInput>()),
            201,
            of::<ReplyTemplate>(),
        ),
        Route::ReplaceReplyTemplate => op(
            "replaceReplyTemplate",
            "Replace a reply template (send the version replaced)",
            Some(of::<ReplyTemplateInput>()),
            200,
            of::<ReplyTemplate>(),
        ),
        Route::RemoveReplyTemplate => Operation {
            query: vec![Query::Version],
            ..op("removeReplyTemplate", "Remove a reply template at the version seen", None, 200, object(&[("removed", string())]))
        },
        Route::Report => Operation {
            query: vec![
                Query::ReportFrom,
                Query::ReportTo,
                Query::Group,
                Query::Topic,
                Query::ReportSort,
                Query::ReportLimit,
                Query::Format,
            ],
            ..op(
                "report",
                "One report (admins, managers within their groups): per agent, group, topic, priority, channel, requester, asset or plan (the path's id), over a date range",
                None,
                200,
                of::<helpdesk_core::reports::Report>(),
            )
        },
        Route::Backlog => Operation {
            query: vec![Query::ReportFrom, Query::ReportTo, Query::Group, Query::Topic, Query::Format],
            ..op(
                "backlog",
                "The backlog (admins, managers within their groups): per day opened, resolved, reopened and open at the day's end; the open tickets by age",
                None,
                200,
                of::<helpdesk_core::reports::Backlog>(),
            )
        },
        Route::Rate => op(
            "rate",
            "Rate a resolution through the satisfaction link of its notification (no sign-in: the link's token is the right to rate it, once)",
            Some(of::<helpdesk_core::rating::RatingRequest>()),
            201,
            of::<helpdesk_core::rating::RatingReceipt>(),
        ),
        Route::TelegramWebhook => op(
            "telegramWebhook",
            "Telegram's updates (setWebhook with secret_token); answers the bot's reply as a Bot API method call",
            Some(object(&[("update_id", inline::<i64>())])),
            200,
            ObjectBuilder::new().schema_type(Type::Object).into(),
        ),
    }
}

fn query_parameter(query: Query) -> utoipa::openapi::path::Parameter {
    let bounded = |min: usize, max: usize| -> RefOr<Schema> {
        ObjectBuilder::new().schema_type(Type::String).min_length(Some(min)).max_length(Some(max)).into()
    };
    let date = || -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Date)))
            .into()
    };
    let (name, description, schema): (&str, &str, RefOr<Schema>) = match query {
        Query::Status => ("status", "Only tickets in this status", inline::<Status>()),
        Query::State => (
            "state",
            "`open` (new, reopened, open, waiting) or `done` (resolved, closed); both when absent",
            enumeration(&["open", "done"]),
        ),
        Query::Sort => (
            "sort",
            "`due` (default): overdue first, then the soonest due, then those without an SLA, oldest first; `priority`: urgent first, then due",
            enumeration(&["due", "priority"]),
        ),
        Query::Groups => ("group", "Tickets of this group; repeat for several (any of them)", bounded(1, MAX_QUERY_VALUE)),
        Query::Priority => ("priority", "Only tickets of this priority", inline::<Priority>()),
        Query::Topic => ("topic", "Only tickets of this topic", bounded(1, MAX_QUERY_VALUE)),
        Query::Assignee => ("assignee", "Tickets of this agent, or `none` for unassigned ones", bounded(1, MAX_QUERY_VALUE)),
        Query::Group => ("group", "Tickets or people of this group", bounded(1, MAX_QUERY_VALUE)),
        Query::Cursor => ("cursor", "next_cursor of the previous page, unchanged", bounded(1, MAX_QUERY_VALUE)),
        Query::Limit => (
            "limit",
            "Page size",
            ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)).maximum(Some(MAX_PAGE_SIZE as u32)).into(),
        ),
        Query::Search => ("q", "Part of the id or name, any case", bounded(1, helpdesk_core::api::MAX_SEARCH_CHARS)),
        Query::Staff => ("staff", "Agents and admins only", boolean()),
        Query::All => ("all", "Archived or disabled ones too (admins)", boolean()),
        Query::Ids => (
            "id",
            "Exactly these people, by id (repeat, at most 50), active or not: the names a page shows; no other filter with it",
            bounded(1, MAX_QUERY_VALUE),
        ),
        Query::Format => {
            ("format", "csv: the same report as a CSV file (UTF-8 with a byte-order mark); absent: JSON", enumeration(&["csv"]))
        }
        Query::ReportSort => ("sort", "Which lines first", inline::<helpdesk_core::reports::ReportSort>()),
        Query::ReportLimit => (
            "limit",
            "Only the first lines (a top N)",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1))
                .maximum(Some(helpdesk_core::reports::MAX_REPORT_LIMIT as f64))
                .into(),
        ),
        Query::ReportFrom => ("from", "The report's first day (in the report time zone), YYYY-MM-DD; required", date()),
        Query::ReportTo => ("to", "The report's last day, included; at most 400 days after from; required", date()),
        Query::Lang => ("lang", "The reader's language: en (default) or ru", enumeration(&["en", "ru"])),
        Query::Category => ("category", "Only articles of this category", bounded(1, MAX_QUERY_VALUE)),
        Query::Words => (
            "q",
            "The words, as typed (never query syntax); a ticket number finds its ticket",
            bounded(0, helpdesk_core::search::MAX_QUERY_CHARS),
        ),
        Query::Scope => ("scope", "What to look through", inline::<helpdesk_core::search::Scope>()),
        Query::Statuses => ("status", "Only tickets in this status; repeat for several", inline::<Status>()),
        Query::From => ("from", "Tickets created on or after this day (UTC), YYYY-MM-DD", date()),
        Query::To => ("to", "Tickets created on or before this day (UTC), YYYY-MM-DD", date()),
        Query::Version => (
            "version",
            "The version seen (it must still be current)",
            ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)).into(),
        ),
        Query::Hits => (
            "limit",
            "Hits at most",
            ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)).maximum(Some(helpdesk_core::search::MAX_HITS as u32)).into(),
        ),
    };
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

fn path_parameters(path: &str) -> Vec<utoipa::openapi::path::Parameter> {
    let pattern = match path {
        p if !p.contains("{id}") => return Vec::new(),
        p if p.starts_with("/api/tickets/") => TICKET_REFERENCE,
        p if p.starts_with("/api/users/") => USER_ID,
        p if p.starts_with("/api/reply-templates/") => SLUG,
        p if p.starts_with("/api/uploads/") || p.starts_with("/api/attachments/") || p.starts_with("/api/auth/me/tokens/") => ULID,
        p if p.starts_with("/api/mail/") || p.starts_with("/api/kb/") => ULID,
        p if p.starts_with("/api/auth/me/contacts/") => CONTACT_ID,
        _ => SLUG,
    };
    let description = if pattern == TICKET_REFERENCE { "A ticket number (HD-1042) or id" } else { "The record's id" };
    let parameter = |name: &str, pattern: &str, description: &str| {
        let schema =
            ObjectBuilder::new().schema_type(Type::String).pattern(Some(pattern)).max_length(Some(helpdesk_core::limits::MAX_ID_CHARS));
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Path)
            .required(Required::True)
            .description(Some(description))
            .schema(Some(schema))
            .build()
    };
    let mut parameters = vec![parameter("id", pattern, description)];
    if path.contains("{item}") {
        parameters.push(parameter("item", ULID, "The id of the record under it (an article's image: its upload id)"));
    }
    parameters
}

/// The error codes a route can answer, from what it takes: its body, query, path id, method and
/// whether it needs a session.
fn error_codes(def: &RouteDef, operation: &Operation) -> Vec<ErrorCode> {
    use ErrorCode::*;
    let open = is_open(def.route);
    let writes = def.method != "GET";
    let mut codes = vec![Internal, ServiceBusy, MethodNotAllowed];
    if operation.body.is_some() {
        codes.extend([MalformedJson, InvalidBody, UnknownField, PayloadTooLarge, UnsupportedMediaType, ValidationFailed]);
    }
    if !operation.query.is_empty() {
        codes.push(InvalidQuery);
    }
    if operation.query.iter().any(|q| matches!(q, Query::Cursor)) {
        codes.push(InvalidCursor);
    }
    if def.path.contains("{id}") {
        codes.push(NotFound);
    }
    if !open {
        codes.extend([Unauthenticated, Forbidden]);
        if writes {
            codes.push(CsrfMismatch);
        }
    }
    match def.route {
        Route::Login | Route::IssueToken => codes.extend([InvalidCredentials, TooManyAttempts, DirectoryUnavailable]),
        Route::ListTokens | Route::RevokeToken => codes.push(SessionRequired),
        Route::LinkMyTelegram | Route::LinkGroupTelegram | Route::AddPushSubscription | Route::RegisterDevice => {
            codes.push(ChannelNotConfigured)
        }
        Route::TelegramWebhook => codes.push(Forbidden),
        Route::Rate => codes.extend([RatingLinkInvalid, AlreadyRated]),
        Route::CreateTicket => codes.push(UnknownTopic),
        Route::UpdateTicket => codes.extend([UnknownTopic, IllegalTransition, VersionConflict]),
        Route::Reply => codes.extend([TicketClosed, VersionConflict]),
        Route::AddNote => codes.push(VersionConflict),
        Route::CreateUser | Route::CreateGroup | Route::CreateTopic | Route::CreateCalendar | Route::CreatePlan => {
            codes.push(AlreadyExists)
        }
        Route::ReplaceUser
        | Route::ReplaceGroup
        | Route::ReplaceTopic
        | Route::ReplaceCalendar
        | Route::ReplacePlan
        | Route::ReplaceArticle
        | Route::RestoreArticle
        | Route::ReplaceReplyTemplate
        | Route::RemoveReplyTemplate => codes.push(VersionConflict),
        Route::CreateReplyTemplate => codes.push(AlreadyExists),
        _ => {}
    }
    codes
}

/// The routes anybody may call (the webhook proves itself with Telegram's secret header, a
/// rating with its link's token).
fn is_open(route: Route) -> bool {
    matches!(route, Route::Health | Route::OpenApi | Route::Login | Route::IssueToken | Route::TelegramWebhook | Route::Rate)
}

fn code_name(code: ErrorCode) -> String {
    helpdesk_core::wire_name(&code)
}

fn method(def: &RouteDef) -> HttpMethod {
    match def.method {
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "PATCH" => HttpMethod::Patch,
        "DELETE" => HttpMethod::Delete,
        _ => HttpMethod::Get,
    }
}

/// A type's schema and every schema it refers to, by name.
fn with_dependencies<T: ToSchema>(all: &mut Vec<(String, RefOr<Schema>)>) {
    all.push((T::name().into_owned(), T::schema()));
    T::schemas(all);
}

/// Every named schema the operations refer to.
fn component_schemas() -> Vec<(String, RefOr<Schema>)> {
    let mut all = Vec::new();
    with_dependencies::<LoginRequest>(&mut all);
    with_dependencies::<Me>(&mut all);
    with_dependencies::<MyPreferences>(&mut all);
    with_dependencies::<UserView>(&mut all);
    with_dependencies::<UserInput>(&mut all);
    with_dependencies::<Group>(&mut all);
    with_dependencies::<GroupInput>(&mut all);
    with_dependencies::<Topic>(&mut all);
    with_dependencies::<TopicInput>(&mut all);
    with_dependencies::<Calendar>(&mut all);
    with_dependencies::<CalendarInput>(&mut all);
    with_dependencies::<SlaPlan>(&mut all);
    with_dependencies::<SlaPlanInput>(&mut all);
    with_dependencies::<CreateTicketRequest>(&mut all);
    with_dependencies::<UpdateTicketRequest>(&mut all);
    with_dependencies::<MessageRequest>(&mut all);
    with_dependencies::<helpdesk_core::rating::RatingRequest>(&mut all);
    with_dependencies::<helpdesk_core::rating::RatingReceipt>(&mut all);
    with_dependencies::<TicketView>(&mut all);
    with_dependencies::<UploadRequest>(&mut all);
    with_dependencies::<UploadGrant>(&mut all);
    with_dependencies::<Upload>(&mut all);
    with_dependencies::<DownloadLink>(&mut all);
    with_dependencies::<NotificationSettings>(&mut all);
    with_dependencies::<Preferences>(&mut all);
    with_dependencies::<Delivery>(&mut all);
    with_dependencies::<NewApiToken>(&mut all);
    with_dependencies::<IssuedApiToken>(&mut all);
    with_dependencies::<ApiTokenSummary>(&mut all);
    with_dependencies::<TelegramLinkOffer>(&mut all);
    with_dependencies::<NewPushSubscription>(&mut all);
    with_dependencies::<NewDevice>(&mut all);
    with_dependencies::<ContactSummary>(&mut all);
    with_dependencies::<TicketPage>(&mut all);
    with_dependencies::<PresenceReport>(&mut all);
    with_dependencies::<TicketPulse>(&mut all);
    with_dependencies::<TicketNumber>(&mut all);
    with_dependencies::<PersonSummary>(&mut all);
    with_dependencies::<ApiError>(&mut all);
    with_dependencies::<Status>(&mut all);
    with_dependencies::<Priority>(&mut all);
    Paged::<PersonSummary>::schemas(&mut all);
    Paged::<UserView>::schemas(&mut all);
    Paged::<RejectedMail>::schemas(&mut all);
    with_dependencies::<RejectedMail>(&mut all);
    Items::<Group>::schemas(&mut all);
    Items::<Topic>::schemas(&mut all);
    Items::<Calendar>::schemas(&mut all);
    Items::<SlaPlan>::schemas(&mut all);
    Items::<Delivery>::schemas(&mut all);
    Items::<ApiTokenSummary>::schemas(&mut all);
    with_dependencies::<ArticleInput>(&mut all);
    with_dependencies::<ArticleView>(&mut all);
    with_dependencies::<ArticleSummary>(&mut all);
    with_dependencies::<RevisionSummary>(&mut all);
    with_dependencies::<RestoreInput>(&mut all);
    with_dependencies::<DeflectionInput>(&mut all);
    with_dependencies::<SearchResults>(&mut all);
    with_dependencies::<ReplyTemplate>(&mut all);
    with_dependencies::<ReplyTemplateInput>(&mut all);
    with_dependencies::<helpdesk_core::reports::Report>(&mut all);
    with_dependencies::<helpdesk_core::reports::Backlog>(&mut all);
    Items::<ReplyTemplate>::schemas(&mut all);
    Paged::<ArticleSummary>::schemas(&mut all);
    Items::<RevisionSummary>::schemas(&mut all);
    all
}

/// The search function's routes (another Lambda behind the same API): described here so the one
/// document covers the whole API.
fn search_operations() -> Vec<(&'static str, utoipa::openapi::path::Operation)> {
    use helpdesk_core::search::{SEARCH_PATH, SUGGEST_PATH};
    let errors = |builder: OperationBuilder| {
        let mut by_status: BTreeMap<u16, Vec<String>> = BTreeMap::new();
        for code in
            [ErrorCode::InvalidQuery, ErrorCode::Unauthenticated, ErrorCode::Internal, ErrorCode::ServiceBusy, ErrorCode::MethodNotAllowed]
        {
            by_status.entry(code.http_status()).or_default().push(code_name(code));
        }
        by_status.into_iter().fold(builder, |b, (status, codes)| {
            b.response(
                status.to_string(),
                ResponseBuilder::new()
                    .description(format!("Error: {}", codes.join(", ")))
                    .content("application/json", ContentBuilder::new().schema(Some(of::<ApiError>())).build()),
            )
        })
    };
    let described = |id: &str, summary: &str, queries: &[Query]| {
        let mut builder = OperationBuilder::new().operation_id(Some(id)).summary(Some(summary));
        for query in queries {
            builder = builder.parameter(query_parameter(*query));
        }
        builder = builder.response(
            "200",
            ResponseBuilder::new()
                .description("Success")
                .content("application/json", ContentBuilder::new().schema(Some(of::<SearchResults>())).build()),
        );
        errors(builder).build()
    };
    vec![
        (
            SEARCH_PATH,
            described(
                "search",
                "Full-text search over the tickets and articles the caller may see, ranked, with stemming (English, Russian) and typo tolerance",
                &[
                    Query::Words,
                    Query::Scope,
                    Query::Lang,
                    Query::Statuses,
                    Query::Topic,
                    Query::Group,
                    Query::From,
                    Query::To,
                    Query::Hits,
                ],
            ),
        ),
        (
            SUGGEST_PATH,
            described(
                "suggestArticles",
                "Articles that may answer what a requester is typing (any word; the last one as a prefix); `topic` adds context",
                &[Query::Words, Query::Lang, Query::Topic, Query::Hits],
            ),
        ),
    ]
}

/// The whole document.
pub fn document() -> OpenApi {
    let json = |schema: RefOr<Schema>| ContentBuilder::new().schema(Some(schema)).build();
    let mut items: BTreeMap<&str, Vec<(HttpMethod, utoipa::openapi::path::Operation)>> = BTreeMap::new();
    for def in ROUTES {
        let described = operation(def.route);
        let mut builder = OperationBuilder::new().operation_id(Some(described.id)).summary(Some(described.summary));
        if def.route == Route::TelegramWebhook {
            builder = builder.securities(Some([SecurityRequirement::new("telegram", Vec::<String>::new())]));
        } else if is_open(def.route) {
            builder = builder.securities(Some(Vec::<SecurityRequirement>::new()));
        } else if def.route.needs_session() {
            builder = builder.securities(Some([SecurityRequirement::new("session", Vec::<String>::new())]));
        }
        for parameter in path_parameters(def.path) {
            builder = builder.parameter(parameter);
        }
        for query in &described.query {
            builder = builder.parameter(query_parameter(*query));
        }
        if let Some(body) = &described.body {
            builder = builder.request_body(Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .description(Some(format!("JSON, at most {MAX_REQUEST_BYTES} bytes")))
                    .content("application/json", json(body.clone()))
                    .build(),
            ));
        }
        let (status, schema) = &described.ok;
        let success = match status {
            302 => ResponseBuilder::new().description("Found: `Location` is a short-lived link to the bytes"),
            _ => ResponseBuilder::new().description("Success").content("application/json", json(schema.clone())),
        };
        // A report also comes as a file, for spreadsheets (`format=csv`).
        let success = match def.route {
            Route::Report | Route::Backlog => success.content("text/csv", ContentBuilder::new().schema(Some(string())).build()),
            _ => success,
        };
        builder = builder.response(status.to_string(), success);
        let mut by_status: BTreeMap<u16, Vec<String>> = BTreeMap::new();
        for code in error_codes(def, &described) {
            by_status.entry(code.http_status()).or_default().push(code_name(code));
        }
        for (status, codes) in by_status {
            let response = ResponseBuilder::new()
                .description(format!("Error: {}", codes.join(", ")))
                .content("application/json", json(of::<ApiError>()));
            builder = builder.response(status.to_string(), response);
        }
        items.entry(def.path).or_default().push((method(def), builder.build()));
    }
    for (path, operation) in search_operations() {
        items.entry(path).or_default().push((HttpMethod::Get, operation));
    }
    let mut paths = PathsBuilder::new();
    for (path, operations) in items {
        let mut item: Option<PathItem> = None;
        for (method, operation) in operations {
            item = Some(match item {
                None => PathItem::new(method, operation),
                Some(mut existing) => {
                    existing.merge_operations(PathItem::new(method, operation));
                    existing
                }
            });
        }
        if let Some(item) = item {
            paths = paths.path(path, item);
        }
    }
    let session = SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
        crate::session::SESSION_COOKIE,
        "Set by /api/auth/login; state-changing requests also send x-csrf-token = the hd_csrf cookie",
    )));
    let bearer = SecurityScheme::Http(
        HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("An API token from /api/auth/tokens (native apps): no CSRF header needed; never sent as a cookie"))
            .build(),
    );
    let telegram = SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
        crate::channels::TELEGRAM_SECRET_HEADER,
        "The secret_token given to Telegram's setWebhook",
    )));
    let components = ComponentsBuilder::new()
        .schemas_from_iter(component_schemas())
        .security_scheme("session", session)
        .security_scheme("bearer", bearer)
        .security_scheme("telegram", telegram)
        .build();
    OpenApiBuilder::new()
        .info(InfoBuilder::new().title("Helpdesk API").version(env!("CARGO_PKG_VERSION")).description(Some(
            "Tickets, topics and their forms, SLA plans, users and groups. Errors are JSON {code, message, fields?, \
                     current_version?} with stable codes. Sign in at /api/auth/login: the answer sets the hd_session cookie (HttpOnly) \
                     and the hd_csrf cookie, whose value every state-changing request sends as x-csrf-token. Native apps sign in at /api/auth/tokens and send \
                     Authorization: Bearer <token> instead (no CSRF header). Generated from the \
                     server's route table and types.",
        )))
        .servers(Some([ServerBuilder::new().url("/").build()]))
        .security(Some([SecurityRequirement::new("session", Vec::<String>::new()), SecurityRequirement::new("bearer", Vec::<String>::new())]))
        .paths(paths)
        .components(Some(components))
        .build()
}

/// The document as the committed file holds it: pretty JSON and a final newline.
pub fn document_text() -> Result<String, String> {
    document().to_pretty_json().map(|text| text + "\n").map_err(|e| e.to_string())
}
