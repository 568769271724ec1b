//! The notify function: the event backbone's consumer that tells people what happened on their
//! tickets (docs/events.md, "Notifications"). For each domain event it asks the domain who is
//! concerned and, per person and channel, whether to send or why not; it records every decision on
//! the ticket (the decision log staff read), then sends one message per person, ticket and channel
//! for all the events of the batch (the queue's batching window is the coalescing window).
//!
//! At least once in, at most once out where it can be: each send is claimed first (a conditional
//! write per event × person × channel), so a repeated event or an overlapping run sends nothing
//! twice; a claim whose sender died runs out after [`CLAIM_SECONDS`] and is sent by the retry.

use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use helpdesk_aws::channels::{Channel, Outgoing, SendError};
use helpdesk_aws::secrets::ChannelSecrets;
use helpdesk_aws::{Contacts, Directory, NotificationLog, RatingLinks, StoreError, new_id};
use helpdesk_core::backbone::DomainEvent;
use helpdesk_core::notify::decide::reachable;
use helpdesk_core::notify::render::Item;
use helpdesk_core::notify::{
    ChannelKind, Contact, Delivery, DeliveryState, Links, Notice, Outcome, Owner, Preferences, Recipient, Suppression, audience, decide,
    render,
};
use helpdesk_core::rating;
use helpdesk_core::user::User;
use std::collections::{BTreeMap, HashMap};

mod people;
mod queue;
mod weekly;

use people::People;
pub use queue::{QueueMessage, back_off, consume, event_of_message, retry_delay_seconds};
pub use weekly::{TRIGGER_FIELD, WeeklyRun, send_weekly_reports};

/// The environment variables this function reads in AWS.
pub const ENVIRONMENT: &[&str] = &[
    helpdesk_aws::config::TABLE_NAME,
    helpdesk_aws::config::MAIL_FROM,
    helpdesk_aws::config::SUPPORT_ADDRESS,
    helpdesk_aws::config::SITE_URL,
    helpdesk_aws::config::NOTIFY_QUEUE_URL,
    helpdesk_aws::config::CHANNELS_SECRET_ID,
    helpdesk_aws::config::TELEGRAM_API_URL,
    helpdesk_aws::config::REPORT_TIME_ZONE,
];

/// How long a sender holds a claim: the function's timeout, so a claim outlives no live sender.
pub const CLAIM_SECONDS: i64 = 60;
/// Automatic mail to one person per hour, whatever the events: a loop can never flood a mailbox.
pub const MAIL_CAP_PER_HOUR: u32 = 60;
/// Sends (and decision-log writes) in flight at once: the providers and the table take many
/// calls in parallel, and one slow answer should not hold the batch.
const CONCURRENCY: usize = 16;

/// Where links and replies point.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `https://help.example.com`, no trailing slash.
    pub site_url: String,
    /// The domain of our Message-IDs (the sender's).
    pub mail_domain: String,
    /// `support@example.com`: replies go to `support+<token>@example.com`.
    pub support_address: Option<String>,
    pub claim_seconds: i64,
    /// Automatic mails to one person per hour ([`MAIL_CAP_PER_HOUR`]).
    pub mail_cap_per_hour: u32,
}

impl Settings {
    pub fn new(site_url: &str, mail_from: &str, support_address: Option<&str>) -> Self {
        Settings {
            site_url: site_url.trim_end_matches('/').to_string(),
            mail_domain: sender(mail_from)
                .and_then(|a| a.rsplit_once('@').map(|(_, d)| d.to_string()))
                .unwrap_or_else(|| "localhost".into()),
            support_address: support_address.map(str::trim).filter(|a| a.contains('@')).map(String::from),
            claim_seconds: CLAIM_SECONDS,
            mail_cap_per_hour: MAIL_CAP_PER_HOUR,
        }
    }

    fn ticket_link(&self, number: &str) -> String {
        format!("{}/tickets/{number}", self.site_url)
    }

    fn reply_address(&self, token: &str) -> Option<String> {
        let (local, domain) = self.support_address.as_deref()?.split_once('@')?;
        Some(format!("{local}+{token}@{domain}"))
    }
}

/// The channels by kind.
pub struct Channels(pub Vec<Box<dyn Channel>>);

impl Channels {
    fn get(&self, kind: ChannelKind) -> Option<&dyn Channel> {
        self.0.iter().find(|c| c.kind() == kind).map(|c| c.as_ref())
    }
}

