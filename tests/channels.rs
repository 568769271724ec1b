//! Telegram, web push and mobile push end to end: the API links and registers people's chats,
//! browsers and phones; the notify handler reaches them through a fake Bot API and a fake push
//! service on loopback (helpdesk-fakes) and SNS platform endpoints on moto; a contact its provider
//! calls gone is removed. And the bearer tokens native apps sign in with.

use helpdesk_aws::channels::{HttpClient, SnsMobilePush, TelegramBot, WebPush};
use helpdesk_aws::platform_endpoints::create_application;
use helpdesk_aws::secrets::ChannelSecrets;
use helpdesk_aws::{DynamoStore, NotificationLog};
use helpdesk_core::notify::{ChannelKind, Notice, Preferences};
use helpdesk_core::{FieldErrorCode, Role};
use helpdesk_fakes::push::FakePush;
use helpdesk_fakes::telegram::FakeTelegram;
use helpdesk_tests::*;
use notify::{Channels, Settings};
use serde_json::{Value, json};
use tickets_api::channels::{ChannelSetup, TELEGRAM_SECRET_HEADER};

const WEBHOOK_SECRET: &str = "the-webhook-secret-token";
/// RFC 8291's example private key: any P-256 scalar does for a test.
const VAPID_KEY: &str = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
const REQUESTER: Option<&str> = Some("requester:anna");

/// Anna (a requester) asks for replies on `channel` only; she files HD-1001 and the agent answers.
async fn reply_for(t: &TestApp, channel: ChannelKind, body: &str) -> String {
    let mut preferences = Preferences::defaults(Role::Requester);
    preferences.channels.insert(Notice::Reply, vec![channel]);
    let version = t.seed.preferences("anna").await.unwrap().map_or(0, |p| p.version);
    preferences.version = version + 1;
    t.seed.put_preferences("anna", &preferences).await.unwrap();
    if t.call("GET", "/api/tickets/HD-1001", ADMIN, None).await.status == 404 {
        assert_eq!(t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.status, 201);
        assert_eq!(t.call("POST", "/api/tickets", REQUESTER, Some(printer_ticket("Printer jams"))).await.status, 201);
    }
    let answer = t.call("POST", "/api/tickets/HD-1001/replies", AGENT, Some(json!({"body": body}))).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    answer.body["ticket"]["id"].as_str().unwrap().to_string()
}

/// Hands the ticket's events not yet delivered to the notify handler, as the queue would.
async fn deliver(t: &TestApp, channels: &Channels, ticket_id: &str, after: usize) -> (notify::Report, usize) {
    let mut messages = queued_events(&t.table, ticket_id).await;
    let count = messages.len();
    messages.drain(..after.min(count));
    let store: DynamoStore = function_store(NOTIFY, &t.table).await;
    let settings = Settings::new("https://help.example.com", "helpdesk@example.com", None);
    let (report, _) = notify::consume(&store, channels, &settings, messages, chrono::Utc::now()).await.expect("notify");
    (report, count)
}

async fn log_of(t: &TestApp, channel: &str) -> Vec<Value> {
    let answer = t.call("GET", "/api/tickets/HD-1001/notifications", AGENT, None).await;
    let items = answer.body["items"].as_array().cloned().unwrap_or_default();
    items.into_iter().filter(|e| e["recipient"] == "anna" && e["channel"] == channel).collect()
}

async fn contacts(t: &TestApp) -> Vec<Value> {
    let answer = t.call("GET", "/api/auth/me/notifications", REQUESTER, None).await;
    answer.body["contacts"].as_array().cloned().unwrap_or_default()
}

fn field_codes(answer: &Answer) -> Vec<(String, String)> {
    let fields = answer.body["fields"].as_array().cloned().unwrap_or_default();
    fields.iter().map(|f| (f["field"].as_str().unwrap_or("").into(), f["code"].as_str().unwrap_or("").into())).collect()
}

async fn webhook(t: &TestApp, secret: Option<&str>, update: Value) -> Answer {
    let headers: Vec<(&str, &str)> = secret.map(|s| vec![(TELEGRAM_SECRET_HEADER, s)]).unwrap_or_default();
    t.call_with("POST", "/api/telegram/webhook", None, update.to_string().into_bytes(), "application/json", &headers).await
}

