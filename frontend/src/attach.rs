//! Attachments: the one upload box the new-ticket form and the reply/note box share (paste,
//! drop, file picker, camera on phones, screen recording), and the files a message carries in the
//! conversation (images as thumbnails, other files as links).
//!
//! Each file is checked here first (type, size, how many), then gets a place from
//! `POST /api/uploads`; the browser puts the bytes straight into the file store with the grant's
//! `PUT` (an `XMLHttpRequest`, for its progress), then asks `GET /api/uploads/{id}` until the
//! server has checked them. A form is sent only when every file is ready, naming their ids.
//!
//! The box is drawn with plain DOM calls and one event listener for the whole page (clicks,
//! changes, pastes, drops), not with reactive views: that keeps it a few kilobytes in the bundle.
//! There is at most one box on a page; its state lives here ([`BOARD`]) and survives the form
//! being drawn anew (the ticket page redraws after each change).

use crate::api::{self, Failure};
use crate::i18n::{I18n, use_i18n, wire};
use gloo_net::http::Method;
use helpdesk_core::FieldError;
use helpdesk_core::attachment::{AttachmentRef, DEFAULT_MAX_BYTES, DEFAULT_MAX_FILES, UploadRequest, is_image, normalized_type};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::time::Duration;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue, UnwrapThrowExt};
use web_sys::{Blob, Element, FileList};

/// The longest screen recording, in seconds: it stops itself then.
pub const MAX_RECORDING_SECONDS: u32 = 3 * 60;
/// How often, and how many times, to ask whether an uploaded file has been checked.
const POLL_MILLIS: u64 = 500;
const POLL_TRIES: u32 = 60;

#[derive(Clone, PartialEq)]
enum State {
    /// Percent of the bytes sent.
    Sending(u32),
    /// Sent; the server checks them.
    Checking,
    /// Checked: its upload id.
    Ready(String),
    /// The catalogue key of what went wrong.
    Failed(String),
}

struct Item {
    key: u32,
    name: String,
    size: u64,
    /// An object URL of the image, for its preview.
    preview: Option<String>,
    state: State,
}

/// The files of one form: a handle on the box's state.
#[derive(Clone, Copy)]
pub struct Uploads {
    id: u32,
    /// Why the form cannot be sent yet (a catalogue key), or empty.
    blocked: RwSignal<String>,
}

impl Default for Uploads {
    /// A form's files, for as long as its page is shown: leaving the page ends a screen recording
    /// (the capture too) and forgets the files.
    fn default() -> Self {
        let up = Uploads { id: next(), blocked: RwSignal::new(String::new()) };
        on_cleanup(move || {
            stop_recording();
            BOARD.with_borrow_mut(|b| {
                b.clock = None;
                show_clock(b);
                if b.up.is_some_and(|u| u.id == up.id) {
                    b.items.retain(|f| !forget_preview(f));
                    b.up = None;
                }
            });
        });
        up
    }
}

/// The box on the page: whose it is, its files, and the screen recorder's state.
#[derive(Default)]
struct Board {
    up: Option<Uploads>,
    i18n: Option<I18n>,
    items: Vec<Item>,
    /// Seconds recorded; `None` while not recording.
    clock: Option<u32>,
    recorder: Option<web_sys::MediaRecorder>,
    /// The browser is asking which screen to record.
    asking: bool,
}

thread_local! {
    static BOARD: RefCell<Board> = RefCell::default();
    static NEXT: Cell<u32> = const { Cell::new(0) };
}

/// A number for an id: of a form's uploads, of a listed file.
fn next() -> u32 {
    let n = NEXT.get();
    NEXT.set(n + 1);
    n
}

/// Runs `f` on the board if it is `up`'s (a form no longer shown changes nothing).
fn board<R: Default>(up: Uploads, f: impl FnOnce(&mut Board) -> R) -> R {
    BOARD.with_borrow_mut(|b| if b.up.is_some_and(|u| u.id == up.id) { f(b) } else { R::default() })
}

impl Uploads {
    /// The ids to send, once every file is ready; `None` while one is not.
    pub fn ready(self) -> Option<Vec<String>> {
        // A box not (yet) on the page has no files.
        board(self, |b| Some(b.items.iter().map(|f| if let State::Ready(id) = &f.state { Some(id.clone()) } else { None }).collect()))
            .unwrap_or(Some(Vec::new()))
    }

