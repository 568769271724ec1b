//! Demo data for a first look: five topics with their own forms, a few people, and tickets in
//! several states. Seeded through the same domain commands the API uses, and only when the table
//! has no topics yet, so a second start adds nothing.

use chrono::{Duration, Utc};
use helpdesk_aws::new_id;
use helpdesk_aws::{Directory, DynamoStore, TicketStore};
use helpdesk_core::api::{CreateTicketRequest, MessageRequest, UpdateTicketRequest};
use helpdesk_core::calendar::{Calendar, Holiday, Span, WeekHours};
use helpdesk_core::commands::{self, Change};
use helpdesk_core::form::{FieldDef, FieldKind};
use helpdesk_core::rating::{Rating, RatingRequest};
use helpdesk_core::sla::{self, AlertLevel, Conditions, Escalation, EscalationAction, SlaConfig, SlaPlan, TargetKind, Targets, Warning};
use helpdesk_core::text::LocalizedText;
use helpdesk_core::topic::Topic;
use helpdesk_core::user::{AccountSource, Group, Language, User};
use helpdesk_core::{Actor, Priority, Role, Ticket, TicketNumber};
use serde_json::json;

/// The people the demo tickets belong to; sign in as them with [`DEMO_PASSWORD`].
pub const REQUESTERS: [&str; 3] = ["anna.petrova", "john.smith", "maria.garcia"];
pub const AGENTS: [&str; 2] = ["ivan.sidorov", "lena.kuznetsova"];
/// The head of IT: reads every group's reports and queues.
pub const MANAGER: &str = "pavel.morozov";
/// How many resolved tickets of the past [`history`] seeds.
pub const HISTORY_TICKETS: u64 = 48;

/// The local password of every demo account (README). Local demo data only.
pub const DEMO_PASSWORD: &str = "helpdesk-demo";

fn groups_of(id: &str) -> &'static [&'static str] {
    if id == AGENTS[0] { &["service-desk", "field-service"] } else { &["identity", "network", "service-desk"] }
}

/// A demo agent with the groups they work (as the README lists them).
fn agent(id: &str) -> Actor {
    Actor::new(id, Role::Agent).in_groups(groups_of(id))
}

pub fn groups() -> Vec<Group> {
    [
        ("service-desk", "Service desk", "Первая линия", "First line: everything lands here first."),
        ("field-service", "Field service", "Выездная служба", "Hands-on hardware work."),
        ("identity", "Identity and access", "Учётные записи и доступ", "Accounts, permissions, mailboxes."),
        ("network", "Network", "Сеть", "LAN, Wi-Fi, VPN."),
        ("escalations", "Escalations", "Эскалации", "Tickets that missed their SLA."),
    ]
    .into_iter()
    .map(|(id, name, russian, description)| Group {
        id: id.into(),
        name: name.into(),
        names: LocalizedText::new(&[("ru", russian)]),
        description: Some(description.into()),
        version: 1,
    })
    .collect()
}

/// The demo people: three requesters, two agents, a manager, one admin; all with [`DEMO_PASSWORD`].
pub fn users() -> Vec<User> {
    let person = |id: &str, name: &str, role: Role, department: &str, language: Language| {
        let groups: &[&str] = if role == Role::Agent { groups_of(id) } else { &[] };
        User {
            language,
            department: Some(department.into()),
            location: Some("Berlin HQ".into()),
            ..User::new(id, name, &format!("{id}@example.org"), role, groups, AccountSource::Local)
        }
    };
    vec![
        person(REQUESTERS[0], "Anna Petrova", Role::Requester, "Marketing", Language::Ru),
        person(REQUESTERS[1], "John Smith", Role::Requester, "Sales", Language::En),
        person(REQUESTERS[2], "Maria Garcia", Role::Requester, "Finance", Language::En),
        person(AGENTS[0], "Ivan Sidorov", Role::Agent, "IT", Language::Ru),
        person(AGENTS[1], "Lena Kuznetsova", Role::Agent, "IT", Language::Ru),
        person(MANAGER, "Pavel Morozov", Role::Manager, "IT", Language::Ru),
        person("admin", "Helpdesk Admin", Role::Admin, "IT", Language::En),
    ]
}

