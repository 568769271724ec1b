//! Attachments: the one upload box the new-ticket form and the reply/note box share (paste,
//! drop, file picker, camera on phones, screen recording), and the files a message carries in the
//! conversation (images as thumbnails, other files as links).
//!
//! Each file is checked here first (type, size, how many), then gets a place from
//! `POST /api/uploads`; the browser puts the bytes straight into the file store with the grant's
//! `PUT` (an `XMLHttpRequest`, for its progress), then asks `GET /api/uploads/{id}` until the
//! server has checked them. A form is sent only when every file is ready, naming their ids.

use crate::api::{self, Failure};
use crate::i18n::{I18n, use_i18n, wire};
use gloo_net::http::Method;
use helpdesk_core::FieldError;
use helpdesk_core::attachment::{AttachmentRef, DEFAULT_MAX_BYTES, DEFAULT_MAX_FILES, UploadRequest, is_allowed, is_image};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::time::Duration;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{Blob, FileList};

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

#[derive(Clone)]
struct Item {
    key: u32,
    name: String,
    size: u64,
    /// An object URL of the image, for its preview.
    preview: Option<String>,
    state: RwSignal<State>,
}

/// The files of one form.
#[derive(Clone, Copy)]
pub struct Uploads {
    items: RwSignal<Vec<Item>>,
}

impl Default for Uploads {
    fn default() -> Self {
        Uploads { items: RwSignal::new(Vec::new()) }
    }
}

thread_local! {
    /// The next file's number, for the ids that link its name and status.
    static NEXT: Cell<u32> = const { Cell::new(0) };
}

impl Uploads {
    /// The ids to send, once every file is ready; `None` while one is not.
    pub fn ready(self) -> Option<Vec<String>> {
        self.items.with_untracked(|items| {
            items.iter().map(|f| if let State::Ready(id) = f.state.get_untracked() { Some(id) } else { None }).collect()
        })
    }

    /// Why the form cannot be sent yet (a catalogue key), reactively: files still on their way, or
    /// files that could not be attached and are still listed.
    pub fn blocked(self) -> Option<&'static str> {
        self.items.with(|items| {
            let states: Vec<State> = items.iter().map(|f| f.state.get()).collect();
            if states.iter().any(|s| matches!(s, State::Failed(_))) {
                Some("upload.remove_failed")
            } else if states.iter().any(|s| !matches!(s, State::Ready(_))) {
                Some("upload.wait")
            } else {
                None
            }
        })
    }

    /// Empties the box (after sending).
    pub fn clear(self) {
        for item in self.items.get_untracked() {
            forget_preview(&item);
        }
        self.items.set(Vec::new());
    }

    /// Marks the files the server refused when the form was sent (`attachments[i]`: the i-th file
    /// sent, which is the i-th listed, as only ready ones are sent).
    pub fn refused(self, errors: &[FieldError]) {
        self.items.with_untracked(|items| {
            for e in errors {
                let index = e.field.strip_prefix("attachments[").and_then(|r| r.strip_suffix(']')).and_then(|n| n.parse::<usize>().ok());
                if let Some(item) = index.and_then(|n| items.get(n)) {
                    item.state.set(State::Failed("upload.refused".into()));
                }
            }
        });
    }

    fn remove(self, key: u32) {
        self.items.update(|items| {
            items.retain(|f| {
                let keep = f.key != key;
                if !keep {
                    forget_preview(f);
                }
                keep
            })
        });
    }

    fn listed(self, key: u32) -> bool {
        self.items.with_untracked(|items| items.iter().any(|f| f.key == key))
    }

    fn add_list(self, list: Option<FileList>) {
        let Some(list) = list else { return };
        for n in 0..list.length() {
            if let Some(file) = list.get(n) {
                self.add(&file, file.name());
            }
        }
    }

    /// Lists a file, checks it, and starts sending it when it may be attached.
    fn add(self, blob: &Blob, name: String) {
        let size = blob.size() as u64;
        let kind = content_type(blob.type_(), &name);
        let taken =
            self.items.with_untracked(|items| items.iter().filter(|f| !matches!(f.state.get_untracked(), State::Failed(_))).count());
        let problem = if taken >= DEFAULT_MAX_FILES {
            "upload.too_many"
        } else if size == 0 {
            "upload.empty"
        } else if size > DEFAULT_MAX_BYTES {
            "upload.too_large"
        } else if !is_allowed(&kind) {
            "upload.type"
        } else {
            ""
        };
        let ok = problem.is_empty();
        let preview = if ok && is_image(&kind) { web_sys::Url::create_object_url_with_blob(blob).ok() } else { None };
        let state = RwSignal::new(if ok { State::Sending(0) } else { State::Failed(problem.into()) });
        let key = NEXT.get();
        NEXT.set(key + 1);
        self.items.update(|items| items.push(Item { key, name: name.clone(), size, preview, state }));
        if ok {
            let blob = blob.clone();
            let body = UploadRequest { file_name: name, size, content_type: kind };
            spawn_local(async move {
                match api::send::<Value>(Method::POST, "/api/uploads", &body).await {
                    Ok(grant) => put(self, key, &grant, &blob, state),
                    Err(Failure::Api(e)) if !e.fields.is_empty() => {
                        let problem = match e.fields[0].field.as_str() {
                            "size" if size > DEFAULT_MAX_BYTES => "upload.too_large",
                            "size" => "upload.empty",
                            "content_type" => "upload.type",
                            _ => "upload.failed",
                        };
                        state.set(State::Failed(problem.into()))
                    }
                    Err(f) => state.set(State::Failed(failure_key(&f))),
                }
            });
        }
    }

    /// A paste into the form: files on the clipboard (a screenshot) are attached; text pastes as
    /// usual.
    pub fn paste(self, ev: web_sys::ClipboardEvent) {
        let Some(data) = ev.clipboard_data() else { return };
        if data.get_data("text/plain").is_ok_and(|t| !t.is_empty()) {
            return;
        }
        if data.files().is_some_and(|f| f.length() > 0) {
            ev.prevent_default();
            self.add_list(data.files());
        }
    }

    /// Files dragged over the form may be dropped.
    pub fn drag(self, ev: web_sys::DragEvent) {
        if ev.data_transfer().is_some_and(|d| d.types().includes(&"Files".into(), 0)) {
            ev.prevent_default();
        }
    }

    pub fn drop(self, ev: web_sys::DragEvent) {
        let files = ev.data_transfer().and_then(|d| d.files());
        if files.as_ref().is_some_and(|f| f.length() > 0) {
            ev.prevent_default();
            self.add_list(files);
        }
    }
}

