//! Admin: the Telegram group chat that hears an agent group's notices (the API lets the group's
//! agents do this too). Linked as a person links theirs: a one-time link, opened in Telegram,
//! which adds the bot to the chosen group chat; then "Check again" shows the chat.

use crate::api::{self, Failure};
use crate::components::Loading;
use crate::i18n::{I18n, use_i18n};
use gloo_net::http::Method;
use helpdesk_core::notify::ContactSummary;
use helpdesk_core::notify::contacts::TelegramLinkOffer;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;

/// `GET`/`DELETE /api/groups/{id}/telegram`: the linked chat, if any.
#[derive(Deserialize)]
struct GroupChat {
    chat: Option<ContactSummary>,
}

/// What the section last did, said in its live region.
#[derive(Clone, PartialEq)]
enum Said {
    Nothing,
    NotYet,
    Linked,
    Unlinked,
    Failed(Failure),
}

fn said(i: I18n, said: &Said) -> String {
    match said {
        Said::Nothing => String::new(),
        Said::NotYet => i.t("telegram.group_not_yet").into(),
        Said::Linked => i.t("telegram.group_done").into(),
        Said::Unlinked => i.t("telegram.group_unlinked").into(),
        Said::Failed(f) => i.failure(f),
    }
}

#[component]
pub fn GroupTelegram(group: String) -> impl IntoView {
    let i = use_i18n();
    let path = StoredValue::new(format!("/api/groups/{}/telegram", String::from(js_sys::encode_uri_component(&group))));
    // None while loading; the answers of POST and DELETE update it, so no reload is needed.
    let chat = RwSignal::new(None::<Result<Option<ContactSummary>, Failure>>);
    let offer = RwSignal::new(None::<TelegramLinkOffer>);
    let message = RwSignal::new(Said::Nothing);
    let busy = RwSignal::new(false);
    // Loads the chat; `checking`: the person says they pressed Start, so say whether it took.
    let load = move |checking: bool| {
        busy.set(true);
        spawn_local(async move {
            let answer = api::get::<GroupChat>(&path.get_value()).await.map(|g| g.chat);
            if checking {
                message.set(match &answer {
                    Ok(Some(_)) => Said::Linked,
                    Ok(None) => Said::NotYet,
                    Err(f) => Said::Failed(f.clone()),
                });
            }
            if matches!(answer, Ok(Some(_))) {
                offer.set(None);
            }
            chat.set(Some(answer));
            busy.set(false);
        });
    };
    load(false);
    let link = move |_| {
        busy.set(true);
        message.set(Said::Nothing);
        spawn_local(async move {
            match api::send::<TelegramLinkOffer>(Method::POST, &path.get_value(), &serde_json::json!({})).await {
                Ok(o) => offer.set(Some(o)),
                Err(f) => message.set(Said::Failed(f)),
            }
            busy.set(false);
        });
    };
    let unlink = move |_| {
        busy.set(true);
        spawn_local(async move {
            match api::send::<GroupChat>(Method::DELETE, &path.get_value(), &serde_json::json!({})).await {
                Ok(g) => {
                    chat.set(Some(Ok(g.chat)));
                    message.set(Said::Unlinked);
                }
                Err(f) => message.set(Said::Failed(f)),
            }
            busy.set(false);
        });
    };
    let current = move || {
        chat.get().map(|answer| match answer {
            Err(f) => view! { <p class="error">{move || i.failure(&f)}</p> }.into_any(),
            Ok(None) => view! {
                <p class="muted">{move || i.t("telegram.group_none")}</p>
                <button type="button" disabled=busy on:click=link>{move || i.t("telegram.group_link")}</button>
            }
            .into_any(),
            Ok(Some(c)) => {
                let text = move || i.t("telegram.group_chat").replace("{chat}", &c.device).replace("{when}", &i.when(c.added_at));
                view! {
                    <p>{text}</p>
                    <button type="button" disabled=busy on:click=unlink>{move || i.t("telegram.group_unlink")}</button>
                }
                .into_any()
            }
        })
    };
    let offered = move || {
        offer.get().map(|o| {
            let until = move || i.t("telegram.group_steps").replace("{until}", &i.when(o.expires_at));
            view! {
                <p class="help">{until}</p>
                <p><a href=o.url.clone() target="_blank" rel="noopener">{o.url.clone()}</a></p>
                <button type="button" disabled=busy on:click=move |_| load(true)>{move || i.t("telegram.check_again")}</button>
            }
        })
    };
    view! {
        <section class="card" aria-labelledby="group-telegram-title">
            <h2 id="group-telegram-title">{move || i.t("telegram.group_title")}</h2>
            <p class="help">{move || i.t("telegram.group_intro")}</p>
            {move || if chat.with(Option::is_none) { Some(view! { <Loading/> }) } else { None }}
            {current}
            {offered}
            <div class="reach-status" role="status">{move || message.with(|m| said(i, m))}</div>
        </section>
    }
}