    /// Empties the box (after sending).
    pub fn clear(self) {
        board(self, |b| b.items.retain(|f| !forget_preview(f)));
        self.changed(true);
    }

    /// Marks the files the server refused when the form was sent (`attachments[i]`: the i-th file
    /// sent, which is the i-th listed, as only ready ones are sent).
    pub fn refused(self, errors: &[FieldError]) {
        for e in errors {
            let index = e.field.strip_prefix("attachments[").and_then(|r| r.strip_suffix(']')).and_then(|n| n.parse::<usize>().ok());
            if let Some(key) = index.and_then(|n| board(self, |b| b.items.get(n).map(|f| f.key))) {
                self.set(key, State::Failed("upload.refused".into()));
            }
        }
    }

    /// A file's new state: shown at the file, and the form told whether it may be sent.
    fn set(self, key: u32, state: State) {
        board(self, |b| {
            if let Some(f) = b.items.iter_mut().find(|f| f.key == key) {
                f.state = state;
                show_state(b.i18n, f);
            }
        });
        self.changed(false);
    }

    /// After files came or went or changed: what the form waits for, and the list when `redraw`.
    fn changed(self, redraw: bool) {
        let why = board(self, |b| {
            if redraw {
                draw_list(b);
            }
            if b.items.iter().any(|f| matches!(f.state, State::Failed(_))) {
                "upload.remove_failed"
            } else if b.items.iter().any(|f| !matches!(f.state, State::Ready(_))) {
                "upload.wait"
            } else {
                ""
            }
        });
        if self.blocked.get_untracked() != why {
            self.blocked.set(why.to_string());
        }
    }

    fn remove(self, key: u32) {
        board(self, |b| {
            b.items.retain(|f| f.key != key || !forget_preview(f));
        });
        self.changed(true);
        // The button is gone: the keyboard goes on from the box's first button.
        if let Some(button) = document().get_element_by_id("attach-choose") {
            let _ = button.unchecked_into::<web_sys::HtmlElement>().focus();
        }
    }

    fn listed(self, key: u32) -> bool {
        board(self, |b| b.items.iter().any(|f| f.key == key))
    }

    fn add_list(self, list: Option<FileList>) {
        let Some(list) = list else { return };
        for n in 0..list.length() {
            if let Some(file) = list.get(n) {
                self.add(&file, file.name());
            }
        }
    }

    /// Lists a file, checks it, and starts sending it when it may be attached (not for a form no
    /// longer shown, such as a recording that ends after leaving the page).
    fn add(self, blob: &Blob, name: String) {
        if !board(self, |_| true) {
            return;
        }
        let size = blob.size() as u64;
        // As the allow-list spells it (`image/heic` is sent as `image/heif`).
        let kind = normalized_type(&content_type(blob.type_(), &name));
        let taken = board(self, |b| b.items.iter().filter(|f| !matches!(f.state, State::Failed(_))).count());
        let problem = if taken >= DEFAULT_MAX_FILES {
            "upload.too_many"
        } else if size == 0 {
            "upload.empty"
        } else if size > DEFAULT_MAX_BYTES {
            "upload.too_large"
        } else if kind.is_none() {
            "upload.type"
        } else {
            ""
        };
        let kind = kind.unwrap_or_default();
        let ok = problem.is_empty();
        let preview = if ok && is_image(kind) { web_sys::Url::create_object_url_with_blob(blob).ok() } else { None };
        let state = if ok { State::Sending(0) } else { State::Failed(problem.into()) };
        let key = next();
        board(self, |b| b.items.push(Item { key, name: name.clone(), size, preview, state }));
        self.changed(true);
        if ok {
            let blob = blob.clone();
            let body = UploadRequest { file_name: name, size, content_type: kind.into() };
            spawn_local(async move {
                let problem = match api::send::<Value>(Method::POST, "/api/uploads", &body).await {
                    Ok(grant) => return put(self, key, &grant, &blob),
                    Err(Failure::Api(e)) if !e.fields.is_empty() => match e.fields[0].field.as_str() {
                        "size" if size > DEFAULT_MAX_BYTES => "upload.too_large".into(),
                        "size" => "upload.empty".into(),
                        "content_type" => "upload.type".into(),
                        _ => "upload.failed".into(),
                    },
                    Err(f) => failure_key(&f),
                };
                self.set(key, State::Failed(problem))
            });
        }
    }
}

