//! The signed-in person's notification settings (`/settings/notifications`, where every message
//! links): which notices come through which channel, quiet hours, and the time zone they are in.
//! The server checks what is saved (the same `Preferences::validate` for everyone); its problems
//! show at their fields, and a save over settings changed elsewhere says so and shows the latest.

mod apps;
mod reach;

use crate::api::{self, Failure};
use crate::components::{ErrorBox, loaded};
use crate::i18n::{I18n, use_i18n, wire};
use chrono::{NaiveTime, Timelike};
use gloo_net::http::Method;
use helpdesk_core::notify::{ChannelKind, ContactSummary, Notice, NotificationSettings, Preferences, QuietHours};
use helpdesk_core::{ErrorCode, FieldError, FieldErrorCode};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;
use wasm_bindgen::JsCast;

const URL: &str = "/api/auth/me/notifications";

/// What quiet hours start as when someone first turns them on.
const NIGHT: (&str, &str) = ("22:00", "07:00");

/// How the last save went, said in the page's live region.
#[derive(Clone, PartialEq)]
enum Outcome {
    None,
    Saved,
    /// Refused with problems at fields (kept in the form).
    Refused,
    /// Saved elsewhere meanwhile: the latest settings are shown instead.
    Conflict,
    Failed(Failure),
}

#[component]
pub fn NotificationSettingsPage() -> impl IntoView {
    let i = use_i18n();
    let reload = RwSignal::new(0u32);
    let outcome = RwSignal::new(Outcome::None);
    let problems = RwSignal::new(Vec::<FieldError>::new());
    let said_here = RwSignal::new(String::new());
    // The Telegram chat, browsers and phones linked: the answers of linking and removing replace
    // the list, so the form (and its unsaved changes) stays as it is.
    let contacts = RwSignal::new(Vec::<ContactSummary>::new());
    let settings = api::Fetched::<NotificationSettings>::of(Signal::derive(move || {
        reload.track();
        URL.to_string()
    }));
    let content = move || {
        Suspend::new(async move {
            match settings.load().await {
                Err(f) => view! { <ErrorBox failure=f retry=Callback::new(move |_| reload.update(|n| *n += 1))/> }.into_any(),
                Ok(s) => {
                    contacts.set(s.contacts.clone());
                    view! {
                        <SettingsForm settings=s.clone() outcome=outcome problems=problems reload=reload contacts=contacts/>
                        <reach::Reach settings=s contacts=contacts said_here=said_here/>
                    }
                    .into_any()
                }
            }
        })
    };
    view! {
        <section class="settings">
            <h1>{move || i.t("notify.settings")}</h1>
            <p class="muted">{move || i.t("settings.intro")}</p>
            {loaded(content)}
            <div class="save-status" role="status">{move || status(i, outcome.get(), problems)}</div>
            <reach::ReachStatus said=said_here/>
            <apps::SignedInApps/>
        </section>
    }
}

/// The live region's words for the last save.
fn status(i: I18n, outcome: Outcome, problems: RwSignal<Vec<FieldError>>) -> Option<AnyView> {
    Some(match outcome {
        Outcome::None => return None,
        Outcome::Saved => view! { <p class="ok">{move || i.t("settings.saved")}</p> }.into_any(),
        Outcome::Conflict => view! { <p class="error">{move || i.t("settings.conflict")}</p> }.into_any(),
        Outcome::Failed(f) => view! { <p class="error">{move || i.failure(&f)}</p> }.into_any(),
        Outcome::Refused => view! {
            <div class="error">
                <p>{move || i.t("form.fix_marked")}</p>
                <ul>{move || problems.get().into_iter().map(|p| {
                    view! { <li>{move || format!("{}: {}", label_of(i, &p.field), problem_text(i, &p))}</li> }
                }).collect_view()}</ul>
            </div>
        }
        .into_any(),
    })
}

/// A field of the preferences as the page labels it.
fn label_of(i: I18n, field: &str) -> String {
    match field {
        "time_zone" => i.t("settings.time_zone").to_string(),
        "quiet_hours" => i.t("settings.quiet_hours").to_string(),
        _ => match field.strip_prefix("channels.").map(|n| i.t(&format!("notice.{n}"))) {
            Some(name) if !name.is_empty() => name.to_string(),
            _ => i.t("settings.notice").to_string(),
        },
    }
}

