//! "Where to reach me": the Telegram chat, browsers and phones linked to the account, each with a
//! Remove button; linking Telegram (a one-time link to open in Telegram); browser notifications
//! on this device (the service worker and a push subscription). Phones are added by the app.

use crate::api::{self, Failure};
use crate::i18n::{I18n, use_i18n, wire};
use crate::push::{self, Problem};
use gloo_net::http::Method;
use helpdesk_core::notify::contacts::{TelegramLinkOffer, web_push_id};
use helpdesk_core::notify::{ChannelKind, ContactSummary, NotificationSettings};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// What the section last did, said in its live region.
#[derive(Clone, PartialEq)]
enum Said {
    Nothing,
    Removed,
    PushOn,
    PushOff,
    Push(Problem),
    TelegramLinked,
    TelegramNotYet,
    Failed(Failure),
}

fn said(i: I18n, said: Said) -> String {
    match said {
        Said::Nothing => String::new(),
        Said::Removed => i.t("settings.removed").into(),
        Said::PushOn => i.t("settings.push_on_done").into(),
        Said::PushOff => i.t("settings.push_off_done").into(),
        Said::Push(Problem::Unsupported) => i.t("settings.push_unsupported").into(),
        Said::Push(Problem::Denied) => i.t("settings.push_denied").into(),
        Said::Push(Problem::Dismissed) => i.t("settings.push_dismissed").into(),
        Said::Push(Problem::Failed) => i.t("settings.push_failed").into(),
        Said::TelegramLinked => i.t("telegram.linked").into(),
        Said::TelegramNotYet => i.t("telegram.not_yet").into(),
        Said::Failed(f) => i.failure(&f),
    }
}

/// The section's live region: the page's own, so that what it says outlives the reload that
/// shows the new list.
#[component]
pub fn ReachStatus(said: RwSignal<String>) -> impl IntoView {
    view! { <div class="reach-status" role="status">{move || said.get()}</div> }
}