/// Revokes a file's preview; `true`, for `retain`.
fn forget_preview(item: &Item) -> bool {
    if let Some(url) = &item.preview {
        let _ = web_sys::Url::revoke_object_url(url);
    }
    true
}

/// The type to announce: what the browser says, or for logs it cannot name, plain text.
fn content_type(reported: String, name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    if reported.is_empty() && (lower.ends_with(".log") || lower.ends_with(".txt")) { "text/plain".into() } else { reported }
}

fn failure_key(failure: &Failure) -> String {
    match failure {
        Failure::Network => "error.network".into(),
        Failure::Api(e) => format!("error.{}", wire(&e.code)),
    }
}

/// Sends the bytes as the grant says, reporting progress; then waits for the server's check.
fn put(up: Uploads, key: u32, grant: &Value, blob: &Blob) {
    let failed = move || up.set(key, State::Failed("upload.failed".into()));
    let (Some(id), Some(url), Ok(xhr)) = (grant["upload"]["id"].as_str(), grant["url"].as_str(), web_sys::XmlHttpRequest::new()) else {
        return failed();
    };
    if xhr.open("PUT", url).is_err() {
        return failed();
    }
    if let Some(headers) = grant["headers"].as_object() {
        for (name, value) in headers {
            let _ = xhr.set_request_header(name, value.as_str().unwrap_or_default());
        }
    }
    let progress = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
        let e: web_sys::ProgressEvent = e.unchecked_into();
        if e.length_computable() && e.total() > 0.0 {
            up.set(key, State::Sending((e.loaded() * 100.0 / e.total()) as u32));
        }
    });
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    let sent = xhr.clone();
    let id = id.to_string();
    let mut progress = Some(progress);
    let done = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
        // Fired once: the progress handler goes with it.
        progress.take();
        if sent.status().is_ok_and(|s| (200..300).contains(&s)) {
            up.set(key, State::Checking);
            poll(up, key, id.clone(), 0);
        } else {
            failed();
        }
    });
    xhr.set_onloadend(Some(done.into_js_value().unchecked_ref()));
    if xhr.send_with_opt_blob(Some(blob)).is_err() {
        failed();
    }
}

/// Asks how the upload fared until it is ready or refused (or it takes too long).
fn poll(up: Uploads, key: u32, id: String, tries: u32) {
    if !up.listed(key) {
        return;
    }
    spawn_local(async move {
        let answer = api::get::<Value>(&format!("/api/uploads/{id}")).await;
        let state = match answer.as_ref().map(|u| u["state"].as_str().unwrap_or_default()) {
            Ok("ready") => State::Ready(id),
            Ok("rejected") => {
                let reason = answer.as_ref().ok().and_then(|u| u["reason"].as_str()).unwrap_or("empty");
                State::Failed(format!("upload.rejected.{reason}"))
            }
            Ok(_) | Err(Failure::Network) if tries < POLL_TRIES => {
                return set_timeout(move || poll(up, key, id, tries + 1), Duration::from_millis(POLL_MILLIS));
            }
            Ok(_) => State::Failed("upload.timeout".into()),
            Err(f) => State::Failed(failure_key(f)),
        };
        up.set(key, state)
    });
}

/// A size as people read it: "340 KB", "2.5 MB".
pub fn size_text(i: I18n, bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes < MB {
        format!("{} {}", bytes.div_ceil(1024), i.t("unit.kb"))
    } else {
        let tenths = (bytes * 10).div_ceil(MB) as f64 / 10.0;
        format!("{} {}", String::from(js_sys::Number::from(tenths).to_locale_string(i.t("locale"))), i.t("unit.mb"))
    }
}

/// A message's text with the limits filled in.
fn message(i: I18n, key: &str) -> String {
    let text = i.t(key);
    let text = if text.is_empty() { i.t("error.internal") } else { text };
    text.replace("{mb}", &(DEFAULT_MAX_BYTES / 1024 / 1024).to_string()).replace("{n}", &DEFAULT_MAX_FILES.to_string())
}