/// What is wrong with a field, in the words of this page where the general ones would not fit.
fn problem_text(i: I18n, problem: &FieldError) -> &'static str {
    match (problem.field.as_str(), problem.code) {
        ("quiet_hours", FieldErrorCode::Invalid) => i.t("settings.quiet_same"),
        ("quiet_hours", FieldErrorCode::Required) => i.t("settings.quiet_times"),
        ("time_zone", FieldErrorCode::Invalid) => i.t("settings.time_zone_invalid"),
        (_, FieldErrorCode::NotEligible) => i.t("settings.not_eligible"),
        _ => i.field_error(problem),
    }
}

/// The settings being edited.
#[derive(Clone, Copy)]
struct Form {
    channels: RwSignal<BTreeMap<Notice, Vec<ChannelKind>>>,
    quiet: RwSignal<bool>,
    from: RwSignal<String>,
    until: RwSignal<String>,
    time_zone: RwSignal<String>,
    /// The version the settings were read at, sent with a save.
    version: RwSignal<u64>,
    busy: RwSignal<bool>,
    problems: RwSignal<Vec<FieldError>>,
    outcome: RwSignal<Outcome>,
}

impl Form {
    fn new(problems: RwSignal<Vec<FieldError>>, outcome: RwSignal<Outcome>) -> Self {
        Form {
            channels: RwSignal::new(BTreeMap::new()),
            quiet: RwSignal::new(false),
            from: RwSignal::new(NIGHT.0.into()),
            until: RwSignal::new(NIGHT.1.into()),
            time_zone: RwSignal::new(String::new()),
            version: RwSignal::new(0),
            busy: RwSignal::new(false),
            problems,
            outcome,
        }
    }

    /// Shows stored preferences. Never saved (version 0, zone UTC): the browser's zone is offered
    /// instead, for the person to save.
    fn fill(self, p: &Preferences) {
        self.channels.set(p.channels.clone());
        self.quiet.set(p.quiet_hours.is_some());
        if let Some(q) = p.quiet_hours {
            self.from.set(hh_mm(q.from));
            self.until.set(hh_mm(q.until));
        }
        let zone = if p.version == 0 && p.time_zone == "UTC" {
            browser_zone().unwrap_or_else(|| p.time_zone.clone())
        } else {
            p.time_zone.clone()
        };
        self.time_zone.set(zone);
        self.version.set(p.version);
    }

    /// Something was changed: the last save's outcome no longer describes the form.
    fn touched(self) {
        if self.outcome.with_untracked(|o| *o != Outcome::None) {
            self.outcome.set(Outcome::None);
        }
    }

    /// Whether any notice goes through `channel`.
    fn chooses(self, channel: ChannelKind) -> bool {
        self.channels.with(|c| c.values().any(|list| list.contains(&channel)))
    }

    fn wants(self, notice: Notice, channel: ChannelKind) -> bool {
        self.channels.with(|c| c.get(&notice).is_some_and(|list| list.contains(&channel)))
    }

    /// Turns a channel on or off for a notice, keeping the channels in the page's order.
    fn set(self, notice: Notice, channel: ChannelKind, on: bool, order: &[ChannelKind]) {
        self.channels.update(|all| {
            let list = all.entry(notice).or_default();
            let chosen: Vec<ChannelKind> = order.iter().copied().filter(|c| if *c == channel { on } else { list.contains(c) }).collect();
            *list = chosen;
        });
        self.touched();
    }

    /// The preferences to save: the notices this account receives (each with its channels, none
    /// for off), quiet hours if on.
    fn preferences(self, notices: &[Notice]) -> Result<Preferences, Vec<FieldError>> {
        let quiet_hours = if self.quiet.get_untracked() {
            match (time_of(&self.from.get_untracked()), time_of(&self.until.get_untracked())) {
                (Some(from), Some(until)) => Some(QuietHours { from, until }),
                _ => return Err(vec![FieldError::new("quiet_hours", FieldErrorCode::Required, "both times as HH:MM")]),
            }
        } else {
            None
        };
        let chosen = self.channels.get_untracked();
        Ok(Preferences {
            channels: notices.iter().map(|n| (*n, chosen.get(n).cloned().unwrap_or_default())).collect(),
            quiet_hours,
            time_zone: self.time_zone.get_untracked().trim().to_string(),
            version: self.version.get_untracked(),
        })
    }

    fn problem(self, field: &str) -> Option<FieldError> {
        self.problems.with(|all| all.iter().find(|p| p.field == field).cloned())
    }

    fn invalid(self, field: &'static str) -> impl Fn() -> &'static str + Send + Sync + 'static {
        move || if self.problem(field).is_some() { "true" } else { "false" }
    }