fn l(en: &str, ru: &str) -> LocalizedText {
    LocalizedText::new(&[("en", en), ("ru", ru)])
}

fn field(key: &str, en: &str, ru: &str, kind: FieldKind, required: bool) -> FieldDef {
    FieldDef::new(key, l(en, ru), kind, required)
}

fn topic(id: &str, name: (&str, &str), description: (&str, &str), group: &str, priority: Priority, fields: Vec<FieldDef>) -> Topic {
    Topic {
        id: id.into(),
        name: l(name.0, name.1),
        description: l(description.0, description.1),
        fields,
        default_group: group.into(),
        default_priority: priority,
        active: true,
        version: 1,
    }
}

pub fn topics() -> Vec<Topic> {
    use FieldKind::*;
    vec![
        topic(
            "printer",
            ("Printer", "Принтер"),
            ("Jams, toner, printing nothing or printing badly.", "Замятие, тонер, не печатает или печатает плохо."),
            "service-desk",
            Priority::Medium,
            vec![
                field("location", "Where is the printer?", "Где находится принтер?", Text, true),
                field("problem", "What is wrong?", "Что случилось?", Select, true).with_options(&[
                    ("jam", "Paper jam", "Замятие бумаги"),
                    ("toner", "Toner or ink", "Тонер или чернила"),
                    ("offline", "Not printing at all", "Совсем не печатает"),
                    ("quality", "Poor print quality", "Плохое качество печати"),
                ]),
                field("asset_tag", "Asset tag (on the sticker)", "Инвентарный номер (на наклейке)", AssetTag, false),
            ],
        ),
        topic(
            "access-request",
            ("Access request", "Запрос доступа"),
            ("Access to a system, a shared folder or a mailbox.", "Доступ к системе, общей папке или почтовому ящику."),
            "identity",
            Priority::Medium,
            vec![
                field("systems", "Which systems?", "К каким системам?", MultiSelect, true).with_options(&[
                    ("vpn", "VPN", "VPN"),
                    ("mail", "Shared mailbox", "Общий почтовый ящик"),
                    ("crm", "CRM", "CRM"),
                    ("erp", "ERP", "ERP"),
                    ("fileshare", "File share", "Файловый ресурс"),
                ]),
                field("level", "Access level", "Уровень доступа", Select, true).with_options(&[
                    ("read", "Read", "Чтение"),
                    ("write", "Read and write", "Чтение и запись"),
                    ("admin", "Administrator", "Администратор"),
                ]),
                field("needed_by", "Needed by", "Нужен к дате", Date, false),
                field("manager_approved", "My manager approved this request", "Руководитель согласовал запрос", Checkbox, true),
            ],
        ),
        topic(
            "hardware",
            ("Laptop / hardware", "Ноутбук и оборудование"),
            ("A device that is broken, slow or missing.", "Устройство сломано, тормозит или его нет."),
            "field-service",
            Priority::High,
            vec![
                field("asset_tag", "Asset tag", "Инвентарный номер", AssetTag, true),
                field("device", "Device", "Устройство", Select, true).with_options(&[
                    ("laptop", "Laptop", "Ноутбук"),
                    ("desktop", "Desktop", "Настольный ПК"),
                    ("monitor", "Monitor", "Монитор"),
                    ("dock", "Docking station", "Док-станция"),
                    ("peripheral", "Keyboard, mouse or headset", "Клавиатура, мышь или гарнитура"),
                ]),
                field("symptoms", "What happens?", "Что происходит?", Multiline, false),
                field("under_warranty", "Still under warranty", "Ещё на гарантии", Checkbox, false),
            ],
        ),
        topic(
            "software",
            ("Software install", "Установка ПО"),
            ("Install or update a program.", "Установить или обновить программу."),
            "service-desk",
            Priority::Low,
            vec![
                field("software", "Program", "Программа", Text, true),
                field("version", "Version", "Версия", Text, false),
                field("seats", "For how many people?", "Для скольких сотрудников?", Number, true).with_range(1.0, 500.0).whole_numbers(),
                field("license_needed", "A licence must be bought", "Нужно купить лицензию", Checkbox, false),
                field("asset_tag", "Computer's asset tag", "Инвентарный номер компьютера", AssetTag, false),
            ],
        ),
        topic(
            "network-vpn",
            ("Network / VPN", "Сеть и VPN"),
            ("No connection, slow network, VPN trouble.", "Нет связи, медленная сеть, проблемы с VPN."),
            "network",
            Priority::High,
            vec![
                field("connection", "Connection", "Подключение", Select, true).with_options(&[
                    ("office-wifi", "Office Wi-Fi", "Офисный Wi-Fi"),
                    ("office-cable", "Office cable", "Офисная сеть (кабель)"),
                    ("vpn-home", "VPN from home", "VPN из дома"),
                    ("vpn-travel", "VPN while travelling", "VPN в поездке"),
                ]),
                field("location", "Where are you?", "Где вы находитесь?", Text, false),
                field("since", "Since when?", "С какого дня?", Date, false),
                field("affected_users", "People affected", "Сколько людей затронуто", Number, false)
                    .with_range(1.0, 10000.0)
                    .whole_numbers(),
            ],
        ),
        // Mail to the support address that names no topic lands here (MAIL_DEFAULT_TOPIC).
        topic(
            "general",
            ("Other question", "Другой вопрос"),
            ("Anything else. Mail to the support address arrives here.", "Всё остальное. Сюда приходят письма на адрес поддержки."),
            "service-desk",
            Priority::Medium,
            vec![],
        ),
    ]
}