fn forget_preview(item: &Item) {
    if let Some(url) = &item.preview {
        let _ = web_sys::Url::revoke_object_url(url);
    }
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
fn put(up: Uploads, key: u32, grant: &Value, blob: &Blob, state: RwSignal<State>) {
    let (Some(id), Some(url)) = (grant["upload"]["id"].as_str(), grant["url"].as_str()) else {
        state.set(State::Failed("upload.failed".into()));
        return;
    };
    let id = id.to_string();
    let Ok(xhr) = web_sys::XmlHttpRequest::new() else { return };
    if xhr.open("PUT", url).is_err() {
        state.set(State::Failed("upload.failed".into()));
        return;
    }
    if let Some(headers) = grant["headers"].as_object() {
        for (name, value) in headers {
            let _ = xhr.set_request_header(name, value.as_str().unwrap_or_default());
        }
    }
    let progress = Closure::<dyn Fn(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
        if e.length_computable() && e.total() > 0.0 {
            state.set(State::Sending((e.loaded() * 100.0 / e.total()) as u32));
        }
    });
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    let sent = xhr.clone();
    let done = Closure::once_into_js(move || {
        drop(progress);
        if sent.status().is_ok_and(|s| (200..300).contains(&s)) {
            state.set(State::Checking);
            poll(up, key, id, state, 0);
        } else {
            state.set(State::Failed("upload.failed".into()));
        }
    });
    xhr.set_onloadend(Some(done.unchecked_ref()));
    if xhr.send_with_opt_blob(Some(blob)).is_err() {
        state.set(State::Failed("upload.failed".into()));
    }
}