    /// The problem with `field` under its control, whose `aria-describedby` names `{id}`.
    fn message(self, field: String, id: String) -> impl IntoView {
        let i = use_i18n();
        move || self.problem(&field).map(|p| view! { <p class="field-error" id=id.clone()>{move || problem_text(i, &p)}</p> })
    }

    fn save(self, notices: Vec<Notice>, reload: RwSignal<u32>) {
        self.outcome.set(Outcome::None);
        let preferences = match self.preferences(&notices) {
            Ok(p) => p,
            Err(problems) => {
                self.problems.set(problems);
                self.outcome.set(Outcome::Refused);
                return;
            }
        };
        self.problems.set(Vec::new());
        self.busy.set(true);
        spawn_local(async move {
            match api::send::<NotificationSettings>(Method::PUT, URL, &preferences).await {
                Ok(saved) => {
                    self.fill(&saved.preferences);
                    self.outcome.set(Outcome::Saved);
                }
                Err(Failure::Api(e)) if e.code == ErrorCode::ValidationFailed => {
                    self.problems.set(e.fields);
                    self.outcome.set(Outcome::Refused);
                }
                Err(Failure::Api(e)) if e.code == ErrorCode::VersionConflict => {
                    self.outcome.set(Outcome::Conflict);
                    reload.update(|n| *n += 1);
                }
                // The session ended: the app says so and offers sign-in; the form stays.
                Err(Failure::Api(e)) if e.code == ErrorCode::Unauthenticated => {}
                Err(f) => self.outcome.set(Outcome::Failed(f)),
            }
            self.busy.set(false);
        });
    }
}

/// A time as a time input shows it: `07:30`. (By hand: chrono's format strings would add their
/// parser and printer to the bundle.)
pub(crate) fn hh_mm(t: NaiveTime) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// What a time input holds (`07:30`, or `07:30:00` with seconds), if it is a time.
pub(crate) fn time_of(value: &str) -> Option<NaiveTime> {
    let mut parts = value.split(':');
    let (h, m) = (parts.next()?, parts.next()?);
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)
}

/// The zone the browser runs in (an IANA name), if it says.
pub(crate) fn browser_zone() -> Option<String> {
    let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
    js_sys::Reflect::get(&format.resolved_options(), &"timeZone".into()).ok()?.as_string().filter(|z| !z.is_empty())
}

/// The zones the browser knows (`Intl.supportedValuesOf`), offered as the input's suggestions.
pub(crate) fn known_zones() -> Vec<String> {
    let zones = || -> Option<js_sys::Array> {
        let intl = js_sys::Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
        let list = js_sys::Reflect::get(&intl, &"supportedValuesOf".into()).ok()?.dyn_into::<js_sys::Function>().ok()?;
        list.call1(&intl, &"timeZone".into()).ok()?.dyn_into::<js_sys::Array>().ok()
    };
    zones().map(|a| a.iter().filter_map(|z| z.as_string()).collect()).unwrap_or_default()
}