/// The upload box: what may be attached and how, the buttons, and the files with their progress
/// and problems. Drawn into its place once it is on the page, and again in another language.
pub fn attach(up: Uploads) -> impl IntoView {
    let i = use_i18n();
    listen();
    // Drawn once the box is on the page, and again when the language changes.
    let redraw = move || {
        i.lang.track();
        queue_microtask(move || {
            BOARD.with_borrow_mut(|b| {
                if b.up.is_none_or(|u| u.id != up.id) {
                    b.items.retain(|f| !forget_preview(f));
                    b.up = Some(up);
                }
                b.i18n = Some(i);
                draw(b);
            });
            up.changed(false);
        })
    };
    view! { <div class="attach" id="attach" role="group" aria-labelledby="attach-title"></div>{redraw} }
}

/// Adds an element to `parent`: its attributes (`hidden` and other flags with an empty value) and
/// its text.
fn add(parent: &Element, tag: &str, attributes: &[(&str, &str)], text: &str) -> Element {
    let element = document().create_element(tag).unwrap_throw();
    for (name, value) in attributes {
        let _ = element.set_attribute(name, value);
    }
    if !text.is_empty() {
        element.set_text_content(Some(text));
    }
    let _ = parent.append_child(&element);
    element
}

fn by_id(id: &str) -> Option<Element> {
    document().get_element_by_id(id)
}

fn hide(element: &Element, hidden: bool) {
    let _ = if hidden { element.set_attribute("hidden", "") } else { element.remove_attribute("hidden") };
}

fn draw(b: &Board) {
    let (Some(root), Some(i)) = (by_id("attach"), b.i18n) else { return };
    root.set_text_content(None);
    add(&root, "span", &[("class", "label"), ("id", "attach-title")], i.t("upload.title"));
    add(&root, "p", &[("class", "help")], &message(i, "upload.hint"));
    let actions = add(&root, "div", &[("class", "actions")], "");
    add(&actions, "button", &[("type", "button"), ("id", "attach-choose"), ("data-act", "choose")], i.t("upload.choose"));
    add(&actions, "button", &[("type", "button"), ("class", "camera"), ("data-act", "camera")], i.t("upload.camera"));
    if can_record() {
        add(&actions, "button", &[("type", "button"), ("id", "attach-record"), ("data-act", "record")], "");
        add(&actions, "span", &[("class", "recording"), ("id", "attach-clock"), ("role", "timer")], "");
        add(
            &actions,
            "span",
            &[("class", "field-error"), ("id", "attach-record-failed"), ("role", "alert"), ("hidden", "")],
            i.t("upload.record_failed"),
        );
        show_clock(b);
    }
    add(&root, "input", &[("type", "file"), ("id", "attach-files"), ("multiple", ""), ("hidden", "")], "");
    add(
        &root,
        "input",
        &[("type", "file"), ("id", "attach-camera"), ("accept", "image/*,video/*"), ("capture", "environment"), ("hidden", "")],
        "",
    );
    add(&root, "ul", &[("class", "files"), ("id", "attach-list")], "");
    draw_list(b);
}

/// The files, each with its name, size, progress and state, and a remove button. The progress bar
/// and the button are described by the state, so a problem is read out with its file.
fn draw_list(b: &Board) {
    let (Some(list), Some(i)) = (by_id("attach-list"), b.i18n) else { return };
    list.set_text_content(None);
    for f in &b.items {
        let id = format!("upload-{}", f.key);
        let status = format!("{id}-status");
        let li = add(&list, "li", &[("class", "file")], "");
        if let Some(src) = &f.preview {
            add(&li, "img", &[("class", "preview"), ("src", src), ("alt", "")], "");
        }
        add(&li, "span", &[("id", &id), ("class", "name")], &f.name);
        add(&li, "span", &[("class", "muted")], &size_text(i, f.size));
        add(&li, "progress", &[("id", &format!("{id}-bar")), ("max", "100"), ("aria-labelledby", &id), ("aria-describedby", &status)], "");
        add(&li, "span", &[("id", &status), ("role", "status")], "");
        let label = format!("{} {}", i.t("upload.remove"), f.name);
        let key = f.key.to_string();
        add(
            &li,
            "button",
            &[
                ("type", "button"),
                ("class", "remove"),
                ("data-act", "remove"),
                ("data-key", &key),
                ("aria-label", &label),
                ("aria-describedby", &status),
            ],
            "×",
        );
        show_state(b.i18n, f);
    }
}

