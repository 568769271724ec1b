//! Articles offered while a requester describes a problem on the new-ticket form: asked for once
//! typing pauses, in the reader's language and the chosen topic. "This solved my problem" counts
//! the article as having helped, and no ticket is filed. Suggestions never stand in the way of
//! filing: they load on their own, and when they cannot, nothing is shown.

use super::{article_path, debounced};
use crate::api::{self, Failure, segment};
use crate::components::ErrorBox;
use crate::i18n::use_i18n;
use gloo_net::http::Method;
use helpdesk_core::knowledge::DeflectionInput;
use helpdesk_core::search::{MAX_QUERY_CHARS, SearchResults};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Characters typed before articles are suggested.
const MIN_CHARS: usize = 3;
/// How long typing pauses before asking.
const PAUSE_MS: u64 = 300;

/// The words to search by: the subject, then the description, whole words up to what the API
/// takes (the last word is matched as the start of a word).
fn query_text(subject: &str, description: &str) -> String {
    let mut text = String::new();
    for word in subject.split_whitespace().chain(description.split_whitespace()) {
        let extra = word.chars().count() + usize::from(!text.is_empty());
        if text.chars().count() + extra > MAX_QUERY_CHARS {
            break;
        }
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(word);
    }
    text
}

/// The suggestions under the form; `solved` is set when one of them answered the problem.
#[component]
pub fn Suggestions(
    subject: RwSignal<String>,
    description: RwSignal<String>,
    #[prop(into)] topic: Signal<Option<String>>,
    solved: RwSignal<bool>,
) -> impl IntoView {
    let i = use_i18n();
    let words = debounced(move || query_text(&subject.get(), &description.get()), PAUSE_MS);
    let found = api::Fetched::<SearchResults>::new(Signal::derive(move || {
        let words = words.get();
        (words.chars().count() >= MIN_CHARS).then(|| {
            let pairs = [("q", words), ("lang", i.code().to_string()), ("topic", topic.get().unwrap_or_default())];
            api::with_query("/api/search/suggest", &pairs)
        })
    }));
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);
    let solve = move |id: String| {
        busy.set(true);
        failure.set(None);
        let body = DeflectionInput { topic: topic.get_untracked() };
        spawn_local(async move {
            let url = format!("/api/kb/articles/{}/deflections", segment(&id));
            match api::send_only(Method::POST, &url, &body).await {
                Ok(()) => {
                    solved.try_set(true);
                    // The button has gone with the form: the focus goes to what replaced it.
                    request_animation_frame(|| {
                        use wasm_bindgen::JsCast;
                        if let Some(el) = document().get_element_by_id("solved").and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok()) {
                            let _ = el.focus();
                        }
                    });
                }
                Err(f) => {
                    failure.try_set(Some(f));
                }
            }
            busy.try_set(false);
        });
    };
    // Silent when the suggestions could not be had: the form works without them. The same
    // articles found again are not drawn again (the focus stays on a button).
    let hits = Memo::new(move |_| found.get().and_then(Result::ok).map(|r| r.hits).unwrap_or_default());
    let count = move || hits.with(Vec::len) as u64;
    let list = move || {
        let hits = hits.get();
        (!hits.is_empty()).then(|| {
            view! {
                <section class="suggestions" aria-labelledby="suggestions-title">
                    <h2 id="suggestions-title">{move || i.t("kb.suggestions")}</h2>
                    <ul>{hits.into_iter().map(|hit| {
                        let id = hit.id.clone();
                        view! {
                            <li>
                                <a href=article_path(&hit.id) target="_blank" rel="noopener" lang=hit.lang.clone()>
                                    {hit.title.clone()}<span class="sr-only">" "{move || i.t("kb.new_tab")}</span>
                                </a>
                                {(!hit.snippet.is_empty()).then(|| view! { <p class="snippet">{hit.snippet.clone()}</p> })}
                                <button type="button" disabled=busy on:click=move |_| solve(id.clone())>{move || i.t("kb.solved")}</button>
                            </li>
                        }
                    }).collect_view()}</ul>
                    {move || failure.get().map(|f| view! { <ErrorBox failure=f/> })}
                </section>
            }
        })
    };
    view! {
        // Present before anything is found, so screen readers hear when articles are offered.
        <p class="sr-only" role="status">{move || (count() > 0).then(|| i.count("kb.suggested", count()))}</p>
        {list}
    }
}