#[component]
pub fn Reach(settings: NotificationSettings, contacts: RwSignal<Vec<ContactSummary>>, said_here: RwSignal<String>) -> impl IntoView {
    let i = use_i18n();
    let message = RwSignal::new(Said::Nothing);
    // Said in the page's region (it stays while the section is drawn anew).
    Effect::new(move |_| {
        let text = said(i, message.get());
        if !text.is_empty() {
            said_here.set(text);
        }
    });
    let busy = RwSignal::new(false);
    let offer = RwSignal::new(None::<TelegramLinkOffer>);
    // The contact id of this browser's subscription, listed or not. The server names a browser by
    // `web_push_id(endpoint)` (the shared domain crate's function), so the page finds its own
    // entry from the subscription alone: nothing to remember in storage, right after a reload, a
    // new subscription or a change made on another device.
    let this_browser = RwSignal::new(None::<String>);
    spawn_local(async move {
        if let Some(endpoint) = push::current_endpoint().await {
            this_browser.set(Some(web_push_id(&endpoint)));
        }
    });
    let listed = move |id: &str| contacts.with(|all| all.iter().any(|c| c.id == id));
    let here = move || this_browser.get().filter(|id| listed(id));
    // Removes a contact; `done`: what to say once it is gone. The answer is the new list.
    let remove = move |id: String, done: Said| {
        busy.set(true);
        spawn_local(async move {
            let path = format!("/api/auth/me/contacts/{}", String::from(js_sys::encode_uri_component(&id)));
            match api::send::<NotificationSettings>(Method::DELETE, &path, &serde_json::json!({})).await {
                Ok(s) => {
                    if this_browser.get_untracked().as_deref() == Some(id.as_str()) {
                        push::unsubscribe().await;
                        this_browser.set(None);
                    }
                    contacts.set(s.contacts);
                    message.set(done);
                }
                Err(f) => message.set(Said::Failed(f)),
            }
            busy.set(false);
        });
    };
    let link_telegram = move |_| {
        busy.set(true);
        spawn_local(async move {
            match api::send::<TelegramLinkOffer>(Method::POST, "/api/auth/me/telegram", &serde_json::json!({})).await {
                Ok(o) => offer.set(Some(o)),
                Err(f) => message.set(Said::Failed(f)),
            }
            busy.set(false);
        });
    };
    // After Start in Telegram: the list anew, and whether a chat is in it now.
    let check_telegram = move |_| {
        busy.set(true);
        spawn_local(async move {
            match api::get::<NotificationSettings>(super::URL).await {
                Ok(s) => {
                    let linked = s.contacts.iter().any(|c| c.channel == ChannelKind::Telegram);
                    contacts.set(s.contacts);
                    if linked {
                        offer.set(None);
                    }
                    message.set(if linked { Said::TelegramLinked } else { Said::TelegramNotYet });
                }
                Err(f) => message.set(Said::Failed(f)),
            }
            busy.set(false);
        });
    };
    let key = StoredValue::new(settings.web_push_key.clone());
    let push_on = move |_| {
        let Some(key) = key.get_value() else { return };
        busy.set(true);
        spawn_local(async move {
            match push::subscribe(&key).await {
                Err(problem) => message.set(Said::Push(problem)),
                Ok(json) => {
                    let mut body: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
                    let endpoint = body["endpoint"].as_str().unwrap_or_default().to_string();
                    body["device"] = serde_json::Value::String(device_name());
                    match api::send::<NotificationSettings>(Method::POST, "/api/auth/me/push-subscriptions", &body).await {
                        Ok(s) => {
                            this_browser.set(Some(web_push_id(&endpoint)));
                            contacts.set(s.contacts);
                            message.set(Said::PushOn);
                        }
                        Err(f) => message.set(Said::Failed(f)),
                    }
                }
            }
            busy.set(false);
        });
    };
    let push_off = move |_| {
        if let Some(id) = here() {
            remove(id, Said::PushOff);
        }
    };
    let row = move |c: ContactSummary| {
        let ContactSummary { id, channel, device, added_at, .. } = c;
        let channel_key = format!("via.{}", wire(&channel));
        let label = {
            let device = device.clone();
            move || i.t("settings.remove_named").replace("{name}", &device)
        };
        let mark = {
            let id = id.clone();
            move || {
                (this_browser.get().as_deref() == Some(id.as_str()))
                    .then(|| view! { <span class="badge">{move || i.t("settings.this_browser")}</span> })
            }
        };
        view! {
            <li>
                <span class="contact-kind">{move || i.t(&channel_key)}</span>
                " " <strong>{device.clone()}</strong> {mark}
                " " <span class="muted">{move || i.t("settings.added").replace("{when}", &i.when(added_at))}</span>
                " " <button type="button" aria-label=label disabled=busy on:click=move |_| remove(id.clone(), Said::Removed)>{move || i.t("settings.remove")}</button>
            </li>
        }
    };
    let list = move || {
        let all = contacts.get();
        if all.is_empty() {
            view! { <p class="muted">{move || i.t("settings.reach_none")}</p> }.into_any()
        } else {
            view! { <ul class="contacts">{all.into_iter().map(row).collect_view()}</ul> }.into_any()
        }
    };
    let has_telegram = move || contacts.with(|all| all.iter().any(|c| c.channel == ChannelKind::Telegram));
    let telegram = settings.telegram;
    let can_push = settings.web_push_key.is_some() && push::supported();
    let push_configured = settings.web_push_key.is_some();
    view! {
        <section class="card reach" aria-labelledby="reach-title">
            <h2 id="reach-title">{move || i.t("settings.reach")}</h2>
            {list}
            {telegram.then(|| view! {
                <div class="row">
                    <button type="button" disabled=busy on:click=link_telegram>
                        {move || i.t(if has_telegram() { "settings.telegram_relink" } else { "settings.telegram_link" })}
                    </button>
                </div>
                {move || offer.get().map(|o| view! {
                    <p class="help">
                        {move || i.t("settings.telegram_open").replace("{until}", &i.when(o.expires_at))} " "
                        <a href=o.url.clone() target="_blank" rel="noopener">{o.url.clone()}</a> " "
                        <button type="button" disabled=busy on:click=check_telegram>{move || i.t("settings.check_again")}</button>
                    </p>
                })}
            })}
            {push_configured.then(|| if can_push {
                view! {
                    <div class="row">
                        {move || match here() {
                            None => view! { <button type="button" disabled=busy on:click=push_on>{move || i.t("settings.push_on")}</button> }.into_any(),
                            Some(_) => view! { <button type="button" disabled=busy on:click=push_off>{move || i.t("settings.push_off")}</button> }.into_any(),
                        }}
                    </div>
                }.into_any()
            } else {
                view! { <p class="help">{move || i.t("settings.push_unsupported")}</p> }.into_any()
            })}
            <p class="help">{move || i.t("settings.phone_hint")}</p>
        </section>
    }
}

/// A name for this browser in the list: its platform, as the browser reports it.
fn device_name() -> String {
    let agent = web_sys::window().and_then(|w| w.navigator().user_agent().ok()).unwrap_or_default();
    let browser = ["Edg", "Firefox", "Chrome", "Safari"]
        .into_iter()
        .find(|b| agent.contains(b))
        .map_or("Browser", |b| if b == "Edg" { "Edge" } else { b });
    let system = ["Windows", "Android", "iPhone", "Mac OS", "Linux"].into_iter().find(|s| agent.contains(s)).unwrap_or("");
    if system.is_empty() { browser.to_string() } else { format!("{browser}, {system}") }
}