/// Office hours in Berlin with the year-end holidays, and a round-the-clock calendar.
pub fn calendars() -> Vec<Calendar> {
    let time = |h| chrono::NaiveTime::from_hms_opt(h, 0, 0).unwrap_or_default();
    let day = vec![Span { start: time(8), end: time(18) }];
    let weekdays = WeekHours { mon: day.clone(), tue: day.clone(), wed: day.clone(), thu: day.clone(), fri: day, ..Default::default() };
    let holidays = [
        ("2026-12-24", "Heiligabend"),
        ("2026-12-25", "1. Weihnachtstag"),
        ("2026-12-26", "2. Weihnachtstag"),
        ("2026-12-31", "Silvester"),
        ("2027-01-01", "Neujahr"),
    ]
    .iter()
    .filter_map(|(date, name)| Some(Holiday { date: date.parse().ok()?, name: name.to_string() }))
    .collect();
    vec![
        Calendar {
            id: "office-hours".into(),
            name: "Office hours (Berlin)".into(),
            time_zone: "Europe/Berlin".into(),
            hours: Some(weekdays),
            holidays,
            version: 1,
        },
        Calendar {
            id: "always".into(),
            name: "Round the clock".into(),
            time_zone: "UTC".into(),
            hours: None,
            holidays: vec![],
            version: 1,
        },
    ]
}

fn targets(first: u32, next: u32, resolution: u32, deadline: Option<u32>) -> Targets {
    Targets {
        first_response_minutes: Some(first),
        next_response_minutes: Some(next),
        resolution_minutes: Some(resolution),
        deadline_minutes: deadline,
    }
}

