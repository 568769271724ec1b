//! The shell: who is signed in, the language, the navigation and the routes.

use crate::api;
use crate::components::{ErrorBox, Loading, language_of, language_options};
use crate::i18n::{I18n, preferred_by_browser, remembered, use_i18n};
use crate::lazy;
use crate::pages::{login::Login, new_ticket::NewTicket, rate::RatePage, search, ticket::TicketPage, tickets::MyTickets};
use helpdesk_core::api::Me;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::Lazy;
use leptos_router::components::{A, Redirect, Route, Router, Routes};
use leptos_router::path;

/// The signed-in user, for every page.
#[derive(Clone, Copy)]
pub struct Session {
    pub me: RwSignal<Option<Me>>,
    /// The session ended while the page was open (signed out in another tab, expired): the page
    /// stays, with what was typed, and offers to sign in again.
    pub ended: RwSignal<bool>,
}

impl Session {
    pub fn is_staff(self) -> bool {
        self.me.with(|m| m.as_ref().is_some_and(|m| m.role.is_staff()))
    }

    pub fn is_admin(self) -> bool {
        self.me.with(|m| m.as_ref().is_some_and(|m| m.role == helpdesk_core::Role::Admin))
    }

    /// Reads the queues: staff, and managers (who change nothing).
    pub fn reads_queues(self) -> bool {
        self.me.with(|m| m.as_ref().is_some_and(|m| m.role.reads_queues()))
    }

    /// Reads every group's queue and report: admins, and managers not scoped to chosen groups.
    pub fn sees_every_group(self) -> bool {
        self.me.with(|m| {
            m.as_ref()
                .is_some_and(|m| m.role == helpdesk_core::Role::Admin || (m.role == helpdesk_core::Role::Manager && m.groups.is_empty()))
        })
    }

    /// The groups a manager chosen for some groups reads reports of (empty: every group, or none
    /// to choose from for anyone else; the server holds the rule).
    pub fn report_scope(self) -> Vec<String> {
        self.me.with(|m| m.as_ref().map(|m| helpdesk_core::reports::scope(&m.actor())).unwrap_or_default())
    }

    /// Whether the API will show the signed-in user this ticket (the rule is the server's; this
    /// only spares a page that would say "not found").
    pub fn may_see(self, ticket: &helpdesk_core::Ticket) -> bool {
        self.may(helpdesk_core::Action::ViewTicket, ticket)
    }

    /// Whether the API will let the signed-in user do `action` on this ticket (the rule is the
    /// server's; this only spares a form it would refuse).
    pub fn may(self, action: helpdesk_core::Action, ticket: &helpdesk_core::Ticket) -> bool {
        self.me.with(|m| {
            m.as_ref().is_some_and(|m| helpdesk_core::permissions::allows(&m.actor(), action, helpdesk_core::Resource::Ticket(ticket)))
        })
    }

    /// Whether the signed-in user may write knowledge-base articles (the rule is the server's).
    pub fn edits_articles(self) -> bool {
        self.may_anywhere(helpdesk_core::Action::EditArticles)
    }

    /// Whether the signed-in user reads the reports (the rule is the server's).
    pub fn reads_reports(self) -> bool {
        self.may_anywhere(helpdesk_core::Action::ViewReports)
    }

    /// Whether the API will let the signed-in user do `action`, which concerns no one ticket or
    /// article.
    fn may_anywhere(self, action: helpdesk_core::Action) -> bool {
        self.me.with(|m| m.as_ref().is_some_and(|m| helpdesk_core::permissions::allows(&m.actor(), action, helpdesk_core::Resource::None)))
    }

    pub fn id(self) -> String {
        self.me.with(|m| m.as_ref().map(|m| m.id.clone()).unwrap_or_default())
    }

    /// Signs in: the UI takes the profile's language.
    pub fn start(self, me: Me, i: I18n) {
        if let Some(user) = &me.user {
            i.lang.set(user.language);
        }
        self.ended.set(false);
        self.me.set(Some(me));
    }
}

pub fn use_session() -> Session {
    expect_context()
}

