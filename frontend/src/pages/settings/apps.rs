//! "Signed-in apps": the API tokens native apps signed in with, each revocable. Apps get them by
//! signing in with the password; here they are only listed and revoked.

use crate::api::{self, Failure};
use crate::components::{ErrorBox, loaded};
use crate::i18n::use_i18n;
use gloo_net::http::Method;
use helpdesk_core::api::{ApiTokenSummary, Items};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn SignedInApps() -> impl IntoView {
    let i = use_i18n();
    let reload = RwSignal::new(0u32);
    let status = RwSignal::new(None::<Result<(), Failure>>);
    let tokens = api::Fetched::<Items<ApiTokenSummary>>::of(Signal::derive(move || {
        reload.track();
        "/api/auth/me/tokens".to_string()
    }));
    let revoke = move |id: String| {
        spawn_local(async move {
            let answer = api::send::<serde_json::Value>(Method::DELETE, &format!("/api/auth/me/tokens/{id}"), &serde_json::json!({})).await;
            status.set(Some(answer.map(|_| ())));
            reload.update(|n| *n += 1);
        });
    };
    let content = move || {
        Suspend::new(async move {
            match tokens.load().await {
                Err(f) => view! { <ErrorBox failure=f retry=Callback::new(move |_| reload.update(|n| *n += 1))/> }.into_any(),
                Ok(list) if list.items.is_empty() => view! { <p class="muted">{move || i.t("tokens.none")}</p> }.into_any(),
                Ok(list) => {
                    let rows = list
                        .items
                        .into_iter()
                        .map(|t| {
                            let name = t.name.clone();
                            let label = move || i.t("tokens.revoke_named").replace("{name}", &name);
                            let id = t.id.clone();
                            view! {
                                <li>
                                    <strong>{t.name.clone()}</strong> " "
                                    <span class="muted">{move || i.t("tokens.since").replace("{when}", &i.when(t.created_at))}</span> " "
                                    <button type="button" aria-label=label on:click=move |_| revoke(id.clone())>{move || i.t("tokens.revoke")}</button>
                                </li>
                            }
                        })
                        .collect_view();
                    view! { <ul class="contacts">{rows}</ul> }.into_any()
                }
            }
        })
    };
    view! {
        <section class="card" aria-labelledby="apps-title">
            <h2 id="apps-title">{move || i.t("tokens.title")}</h2>
            <p class="help">{move || i.t("tokens.intro")}</p>
            {loaded(content)}
            <div class="apps-status" role="status">
                {move || match status.get() {
                    Some(Ok(())) => i.t("tokens.revoked").to_string(),
                    Some(Err(f)) => i.failure(&f),
                    None => String::new(),
                }}
            </div>
        </section>
    }
}