/// A file's progress and state (or problem) where it is listed.
fn show_state(i: Option<I18n>, f: &Item) {
    let id = format!("upload-{}", f.key);
    let (Some(i), Some(bar), Some(status)) = (i, by_id(&format!("{id}-bar")), by_id(&format!("{id}-status"))) else { return };
    let (percent, key, failed) = match &f.state {
        State::Sending(p) => ((*p).min(100), "upload.sending", false),
        State::Checking => (100, "upload.checking", false),
        State::Ready(_) => (100, "upload.ready", false),
        State::Failed(key) => (0, key.as_str(), true),
    };
    let _ = bar.set_attribute("value", &percent.to_string());
    hide(&bar, failed);
    let _ = status.set_attribute("class", if failed { "field-error" } else { "muted" });
    status.set_text_content(Some(&message(i, key)));
}

/// The recorder's button and clock as they are now.
fn show_clock(b: &Board) {
    let (Some(i), Some(button), Some(clock)) = (b.i18n, by_id("attach-record"), by_id("attach-clock")) else { return };
    button.set_text_content(Some(i.t(if b.clock.is_some() { "upload.stop" } else { "upload.record" })));
    let minutes = |s: u32| format!("{}:{:02}", s / 60, s % 60);
    hide(&clock, b.clock.is_none());
    clock.set_text_content(Some(&format!(
        "{} {} / {}",
        i.t("upload.recording"),
        minutes(b.clock.unwrap_or(0)),
        minutes(MAX_RECORDING_SECONDS)
    )));
}

