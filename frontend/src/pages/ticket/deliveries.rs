//! The ticket's notification decision log, for staff: each notice about the ticket, to whom,
//! through which channel, and what became of it (sent with the provider's answer, failed, or not
//! sent and why). Collapsed at first; loaded when first opened, again on request. Requesters never
//! see it, and their page never asks for it.

use super::Page;
use crate::api;
use crate::components::{ErrorBox, Loading};
use crate::i18n::{I18n, use_i18n, wire};
use helpdesk_core::api::Items;
use helpdesk_core::notify::{Delivery, DeliveryState};
use leptos::prelude::*;

/// The section's state, kept by the ticket page while it shows the ticket anew after a change:
/// open stays open, and what was loaded stays.
#[derive(Clone, Copy)]
pub struct DeliveryLog {
    open: RwSignal<bool>,
    /// Opened at least once: from then on the log is loaded (and kept while closed).
    wanted: RwSignal<bool>,
    refresh: RwSignal<u32>,
    log: api::Fetched<Items<Delivery>>,
}

impl DeliveryLog {
    pub fn new(page: Page) -> Self {
        let (open, wanted, refresh) = (RwSignal::new(false), RwSignal::new(false), RwSignal::new(0u32));
        // The ticket's number; kept while the page reloads the ticket.
        let number = Memo::new(move |previous: Option<&Option<String>>| {
            page.view
                .with(|v| v.as_ref().and_then(|v| v.as_ref().ok()).map(|v| v.ticket.number.to_string()))
                .or_else(|| previous.cloned().flatten())
        });
        let log = api::Fetched::new(Signal::derive(move || {
            if !wanted.get() {
                return None;
            }
            refresh.track();
            let number = number.get()?;
            Some(format!("/api/tickets/{}/notifications", String::from(js_sys::encode_uri_component(&number))))
        }));
        DeliveryLog { open, wanted, refresh, log }
    }
}

/// The section. Not inlined into the ticket page's view, and of one erased type, so its code is
/// not copied into the page's.
#[inline(never)]
pub fn section(state: DeliveryLog) -> AnyView {
    let i = use_i18n();
    let DeliveryLog { open, wanted, refresh, log } = state;
    let toggle = move |_| {
        let now = !open.get_untracked();
        open.set(now);
        // Set once: setting a signal notifies even when the value is unchanged, which would load
        // the log again on every reopening.
        if now && !wanted.get_untracked() {
            wanted.set(true);
        }
    };
    let content = move || {
        wanted.get().then(|| match log.get() {
            None => view! { <Loading/> }.into_any(),
            Some(Err(f)) => view! { <ErrorBox failure=f retry=Callback::new(move |_| refresh.update(|n| *n += 1))/> }.into_any(),
            Some(Ok(list)) if list.items.is_empty() => view! { <p class="empty">{move || i.t("deliveries.empty")}</p> }.into_any(),
            Some(Ok(list)) => table(i, list.items),
        })
    };
    view! {
        <section class="deliveries" aria-labelledby="deliveries-title">
            <div class="title-row">
                <h2 id="deliveries-title">
                    <button type="button" class="disclosure" aria-expanded=move || open.get().to_string()
                        aria-controls="deliveries-body" on:click=toggle>{move || i.t("deliveries.title")}</button>
                </h2>
                {move || open.get().then(|| view! {
                    <button type="button" on:click=move |_| refresh.update(|n| *n += 1)>{move || i.t("deliveries.refresh")}</button>
                })}
            </div>
            <div id="deliveries-body" hidden=move || !open.get()>
                <p class="muted">{move || i.t("deliveries.hint")}</p>
                {content}
            </div>
        </section>
    }
    .into_any()
}

/// The decisions, newest first (the server lists them oldest first; reversing spares the bundle a
/// sort).
#[inline(never)]
fn table(i: I18n, mut items: Vec<Delivery>) -> AnyView {
    items.reverse();
    let rows = items.into_iter().map(|d| {
        let state = wire(&d.state);
        let (notice, channel) = (format!("notice.{}", wire(&d.notice)), format!("via.{}", wire(&d.channel)));
        let badge = format!("badge delivery-{state}");
        let state_key = format!("delivery.{state}");
        let at = d.at;
        view! {
            <tr>
                <td><time datetime=at.to_rfc3339()>{move || i.when(at)}</time></td>
                <td>{d.recipient.clone()}</td>
                <td>{move || i.t(&notice)}</td>
                <td>{move || i.t(&channel)}</td>
                <td><span class=badge>{move || i.t(&state_key)}</span></td>
                <td class="why">{move || why(i, &d)}</td>
            </tr>
        }
    });
    view! {
        <div class="table-wrap">
            <table class="delivery-log">
                <thead><tr>
                    <th scope="col">{move || i.t("deliveries.time")}</th>
                    <th scope="col">{move || i.t("deliveries.recipient")}</th>
                    <th scope="col">{move || i.t("deliveries.notice")}</th>
                    <th scope="col">{move || i.t("deliveries.channel")}</th>
                    <th scope="col">{move || i.t("deliveries.state")}</th>
                    <th scope="col">{move || i.t("deliveries.why")}</th>
                </tr></thead>
                <tbody>{rows.collect_view()}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// Why it was not sent, or what the provider answered; and how it went out: "3 events in one
/// message", "2 attempts".
fn why(i: I18n, d: &Delivery) -> String {
    let mut parts: Vec<String> = Vec::new();
    match d.state {
        DeliveryState::Suppressed => parts.extend(d.reason.map(|r| i.t(&format!("suppression.{}", wire(&r))).to_string())),
        DeliveryState::Sent | DeliveryState::Failed => parts.extend(d.detail.clone().filter(|t| !t.trim().is_empty())),
        DeliveryState::Sending => {}
    }
    if d.events_in_message > 1 {
        parts.push(i.count("deliveries.events", u64::from(d.events_in_message)));
    }
    if d.attempts > 1 {
        parts.push(i.count("deliveries.attempts", u64::from(d.attempts)));
    }
    parts.join(" · ")
}