fn start(chat: i64, kind: &str, token: &str) -> Value {
    // Private chats have no title; groups do.
    let title = if kind == "private" { Value::Null } else { json!("Desk") };
    json!({"update_id": 1, "message": {"message_id": 1, "chat": {"id": chat, "type": kind, "title": title},
        "from": {"id": chat, "first_name": "Anna", "username": "anna_p"}, "text": format!("/start {token}")}})
}

fn token_of(offer: &Answer, parameter: &str) -> String {
    let url = offer.body["url"].as_str().unwrap_or_default();
    assert!(url.starts_with("https://t.me/helpdesk_test_bot?"), "{url}");
    url.split(&format!("{parameter}=")).nth(1).unwrap_or_default().to_string()
}

#[tokio::test]
async fn a_telegram_chat_linked_by_a_one_time_deep_link_gets_replies_until_the_bot_is_blocked() {
    let mut t = test_app().await;
    let no_bot = t.call("POST", "/api/auth/me/telegram", REQUESTER, None).await;
    assert_eq!((no_bot.status, no_bot.body["code"].as_str()), (409, Some("channel_not_configured")));
    t.app.channels = ChannelSetup {
        telegram_bot: Some("helpdesk_test_bot".into()),
        telegram_webhook_secret: Some(WEBHOOK_SECRET.into()),
        ..ChannelSetup::default()
    };
    let fake = FakeTelegram::default();
    let base = helpdesk_fakes::serve_on_loopback(fake.router()).await.unwrap();

    let offer = t.call("POST", "/api/auth/me/telegram", REQUESTER, None).await;
    assert_eq!(offer.status, 201, "{:?}", offer.body);
    let token = token_of(&offer, "start");
    // Only Telegram, proved by the secret it was given, reaches the webhook.
    assert_eq!(webhook(&t, None, start(4242, "private", &token)).await.status, 403);
    assert_eq!(webhook(&t, Some("the-webhook-secret-tokem"), start(4242, "private", &token)).await.status, 403);
    let bad = t
        .call_with("POST", "/api/telegram/webhook", None, b"[1,".to_vec(), "application/json", &[(TELEGRAM_SECRET_HEADER, WEBHOOK_SECRET)])
        .await;
    assert_eq!((bad.status, bad.body["code"].as_str()), (400, Some("malformed_json")));
    // A personal link opened in a group is refused without spending it.
    let in_group = webhook(&t, Some(WEBHOOK_SECRET), start(-100, "group", &token)).await;
    assert!(in_group.body["text"].as_str().unwrap_or_default().contains("personal"), "{:?}", in_group.body);
    let linked = webhook(&t, Some(WEBHOOK_SECRET), start(4242, "private", &token)).await;
    assert_eq!(linked.status, 200);
    assert_eq!((linked.body["method"].as_str(), linked.body["chat_id"].as_i64()), (Some("sendMessage"), Some(4242)));
    assert!(linked.body["text"].as_str().unwrap_or_default().starts_with("Linked"), "{:?}", linked.body);
    // The same link again (another chat trying it) links nothing.
    let again = webhook(&t, Some(WEBHOOK_SECRET), start(777, "private", &token)).await;
    assert!(again.body["text"].as_str().unwrap_or_default().contains("expired or has been used"), "{:?}", again.body);
    let mine = contacts(&t).await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(
        (mine[0]["channel"].as_str(), mine[0]["id"].as_str(), mine[0]["device"].as_str()),
        (Some("telegram"), Some("telegram"), Some("@anna_p"))
    );

    let bot = TelegramBot::new(HttpClient::new().unwrap(), &base, "123:test-token");
    let channels = Channels(vec![Box::new(bot)]);
    let ticket = reply_for(&t, ChannelKind::Telegram, "Replaced the fuser").await;
    let (report, seen) = deliver(&t, &channels, &ticket, 0).await;
    assert_eq!(report.sent, 1, "{report:?}");
    let sent = fake.sent();
    let to_anna: Vec<&Value> = sent.iter().filter(|m| m["chat_id"] == 4242).collect();
    assert_eq!(to_anna.len(), 1, "{sent:?}");
    let text = to_anna[0]["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("[HD-1001]") && text.contains("Replaced the fuser") && text.contains("https://help.example.com/tickets/HD-1001"),
        "{text}"
    );
    assert!(
        log_of(&t, "telegram")
            .await
            .iter()
            .any(|e| e["state"] == "sent" && e["detail"].as_str().is_some_and(|d| d.starts_with("telegram:4242:")))
    );

    // Telegram asks to wait: the event is retried no sooner than it says.
    fake.throttle(1);
    t.call("POST", "/api/tickets/HD-1001/replies", AGENT, Some(json!({"body": "Any better?"}))).await;
    let (report, seen) = deliver(&t, &channels, &ticket, seen).await;
    assert_eq!((report.failed, report.wait.values().copied().collect::<Vec<_>>()), (1, vec![3]), "{report:?}");

    // The person blocked the bot: the chat is unlinked, and the log says there is nowhere to send.
    fake.block(4242);
    t.call("POST", "/api/tickets/HD-1001/replies", AGENT, Some(json!({"body": "Closing soon"}))).await;
    let (report, _) = deliver(&t, &channels, &ticket, seen).await;
    assert_eq!((report.sent, report.failed, report.retry.len()), (0, 0, 0), "{report:?}");
    assert!(contacts(&t).await.is_empty(), "403 unlinks the chat");
    let last = log_of(&t, "telegram").await;
    assert!(last.iter().any(|e| e["reason"] == "no_address" && e["detail"].as_str().is_some_and(|d| d.contains("403"))), "{last:?}");
}

