//! Answers on the ticket page: the article marked as the ticket's solution (everyone sees it;
//! staff mark and unmark it), and reply templates for staff, filled in for this ticket.

use super::Page;
use crate::api;
use crate::app::use_session;
use crate::i18n::use_i18n;
use crate::pages::kb::article_path;
use crate::people::use_people;
use gloo_net::http::Method;
use helpdesk_core::api::{Items, UpdateTicketRequest};
use helpdesk_core::knowledge::ArticleView;
use helpdesk_core::templates::{Filling, ReplyTemplate, fill};
use leptos::prelude::*;

impl Page {
    /// The article marked as the answer, if any.
    fn solution(self) -> Option<String> {
        self.view.with(|v| v.as_ref().and_then(|v| v.as_ref().ok()).and_then(|v| v.ticket.solution.clone()))
    }

    /// Marks `article` as the answer, or takes the mark away (`None`).
    pub(super) fn mark_solution(self, article: Option<String>) {
        let change = UpdateTicketRequest { version: self.version(), solution: Some(article), ..Default::default() };
        self.solution_refused.set(None);
        self.write(Method::PATCH, "", change, move |r| {
            if let Err(fields) = r {
                self.solution_refused.set(Some(fields.into_iter().map(|f| f.message).collect::<Vec<_>>().join("; ")));
            }
        });
    }
}

/// "Solution: <article>" above the conversation, once one is marked.
#[component]
pub fn SolutionBox(page: Page, staff: bool) -> impl IntoView {
    let i = use_i18n();
    let article = api::Fetched::<ArticleView>::new(Signal::derive(move || {
        page.solution().map(|id| api::with_query(&format!("/api/kb/articles/{}", api::segment(&id)), &[("lang", i.code().to_string())]))
    }));
    let refused = move || {
        page.solution_refused.get().map(|why| {
            view! { <p class="error" role="alert">{move || i.t("kb.solution_refused")}" "<span class="muted">{why}</span></p> }
        })
    };
    let marked = move || {
        let id = page.solution()?;
        let title = match article.get() {
            Some(Ok(a)) => a.title,
            _ => id.clone(),
        };
        Some(view! {
            <section class="solution" aria-labelledby="solution-title">
                <h2 id="solution-title">{move || i.t("kb.solution")}</h2>
                <p><a href=article_path(&id)>{title}</a></p>
                {staff.then(|| view! {
                    <button type="button" class="link" on:click=move |_| page.mark_solution(None)>{move || i.t("kb.unmark_solution")}</button>
                })}
            </section>
        })
    };
    view! { {refused} {marked} }
}

/// "Insert a template" beside the reply box (staff): a template's text in the chosen language,
/// its placeholders filled in for this ticket, goes at the end of `text`.
pub fn template_picker(page: Page, text: RwSignal<String>, changed: impl Fn() + 'static) -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let people = use_people();
    let templates = api::Fetched::<Items<ReplyTemplate>>::fixed("/api/reply-templates");
    let changed = StoredValue::new_local(changed);
    let choose = move |ev: leptos::ev::Event| {
        let choice = event_target_value(&ev);
        let Some((id, lang)) = choice.split_once('|') else { return };
        let Some(Ok(list)) = templates.get() else { return };
        let Some(template) = list.items.iter().find(|t| t.id == id) else { return };
        let filling = page.view.with_untracked(|v| match v {
            Some(Ok(v)) => Filling {
                requester: people.name(&v.ticket.requester),
                number: v.ticket.number.to_string(),
                subject: v.ticket.subject.clone(),
                agent: session.me.with_untracked(|m| m.as_ref().and_then(|m| m.user.as_ref()).map(|u| u.name.clone()).unwrap_or_default()),
            },
            _ => Filling::default(),
        });
        let reply = fill(template.bodies.get(lang), &filling);
        text.update(|t| {
            if !t.trim().is_empty() {
                t.push_str("\n\n");
            }
            t.push_str(&reply);
        });
        changed.with_value(|changed| changed());
        // Back to the prompt, so the same template can be chosen again.
        if let Some(select) = ev.target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlSelectElement>(t).ok()) {
            select.set_value("");
        }
    };
    move || match templates.get() {
        Some(Ok(list)) if !list.items.is_empty() => Some(view! {
            <div class="template-picker">
                <label for="reply-template">{move || i.t("reply.template")}</label>
                <select id="reply-template" on:change=choose>
                    <option value="">{move || i.t("reply.template_choose")}</option>
                    {list.items.iter().flat_map(|t| {
                        t.bodies.0.keys().map(|lang| {
                            let label = format!("{} ({lang})", t.name.get(lang));
                            view! { <option value=format!("{}|{lang}", t.id)>{label}</option> }
                        }).collect::<Vec<_>>()
                    }).collect_view()}
                </select>
            </div>
        }),
        _ => None,
    }
}
