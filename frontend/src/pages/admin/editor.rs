//! What the admin forms share: the state of a save (saved, refused with field problems, failed),
//! inputs that show the server's problem with their own value beneath them, the summary that
//! names each problem by its field's visible label (never the API's member name), and the editor
//! of one record of a list (users, groups).

use crate::api::{self, Answer, Failure};
use crate::components::ErrorBox;
use crate::i18n::{I18n, use_i18n};
use gloo_net::http::Method;
use helpdesk_core::{ErrorCode, FieldError};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Names a field of the API's input (`name`, `fields[2].options`) as the form labels it.
pub type Labeller = fn(I18n, &str) -> String;

/// Says what is wrong with a field in its form's own words, where the general ones (by the
/// problem's code) would not say enough; `None` keeps the general words.
pub type Explainer = std::sync::Arc<dyn Fn(I18n, &FieldError) -> Option<&'static str> + Send + Sync>;

/// The last save of a form: saved, or refused with problems by field, or failed.
#[derive(Clone, Copy)]
pub struct FormState {
    pub saved: RwSignal<bool>,
    pub problems: RwSignal<Vec<FieldError>>,
    pub failure: RwSignal<Option<Failure>>,
    label: Labeller,
    explain: StoredValue<Option<Explainer>>,
}

impl FormState {
    pub fn new(label: Labeller) -> Self {
        FormState {
            saved: RwSignal::new(false),
            problems: RwSignal::new(Vec::new()),
            failure: RwSignal::new(None),
            label,
            explain: StoredValue::new(None),
        }
    }

    /// This form's own words for some problems (under the field and in the summary).
    pub fn explained(self, explain: impl Fn(I18n, &FieldError) -> Option<&'static str> + Send + Sync + 'static) -> Self {
        self.explain.set_value(Some(std::sync::Arc::new(explain)));
        self
    }

    /// What is wrong with a field, for people.
    pub fn message(self, i: I18n, problem: &FieldError) -> &'static str {
        self.explain.with_value(|e| e.as_ref().and_then(|e| e(i, problem))).unwrap_or_else(|| i.field_error(problem))
    }

    pub fn clear(self) {
        self.saved.set(false);
        self.problems.set(Vec::new());
        self.failure.set(None);
    }

    /// Records how a save went; the saved record, if it was.
    pub fn finish<T>(self, answer: Answer<T>) -> Option<T> {
        self.clear();
        match answer {
            Ok(record) => {
                self.saved.set(true);
                Some(record)
            }
            Err(Failure::Api(e)) if e.code == ErrorCode::ValidationFailed => {
                self.problems.set(e.fields);
                None
            }
            Err(f) => {
                self.failure.set(Some(f));
                None
            }
        }
    }

    /// The first problem with `field`, if any (reactive).
    pub fn problem(self, field: &str) -> Option<FieldError> {
        self.problems.with(|all| all.iter().find(|p| p.field == field).cloned())
    }

    /// `aria-invalid` of the control for `field`.
    pub fn invalid(self, field: String) -> impl Fn() -> &'static str + Send + Sync + 'static {
        move || if self.problem(&field).is_some() { "true" } else { "false" }
    }
}

/// The problem with `field`, under its control (whose `aria-describedby` is `{id}-error`).
pub fn field_message(state: FormState, field: String, id: &str) -> impl IntoView + use<> {
    let i = use_i18n();
    let id = format!("{id}-error");
    move || state.problem(&field).map(|p| view! { <p class="field-error" id=id.clone()>{state.message(i, &p)}</p> })
}

/// A labelled text input for the input member `field`, marked when the server refused it.
pub fn text_input(
    state: FormState,
    id: String,
    field: impl Into<String>,
    label: impl Fn() -> String + Send + Sync + 'static,
    get: impl Fn() -> String + Send + Sync + 'static,
    set: impl Fn(String) + 'static,
) -> AnyView {
    erased_input(state, id, field.into(), Box::new(label), Box::new(get), Box::new(set))
}

type Text = Box<dyn Fn() -> String + Send + Sync>;

/// [`text_input`] without its closures' types: one copy of the view for every input.
fn erased_input(state: FormState, id: String, field: String, label: Text, get: Text, set: Box<dyn Fn(String)>) -> AnyView {
    view! {
        <div class="field">
            <label for=id.clone()>{move || label()}</label>
            <input id=id.clone() aria-invalid=state.invalid(field.clone()) aria-describedby=format!("{id}-error")
                prop:value=get on:input=move |ev| set(event_target_value(&ev))/>
            {field_message(state, field, &id)}
        </div>
    }
    .into_any()
}

/// [`text_input`] labelled by a catalogue key.
pub fn text_field(
    state: FormState,
    id: &str,
    field: &str,
    label_key: &'static str,
    get: impl Fn() -> String + Send + Sync + 'static,
    set: impl Fn(String) + 'static,
) -> AnyView {
    let i = use_i18n();
    text_input(state, id.to_string(), field, move || i.t(label_key).to_string(), get, set)
}