/// The channels as configured: e-mail from `mail_from` (a domain means `helpdesk@<domain>`; empty:
/// no e-mail), SMS and mobile push through SNS, Telegram when a bot token is set (Bot API at
/// `telegram_api`), web push when a VAPID key is set. `local` lets web push reach the local
/// stack's fake push service on loopback.
pub fn channels(
    sdk: &helpdesk_aws::config::SdkConfig,
    mail_from: &str,
    secrets: &ChannelSecrets,
    telegram_api: &str,
    local: bool,
) -> Result<Channels, String> {
    let mut channels: Vec<Box<dyn Channel>> = Vec::new();
    if let Some(from) = sender(mail_from) {
        channels.push(Box::new(helpdesk_aws::channels::SesMail::new(aws_sdk_sesv2::Client::new(sdk), &from, "IT Helpdesk")));
    }
    channels.push(Box::new(helpdesk_aws::channels::SnsSms::new(aws_sdk_sns::Client::new(sdk))));
    channels.push(Box::new(helpdesk_aws::channels::SnsMobilePush::new(aws_sdk_sns::Client::new(sdk))));
    if secrets.telegram_bot_token.is_some() || secrets.vapid_private_key.is_some() {
        let http = helpdesk_aws::channels::HttpClient::new()?;
        if let Some(token) = &secrets.telegram_bot_token {
            channels.push(Box::new(helpdesk_aws::channels::TelegramBot::new(http.clone(), telegram_api, token)));
        }
        if let Some(key) = &secrets.vapid_private_key {
            // Push services reach the sender through the VAPID subject: the helpdesk's mailbox.
            let contact = format!("mailto:{}", sender(mail_from).unwrap_or_else(|| "helpdesk@example.com".into()));
            channels.push(Box::new(helpdesk_aws::channels::WebPush::new(http, key, &contact, local)?));
        }
    }
    Ok(Channels(channels))
}

/// The From address `MAIL_FROM` names: itself, or `helpdesk@` a domain; none when empty.
pub fn sender(mail_from: &str) -> Option<String> {
    let mail_from = mail_from.trim();
    match mail_from {
        "" => None,
        address if address.contains('@') => Some(address.to_string()),
        domain => Some(format!("helpdesk@{domain}")),
    }
}

/// One delivered queue message: its id (for the batch's failure report) and the event it holds.
pub struct Incoming {
    pub message_id: String,
    pub event: DomainEvent,
}

/// What a run did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    pub events: usize,
    pub sent: usize,
    pub suppressed: usize,
    pub failed: usize,
    /// Sends another run holds or has done (a repeated event).
    pub already_decided: usize,
    /// Queue messages to retry: an event with a failed send.
    pub retry: Vec<String>,
    /// Of those, the ones a provider asked to wait for, and how long (seconds).
    pub wait: BTreeMap<String, u32>,
}

/// A send to plan: one event told to one person through one channel.
struct Pending {
    incoming: usize,
    notice: Notice,
}