/// The form's submit button, held while files are on their way or could not be attached (and
/// saying why).
/// `labels`: the button's text, the second while `second` holds.
pub fn submit_button(up: Uploads, busy: RwSignal<bool>, labels: [&'static str; 2], second: RwSignal<bool>) -> impl IntoView {
    let i = use_i18n();
    view! {
        <button type="submit" class="primary" disabled=move || busy.get() || !up.blocked.with(String::is_empty) aria-describedby="submit-wait">
            {move || i.t(labels[usize::from(second.get())])}
        </button>
        <p class="help" id="submit-wait" role="status">{move || i.t(&up.blocked.get())}</p>
    }
}

/// One listener for the whole page, installed once: the upload box's buttons and file inputs,
/// pastes and drops of files anywhere on the page (a screenshot pasted while typing the
/// description, files dropped on the form; text pastes and drops as usual), and links to attached
/// files.
fn listen() {
    thread_local!(static LISTENING: Cell<bool> = const { Cell::new(false) });
    if LISTENING.replace(true) {
        return;
    }
    let handler = Closure::<dyn FnMut(JsValue)>::new(|ev: JsValue| {
        let ev: web_sys::Event = ev.unchecked_into();
        let kind = ev.type_();
        let target = ev.target().map(JsValue::from).unwrap_or_default();
        if kind == "click" {
            let Ok(Some(at)) = target.unchecked_ref::<Element>().closest("[data-act],a[data-file]") else { return };
            ev.prevent_default();
            let act = at.get_attribute("data-act").unwrap_or_default();
            let up = BOARD.with_borrow(|b| b.up);
            match (act.as_str(), up) {
                ("", _) => open_file(at.get_attribute("href").unwrap_or_default()),
                ("choose", _) => click("attach-files"),
                ("camera", _) => click("attach-camera"),
                ("record", Some(up)) => record(up),
                ("remove", Some(up)) => up.remove(at.get_attribute("data-key").and_then(|k| k.parse().ok()).unwrap_or(u32::MAX)),
                _ => {}
            }
            return;
        }
        let Some(up) = BOARD.with_borrow(|b| b.up).filter(|_| by_id("attach").is_some()) else { return };
        if kind == "change" {
            let input: web_sys::HtmlInputElement = target.unchecked_into();
            if input.get_attribute("id").is_some_and(|id| id.starts_with("attach-")) {
                up.add_list(input.files());
                let _ = js_sys::Reflect::set(&input, &"value".into(), &"".into());
            }
            return;
        }
        let data = if kind == "paste" {
            ev.unchecked_ref::<web_sys::ClipboardEvent>().clipboard_data()
        } else {
            ev.unchecked_ref::<web_sys::DragEvent>().data_transfer()
        };
        let Some(data) = data else { return };
        if (kind == "paste" && data.get_data("text/plain").is_ok_and(|t| !t.is_empty())) || !data.types().includes(&"Files".into(), 0) {
            return;
        }
        ev.prevent_default();
        if kind != "dragover" {
            up.add_list(data.files());
        }
    })
    .into_js_value();
    for kind in ["click", "change", "paste", "dragover", "drop"] {
        let _ = document().add_event_listener_with_callback(kind, handler.unchecked_ref());
    }
}

/// Opens a (hidden) file input's picker.
fn click(id: &str) {
    if let Some(input) = by_id(id) {
        input.unchecked_into::<web_sys::HtmlElement>().click()
    }
}

/// Whether this browser can record the screen (desktop browsers; not phones).
fn can_record() -> bool {
    let has = |target: &JsValue, name: &str| js_sys::Reflect::get(target, &name.into()).is_ok_and(|v| !v.is_undefined());
    let devices = js_sys::Reflect::get(&window().navigator(), &"mediaDevices".into()).unwrap_or_default();
    !devices.is_undefined() && has(&devices, "getDisplayMedia") && has(&js_sys::global(), "MediaRecorder")
}

fn stop_recording() {
    if let Some(recorder) = BOARD.with_borrow_mut(|b| b.recorder.take()) {
        let _ = recorder.stop();
    }
}

fn record_failed(failed: bool) {
    if let Some(note) = by_id("attach-record-failed") {
        hide(&note, !failed);
    }
}

/// "Record the screen" (or, while recording, stop): asks which screen, window or tab to record,
/// records it as WebM with a running clock, and attaches the video when it stops (by the same
/// button, by the browser's own "stop sharing", or at [`MAX_RECORDING_SECONDS`]).
fn record(up: Uploads) {
    let (recording, asking) = BOARD.with_borrow(|b| (b.clock.is_some(), b.asking));
    if recording {
        return stop_recording();
    }
    // A second click while the browser asks starts nothing more.
    if asking {
        return;
    }
    record_failed(false);
    let constraints = web_sys::DisplayMediaStreamConstraints::new();
    constraints.set_video_bool(true);
    let Some(promise) = window().navigator().media_devices().ok().and_then(|d| d.get_display_media_with_constraints(&constraints).ok())
    else {
        return record_failed(true);
    };
    let asked = |asking| BOARD.with_borrow_mut(|b| b.asking = asking);
    asked(true);
    let granted = Closure::<dyn FnMut(JsValue)>::new(move |stream: JsValue| {
        asked(false);
        record_failed(!start_recording(up, stream.unchecked_into()))
    });
    // Choosing nothing is no failure.
    let refused = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
        asked(false);
        let name = js_sys::Reflect::get(&e, &"name".into()).ok().and_then(|n| n.as_string());
        record_failed(name.as_deref() != Some("NotAllowedError"))
    });
    let _ = promise.then2(&granted, &refused);
    granted.forget();
    refused.forget();
}

/// The clock's new value, shown.
fn set_clock(clock: Option<u32>) {
    BOARD.with_borrow_mut(|b| {
        b.clock = clock;
        show_clock(b);
    });
}