/// Urgent tickets round the clock; everything else in office hours.
pub fn plans() -> Vec<SlaPlan> {
    vec![
        SlaPlan {
            id: "urgent-24x7".into(),
            name: "Urgent, round the clock".into(),
            active: true,
            precedence: 1,
            conditions: Conditions { priorities: vec![Priority::Urgent], ..Default::default() },
            calendar: "always".into(),
            targets: [(Priority::Urgent, targets(30, 60, 240, Some(480)))].into(),
            warning: Some(Warning::Percent(20)),
            escalations: vec![Escalation {
                on: AlertLevel::Breach,
                target: Some(TargetKind::Resolution),
                action: EscalationAction::MoveToGroup { group: "escalations".into() },
            }],
            version: 1,
        },
        SlaPlan {
            id: "standard".into(),
            name: "Standard, office hours".into(),
            active: true,
            precedence: 100,
            conditions: Conditions::default(),
            calendar: "office-hours".into(),
            targets: [
                (Priority::High, targets(60, 120, 480, Some(2880))),
                (Priority::Medium, targets(240, 480, 1440, None)),
                (Priority::Low, targets(480, 960, 2880, None)),
            ]
            .into(),
            warning: Some(Warning::Minutes(30)),
            escalations: vec![Escalation {
                on: AlertLevel::Breach,
                target: Some(TargetKind::FirstResponse),
                action: EscalationAction::RaisePriority,
            }],
            version: 1,
        },
    ]
}

