//! Sign-in with a local or directory (LDAP) account.

use crate::api::{self, Failure};
use crate::app::use_session;
use crate::components::ErrorBox;
use crate::i18n::use_i18n;
use gloo_net::http::Method;
use helpdesk_core::api::Me;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn Login() -> impl IntoView {
    let i = use_i18n();
    let session = use_session();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        failure.set(None);
        let body = serde_json::json!({"username": username.get_untracked(), "password": password.get_untracked()});
        spawn_local(async move {
            match api::send::<Me>(Method::POST, "/api/auth/login", &body).await {
                Ok(me) => session.start(me, i),
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card narrow">
            <h1>{move || i.t("login.title")}</h1>
            <form on:submit=submit>
                <div class="field">
                    <label for="username">{move || i.t("login.username")}</label>
                    <input id="username" name="username" autocomplete="username" required
                        prop:value=username on:input=move |ev| username.set(event_target_value(&ev))/>
                </div>
                <div class="field">
                    <label for="password">{move || i.t("login.password")}</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required
                        prop:value=password on:input=move |ev| password.set(event_target_value(&ev))/>
                </div>
                {move || failure.get().map(|f| view! { <ErrorBox failure=f/> })}
                <button type="submit" class="primary" disabled=busy>{move || i.t("login.submit")}</button>
            </form>
        </section>
    }
}