/// "Saved.", or why not: every problem by the label of its field, or the failure.
#[component]
pub fn Outcome(state: FormState) -> impl IntoView {
    let i = use_i18n();
    view! {
        {move || state.saved.get().then(|| view! { <p class="ok" role="status">{move || i.t("admin.saved")}</p> })}
        {move || {
            let problems = state.problems.get();
            (!problems.is_empty()).then(|| view! {
                <div class="error" role="alert">
                    <p>{move || i.t("form.fix_marked")}</p>
                    <ul>{problems.iter().map(|p| {
                        let p = p.clone();
                        view! { <li>{move || format!("{}: {}", (state.label)(i, &p.field), state.message(i, &p))}</li> }
                    }).collect_view()}</ul>
                </div>
            })
        }}
        {move || state.failure.get().map(|f| view! { <ErrorBox failure=f/> })}
    }
}

/// Optional text: blank is none.
pub fn optional(v: String) -> Option<String> {
    (!v.trim().is_empty()).then_some(v)
}

/// The record a list page (users, groups) is editing: its id (`None` while new) and the input,
/// the id typed for a new one, the last save, and a counter that reloads the list.
pub struct Editor<I: Send + Sync + 'static> {
    pub editing: RwSignal<Option<(Option<String>, I)>>,
    pub new_id: RwSignal<String>,
    pub state: FormState,
    pub reload: RwSignal<u32>,
}

impl<I: Send + Sync + 'static> Clone for Editor<I> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<I: Send + Sync + 'static> Copy for Editor<I> {}

impl<I: Clone + serde::Serialize + Send + Sync + 'static> Editor<I> {
    pub fn new(label: Labeller) -> Self {
        Editor {
            editing: RwSignal::new(None),
            new_id: RwSignal::new(String::new()),
            state: FormState::new(label),
            reload: RwSignal::new(0),
        }
    }

    /// Starts editing `input` (of the record `id`, or a new one).
    pub fn open(self, id: Option<String>, input: I) {
        self.state.clear();
        self.new_id.set(String::new());
        self.editing.set(Some((id, input)));
    }

    pub fn edit(self, f: &dyn Fn(&mut I)) {
        self.editing.update(|e| {
            if let Some((_, input)) = e.as_mut() {
                f(input)
            }
        })
    }

    pub fn get(self, f: &dyn Fn(&I) -> String) -> String {
        self.editing.with(|e| e.as_ref().map(|(_, input)| f(input)).unwrap_or_default())
    }

    /// Creates (POST to `collection`) or replaces (PUT to `collection/{id}`) the record; a saved
    /// record stays open as stored, and the list reloads.
    pub fn save<T: serde::de::DeserializeOwned + 'static>(
        self,
        collection: &'static str,
        set_id: fn(&mut I, String),
        stored: fn(&T) -> (String, I),
    ) {
        self.save_then(collection, set_id, stored, |_: &T| {})
    }

    /// [`Editor::save`], and `then` hears the record as stored (for what the input does not hold).
    pub fn save_then<T: serde::de::DeserializeOwned + 'static>(
        self,
        collection: &'static str,
        set_id: fn(&mut I, String),
        stored: fn(&T) -> (String, I),
        then: impl FnOnce(&T) + 'static,
    ) {
        let Some((id, mut input)) = self.editing.get_untracked() else { return };
        spawn_local(async move {
            let answer = match id {
                None => {
                    set_id(&mut input, self.new_id.get_untracked());
                    api::send::<T>(Method::POST, collection, &input).await
                }
                Some(id) => api::send::<T>(Method::PUT, &format!("{collection}/{id}"), &input).await,
            };
            if let Some(record) = self.state.finish(answer) {
                then(&record);
                let (id, input) = stored(&record);
                self.editing.set(Some((Some(id), input)));
                self.reload.update(|n| *n += 1);
            }
        });
    }
}

/// A cursor-paged list's previous and next buttons: `cursors` holds the cursors of the pages
/// before this one and of this one, `next` the cursor of the page after it (none: the last page).
pub fn pager(i: I18n, cursors: RwSignal<Vec<String>>, next: Option<String>) -> impl IntoView {
    let has_next = next.is_some();
    view! {
        <div class="pager">
            <button type="button" disabled=move || cursors.with(Vec::is_empty)
                on:click=move |_| cursors.update(|c| { c.pop(); })>{move || i.t("list.previous")}</button>
            <button type="button" disabled=!has_next
                on:click=move |_| if let Some(c) = next.clone() { cursors.update(|cs| cs.push(c)) }>{move || i.t("list.next")}</button>
        </div>
    }
}

/// A list's table head: one column per catalogue key.
pub fn table_head(keys: &'static [&'static str]) -> impl IntoView {
    let i = use_i18n();
    view! { <thead><tr>{keys.iter().map(|k| view! { <th scope="col">{move || i.t(k)}</th> }).collect_view()}</tr></thead> }
}