/// What happens to one demo ticket after it is filed (each 20 minutes after the one before, or
/// after a `Wait`).
enum Step {
    Reply(&'static str, &'static str),
    Note(&'static str, &'static str),
    Update(&'static str, serde_json::Value),
    /// Time passes (minutes): the SLA clocks run on, and may be breached.
    Wait(i64),
    /// The requester rates the last resolution (through the link of its notification).
    Rate(Rating, Option<&'static str>),
}

struct DemoTicket {
    by: Actor,
    hours_ago: i64,
    request: serde_json::Value,
    steps: Vec<Step>,
}

fn demo_tickets() -> Vec<DemoTicket> {
    let requester = |i: usize| Actor::new(REQUESTERS[i], Role::Requester);
    vec![
        DemoTicket {
            by: requester(0),
            hours_ago: 50,
            request: json!({"topic": "printer", "subject": "Printer on the 3rd floor jams every page",
                "description": "Since this morning every second sheet gets stuck near the fuser.",
                "fields": {"location": "3rd floor, room 312", "problem": "jam", "asset_tag": "PR-0042"}}),
            steps: vec![
                Step::Reply(AGENTS[0], "I will come by after lunch with a new fuser kit."),
                Step::Note(AGENTS[0], "Fuser kit ordered, arrives Thursday."),
                Step::Update(AGENTS[0], json!({"assignee": AGENTS[0]})),
            ],
        },
        DemoTicket {
            by: requester(1),
            hours_ago: 30,
            request: json!({"topic": "access-request", "subject": "CRM and VPN access for a new sales manager",
                "description": "Please give Olga (starts Monday) read and write access.",
                "fields": {"systems": ["crm", "vpn"], "level": "write", "needed_by": "2026-12-01", "manager_approved": true}}),
            steps: vec![
                Step::Update(AGENTS[1], json!({"assignee": AGENTS[1], "status": "waiting"})),
                Step::Reply(AGENTS[1], "Which office will Olga work from?"),
            ],
        },
        DemoTicket {
            by: requester(2),
            hours_ago: 20,
            request: json!({"topic": "hardware", "subject": "Laptop does not charge", "priority": "urgent",
                "description": "The charging light stays off with two different chargers.",
                "fields": {"asset_tag": "LT-04211", "device": "laptop", "symptoms": "No light, battery at 3%.", "under_warranty": true}}),
            steps: vec![],
        },
        DemoTicket {
            by: requester(0),
            hours_ago: 8,
            request: json!({"topic": "software", "subject": "Install Inkscape",
                "description": "I need Inkscape for the new brochure.", "fields": {"software": "Inkscape", "version": "1.4", "seats": 1}}),
            steps: vec![
                Step::Reply(AGENTS[0], "Installed through the software centre; please restart."),
                Step::Update(AGENTS[0], json!({"status": "resolved"})),
            ],
        },
        DemoTicket {
            by: requester(1),
            hours_ago: 2,
            request: json!({"topic": "network-vpn", "subject": "VPN drops every ten minutes",
                "description": "Working from home; the VPN reconnects every ten minutes or so.",
                "fields": {"connection": "vpn-home", "since": "2026-11-24", "affected_users": 1}}),
            steps: vec![],
        },
        DemoTicket {
            by: agent(AGENTS[1]),
            hours_ago: 1,
            request: json!({"topic": "network-vpn", "subject": "Call: Wi-Fi down in meeting room B", "channel": "phone",
                "requester": REQUESTERS[2], "description": "Maria called: no Wi-Fi in meeting room B, a client meeting starts at 3.",
                "fields": {"connection": "office-wifi", "location": "Meeting room B", "affected_users": 8}}),
            steps: vec![Step::Update(AGENTS[1], json!({"priority": "urgent"}))],
        },
    ]
}

/// Six weeks of history for the reports (after the demo tickets, so those keep their numbers):
/// tickets filed on working days, answered and resolved
/// sooner or later (some after their SLA targets), a few reopened; one printer (PR-0042) and
/// one requester (Anna) keep coming back. The same every start: a small generator, no clock.
fn history() -> Vec<DemoTicket> {
    let mut seed: u64 = 0x5eed;
    let mut roll = move |sides: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % sides
    };
    let mut out = Vec::new();
    for n in 0..HISTORY_TICKETS {
        // Older than every demo ticket above (the lists show those first), all resolved by now.
        let days_ago = 45 - (n * 42 / HISTORY_TICKETS) as i64;
        // Anna files half of it, on printers and hardware mostly.
        let by = REQUESTERS[[0, 0, 0, 1, 2][roll(5) as usize]];
        let printer = ["PR-0042", "PR-0042", "PR-0042", "PR-0107", "PR-0311"][roll(5) as usize];
        let laptop = ["LT-04211", "LT-05530", "LT-04211"][roll(3) as usize];
        let problem = ["jam", "toner", "offline"][roll(3) as usize];
        let kind = roll(5);
        // Someone who works the topic's group.
        let agent = match kind {
            2 => AGENTS[0],
            4 => AGENTS[1],
            _ => AGENTS[roll(2) as usize],
        };
        let request = match kind {
            0 | 1 => {
                json!({"topic": "printer", "subject": format!("Printer {printer} jams again"), "description": "Paper jams near the fuser.",
                "fields": {"location": "3rd floor", "problem": problem, "asset_tag": printer}})
            }
            2 => {
                json!({"topic": "hardware", "subject": format!("Laptop {laptop} is slow to start"), "description": "It takes ten minutes to start.",
                "fields": {"asset_tag": laptop, "device": "laptop"}})
            }
            3 => json!({"topic": "software", "subject": "Install a PDF editor", "description": "For contracts.",
                "fields": {"software": "PDF editor", "seats": 1}}),
            _ => json!({"topic": "network-vpn", "subject": "VPN drops", "description": "The VPN reconnects every few minutes.",
                "fields": {"connection": "vpn-home"}}),
        };
        // First answer within half an hour to two days; resolution up to three days later.
        let answer = [20, 45, 90, 240, 600, 2880][roll(6) as usize];
        let resolve = [60, 180, 480, 1440, 4320][roll(5) as usize];
        let mut steps = vec![
            Step::Update(agent, json!({"assignee": agent})),
            Step::Wait(answer),
            Step::Reply(agent, "Looking into it now."),
            Step::Wait(resolve),
            Step::Update(agent, json!({"status": "resolved"})),
        ];
        let reopened = roll(8) == 0;
        if reopened {
            steps.extend([
                Step::Wait(600),
                Step::Update(agent, json!({"status": "reopened"})),
                Step::Wait(240),
                Step::Update(agent, json!({"status": "resolved"})),
            ]);
        }
        // Two in three rate the help: badly when it came late or did not last.
        if roll(3) > 0 {
            let slow = answer >= 600 || resolve >= 4320 || reopened;
            steps.push(match (slow, roll(4)) {
                (true, 0) => Step::Rate(Rating::Bad, Some("Took far too long.")),
                (true, _) | (false, 0) => Step::Rate(Rating::Bad, None),
                (false, 1) => Step::Rate(Rating::Good, Some("Quick and friendly, thank you!")),
                (false, _) => Step::Rate(Rating::Good, None),
            });
        }
        out.push(DemoTicket { by: Actor::new(by, Role::Requester), hours_ago: days_ago * 24 + 15 - roll(7) as i64, request, steps });
    }
    out
}

/// Seeds each kind of demo data that is still missing: people and groups, the SLA
/// configuration, and the topics with their tickets. What exists is left alone, so a second start
/// adds nothing.
pub async fn seed(store: &DynamoStore) -> Result<bool, String> {
    let e = |e: helpdesk_aws::StoreError| e.to_string();
    let anyone = helpdesk_core::api::PeopleQuery { limit: 1, include_inactive: true, ..Default::default() };
    if store.list_people(&anyone).await.map_err(e)?.items.is_empty() {
        for group in groups() {
            store.put_group(&group).await.map_err(|e| format!("group {}: {e}", group.id))?;
        }
        let hash = tickets_api::session::hash_password(DEMO_PASSWORD)?;
        for user in users() {
            store.put_user(&user, Some(&hash)).await.map_err(|e| format!("user {}: {e}", user.id))?;
        }
        tracing::info!("demo data: people and groups");
    }
    let mut config = store.sla_config().await.map_err(e)?;
    if config.plans.is_empty() && config.calendars.is_empty() {
        config = SlaConfig { plans: plans(), calendars: calendars() };
        for calendar in &config.calendars {
            store.put_calendar(calendar).await.map_err(|e| format!("calendar {}: {e}", calendar.id))?;
        }
        for plan in &config.plans {
            store.put_sla_plan(plan).await.map_err(|e| format!("plan {}: {e}", plan.id))?;
        }
        tracing::info!("demo data: SLA calendars and plans");
    }
    if !store.list_topics().await.map_err(e)?.is_empty() {
        return Ok(false);
    }
    let topics = topics();
    for topic in &topics {
        store.put_topic(topic).await.map_err(|e| format!("topic {}: {e}", topic.id))?;
    }
    let now = Utc::now();
    for demo in demo_tickets() {
        let mut changes = play(demo, &topics, &config, now)?.into_iter();
        let first = changes.next().ok_or("a demo ticket without its creation")?;
        let Change { ticket: created, .. } = store
            .create_ticket(|number| Change { ticket: Ticket { number, ..first.ticket.clone() }, events: first.events.clone() })
            .await
            .map_err(|e| e.to_string())?;
        for change in changes {
            let ticket = Ticket { number: created.number, ..change.ticket };
            store.save_ticket(&ticket, &change.events).await.map_err(|e| e.to_string())?;
        }
        tracing::info!(number = %created.number, subject = created.subject, "demo ticket");
    }
    // The past: written with its logs in bulk, announced to nobody (no mail about last month).
    let mut past = Vec::new();
    for demo in history() {
        let changes = play(demo, &topics, &config, now)?;
        let ticket = changes.last().map(|c| c.ticket.clone()).ok_or("a demo ticket without its creation")?;
        past.push((ticket, changes.into_iter().flat_map(|c| c.events).collect()));
    }
    let imported = store.import_history(past).await.map_err(|e| e.to_string())?;
    tracing::info!(tickets = imported.len(), "demo history");
    Ok(true)
}

/// A demo ticket's life as the store would see it: its creation, then each change (the SLA
/// scan's included, as it would have run before each step), numbered later.
fn play(demo: DemoTicket, topics: &[Topic], config: &SlaConfig, now: chrono::DateTime<Utc>) -> Result<Vec<Change>, String> {
    let at = now - Duration::hours(demo.hours_ago);
    let request: CreateTicketRequest = serde_json::from_value(demo.request).map_err(|e| e.to_string())?;
    let topic = topics.iter().find(|t| t.id == request.topic);
    let draft = commands::prepare_ticket(request, topic, &demo.by).map_err(|e| e.to_string())?;
    let mut first = draft.into_ticket(new_id(), TicketNumber(0), new_id(), at);
    sla::refresh(&mut first.ticket, &first.events, config);
    let (mut ticket, mut events) = (first.ticket.clone(), first.events.clone());
    let mut out = vec![first];
    let mut when = at;
    for step in demo.steps {
        if let Step::Wait(minutes) = step {
            when += Duration::minutes(minutes);
            continue;
        }
        when = (when + Duration::minutes(20)).min(now);
        // The SLA scan runs every minute: what fell due before this step it has recorded.
        if let Some((change, _)) = sla::run_due(&ticket, &events, config, when - Duration::seconds(1), &mut new_id) {
            apply(change, &mut ticket, &mut events, &mut out, config);
        }
        let change = match step {
            Step::Wait(_) => None,
            Step::Reply(who, body) | Step::Note(who, body) => {
                let internal = matches!(step, Step::Note(..));
                let request = MessageRequest { body: body.into(), version: None, attachments: vec![] };
                Some(commands::add_message(&ticket, &agent(who), request, internal, when, &mut new_id))
            }
            Step::Rate(rating, comment) => {
                let resolution = events.iter().rev().find(|e| helpdesk_core::rating::resolves(e)).map(|e| e.id.clone()).unwrap_or_default();
                let request = RatingRequest { token: String::new(), rating, comment: comment.map(str::to_string) };
                Some(helpdesk_core::rating::rate(&ticket, &events, &resolution, &request, when, new_id()))
            }
            Step::Update(who, mut patch) => {
                patch["version"] = json!(ticket.version);
                let request: UpdateTicketRequest = serde_json::from_value(patch).map_err(|e| e.to_string())?;
                commands::update_ticket(&ticket, topic, &agent(who), request, when, &mut new_id).transpose()
            }
        };
        if let Some(change) = change {
            apply(change.map_err(|e| e.to_string())?, &mut ticket, &mut events, &mut out, config);
        }
    }
    Ok(out)
}

/// One change of [`play`]: the ticket and its log move on, SLA times brought up to date.
fn apply(mut change: Change, ticket: &mut Ticket, events: &mut Vec<helpdesk_core::TicketEvent>, out: &mut Vec<Change>, config: &SlaConfig) {
    events.extend(change.events.iter().cloned());
    sla::refresh(&mut change.ticket, events, config);
    *ticket = change.ticket.clone();
    out.push(change);
}

#[cfg(test)]
mod tests {
    use super::*;
    use helpdesk_core::topic::TopicInput;