/// Records `stream` until stopped (not for a form no longer shown: the capture ends at once);
/// `false` when this browser cannot record it as WebM.
fn start_recording(up: Uploads, stream: web_sys::MediaStream) -> bool {
    let end_tracks = {
        // The same stream (`stream.clone()` would be the browser's `MediaStream.clone()`: a copy
        // whose tracks' end leaves the capture running).
        let stream = Clone::clone(&stream);
        move || stream.get_tracks().iter().for_each(|t| t.unchecked_into::<web_sys::MediaStreamTrack>().stop())
    };
    if !board(up, |_| true) {
        end_tracks();
        return true;
    }
    let options = web_sys::MediaRecorderOptions::new();
    options.set_mime_type("video/webm");
    let Ok(recorder) = web_sys::MediaRecorder::new_with_media_stream_and_media_recorder_options(&stream, &options) else {
        end_tracks();
        return false;
    };
    let chunks = js_sys::Array::new();
    let kept = chunks.clone();
    let data = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
        if let Some(blob) = e.unchecked_into::<web_sys::BlobEvent>().data() {
            kept.push(&blob);
        }
    });
    recorder.set_ondataavailable(Some(data.as_ref().unchecked_ref()));
    let ticker = set_interval_with_handle(
        || {
            let seconds = BOARD.with_borrow(|b| b.clock).unwrap_or(0) + 1;
            set_clock(Some(seconds));
            if seconds >= MAX_RECORDING_SECONDS {
                stop_recording();
            }
        },
        Duration::from_secs(1),
    )
    .ok();
    let mut data = Some(data);
    let stopped = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
        data.take();
        if let Some(ticker) = ticker {
            ticker.clear();
        }
        end_tracks();
        set_clock(None);
        let bag = web_sys::BlobPropertyBag::new();
        bag.set_type("video/webm");
        if let Ok(video) = Blob::new_with_blob_sequence_and_options(&chunks, &bag) {
            up.add(&video, "screen-recording.webm".into());
        }
    });
    recorder.set_onstop(Some(stopped.into_js_value().unchecked_ref()));
    // The browser's own "Stop sharing" ends the video: the recording ends with it.
    let ended = Closure::<dyn FnMut(JsValue)>::new(|_: JsValue| stop_recording()).into_js_value();
    for track in stream.get_video_tracks().iter() {
        track.unchecked_into::<web_sys::MediaStreamTrack>().set_onended(Some(ended.unchecked_ref()));
    }
    if recorder.start().is_err() {
        return false;
    }
    BOARD.with_borrow_mut(|b| b.recorder = Some(recorder));
    set_clock(Some(0));
    true
}

/// The files a message carries: images as thumbnails, every file as a link with its name and
/// size. Links are short-lived, so a click asks for a fresh one (see [`listen`]); a thumbnail
/// gets its own once it is on the page.
pub fn files(list: Vec<AttachmentRef>) -> impl IntoView {
    let i = use_i18n();
    listen();
    let id = list.first().map(|f| format!("files-{}", f.id));
    if let Some(id) = id.clone() {
        // Filled once the list is on the page.
        queue_microtask(move || {
            let Some(ul) = by_id(&id) else { return };
            // A page drawn anew may keep the list's element: it is filled afresh.
            ul.set_text_content(None);
            for f in list {
                let path = format!("/api/attachments/{}", f.id);
                let li = add(&ul, "li", &[], "");
                let a =
                    add(&li, "a", &[("class", "thumb"), ("href", &path), ("target", "_blank"), ("rel", "noopener"), ("data-file", "")], "");
                if is_image(&f.content_type) {
                    show_image(add(&a, "img", &[("alt", "")], ""), path);
                }
                add(&a, "span", &[("class", "name")], &f.name);
                add(&li, "span", &[("class", "muted")], &size_text(i, f.size));
            }
        });
    }
    id.map(|id| view! { <ul class="files attached" id=id></ul> })
}

/// Shows on `img` the attached file at `path` (`/api/attachments/{id}`), by a fresh short-lived
/// link.
pub(crate) fn show_image(img: Element, path: String) {
    spawn_local(async move {
        if let Some(url) = link(&path).await {
            let _ = img.set_attribute("src", &url);
        }
    });
}

/// A fresh short-lived link to an attached file.
async fn link(path: &str) -> Option<String> {
    api::get::<Value>(path).await.ok().and_then(|l| l["url"].as_str().map(str::to_string))
}

/// Opens an attached file in a new tab with a fresh link. The tab opens at the click (so no
/// pop-up blocker stops it) and goes to the file once the link is in.
fn open_file(path: String) {
    let tab = window().open_with_url_and_target("", "_blank").ok().flatten();
    if let Some(tab) = &tab {
        let _ = js_sys::Reflect::set(tab, &"opener".into(), &JsValue::NULL);
    }
    spawn_local(async move {
        match (tab, link(&path).await) {
            (Some(tab), Some(url)) => drop(tab.location().set_href(&url)),
            (Some(tab), None) => drop(tab.close()),
            (None, Some(url)) => drop(window().location().set_href(&url)),
            (None, None) => {}
        }
    });
}
