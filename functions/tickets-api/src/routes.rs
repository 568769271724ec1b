//! Every route the API serves, in one table: the router, the OpenAPI test and the SAM template
//! test all read it.

use std::collections::BTreeMap;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Health,
    OpenApi,
    Login,
    Logout,
    Me,
    UpdateMe,
    People,
    ListUsers,
    CreateUser,
    GetUser,
    ReplaceUser,
    ListGroups,
    CreateGroup,
    GetGroup,
    ReplaceGroup,
    ListTopics,
    CreateTopic,
    GetTopic,
    ReplaceTopic,
    ArchiveTopic,
    ListCalendars,
    CreateCalendar,
    GetCalendar,
    ReplaceCalendar,
    ListPlans,
    CreatePlan,
    GetPlan,
    ReplacePlan,
    CreateTicket,
    ListQueue,
    ListMine,
    GetTicket,
    UpdateTicket,
    Reply,
    AddNote,
    CreateUpload,
    GetUpload,
    GetAttachment,
    MyNotifications,
    SaveMyNotifications,
    TicketNotifications,
    TicketPresence,
    IssueToken,
    ListTokens,
    RevokeToken,
    LinkMyTelegram,
    AddPushSubscription,
    RegisterDevice,
    RemoveContact,
    GroupTelegram,
    LinkGroupTelegram,
    UnlinkGroupTelegram,
    TelegramWebhook,
    ListRejectedMail,
    RetryRejectedMail,
    ListArticles,
    CreateArticle,
    GetArticle,
    ReplaceArticle,
    ArticleRevisions,
    RestoreArticle,
    DeflectByArticle,
    ArticleImage,
    Report,
    Backlog,
    DraftArticleFromTicket,
    ListReplyTemplates,
    CreateReplyTemplate,
    ReplaceReplyTemplate,
    RemoveReplyTemplate,
    Rate,
}

impl Route {
    /// Routes that manage sign-ins: a browser session only, never a bearer token (a stolen app
    /// token must not mint, list or revoke others).
    pub fn needs_session(self) -> bool {
        matches!(self, Route::ListTokens | Route::RevokeToken)
    }
}

pub struct RouteDef {
    pub method: &'static str,
    /// In API Gateway and OpenAPI syntax: `/api/tickets/{id}`.
    pub path: &'static str,
    pub route: Route,
}

const fn r(method: &'static str, path: &'static str, route: Route) -> RouteDef {
    RouteDef { method, path, route }
}

