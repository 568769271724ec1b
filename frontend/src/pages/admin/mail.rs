//! Admin: the mail the intake could not take (not a message at all, no sender, a domain that may
//! not file tickets, over the sender's hourly cap, too large), newest first a page at a time.
//! "Try again" asks the server to hand a kept message to the intake once more: taken, it leaves
//! the list; refused again, its attempts go up. The list is read again shortly after each answer.

use super::editor::{pager, table_head};
use crate::api::{self, Failure};
use crate::components::{ErrorBox, loaded};
use crate::i18n::{I18n, use_i18n, wire};
use gloo_net::http::Method;
use helpdesk_core::api::Paged;
use helpdesk_core::mail::RejectedMail;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

/// How long after a retry's answer the list is read again: the intake takes the message within
/// seconds.
const RELOAD_AFTER: Duration = Duration::from_secs(2);

/// The page's retries: which are under way, what the last one answered, and the list's reload.
#[derive(Clone, Copy)]
struct Retries {
    /// Messages whose retry was sent and whose row has not been read again yet.
    pending: RwSignal<Vec<String>>,
    /// The last answer: what was handed over (as [`what`] names it), or why not.
    said: RwSignal<Option<Result<String, Failure>>>,
    reload: RwSignal<u32>,
}

impl Retries {
    fn new() -> Self {
        Retries { pending: RwSignal::new(Vec::new()), said: RwSignal::new(None), reload: RwSignal::new(0) }
    }

    fn pending(self, id: &str) -> bool {
        self.pending.with(|p| p.iter().any(|x| x == id))
    }

    /// Asks for `mail` to be taken again; the row's button stays disabled until the list has been
    /// read again.
    fn start(self, i: I18n, mail: &RejectedMail) {
        let id = mail.id.clone();
        if self.pending.with_untracked(|p| p.contains(&id)) {
            return;
        }
        self.pending.update(|p| p.push(id.clone()));
        self.said.set(None);
        let url = format!("/api/mail/rejected/{}/retry", String::from(js_sys::encode_uri_component(&id)));
        let named = what(i, mail);
        spawn_local(async move {
            // The answer is the record as it was: the row has it already.
            let answer = api::send::<serde_json::Value>(Method::POST, &url, &serde_json::json!({})).await;
            self.said.set(Some(answer.map(|_| named)));
            set_timeout(
                move || {
                    self.pending.try_update(|p| p.retain(|x| x != &id));
                    self.reload.try_update(|n| *n += 1);
                },
                RELOAD_AFTER,
            );
        });
    }
}

/// A rejected message as a sentence names it: its subject, else its sender, else when it came.
fn what(i: I18n, mail: &RejectedMail) -> String {
    mail.subject.clone().or_else(|| mail.from.clone()).unwrap_or_else(|| i.when(mail.received_at))
}

#[component]
pub fn RejectedMessages() -> impl IntoView {
    let i = use_i18n();
    let retries = Retries::new();
    // The cursors of the pages before this one, and of this one.
    let cursors = RwSignal::new(Vec::<String>::new());
    let list = api::Fetched::<Paged<RejectedMail>>::of(Signal::derive(move || {
        retries.reload.track();
        api::with_query("/api/mail/rejected", &[("cursor", cursors.with(|c| c.last().cloned().unwrap_or_default()))])
    }));
    let content = move || {
        Suspend::new(async move {
            match list.load().await {
                Err(f) => view! { <ErrorBox failure=f retry=Callback::new(move |_| retries.reload.update(|n| *n += 1))/> }.into_any(),
                Ok(page) => list_view(i, retries, cursors, page),
            }
        })
    };
    let said = move || {
        retries.said.get().map(|answer| match answer {
            Ok(what) => view! { <p class="ok" role="status">{move || i.t("rejected.retried").replace("{what}", &what)}</p> }.into_any(),
            Err(f) => view! { <ErrorBox failure=f/> }.into_any(),
        })
    };
    view! {
        <section class="rejected-mail">
            <h1>{move || i.t("nav.mail")}</h1>
            <p class="muted">{move || i.t("rejected.intro")}</p>
            {said}
            {loaded(content)}
        </section>
    }
}

/// One page of the list and the pager, or the empty state. Of one erased type, so its code is
/// compiled once.
#[inline(never)]
fn list_view(i: I18n, retries: Retries, cursors: RwSignal<Vec<String>>, page: Paged<RejectedMail>) -> AnyView {
    let next = page.next_cursor;
    let has_next = next.is_some();
    // Only when there is a page before or after this one.
    let paging = move || (has_next || cursors.with(|c| !c.is_empty())).then(|| pager(i, cursors, next.clone()));
    let body = if page.items.is_empty() {
        view! { <p class="empty">{move || i.t("rejected.empty")}</p> }.into_any()
    } else {
        view! {
            <div class="table-wrap"><table class="rejected">
                {table_head(&[
                    "rejected.received", "rejected.reason", "rejected.detail", "rejected.from", "rejected.subject", "rejected.attempts",
                    "rejected.action",
                ])}
                <tbody>{page.items.into_iter().map(|m| row(i, retries, m)).collect_view()}</tbody>
            </table></div>
        }
        .into_any()
    };
    view! { {body}{paging} }.into_any()
}

fn row(i: I18n, retries: Retries, mail: RejectedMail) -> AnyView {
    let at = mail.received_at;
    let reason = format!("rejected.reason.{}", wire(&mail.reason));
    let badge = format!("badge rejected-{}", wire(&mail.reason));
    let id = mail.id.clone();
    let named = mail.clone();
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    let (from, subject) = (dash(&mail.from), dash(&mail.subject));
    view! {
        <tr>
            <td><time datetime=at.to_rfc3339()>{move || i.when(at)}</time></td>
            <td><span class=badge>{move || i.t(&reason)}</span></td>
            <td class="detail">{mail.detail.clone()}</td>
            <td class="address">{from}</td>
            <td class="subject">{subject}</td>
            <td>{mail.attempts}</td>
            <td>
                <button type="button" disabled=move || retries.pending(&id)
                    aria-label=move || i.t("rejected.retry_named").replace("{what}", &what(i, &named))
                    on:click=move |_| retries.start(i, &mail)>{move || i.t("common.retry")}</button>
            </td>
        </tr>
    }
    .into_any()
}