    #[test]
    fn demo_topics_pass_the_admin_checks() {
        for topic in topics() {
            let input: TopicInput = serde_json::from_value(serde_json::to_value(&topic).unwrap()).unwrap();
            assert_eq!(input.into_topic(&topic.id, 1), Ok(topic.clone()), "{}", topic.id);
        }
    }

    #[test]
    fn demo_sla_configuration_passes_the_admin_checks() {
        use helpdesk_core::calendar::CalendarInput;
        use helpdesk_core::sla::SlaPlanInput;
        for calendar in calendars() {
            let input: CalendarInput = serde_json::from_value(serde_json::to_value(&calendar).unwrap()).unwrap();
            assert_eq!(input.into_calendar(&calendar.id, 1), Ok(calendar.clone()));
        }
        for plan in plans() {
            let input: SlaPlanInput = serde_json::from_value(serde_json::to_value(&plan).unwrap()).unwrap();
            assert_eq!(input.into_plan(&plan.id, 1, calendars().iter().any(|c| c.id == plan.calendar)), Ok(plan.clone()));
        }
    }

    #[test]
    fn demo_tickets_pass_the_ticket_checks() {
        let topics = topics();
        for demo in history().into_iter().chain(demo_tickets()) {
            let request: CreateTicketRequest = serde_json::from_value(demo.request).unwrap();
            let topic = topics.iter().find(|t| t.id == request.topic);
            commands::prepare_ticket(request, topic, &demo.by).unwrap();
        }
    }
}