#[component]
pub fn App() -> impl IntoView {
    let i = I18n { lang: RwSignal::new(remembered().or_else(preferred_by_browser).unwrap_or_default()) };
    provide_context(i);
    let session = Session { me: RwSignal::new(None), ended: RwSignal::new(false) };
    provide_context(session);
    crate::people::provide();
    let checked = RwSignal::new(false);
    api::on_signed_out(move || {
        if session.me.with_untracked(Option::is_some) {
            session.ended.set(true)
        }
    });
    spawn_local(async move {
        if let Ok(me) = api::get::<Me>("/api/auth/me").await {
            session.start(me, i);
        }
        checked.set(true);
    });
    // The page's language, for screen readers and the browser's own widgets.
    Effect::new(move || {
        if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
            let _ = root.set_attribute("lang", i.code());
        }
    });
    // The satisfaction page answers a link in mail: nobody need sign in to use it.
    let rating_page = web_sys::window().and_then(|w| w.location().pathname().ok()).is_some_and(|p| p == helpdesk_core::rating::RATING_PAGE);
    view! {
        <Router>
            <a class="skip" href="#main">{move || i.t("nav.skip")}</a>
            <Header/>
            <main id="main" tabindex="-1">
                <SessionEnded/>
                {move || {
                    if rating_page {
                        view! { <RatePage/> }.into_any()
                    } else if !checked.get() {
                        view! { <Loading/> }.into_any()
                    } else if session.me.with(Option::is_none) {
                        view! { <Login/> }.into_any()
                    } else {
                        view! { <AppRoutes/> }.into_any()
                    }
                }}
            </main>
        </Router>
    }
}

/// Says that the session has ended, above the page that stays as it was. Signing in again shows
/// the same address, where the page restores its draft.
#[component]
fn SessionEnded() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let sign_in = move |_| {
        session.ended.set(false);
        session.me.set(None);
    };
    move || {
        session.ended.get().then(|| {
            view! {
                <div class="error" role="alert">
                    <span>{move || i.t("session.ended")}</span>
                    <button type="button" class="link" on:click=sign_in>{move || i.t("session.sign_in")}</button>
                </div>
            }
        })
    }
}

#[component]
fn AppRoutes() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let home = move || if session.reads_queues() { "/queue" } else { "/my" };
    let staff = Signal::derive(move || session.is_staff());
    view! {
        <Routes fallback=move || view! { <p>{move || i.t("common.not_found")}</p> }>
            <Route path=path!("/") view=move || view! { <Redirect path=home()/> }/>
            <Route path=path!("/my") view=MyTickets/>
            <Route path=path!("/new") view=|| view! { <NewTicket call=false/> }/>
            <Route path=path!("/call") view=move || view! { <Only when=staff><NewTicket call=true/></Only> }/>
            <Route path=path!("/tickets/:number") view=TicketPage/>
            <Route path=path!("/queue") view={Lazy::<lazy::QueueOrHome>::new()}/>
            <Route path=path!("/settings/notifications") view={Lazy::<lazy::NotificationSettings>::new()}/>
            <Route path=path!("/kb") view={Lazy::<lazy::KnowledgeBase>::new()}/>
            // Before `/kb/:id`: the first route that matches wins.
            <Route path=path!("/kb/new") view={Lazy::<lazy::ArticleEditor>::new()}/>
            <Route path=path!("/kb/:id") view={Lazy::<lazy::Article>::new()}/>
            <Route path=path!("/kb/:id/edit") view={Lazy::<lazy::ArticleEditor>::new()}/>
            <Route path=path!("/search") view={Lazy::<lazy::Search>::new()}/>
            <Route path=path!("/reports") view={Lazy::<lazy::Reports>::new()}/>
            <Route path=path!("/admin/topics") view={Lazy::<lazy::AdminTopics>::new()}/>
            <Route path=path!("/admin/topics/:id") view={Lazy::<lazy::TopicEditor>::new()}/>
            <Route path=path!("/admin/new-topic") view={Lazy::<lazy::TopicEditor>::new()}/>
            <Route path=path!("/admin/users") view={Lazy::<lazy::AdminUsers>::new()}/>
            <Route path=path!("/admin/groups") view={Lazy::<lazy::AdminGroups>::new()}/>
            <Route path=path!("/admin/mail") view={Lazy::<lazy::RejectedMail>::new()}/>
            <Route path=path!("/admin/templates") view={Lazy::<lazy::ReplyTemplates>::new()}/>
            <Route path=path!("/admin/sla") view={Lazy::<lazy::SlaSettings>::new()}/>
            <Route path=path!("/admin/sla/calendars/:id") view={Lazy::<lazy::CalendarEditor>::new()}/>
            <Route path=path!("/admin/sla/new-calendar") view={Lazy::<lazy::CalendarEditor>::new()}/>
            <Route path=path!("/admin/sla/plans/:id") view={Lazy::<lazy::PlanEditor>::new()}/>
            <Route path=path!("/admin/sla/new-plan") view={Lazy::<lazy::PlanEditor>::new()}/>
        </Routes>
    }
}