pub async fn handle<S: Directory + NotificationLog + Contacts + RatingLinks>(
    store: &S,
    channels: &Channels,
    settings: &Settings,
    batch: &[Incoming],
    now: DateTime<Utc>,
) -> Result<Report, StoreError> {
    let mut report = Report { events: batch.len(), ..Report::default() };
    let mut people = People::default();
    let mut suppressed: Vec<(String, Delivery)> = Vec::new();
    // (ticket, person, channel) → the events to tell them, in event order.
    let mut plan: BTreeMap<(String, String, ChannelKind), Vec<Pending>> = BTreeMap::new();
    let mut order: Vec<usize> = (0..batch.len()).collect();
    order.sort_by(|a, b| batch[*a].event.event.id.cmp(&batch[*b].event.event.id));
    for index in order {
        let domain = &batch[index].event;
        for (recipient, notice) in audience(domain) {
            let mut users = people.resolve(store, &recipient).await?;
            let mut group_chat = false;
            if let Recipient::Group(group) = &recipient {
                // A group's linked Telegram chat hears the group's notices as one more reader.
                let contacts = people.contacts(store, &Owner::Group(group.clone()).name()).await?;
                if contacts.iter().any(|c| c.channel() == ChannelKind::Telegram) {
                    users.push(people.group_chat(group));
                    group_chat = true;
                }
            }
            if users.is_empty() {
                // Nobody to tell (no such account, a group without active agents): say so.
                let name = match &recipient {
                    Recipient::User(id) => id.clone(),
                    Recipient::Group(group) => format!("group:{group}"),
                };
                let entry = delivery(domain, &name, notice, ChannelKind::Email, DeliveryState::Suppressed, now);
                suppressed.push((domain.ticket.id.clone(), Delivery { reason: Some(Suppression::NoRecipient), ..entry }));
            }
            for user in users {
                let preferences = people.preferences(store, &user).await?;
                // Contacts are read only for someone who chose a channel that needs one.
                let wants_linked = preferences.channels.get(&notice).is_some_and(|c| c.iter().any(|c| c.is_linked()));
                let contacts = if wants_linked { people.contacts(store, &user.id).await? } else { Vec::new() };
                let is_group_chat = group_chat && Owner::parse(&user.id).is_some_and(|o| matches!(o, Owner::Group(_)));
                for (channel, outcome) in decide(domain, notice, &user, &preferences, &reachable(&user, &contacts), now) {
                    if is_group_chat && channel != ChannelKind::Telegram {
                        continue;
                    }
                    match outcome {
                        Outcome::Suppressed(reason) => {
                            let entry = delivery(domain, &user.id, notice, channel, DeliveryState::Suppressed, now);
                            suppressed.push((domain.ticket.id.clone(), Delivery { reason: Some(reason), ..entry }));
                        }
                        Outcome::Send => plan
                            .entry((domain.ticket.id.clone(), user.id.clone(), channel))
                            .or_default()
                            .push(Pending { incoming: index, notice }),
                    }
                }
            }
        }
    }
    report.suppressed += suppressed.len();
    // The futures are gathered first: a stream over a closure is not Send for every lifetime.
    let records: Vec<_> = suppressed.iter().map(|(ticket, d)| store.record_delivery(ticket, d)).collect();
    let records = futures::stream::iter(records).buffer_unordered(CONCURRENCY);
    records.collect::<Vec<_>>().await.into_iter().collect::<Result<Vec<()>, StoreError>>()?;
    // Everything a message needs is read first, so the sends can run side by side.
    let mut jobs = Vec::new();
    // One reply address per ticket, read (or made) once for all its mail.
    let mut reply_addresses: HashMap<String, Option<String>> = HashMap::new();
    for ((ticket_id, person, channel), pending) in plan {
        let Some(user) = people.known(&person) else { continue };
        let mut names = Vec::new();
        for p in &pending {
            names.push(people.name(store, &batch[p.incoming].event.event.actor.id).await);
        }
        let preferences = people.preferences(store, &user).await?;
        let contacts: Vec<Contact> = if channel.is_linked() {
            people.contacts(store, &user.id).await?.into_iter().filter(|c| c.channel() == channel).collect()
        } else {
            Vec::new()
        };
        let reply_to = match (channel, &settings.support_address) {
            (ChannelKind::Email, Some(_)) => match reply_addresses.get(&ticket_id) {
                Some(known) => known.clone(),
                None => {
                    let address = settings.reply_address(&store.reply_token(&ticket_id, &new_id().to_lowercase()).await?);
                    reply_addresses.insert(ticket_id.clone(), address.clone());
                    address
                }
            },
            _ => None,
        };
        jobs.push(Job { ticket_id, user, channel, pending, names, preferences, reply_to, contacts });
    }
    let sends: Vec<_> = jobs.iter().map(|job| send_one(store, channels, settings, batch, job, now)).collect();
    let sends = futures::stream::iter(sends).buffer_unordered(CONCURRENCY);
    for part in sends.collect::<Vec<_>>().await {
        let part = part?;
        report.sent += part.sent;
        report.suppressed += part.suppressed;
        report.failed += part.failed;
        report.already_decided += part.already_decided;
        report.retry.extend(part.retry);
        for (id, seconds) in part.wait {
            let longest = report.wait.entry(id).or_default();
            *longest = (*longest).max(seconds);
        }
    }
    report.retry.sort();
    report.retry.dedup();
    Ok(report)
}

