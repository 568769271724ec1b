//! The page a satisfaction link opens, signed in or not: the click in the mail chose good or bad,
//! one more click sends it, with a comment if the requester likes. A page rather than a link that
//! records when opened: mail scanners open links, and they must not vote.

use crate::api::{self, Failure};
use crate::components::ErrorBox;
use crate::i18n::{use_i18n, wire};
use gloo_net::http::Method;
use helpdesk_core::rating::{Rating, RatingReceipt, RatingRequest};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;

#[component]
pub fn RatePage() -> impl IntoView {
    let i = use_i18n();
    let query = use_query_map();
    let token = query.with_untracked(|q| q.get("token").unwrap_or_default());
    // The mail's choice, made already; none when the link carries no known one (the reader picks).
    let chosen = RwSignal::new(match query.with_untracked(|q| q.get("rating")).as_deref() {
        Some("good") => Some(Rating::Good),
        Some("bad") => Some(Rating::Bad),
        _ => None,
    });
    let comment = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<Failure>);
    let receipt = RwSignal::new(None::<RatingReceipt>);
    let busy = RwSignal::new(false);
    let sent_token = token.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(rating) = chosen.get_untracked() else { return };
        busy.set(true);
        failure.set(None);
        let said = comment.get_untracked();
        let request = RatingRequest { token: sent_token.clone(), rating, comment: Some(said.trim().to_string()).filter(|c| !c.is_empty()) };
        spawn_local(async move {
            match api::send::<RatingReceipt>(Method::POST, "/api/ratings", &request).await {
                Ok(done) => receipt.set(Some(done)),
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let choice = move |rating: Rating| {
        let id = format!("rating-{}", wire(&rating));
        let key = format!("rate.{}", wire(&rating));
        view! {
            <label class="choice">
                <input type="radio" id=id name="rating" value=wire(&rating)
                    prop:checked=move || chosen.get() == Some(rating) on:change=move |_| chosen.set(Some(rating))/>
                {move || i.t(&key)}
            </label>
        }
    };
    let form = move || {
        view! {
            <form on:submit=submit.clone()>
                <fieldset>
                    <legend>{move || i.t("rate.intro")}</legend>
                    <div class="choices">
                        {choice(Rating::Good)}
                        {choice(Rating::Bad)}
                    </div>
                </fieldset>
                <div class="field">
                    <label for="rating-comment">{move || i.t("rate.comment")}</label>
                    <textarea id="rating-comment" rows="4" maxlength=helpdesk_core::rating::MAX_RATING_COMMENT_CHARS.to_string()
                        prop:value=comment on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                </div>
                {move || failure.get().map(|f| view! { <ErrorBox failure=f/> })}
                <button type="submit" class="primary" disabled=move || busy.get() || chosen.get().is_none()>{move || i.t("rate.send")}</button>
            </form>
        }
    };
    let has_token = !token.is_empty();
    view! {
        <section class="card narrow">
            <h1>{move || i.t("rate.title")}</h1>
            {move || match receipt.get() {
                Some(done) => view! { <p role="status">{i.t("rate.thanks").replace("{ticket}", &done.ticket)}</p> }.into_any(),
                None if has_token => form().into_any(),
                None => view! { <p>{move || i.t("rate.no_token")}</p> }.into_any(),
            }}
        </section>
    }
}
