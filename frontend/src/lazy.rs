//! The pages that a requester's first visit does not need, each in a WebAssembly chunk of its
//! own that the browser fetches the first time the page opens (scripts/build-frontend splits them
//! out with wasm-split): the console's queue, administration, reports, article editing, and the
//! knowledge base, search and notification settings. The first load carries what filing a ticket
//! and following it need: sign-in, her tickets, the new-ticket form, the ticket's page.

use crate::app::{Only, Session, use_session};
use crate::pages::{admin, kb, queue::Queue, reports::ReportsPage, search::SearchPage, settings::NotificationSettingsPage};
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::{LazyRoute, lazy_route};

/// A lazily loaded page: `$name`'s view, fetched with its chunk when the route first matches.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $name:ident => $view:expr) => {
        $(#[$doc])*
        pub struct $name;
        #[lazy_route]
        impl LazyRoute for $name {
            fn data() -> Self {
                $name
            }
            fn view(_this: Self) -> AnyView {
                $view.into_any()
            }
        }
    };
}

lazy_page!(AdminTopics => view! { <ForRole allowed=Session::is_admin><admin::Topics/></ForRole> });
lazy_page!(TopicEditor => view! { <ForRole allowed=Session::is_admin><admin::TopicEditor/></ForRole> });
lazy_page!(AdminUsers => view! { <ForRole allowed=Session::is_admin><admin::Users/></ForRole> });
lazy_page!(AdminGroups => view! { <ForRole allowed=Session::is_admin><admin::Groups/></ForRole> });
lazy_page!(RejectedMail => view! { <ForRole allowed=Session::is_admin><admin::RejectedMessages/></ForRole> });
lazy_page!(ReplyTemplates => view! { <ForRole allowed=Session::is_staff><admin::ReplyTemplates/></ForRole> });
lazy_page!(SlaSettings => view! { <ForRole allowed=Session::is_admin><admin::Sla/></ForRole> });
lazy_page!(CalendarEditor => view! { <ForRole allowed=Session::is_admin><admin::CalendarEditor/></ForRole> });
lazy_page!(PlanEditor => view! { <ForRole allowed=Session::is_admin><admin::PlanEditor/></ForRole> });
lazy_page!(ArticleEditor => view! { <kb::ArticleEditor/> });
lazy_page!(Reports => view! { <ForRole allowed=Session::reads_reports><ReportsPage/></ForRole> });
lazy_page!(KnowledgeBase => view! { <kb::KnowledgeBase/> });
lazy_page!(Article => view! { <kb::ArticlePage/> });
lazy_page!(Search => view! { <SearchPage/> });
lazy_page!(NotificationSettings => view! { <NotificationSettingsPage/> });
lazy_page!(
    /// The queue is staff's and managers': anyone else (a user made a requester since) goes to
    /// their tickets.
    QueueOrHome => {
        let session = use_session();
        view! { {move || if session.reads_queues() { view! { <Queue/> }.into_any() } else { view! { <Redirect path="/my"/> }.into_any() }} }
    }
);

/// A page for the roles `allowed` lets in (see [`Only`]).
#[component]
fn ForRole(allowed: fn(Session) -> bool, children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    view! { <Only when=Signal::derive(move || allowed(session))>{children()}</Only> }
}