/// Asks how the upload fared until it is ready or refused (or it takes too long).
fn poll(up: Uploads, key: u32, id: String, state: RwSignal<State>, tries: u32) {
    if !up.listed(key) {
        return;
    }
    spawn_local(async move {
        let answer = api::get::<Value>(&format!("/api/uploads/{id}")).await;
        match answer.as_ref().map(|u| u["state"].as_str().unwrap_or_default()) {
            Ok("ready") => state.set(State::Ready(id)),
            Ok("rejected") => {
                let reason = answer.as_ref().ok().and_then(|u| u["reason"].as_str()).unwrap_or("empty").to_string();
                state.set(State::Failed(format!("upload.rejected.{reason}")))
            }
            Ok(_) | Err(Failure::Network) if tries < POLL_TRIES => {
                set_timeout(move || poll(up, key, id, state, tries + 1), Duration::from_millis(POLL_MILLIS))
            }
            Ok(_) => state.set(State::Failed("upload.timeout".into())),
            Err(f) => state.set(State::Failed(failure_key(f))),
        }
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
/// and problems. The form around it forwards pastes and drops ([`Uploads::paste`], [`Uploads::drop`]).
pub fn attach(up: Uploads) -> impl IntoView {
    let i = use_i18n();
    let take = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        up.add_list(input.files());
        input.set_value("");
    };
    let list = move || {
        up.items.get().into_iter().map(move |f| {
            let Item { key, name, size, preview, state } = f;
            let name_id = format!("upload-{key}");
            let status_id = format!("{name_id}-status");
            let remove_label = format!("{} {name}", i.t("upload.remove"));
            let failed = move || matches!(state.get(), State::Failed(_));
            let percent = move || match state.get() {
                State::Sending(p) => p.min(100),
                _ => 100,
            };
            // What is happening to the file, or what went wrong, in one live region.
            let status = move || {
                let key = match state.get() {
                    State::Sending(_) => "upload.sending".to_string(),
                    State::Checking => "upload.checking".to_string(),
                    State::Ready(_) => "upload.ready".to_string(),
                    State::Failed(key) => key,
                };
                message(i, &key)
            };
            view! {
                <li class="file">
                    {preview.map(|src| view! { <img class="preview" src=src alt=""/> })}
                    <span id=name_id.clone()>{name}</span>
                    <span class="muted">{size_text(i, size)}</span>
                    <progress max="100" prop:value=percent aria-labelledby=name_id aria-describedby=status_id.clone() hidden=failed></progress>
                    <span id=status_id.clone() role="status" class=move || if failed() { "field-error" } else { "muted" }>{status}</span>
                    <button type="button" class="remove" aria-label=remove_label aria-describedby=status_id on:click=move |_| up.remove(key)>"×"</button>
                </li>
            }
        }).collect_view()
    };
    view! {
        <div class="attach" role="group" aria-labelledby="attach-title">
            <span class="label" id="attach-title">{move || i.t("upload.title")}</span>
            <p class="help">{move || message(i, "upload.hint")}</p>
            <div class="actions">
                <button type="button" on:click=|_| click("attach-files")>{move || i.t("upload.choose")}</button>
                <button type="button" class="camera" on:click=|_| click("attach-camera")>{move || i.t("upload.camera")}</button>
                {can_record().then(|| recorder(up))}
            </div>
            <input type="file" id="attach-files" multiple hidden on:change=take/>
            <input type="file" id="attach-camera" accept="image/*,video/*" capture="environment" hidden on:change=take/>
            <ul class="files">{list}</ul>
        </div>
    }
}

/// Opens a (hidden) file input's picker.
fn click(id: &str) {
    if let Some(input) = document().get_element_by_id(id).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        input.click()
    }
}

thread_local! {
    /// The screen recording under way (one at a time).
    static RECORDER: RefCell<Option<web_sys::MediaRecorder>> = const { RefCell::new(None) };
}

/// Whether this browser can record the screen (desktop browsers; not phones).
fn can_record() -> bool {
    let has = |target: &wasm_bindgen::JsValue, name: &str| js_sys::Reflect::has(target, &name.into()).unwrap_or(false);
    let devices = js_sys::Reflect::get(&window().navigator(), &"mediaDevices".into()).unwrap_or_default();
    !devices.is_undefined() && has(&devices, "getDisplayMedia") && has(&js_sys::global(), "MediaRecorder")
}

fn stop_recording() {
    if let Some(recorder) = RECORDER.take() {
        let _ = recorder.stop();
    }
}

/// "Record the screen": asks which screen, window or tab to record, records it as WebM with a
/// running clock, and attaches the video when it stops (by the same button, by the browser's own
/// "stop sharing", or at [`MAX_RECORDING_SECONDS`]).
fn recorder(up: Uploads) -> impl IntoView {
    let i = use_i18n();
    // Seconds recorded; `None` while not recording.
    let clock = RwSignal::new(None::<u32>);
    let failed = RwSignal::new(false);
    let toggle = move |_| {
        if clock.get_untracked().is_some() {
            return stop_recording();
        }
        failed.set(false);
        let constraints = web_sys::DisplayMediaStreamConstraints::new();
        constraints.set_video_bool(true);
        let Some(promise) = window().navigator().media_devices().ok().and_then(|d| d.get_display_media_with_constraints(&constraints).ok())
        else {
            return failed.set(true);
        };
        let granted = Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(move |stream: wasm_bindgen::JsValue| {
            if !record(up, stream.unchecked_into(), clock) {
                failed.set(true)
            }
        });
        // Choosing nothing is no failure.
        let refused = Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(move |e: wasm_bindgen::JsValue| {
            let name = js_sys::Reflect::get(&e, &"name".into()).ok().and_then(|n| n.as_string());
            failed.set(name.as_deref() != Some("NotAllowedError"))
        });
        let _ = promise.then2(&granted, &refused);
        granted.forget();
        refused.forget();
    };
    let minutes = |s: u32| format!("{}:{:02}", s / 60, s % 60);
    view! {
        <button type="button" on:click=toggle>{move || i.t(if clock.get().is_some() { "upload.stop" } else { "upload.record" })}</button>
        <span class="recording" role="timer" hidden=move || clock.get().is_none()>
            {move || format!("{} {} / {}", i.t("upload.recording"), minutes(clock.get().unwrap_or(0)), minutes(MAX_RECORDING_SECONDS))}
        </span>
        <span class="field-error" role="alert" hidden=move || !failed.get()>{move || i.t("upload.record_failed")}</span>
    }
}

/// Records `stream` until stopped; `false` when this browser cannot record it as WebM.
fn record(up: Uploads, stream: web_sys::MediaStream, clock: RwSignal<Option<u32>>) -> bool {
    let end_tracks = {
        let stream = stream.clone();
        move || stream.get_tracks().for_each(&mut |t, _, _| t.unchecked_into::<web_sys::MediaStreamTrack>().stop())
    };
    let options = web_sys::MediaRecorderOptions::new();
    options.set_mime_type("video/webm");
    let Ok(recorder) = web_sys::MediaRecorder::new_with_media_stream_and_media_recorder_options(&stream, &options) else {
        end_tracks();
        return false;
    };
    let chunks = js_sys::Array::new();
    let kept = chunks.clone();
    let data = Closure::<dyn Fn(web_sys::BlobEvent)>::new(move |e: web_sys::BlobEvent| {
        if let Some(blob) = e.data() {
            kept.push(&blob);
        }
    });
    recorder.set_ondataavailable(Some(data.as_ref().unchecked_ref()));
    let ticker = set_interval_with_handle(
        move || {
            clock.update(|s| *s = s.map(|s| s + 1));
            if clock.get_untracked().is_some_and(|s| s >= MAX_RECORDING_SECONDS) {
                stop_recording();
            }
        },
        Duration::from_secs(1),
    )
    .ok();
    let stopped = Closure::once_into_js(move || {
        drop(data);
        if let Some(ticker) = ticker {
            ticker.clear();
        }
        end_tracks();
        clock.set(None);
        let bag = web_sys::BlobPropertyBag::new();
        bag.set_type("video/webm");
        if let Ok(video) = Blob::new_with_blob_sequence_and_options(&chunks, &bag) {
            up.add(&video, "screen-recording.webm".into());
        }
    });
    recorder.set_onstop(Some(stopped.unchecked_ref()));
    // The browser's own "Stop sharing" ends the video: the recording ends with it.
    let ended = Closure::<dyn Fn()>::new(stop_recording).into_js_value();
    stream
        .get_video_tracks()
        .for_each(&mut |t, _, _| t.unchecked_into::<web_sys::MediaStreamTrack>().set_onended(Some(ended.unchecked_ref())));
    if recorder.start().is_err() {
        return false;
    }
    clock.set(Some(0));
    RECORDER.set(Some(recorder));
    true
}

/// The files a message carries: images as thumbnails, every file as a link with its name and size.
/// Links are short-lived, so each click asks for a fresh one.
pub fn files(list: Vec<AttachmentRef>) -> impl IntoView {
    let i = use_i18n();
    (!list.is_empty()).then(|| {
        let items = list.into_iter().map(move |f| {
            let path = format!("/api/attachments/{}", f.id);
            let thumbnail = is_image(&f.content_type).then(|| {
                let src = RwSignal::new(String::new());
                let link = path.clone();
                spawn_local(async move {
                    if let Some(url) = api::get::<Value>(&link).await.ok().and_then(|l| l["url"].as_str().map(str::to_string)) {
                        src.set(url)
                    }
                });
                view! { <img src=move || { let s = src.get(); (!s.is_empty()).then_some(s) } alt=""/> }
            });
            let open = path.clone();
            view! {
                <li>
                    <a class="thumb" href=path on:click=move |ev: leptos::ev::MouseEvent| { ev.prevent_default(); open_file(open.clone()) }>
                        {thumbnail}{f.name}
                    </a>
                    " "<span class="muted">{size_text(i, f.size)}</span>
                </li>
            }
        });
        view! { <ul class="files attached">{items.collect_view()}</ul> }
    })
}

/// Opens an attached file in a new tab with a fresh link. The tab opens at the click (so no
/// pop-up blocker stops it) and goes to the file once the link is in.
fn open_file(path: String) {
    let tab = window().open_with_url_and_target("", "_blank").ok().flatten();
    if let Some(tab) = &tab {
        let _ = js_sys::Reflect::set(tab, &"opener".into(), &wasm_bindgen::JsValue::NULL);
    }
    spawn_local(async move {
        let url = api::get::<Value>(&path).await.ok().and_then(|l| l["url"].as_str().map(str::to_string));
        match (tab, url) {
            (Some(tab), Some(url)) => drop(tab.location().set_href(&url)),
            (Some(tab), None) => drop(tab.close()),
            (None, Some(url)) => drop(window().location().set_href(&url)),
            (None, None) => {}
        }
    });
}