#[tokio::test]
async fn an_agent_group_links_its_chat_and_hears_of_new_tickets_there() {
    let mut t = test_app().await;
    t.app.channels = ChannelSetup {
        telegram_bot: Some("helpdesk_test_bot".into()),
        telegram_webhook_secret: Some(WEBHOOK_SECRET.into()),
        ..ChannelSetup::default()
    };
    assert_eq!(t.call("POST", "/api/groups/service-desk/telegram", OTHER_AGENT, None).await.status, 403, "another group's agent");
    assert_eq!(t.call("POST", "/api/groups/no-such-group/telegram", ADMIN, None).await.status, 404);
    let offer = t.call("POST", "/api/groups/service-desk/telegram", AGENT, None).await;
    assert_eq!(offer.status, 201, "{:?}", offer.body);
    let token = token_of(&offer, "startgroup");
    let private = webhook(&t, Some(WEBHOOK_SECRET), start(4242, "private", &token)).await;
    assert!(private.body["text"].as_str().unwrap_or_default().contains("group chat"), "{:?}", private.body);
    let linked = webhook(&t, Some(WEBHOOK_SECRET), start(-1001, "supergroup", &token)).await;
    assert!(linked.body["text"].as_str().unwrap_or_default().contains("agent group"), "{:?}", linked.body);
    let chat = t.call("GET", "/api/groups/service-desk/telegram", AGENT, None).await;
    assert_eq!((chat.body["chat"]["channel"].as_str(), chat.body["chat"]["device"].as_str()), (Some("telegram"), Some("Desk")));

    let fake = FakeTelegram::default();
    let base = helpdesk_fakes::serve_on_loopback(fake.router()).await.unwrap();
    let channels = Channels(vec![Box::new(TelegramBot::new(HttpClient::new().unwrap(), &base, "123:test-token"))]);
    assert_eq!(t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.status, 201);
    let filed = t.call("POST", "/api/tickets", REQUESTER, Some(printer_ticket("Toner smears"))).await;
    let (report, _) = deliver(&t, &channels, filed.body["ticket"]["id"].as_str().unwrap(), 0).await;
    assert!(report.sent >= 1, "{report:?}");
    let to_group: Vec<Value> = fake.sent().into_iter().filter(|m| m["chat_id"] == -1001).collect();
    assert_eq!(to_group.len(), 1, "the group's chat hears of the new ticket once");
    assert!(to_group[0]["text"].as_str().unwrap_or_default().contains("Toner smears"));
    let unlinked = t.call("DELETE", "/api/groups/service-desk/telegram", AGENT, None).await;
    assert_eq!((unlinked.status, unlinked.body["chat"].is_null()), (200, true));
}