/// A page for some roles only: anyone else reads that they may not, as soon as it opens (the
/// server refuses their saves anyway; this spares them a form that cannot work).
#[component]
pub fn Only(when: Signal<bool>, children: ChildrenFn) -> impl IntoView {
    let forbidden = || {
        let error = helpdesk_core::ApiError::new(helpdesk_core::ErrorCode::Forbidden, "not for this account");
        view! { <ErrorBox failure=api::Failure::Api(error)/> }
    };
    move || if when.get() { children().into_any() } else { forbidden().into_any() }
}

#[component]
fn Header() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let navigate = leptos_router::hooks::use_navigate();
    let sign_out = Callback::new(move |_: leptos::ev::MouseEvent| {
        let navigate = navigate.clone();
        spawn_local(async move {
            let _ = api::send::<serde_json::Value>(gloo_net::http::Method::POST, "/api/auth/logout", &serde_json::json!({})).await;
            // Signing out on purpose: no draft and no page of this person's stays for the next one.
            crate::drafts::forget_all();
            session.ended.set(false);
            session.me.set(None);
            navigate("/", Default::default());
        });
    });
    let links = move || {
        session.me.get().map(|me| {
            let staff = me.role.is_staff();
            let reads_queues = me.role.reads_queues();
            let admin = me.role == helpdesk_core::Role::Admin;
            let reports = session.reads_reports();
            // Knowledge-base editors among the agents keep the reply templates too.
            let edits_templates = !admin && staff && me.user.as_ref().is_some_and(|u| u.knowledge_editor);
            view! {
                <nav aria-label=move || i.t("nav.label")>
                    {reads_queues.then(|| view! { <A href="/queue">{move || i.t("nav.queue")}</A> })}
                    {staff.then(|| view! { <A href="/call">{move || i.t("nav.log_call")}</A> })}
                    <A href="/my">{move || i.t("nav.my_tickets")}</A>
                    <A href="/new">{move || i.t("nav.new_ticket")}</A>
                    <A href="/kb">{move || i.t("nav.kb")}</A>
                    <A href="/settings/notifications">{move || i.t("nav.notifications")}</A>
                    {admin.then(|| view! {
                        <A href="/admin/topics">{move || i.t("nav.topics")}</A>
                        <A href="/admin/users">{move || i.t("nav.users")}</A>
                        <A href="/admin/groups">{move || i.t("nav.groups")}</A>
                        <A href="/admin/mail">{move || i.t("nav.mail")}</A>
                        <A href="/admin/templates">{move || i.t("nav.templates")}</A>
                        <A href="/admin/sla">{move || i.t("nav.sla")}</A>
                    })}
                    {reports.then(|| view! { <A href="/reports">{move || i.t("nav.reports")}</A> })}
                    {edits_templates.then(|| view! { <A href="/admin/templates">{move || i.t("nav.templates")}</A> })}
                </nav>
                // Beside the links, not among them: on a phone it shares a line with the language.
                {reads_queues.then(|| view! { <search::NavSearch/> })}
                <span class="who">{me.user.as_ref().map_or(me.id.clone(), |u| u.name.clone())}</span>
                <button type="button" class="link" on:click=move |ev| sign_out.run(ev)>{move || i.t("nav.sign_out")}</button>
            }
        })
    };
    view! {
        <header>
            <span class="brand">{move || i.t("app.name")}</span>
            {links}
            <label class="language">
                <span class="sr-only">{move || i.t("nav.language")}</span>
                <select id="language" prop:value=move || i.code() on:change=move |ev| {
                    let language = language_of(&event_target_value(&ev));
                    i.choose(language, session.me.with(Option::is_some));
                }>
                    {language_options()}
                </select>
            </label>
        </header>
    }
}
