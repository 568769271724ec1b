//! Web push in this browser: the service worker (`/sw.js`, which shows what arrives and opens the
//! ticket on a click) and the push subscription. Through `js_sys::Reflect` rather than web-sys's
//! push bindings: a handful of calls, without their code in the bundle.

use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Why this browser is not subscribed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// No service workers or no Push API (or a private window that refuses them).
    Unsupported,
    /// Notifications are blocked for the site (the person said no, or the browser's settings do).
    Denied,
    /// The person closed the browser's question without answering.
    Dismissed,
    /// The browser or its push service failed.
    Failed,
}

fn get(target: &JsValue, key: &str) -> Result<JsValue, Problem> {
    Reflect::get(target, &JsValue::from_str(key)).map_err(|_| Problem::Unsupported)
}

/// Calls `target.name(args…)` and waits for the promise it returns.
async fn call(target: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, Problem> {
    let function: Function = get(target, name)?.dyn_into().map_err(|_| Problem::Unsupported)?;
    let array = args.iter().collect::<js_sys::Array>();
    let promise: Promise = function.apply(target, &array).map_err(|_| Problem::Failed)?.dyn_into().map_err(|_| Problem::Failed)?;
    JsFuture::from(promise).await.map_err(|_| Problem::Failed)
}

fn window() -> JsValue {
    js_sys::global().into()
}

fn service_workers() -> Result<JsValue, Problem> {
    let container = get(&get(&window(), "navigator")?, "serviceWorker")?;
    let push = get(&window(), "PushManager")?;
    if container.is_undefined() || push.is_undefined() || get(&window(), "Notification")?.is_undefined() {
        return Err(Problem::Unsupported);
    }
    Ok(container)
}

pub fn supported() -> bool {
    service_workers().is_ok()
}

/// The registration of our service worker, registering it first if needed, once its worker is
/// active: a push service refuses to subscribe a registration whose worker is still installing
/// (as it is right after the first `register`), and `ready` waits for that.
async fn registration() -> Result<JsValue, Problem> {
    let container = service_workers()?;
    call(&container, "register", &[JsValue::from_str("/sw.js")]).await?;
    let ready: Promise = get(&container, "ready")?.dyn_into().map_err(|_| Problem::Failed)?;
    JsFuture::from(ready).await.map_err(|_| Problem::Failed)
}

fn key_bytes(base64url: &str) -> Option<Uint8Array> {
    // atob wants standard base64 with padding.
    let mut standard: String = base64url
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    while !standard.len().is_multiple_of(4) {
        standard.push('=');
    }
    let atob: Function = get(&window(), "atob").ok()?.dyn_into().ok()?;
    let binary = atob.call1(&JsValue::NULL, &JsValue::from_str(&standard)).ok()?.as_string()?;
    let bytes: Vec<u8> = binary.chars().map(|c| c as u32 as u8).collect();
    Some(Uint8Array::from(bytes.as_slice()))
}

/// Asks for permission, subscribes with the server's VAPID key, and answers the subscription's
/// JSON (what `POST /api/auth/me/push-subscriptions` takes).
pub async fn subscribe(application_server_key: &str) -> Result<String, Problem> {
    let notification = get(&window(), "Notification")?;
    let answer = call(&notification, "requestPermission", &[]).await?;
    match answer.as_string().as_deref() {
        Some("granted") => {}
        Some("denied") => return Err(Problem::Denied),
        _ => return Err(Problem::Dismissed),
    }
    let registration = registration().await?;
    let manager = get(&registration, "pushManager")?;
    let options = Object::new();
    let key = key_bytes(application_server_key).ok_or(Problem::Failed)?;
    Reflect::set(&options, &"userVisibleOnly".into(), &JsValue::TRUE).map_err(|_| Problem::Failed)?;
    Reflect::set(&options, &"applicationServerKey".into(), &key).map_err(|_| Problem::Failed)?;
    let subscription = call(&manager, "subscribe", &[options.into()]).await?;
    let json = js_sys::JSON::stringify(&subscription).map_err(|_| Problem::Failed)?;
    json.as_string().ok_or(Problem::Failed)
}

/// This browser's current subscription endpoint, if it has one.
pub async fn current_endpoint() -> Option<String> {
    let container = service_workers().ok()?;
    let registration = call(&container, "getRegistration", &[JsValue::from_str("/sw.js")]).await.ok()?;
    if registration.is_undefined() {
        return None;
    }
    let subscription = call(&get(&registration, "pushManager").ok()?, "getSubscription", &[]).await.ok()?;
    if subscription.is_null() {
        return None;
    }
    get(&subscription, "endpoint").ok()?.as_string()
}

/// Ends this browser's subscription (the server's entry is removed by the caller).
pub async fn unsubscribe() {
    let Ok(container) = service_workers() else { return };
    let Ok(registration) = call(&container, "getRegistration", &[JsValue::from_str("/sw.js")]).await else { return };
    if registration.is_undefined() {
        return;
    }
    let Ok(manager) = get(&registration, "pushManager") else { return };
    if let Ok(subscription) = call(&manager, "getSubscription", &[]).await
        && !subscription.is_null()
    {
        let _ = call(&subscription, "unsubscribe", &[]).await;
    }
}