#[tokio::test]
async fn a_web_push_reaches_the_browser_encrypted_and_a_gone_subscription_is_removed() {
    let mut t = test_app().await;
    let push = FakePush::on_loopback().await.unwrap();

    let no_push = t.call("POST", "/api/auth/me/push-subscriptions", REQUESTER, Some(push.subscription("laptop"))).await;
    assert_eq!((no_push.status, no_push.body["code"].as_str()), (409, Some("channel_not_configured")));
    t.app.channels =
        ChannelSetup { web_push_key: Some(helpdesk_aws::secrets::vapid_public_key(VAPID_KEY).unwrap()), ..ChannelSetup::default() };
    let settings = t.call("GET", "/api/auth/me/notifications", REQUESTER, None).await;
    assert_eq!(settings.body["web_push_key"].as_str().map(str::len), Some(87), "the browser's applicationServerKey");
    let bad = json!({"endpoint": "https://10.0.0.1/push", "keys": {"p256dh": "short", "auth": "!"}, "device": "x".repeat(81)});
    let refused = t.call("POST", "/api/auth/me/push-subscriptions", REQUESTER, Some(bad)).await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        field_codes(&refused),
        [("endpoint", "invalid"), ("keys.p256dh", "invalid"), ("keys.auth", "invalid"), ("device", "too_long")]
            .map(|(f, c)| (f.to_string(), c.to_string()))
    );
    let missing_keys =
        t.call("POST", "/api/auth/me/push-subscriptions", REQUESTER, Some(json!({"endpoint": "https://push.example.net/x"}))).await;
    assert_eq!(missing_keys.status, 400, "{:?}", missing_keys.body);
    let mut subscription = push.subscription("laptop");
    subscription["device"] = json!("Firefox on the laptop");
    for _ in 0..2 {
        let added = t.call("POST", "/api/auth/me/push-subscriptions", REQUESTER, Some(subscription.clone())).await;
        assert_eq!(added.status, 201, "{:?}", added.body);
    }
    let mine = contacts(&t).await;
    assert_eq!(mine.len(), 1, "the same browser subscribing again replaces its entry: {mine:?}");
    assert_eq!(mine[0]["device"], "Firefox on the laptop");

    let web_push = WebPush::new(HttpClient::new().unwrap(), VAPID_KEY, "mailto:helpdesk@example.com", true).unwrap();
    let channels = Channels(vec![Box::new(web_push)]);
    let ticket = reply_for(&t, ChannelKind::WebPush, "Try printing now").await;
    let (report, seen) = deliver(&t, &channels, &ticket, 0).await;
    assert_eq!(report.sent, 1, "{report:?}");
    let received = push.received();
    assert_eq!(received.len(), 1, "{received:?}");
    let payload = &received[0]["payload"];
    assert!(payload["title"].as_str().unwrap_or_default().starts_with("[HD-1001]"), "{payload}");
    assert!(payload["body"].as_str().unwrap_or_default().contains("Try printing now"), "{payload}");
    assert_eq!((payload["url"].as_str(), payload["tag"].as_str()), (Some("https://help.example.com/tickets/HD-1001"), Some("HD-1001")));
    assert!(received[0]["encrypted_bytes"].as_u64().is_some_and(|n| n <= 4096), "within the push services' limit");

    push.make_gone("laptop");
    t.call("POST", "/api/tickets/HD-1001/replies", AGENT, Some(json!({"body": "Still there?"}))).await;
    let (report, _) = deliver(&t, &channels, &ticket, seen).await;
    assert_eq!((report.sent, report.retry.len()), (0, 0), "{report:?}");
    assert!(contacts(&t).await.is_empty(), "410 removes the subscription");
    assert!(log_of(&t, "web_push").await.iter().any(|e| e["reason"] == "no_address"));
}