pub const ROUTES: &[RouteDef] = &[
    r("GET", "/api/health", Route::Health),
    r("GET", "/api/openapi.json", Route::OpenApi),
    r("POST", "/api/auth/login", Route::Login),
    r("POST", "/api/auth/logout", Route::Logout),
    r("GET", "/api/auth/me", Route::Me),
    r("PATCH", "/api/auth/me", Route::UpdateMe),
    r("GET", "/api/auth/me/notifications", Route::MyNotifications),
    r("PUT", "/api/auth/me/notifications", Route::SaveMyNotifications),
    r("POST", "/api/auth/tokens", Route::IssueToken),
    r("GET", "/api/auth/me/tokens", Route::ListTokens),
    r("DELETE", "/api/auth/me/tokens/{id}", Route::RevokeToken),
    r("POST", "/api/auth/me/telegram", Route::LinkMyTelegram),
    r("POST", "/api/auth/me/push-subscriptions", Route::AddPushSubscription),
    r("POST", "/api/auth/me/devices", Route::RegisterDevice),
    r("DELETE", "/api/auth/me/contacts/{id}", Route::RemoveContact),
    r("POST", "/api/telegram/webhook", Route::TelegramWebhook),
    r("GET", "/api/directory", Route::People),
    r("GET", "/api/users", Route::ListUsers),
    r("POST", "/api/users", Route::CreateUser),
    r("GET", "/api/users/{id}", Route::GetUser),
    r("PUT", "/api/users/{id}", Route::ReplaceUser),
    r("GET", "/api/groups", Route::ListGroups),
    r("POST", "/api/groups", Route::CreateGroup),
    r("GET", "/api/groups/{id}", Route::GetGroup),
    r("PUT", "/api/groups/{id}", Route::ReplaceGroup),
    r("GET", "/api/groups/{id}/telegram", Route::GroupTelegram),
    r("POST", "/api/groups/{id}/telegram", Route::LinkGroupTelegram),
    r("DELETE", "/api/groups/{id}/telegram", Route::UnlinkGroupTelegram),
    r("GET", "/api/topics", Route::ListTopics),
    r("POST", "/api/topics", Route::CreateTopic),
    r("GET", "/api/topics/{id}", Route::GetTopic),
    r("PUT", "/api/topics/{id}", Route::ReplaceTopic),
    r("DELETE", "/api/topics/{id}", Route::ArchiveTopic),
    r("GET", "/api/sla/calendars", Route::ListCalendars),
    r("POST", "/api/sla/calendars", Route::CreateCalendar),
    r("GET", "/api/sla/calendars/{id}", Route::GetCalendar),
    r("PUT", "/api/sla/calendars/{id}", Route::ReplaceCalendar),
    r("GET", "/api/sla/plans", Route::ListPlans),
    r("POST", "/api/sla/plans", Route::CreatePlan),
    r("GET", "/api/sla/plans/{id}", Route::GetPlan),
    r("PUT", "/api/sla/plans/{id}", Route::ReplacePlan),
    r("POST", "/api/tickets", Route::CreateTicket),
    r("GET", "/api/tickets", Route::ListQueue),
    r("GET", "/api/my/tickets", Route::ListMine),
    r("GET", "/api/tickets/{id}", Route::GetTicket),
    r("PATCH", "/api/tickets/{id}", Route::UpdateTicket),
    r("POST", "/api/tickets/{id}/replies", Route::Reply),
    r("POST", "/api/tickets/{id}/notes", Route::AddNote),
    r("GET", "/api/tickets/{id}/notifications", Route::TicketNotifications),
    r("POST", "/api/tickets/{id}/presence", Route::TicketPresence),
    r("POST", "/api/uploads", Route::CreateUpload),
    r("GET", "/api/uploads/{id}", Route::GetUpload),
    r("GET", "/api/attachments/{id}", Route::GetAttachment),
    r("GET", "/api/mail/rejected", Route::ListRejectedMail),
    r("POST", "/api/mail/rejected/{id}/retry", Route::RetryRejectedMail),
    r("GET", "/api/kb/articles", Route::ListArticles),
    r("POST", "/api/kb/articles", Route::CreateArticle),
    r("GET", "/api/kb/articles/{id}", Route::GetArticle),
    r("PUT", "/api/kb/articles/{id}", Route::ReplaceArticle),
    r("GET", "/api/kb/articles/{id}/revisions", Route::ArticleRevisions),
    r("POST", "/api/kb/articles/{id}/restore", Route::RestoreArticle),
    r("POST", "/api/kb/articles/{id}/deflections", Route::DeflectByArticle),
    r("GET", "/api/kb/articles/{id}/images/{item}", Route::ArticleImage),
    r("POST", "/api/tickets/{id}/article-draft", Route::DraftArticleFromTicket),
    r("GET", "/api/reply-templates", Route::ListReplyTemplates),
    r("POST", "/api/reply-templates", Route::CreateReplyTemplate),
    r("PUT", "/api/reply-templates/{id}", Route::ReplaceReplyTemplate),
    r("DELETE", "/api/reply-templates/{id}", Route::RemoveReplyTemplate),
    r("GET", "/api/reports/backlog", Route::Backlog),
    r("GET", "/api/reports/{id}", Route::Report),
    r("POST", "/api/ratings", Route::Rate),
];

type Methods = BTreeMap<&'static str, Route>;

static ROUTER: LazyLock<matchit::Router<Methods>> = LazyLock::new(|| {
    let mut by_path: BTreeMap<&str, Methods> = BTreeMap::new();
    for def in ROUTES {
        by_path.entry(def.path).or_default().insert(def.method, def.route);
    }
    let mut router = matchit::Router::new();
    for (path, methods) in by_path {
        if let Err(e) = router.insert(path, methods) {
            panic!("route table: {path}: {e}");
        }
    }
    router
});

pub enum Matched {
    Found {
        route: Route,
        id: Option<String>,
        /// A second path id (`{item}`): a record under the one `id` names.
        item: Option<String>,
    },
    /// The path exists, not with this method; these it takes.
    WrongMethod {
        allowed: Vec<&'static str>,
    },
    NotFound,
}

pub fn match_route(method: &str, path: &str) -> Matched {
    match ROUTER.at(path) {
        Ok(m) => match m.value.get(method) {
            Some(&route) => {
                Matched::Found { route, id: m.params.get("id").map(str::to_string), item: m.params.get("item").map(str::to_string) }
            }
            None => Matched::WrongMethod { allowed: m.value.keys().copied().collect() },
        },
        Err(_) => Matched::NotFound,
    }
}