#[component]
fn SettingsForm(
    settings: NotificationSettings,
    outcome: RwSignal<Outcome>,
    problems: RwSignal<Vec<FieldError>>,
    reload: RwSignal<u32>,
    contacts: RwSignal<Vec<ContactSummary>>,
) -> impl IntoView {
    let i = use_i18n();
    let form = Form::new(problems, outcome);
    form.fill(&settings.preferences);
    let NotificationSettings { notices, channels, has_phone, .. } = settings;
    // A channel that reaches only what is linked (Telegram, browsers, phones), chosen for some
    // notice while nothing of its kind is: said under the grid, and by the channel's boxes.
    let unlinked = move |channel: ChannelKind| {
        channel.is_linked() && form.chooses(channel) && !contacts.with(|all| all.iter().any(|c| c.channel == channel))
    };
    let sms_off = !has_phone && channels.contains(&ChannelKind::Sms);
    let sla_note = notices.contains(&Notice::SlaBreached);
    let save = {
        let notices = notices.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            form.save(notices.clone(), reload);
        }
    };
    let heads = channels.iter().map(|c| {
        let key = format!("via.{}", wire(c));
        view! { <th scope="col">{move || i.t(&key)}</th> }
    });
    let rows = notices.iter().map(|&notice| {
        let name = wire(&notice);
        let field = format!("channels.{name}");
        let error_id = format!("channels-{name}-error");
        let boxes = channels.iter().map(|&channel| {
            // A notice some channels cannot carry (the weekly report: mail only) has no box there.
            if !notice.channels().contains(&channel) {
                return view! { <td></td> }.into_any();
            }
            let disabled = sms_off && channel == ChannelKind::Sms;
            let (notice_key, channel_key) = (format!("notice.{name}"), format!("via.{}", wire(&channel)));
            let label = move || i.t("settings.notice_by").replace("{notice}", i.t(&notice_key)).replace("{channel}", i.t(&channel_key));
            let described = {
                let error_id = error_id.clone();
                let hint = format!("{}-hint", wire(&channel));
                move || match (disabled, unlinked(channel)) {
                    (true, _) => format!("{error_id} sms-hint"),
                    (false, true) => format!("{error_id} {hint}"),
                    (false, false) => error_id.clone(),
                }
            };
            let field = field.clone();
            let order = channels.clone();
            view! {
                <td>
                    <input type="checkbox" aria-label=label disabled=disabled aria-describedby=described
                        aria-invalid=move || form.problem(&field).is_some().to_string()
                        prop:checked=move || form.wants(notice, channel)
                        on:change=move |ev| form.set(notice, channel, event_target_checked(&ev), &order)/>
                </td>
            }
            .into_any()
        });
        let key = format!("notice.{name}");
        view! {
            <tr>
                <th scope="row">{move || i.t(&key)}{form.message(field.clone(), error_id.clone())}</th>
                {boxes.collect_view()}
            </tr>
        }
    });
    let zones = known_zones().into_iter().map(|z| view! { <option value=z/> }).collect_view();
    view! {
        <form class="card" on:submit=save novalidate>
            <div class="table-wrap">
                <table class="notices">
                    <thead><tr><th scope="col">{move || i.t("settings.notice")}</th>{heads.collect_view()}</tr></thead>
                    <tbody>{rows.collect_view()}</tbody>
                </table>
            </div>
            {sms_off.then(|| view! { <p class="help" id="sms-hint">{move || i.t("settings.sms_needs_phone")}</p> })}
            {move || {
                ChannelKind::LINKED.into_iter().filter(|c| unlinked(*c)).map(|c| {
                    let (id, key) = (format!("{}-hint", wire(&c)), format!("via.{}", wire(&c)));
                    view! { <p class="help" id=id>{move || i.t("settings.nothing_linked").replace("{channel}", i.t(&key))}</p> }
                }).collect_view()
            }}
            <fieldset class="quiet">
                <legend>{move || i.t("settings.quiet_hours")}</legend>
                <label class="choice">
                    <input type="checkbox" id="quiet-on" prop:checked=form.quiet
                        on:change=move |ev| { form.quiet.set(event_target_checked(&ev)); form.touched() }/>
                    {move || i.t("settings.quiet_on")}
                </label>
                {move || form.quiet.get().then(|| view! {
                    <div class="row">
                        <QuietTime form=form id="quiet-from" label="settings.quiet_from" value=form.from/>
                        <QuietTime form=form id="quiet-until" label="settings.quiet_until" value=form.until/>
                    </div>
                    {form.message("quiet_hours".into(), "quiet_hours-error".into())}
                })}
                {sla_note.then(|| view! { <p class="help">{move || i.t("settings.quiet_note")}</p> })}
            </fieldset>
            <div class="field">
                <label for="time-zone">{move || i.t("settings.time_zone")}</label>
                <input id="time-zone" list="time-zones" autocomplete="off" spellcheck="false" prop:value=form.time_zone
                    aria-invalid=form.invalid("time_zone") aria-describedby="time-zone-help time_zone-error"
                    on:input=move |ev| { form.time_zone.set(event_target_value(&ev)); form.touched() }/>
                <datalist id="time-zones">{zones}</datalist>
                <p class="help" id="time-zone-help">{move || i.t("settings.time_zone_help")}</p>
                {form.message("time_zone".into(), "time_zone-error".into())}
            </div>
            <button type="submit" class="primary" disabled=form.busy>{move || i.t("common.save")}</button>
        </form>
    }
}

/// One end of the quiet hours: a labelled time input whose problems are the quiet hours' own.
#[component]
fn QuietTime(form: Form, id: &'static str, label: &'static str, value: RwSignal<String>) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="field">
            <label for=id>{move || i.t(label)}</label>
            <input id=id type="time" required prop:value=value
                aria-invalid=form.invalid("quiet_hours") aria-describedby="quiet_hours-error"
                on:input=move |ev| { value.set(event_target_value(&ev)); form.touched() }/>
        </div>
    }
}