#[tokio::test]
async fn a_phone_registers_with_sns_gets_pushes_and_a_disabled_endpoint_is_removed() {
    let mut t = test_app().await;
    let sdk = local_sdk("AWS_ENDPOINT_URL").await;
    let setup_sns = aws_sdk_sns::Client::new(&sdk);
    let application = create_application(&setup_sns, &format!("fcm-{}", t.table), "GCM").await.unwrap();
    iam_calls::bind(&application, helpdesk_aws::config::FCM_APPLICATION_ARN);
    t.app.channels = ChannelSetup {
        sns: Some(iam_calls::sns_client(&sdk, TICKETS_API)),
        fcm_application: Some(application.clone()),
        ..ChannelSetup::default()
    };
    let apns = t.call("POST", "/api/auth/me/devices", REQUESTER, Some(json!({"platform": "apns", "token": "abcdef0123456789"}))).await;
    assert_eq!((apns.status, apns.body["code"].as_str()), (409, Some("channel_not_configured")), "no APNs application here");
    let bad = t.call("POST", "/api/auth/me/devices", REQUESTER, Some(json!({"platform": "fcm", "token": "has spaces in it"}))).await;
    assert_eq!((bad.status, field_codes(&bad)), (422, vec![("token".to_string(), wire(FieldErrorCode::Invalid))]));
    let unknown = t.call("POST", "/api/auth/me/devices", REQUESTER, Some(json!({"platform": "pager", "token": "abcdef0123456789"}))).await;
    assert_eq!(unknown.status, 400);
    let token = format!("fcm-token-{}", t.table);
    let device = json!({"platform": "fcm", "token": token, "device": "Pixel 8"});
    for _ in 0..2 {
        let added = t.call("POST", "/api/auth/me/devices", REQUESTER, Some(device.clone())).await;
        assert_eq!(added.status, 201, "{:?}", added.body);
    }
    let mine = contacts(&t).await;
    assert_eq!((mine.len(), mine[0]["platform"].as_str()), (1, Some("fcm")), "the same token again is the same phone: {mine:?}");
    // The endpoints SNS holds for the token, as the operators would see them.
    let endpoints_for = |application: String, token: String| {
        let sns = setup_sns.clone();
        async move {
            let out = sns.list_endpoints_by_platform_application().platform_application_arn(application).send().await.unwrap();
            let mine = out.endpoints.unwrap_or_default().into_iter();
            mine.filter(|e| e.attributes.as_ref().and_then(|a| a.get("Token")) == Some(&token))
                .filter_map(|e| e.endpoint_arn)
                .collect::<Vec<_>>()
        }
    };
    let endpoints = endpoints_for(application.clone(), token.clone()).await;
    assert_eq!(endpoints.len(), 1, "one endpoint for the token");
    let arn = endpoints[0].clone();

    let channels = Channels(vec![Box::new(SnsMobilePush::new(iam_calls::sns_client(&sdk, NOTIFY)))]);
    let ticket = reply_for(&t, ChannelKind::MobilePush, "The printer is fixed").await;
    let (report, seen) = deliver(&t, &channels, &ticket, 0).await;
    assert_eq!(report.sent, 1, "{report:?}");
    let payloads = local_stack().await.push_payloads(&arn).await;
    assert_eq!(payloads.len(), 1, "{payloads:?}");
    assert!(payloads[0]["notification"]["title"].as_str().unwrap_or_default().starts_with("[HD-1001]"), "{payloads:?}");
    assert_eq!(payloads[0]["data"]["url"], "https://help.example.com/tickets/HD-1001");

    // The app was removed: SNS disables the endpoint; the next push deletes it and the contact.
    setup_sns.set_endpoint_attributes().endpoint_arn(&arn).attributes("Enabled", "false").send().await.unwrap();
    t.call("POST", "/api/tickets/HD-1001/replies", AGENT, Some(json!({"body": "Anything else?"}))).await;
    let (report, seen) = deliver(&t, &channels, &ticket, seen).await;
    assert_eq!((report.sent, report.retry.len()), (0, 0), "{report:?}");
    assert!(contacts(&t).await.is_empty(), "the disabled phone is gone");
    let listed = || async {
        let out = setup_sns.list_endpoints_by_platform_application().platform_application_arn(&application).send().await.unwrap();
        out.endpoints.unwrap_or_default().len()
    };
    assert_eq!(listed().await, 0, "and so is its endpoint");

    // Registered again, then removed by its owner: the endpoint goes too.
    let added = t.call("POST", "/api/auth/me/devices", REQUESTER, Some(device.clone())).await;
    let id = added.body["contacts"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(listed().await, 1);
    assert_eq!(t.call("DELETE", &format!("/api/auth/me/contacts/{id}"), BORIS, None).await.status, 404, "not Boris's");
    let removed = t.call("DELETE", &format!("/api/auth/me/contacts/{id}"), REQUESTER, None).await;
    assert_eq!((removed.status, removed.body["contacts"].as_array().map(Vec::len)), (200, Some(0)));
    assert_eq!(listed().await, 0, "the removed phone's endpoint is deleted");

    // An iPhone, once an APNs application is configured.
    let apns_application = create_application(&setup_sns, &format!("apns-{}", t.table), "APNS_SANDBOX").await.unwrap();
    iam_calls::bind(&apns_application, helpdesk_aws::config::APNS_APPLICATION_ARN);
    t.app.channels.apns_application = Some(apns_application.clone());
    let iphone_token = format!("a1b2c3d4e5f60718{}", t.table.trim_start_matches("test-"));
    let iphone = t.call("POST", "/api/auth/me/devices", REQUESTER, Some(json!({"platform": "apns", "token": iphone_token}))).await;
    assert_eq!((iphone.status, iphone.body["contacts"][0]["platform"].as_str()), (201, Some("apns")), "{:?}", iphone.body);
    let iphone_arn = endpoints_for(apns_application, iphone_token).await.pop().expect("the iPhone's endpoint");
    t.call("POST", "/api/tickets/HD-1001/replies", AGENT, Some(json!({"body": "On your phone?"}))).await;
    let (report, _) = deliver(&t, &channels, &ticket, seen).await;
    assert_eq!(report.sent, 1, "{report:?}");
    let payloads = local_stack().await.push_payloads(&iphone_arn).await;
    assert_eq!(payloads.len(), 1, "{payloads:?}");
    assert!(payloads[0]["aps"]["alert"]["title"].as_str().unwrap_or_default().starts_with("[HD-1001]"), "APNs' own shape: {payloads:?}");
}

fn wire(code: FieldErrorCode) -> String {
    helpdesk_core::wire_name(&code)
}

#[tokio::test]
async fn bearer_tokens_are_issued_used_listed_and_revoked_and_never_read_from_a_cookie() {
    let t = test_app().await;
    let password = "correct horse battery staple";
    let anna =
        helpdesk_core::user::User::new("anna", "Anna", "anna@example.org", Role::Requester, &[], helpdesk_core::user::AccountSource::Local);
    helpdesk_aws::Directory::put_user(&t.seed, &anna, Some(&tickets_api::session::hash_password(password).unwrap())).await.unwrap();
    let issue = |name: &str, password: &str| json!({"username": "anna", "password": password, "name": name});
    let nameless = t.call("POST", "/api/auth/tokens", None, Some(issue(" ", password))).await;
    assert_eq!((nameless.status, field_codes(&nameless)), (422, vec![("name".to_string(), "invalid".to_string())]));
    let wrong = t.call("POST", "/api/auth/tokens", None, Some(issue("Pixel", "wrong password"))).await;
    assert_eq!((wrong.status, wrong.body["code"].as_str()), (401, Some("invalid_credentials")));
    let issued = t.call("POST", "/api/auth/tokens", None, Some(issue("Pixel", password))).await;
    assert_eq!(issued.status, 201, "{:?}", issued.body);
    assert!(issued.cookies.is_empty(), "an app's sign-in sets no cookie");
    let token = issued.body["token"].as_str().unwrap().to_string();
    let id = issued.body["id"].as_str().unwrap().to_string();
    assert!(token.starts_with("hd_"));
    let bearer = format!("Bearer {token}");
    let with = |value: &str| vec![("authorization", value.to_string())];
    let call = |method: &'static str, path: &'static str, headers: Vec<(&'static str, String)>, body: Option<Value>| {
        let t = &t;
        async move {
            let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            t.call_with(method, path, None, body.map(|b| b.to_string().into_bytes()).unwrap_or_default(), "application/json", &headers)
                .await
        }
    };
    // An app files, reads and replies, with no CSRF token.
    assert_eq!(t.call("POST", "/api/topics", ADMIN, Some(printer_topic())).await.status, 201);
    let filed = call("POST", "/api/tickets", with(&bearer), Some(printer_ticket("Filed from the app"))).await;
    assert_eq!(filed.status, 201, "{:?}", filed.body);
    assert_eq!(filed.body["ticket"]["requester"], "anna");
    assert_eq!(call("GET", "/api/my/tickets", with(&bearer), None).await.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(call("POST", "/api/tickets/HD-1001/replies", with(&bearer), Some(json!({"body": "From my phone"}))).await.status, 200);
    // Tokens are managed from a browser session, never with a token.
    let listed_by_token = call("GET", "/api/auth/me/tokens", with(&bearer), None).await;
    assert_eq!((listed_by_token.status, listed_by_token.body["code"].as_str()), (403, Some("session_required")));
    let listed = t.call("GET", "/api/auth/me/tokens", REQUESTER, None).await;
    assert_eq!(listed.body["items"][0]["id"].as_str(), Some(id.as_str()));
    assert_eq!(listed.body["items"][0]["name"], "Pixel");
    assert!(!listed.body.to_string().contains(&token), "the list never shows the secret");
    // Never from a cookie; nothing but a token of ours.
    let as_cookie = call("GET", "/api/my/tickets", vec![("cookie", format!("hd_session={token}"))], None).await;
    assert_eq!(as_cookie.status, 401);
    for forged in
        [format!("Bearer {token}x"), "Bearer hd_01J0000000000000000000000Z_secret".into(), format!("Basic {token}"), "Bearer".into()]
    {
        assert_eq!(call("GET", "/api/my/tickets", with(&forged), None).await.status, 401, "{forged}");
    }
    // Revoked from the profile: refused from then on.
    let revoked = t.call("DELETE", &format!("/api/auth/me/tokens/{id}"), REQUESTER, None).await;
    assert_eq!(revoked.status, 200);
    assert_eq!(call("GET", "/api/my/tickets", with(&bearer), None).await.status, 401);
    assert_eq!(t.call("DELETE", &format!("/api/auth/me/tokens/{id}"), REQUESTER, None).await.status, 404);
    // An app signing out revokes its own token.
    let second = t.call("POST", "/api/auth/tokens", None, Some(issue("Tablet", password))).await;
    let second = format!("Bearer {}", second.body["token"].as_str().unwrap());
    assert_eq!(call("POST", "/api/auth/logout", with(&second), None).await.status, 200);
    assert_eq!(call("GET", "/api/auth/me", with(&second), None).await.status, 401);
}

#[tokio::test]
async fn the_channels_secret_comes_from_secrets_manager() {
    let sdk = local_sdk("AWS_ENDPOINT_URL").await;
    let client = aws_sdk_secretsmanager::Client::new(&sdk);
    let name = format!("test/channels-{}", ulid::Ulid::new());
    let value = json!({"telegram_bot_token": "123:abc", "telegram_webhook_secret": "hook", "vapid_private_key": VAPID_KEY});
    client.create_secret().name(&name).secret_string(value.to_string()).send().await.unwrap();
    iam_calls::bind(&name, helpdesk_aws::config::CHANNELS_SECRET_ID);
    for function in [TICKETS_API, NOTIFY] {
        let secrets = ChannelSecrets::from_secrets_manager(&iam_calls::secrets_manager_client(&sdk, function), &name).await.unwrap();
        assert_eq!(secrets.telegram_webhook_secret.as_deref(), Some("hook"));
        assert_eq!(secrets.vapid_private_key.as_deref(), Some(VAPID_KEY));
    }
}