/// The good and bad satisfaction links for a requester told of their ticket's resolution: the
/// resolution's token (made by the first message that tells of it, reused by the others).
async fn rating_links<S: RatingLinks>(
    store: &S,
    settings: &Settings,
    ticket: &helpdesk_core::Ticket,
    user: &User,
    items: &[Item<'_>],
    now: DateTime<Utc>,
) -> Result<Option<(String, String)>, StoreError> {
    let resolution = items.iter().find(|i| i.notice == Notice::Resolved && rating::resolves(i.event));
    let Some(resolution) = resolution.filter(|_| user.id == ticket.requester && !user.role.is_staff()) else { return Ok(None) };
    let expires_at = now + Duration::days(rating::RATING_LINK_DAYS);
    let token = store.rating_token(&ticket.id, &resolution.event.id, &new_id().to_lowercase(), expires_at).await?;
    let link = |r| rating::rating_link(&settings.site_url, &token, r);
    Ok(Some((link(rating::Rating::Good), link(rating::Rating::Bad))))
}

/// One message to send: a person, a ticket, a channel, and the events it tells.
struct Job {
    ticket_id: String,
    user: User,
    channel: ChannelKind,
    pending: Vec<Pending>,
    /// The authors' display names, one per pending event.
    names: Vec<String>,
    preferences: Preferences,
    /// The ticket's reply address, for mail.
    reply_to: Option<String>,
    /// The person's contacts of this channel (Telegram, web push, mobile push).
    contacts: Vec<Contact>,
}

async fn send_one<S: Directory + NotificationLog + Contacts + RatingLinks>(
    store: &S,
    channels: &Channels,
    settings: &Settings,
    batch: &[Incoming],
    job: &Job,
    now: DateTime<Utc>,
) -> Result<Report, StoreError> {
    let mut report = Report::default();
    let (ticket_id, user, channel) = (job.ticket_id.as_str(), &job.user, job.channel);
    let events_in_message = job.pending.len() as u32;
    // Claim each event's send; what another run holds or did stays theirs.
    let mut claimed: Vec<(&Pending, &str, Delivery)> = Vec::new();
    for (p, name) in job.pending.iter().zip(&job.names) {
        let domain = &batch[p.incoming].event;
        let entry = Delivery { events_in_message, ..delivery(domain, &user.id, p.notice, channel, DeliveryState::Sending, now) };
        let lease_until = now + Duration::seconds(settings.claim_seconds);
        match store.claim_delivery(ticket_id, &entry, now, lease_until).await? {
            Some(attempts) => claimed.push((p, name, Delivery { attempts, ..entry })),
            None => report.already_decided += 1,
        }
    }
    if claimed.is_empty() {
        return Ok(report);
    }
    let settle_all = |state: DeliveryState, reason: Option<Suppression>, detail: Option<String>| {
        let count = claimed.len() as u32;
        claimed
            .iter()
            .map(|(_, _, d)| Delivery { state, reason, detail: detail.clone(), events_in_message: count, ..d.clone() })
            .collect::<Vec<_>>()
    };
    if channel == ChannelKind::Email && over_mail_cap(store, &user.id, settings.mail_cap_per_hour, now).await? {
        for d in settle_all(DeliveryState::Suppressed, Some(Suppression::Cap), None) {
            store.settle_delivery(ticket_id, &d).await?;
            report.suppressed += 1;
        }
        return Ok(report);
    }
    let Some(sender) = channels.get(channel) else {
        for d in settle_all(DeliveryState::Failed, None, Some("this channel is not configured".into())) {
            store.settle_delivery(ticket_id, &d).await?;
            report.failed += 1;
        }
        return Ok(report);
    };
    // The newest snapshot of the ticket tells the subject and number.
    let Some((last, _, _)) = claimed.last() else { return Ok(report) };
    let ticket = &batch[last.incoming].event.ticket;
    let items: Vec<Item> =
        claimed.iter().map(|(p, name, _)| Item { notice: p.notice, event: &batch[p.incoming].event.event, actor_name: name }).collect();
    let preferences = &job.preferences;
    let number = ticket.number.to_string();
    let rating = rating_links(store, settings, ticket, user, &items, now).await?;
    let ticket_link = settings.ticket_link(&number);
    let settings_link = format!("{}/settings/notifications", settings.site_url);
    let links =
        Links { ticket: &ticket_link, settings: &settings_link, rating: rating.as_ref().map(|(good, bad)| (good.as_str(), bad.as_str())) };
    let rendered = render(user.language, preferences.zone(), ticket, &items, &links, user.role.is_staff());
    let first_event = claimed.first().map(|(_, _, d)| d.event_id.clone()).unwrap_or_default();
    let base = Outgoing {
        to: String::new(),
        rendered,
        message_id: format!("{}.{}.{}@{}", first_event.to_lowercase(), user.id, new_id().to_lowercase(), settings.mail_domain),
        thread_id: format!("{}@{}", ticket_id.to_lowercase(), settings.mail_domain),
        reply_to: job.reply_to.clone(),
        link: settings.ticket_link(&number),
        tag: number.clone(),
    };
    // Every address of the person on this channel: the profile's, then each linked contact.
    let mut targets: Vec<(Option<&Contact>, String)> = Vec::new();
    if let Some(address) = helpdesk_core::notify::decide::address(user, channel) {
        targets.push((None, address.to_string()));
    }
    targets.extend(job.contacts.iter().map(|c| (Some(c), c.address())));
    let owner = Owner::parse(&user.id);
    let (mut sent, mut refusals, mut gone, mut wait) = (Vec::new(), Vec::new(), 0usize, None::<u32>);
    for (contact, address) in &targets {
        let outgoing = Outgoing { to: address.clone(), ..base.clone() };
        match sender.send(&outgoing).await {
            Ok(provider_id) => {
                if channel == ChannelKind::Email {
                    store.remember_mail_ids(ticket_id, &[outgoing.message_id.clone(), provider_id.clone()]).await?;
                }
                sent.push(provider_id);
            }
            Err(SendError::Gone(detail)) => {
                // The browser unsubscribed, the bot was blocked, the phone's endpoint is disabled.
                if let (Some(contact), Some(owner)) = (contact, &owner) {
                    store.remove_contact(owner, contact.id()).await?;
                }
                gone += 1;
                refusals.push(detail);
            }
            Err(SendError::RetryAfter { seconds, detail }) => {
                wait = Some(wait.unwrap_or(0).max(seconds));
                refusals.push(detail);
            }
            Err(SendError::Failed(detail)) => refusals.push(detail),
        }
    }
    let detail = |parts: &[String]| Some(parts.join("; "));
    if !sent.is_empty() {
        // Reached on at least one device: a retry would repeat it on the others.
        let mut said = sent.clone();
        said.extend(refusals.iter().map(|r| format!("not reached: {r}")));
        for d in settle_all(DeliveryState::Sent, None, detail(&said)) {
            store.settle_delivery(ticket_id, &d).await?;
            report.sent += 1;
        }
    } else if gone == targets.len() {
        // Every address is gone (or there was none left): nothing to try again.
        for d in settle_all(DeliveryState::Suppressed, Some(Suppression::NoAddress), detail(&refusals)) {
            store.settle_delivery(ticket_id, &d).await?;
            report.suppressed += 1;
        }
    } else {
        tracing::warn!(ticket = ticket_id, person = user.id, ?channel, error = ?refusals, "send failed: the event is retried");
        for d in settle_all(DeliveryState::Failed, None, detail(&refusals)) {
            store.settle_delivery(ticket_id, &d).await?;
            report.failed += 1;
        }
        let messages: Vec<String> = claimed.iter().map(|(p, _, _)| batch[p.incoming].message_id.clone()).collect();
        if let Some(seconds) = wait {
            report.wait.extend(messages.iter().map(|m| (m.clone(), seconds)));
        }
        report.retry.extend(messages);
    }
    Ok(report)
}

fn delivery(
    domain: &DomainEvent,
    person: &str,
    notice: Notice,
    channel: ChannelKind,
    state: DeliveryState,
    now: DateTime<Utc>,
) -> Delivery {
    Delivery {
        event_id: domain.event.id.clone(),
        recipient: person.to_string(),
        notice,
        channel,
        state,
        reason: None,
        detail: None,
        events_in_message: 1,
        attempts: 0,
        at: now,
    }
}

/// Counts one automatic mail to `person` in this hour; `true` when that passes the cap.
async fn over_mail_cap<S: Directory>(store: &S, person: &str, cap: u32, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let hour = now - Duration::seconds(now.timestamp().rem_euclid(3600));
    let key = format!("mail-cap:{person}");
    let counts = store.count_attempt(&[key], hour, hour + Duration::hours(2)).await?;
    Ok(counts.first().is_some_and(|&n| n > cap))
}
