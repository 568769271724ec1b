//! The deployment's mail settings and the small decisions made from them: which topic an address
//! files under, whose domain may file, which reply token an address carries, which ids to look a
//! Message-ID up by, and what an attached file is.

use helpdesk_core::Topic;
use helpdesk_core::attachment::{Limits, RejectReason};
use helpdesk_core::user::{Language, is_user_id};
use sha2::{Digest, Sha256};

/// `printers@help.example.com=printer,access@help.example.com=access-request`: an address to the
/// topic (and so the group) its mail files under.
pub const MAIL_ROUTES: &str = "MAIL_ROUTES";
/// The topic of mail no route names (default `general`).
pub const MAIL_DEFAULT_TOPIC: &str = "MAIL_DEFAULT_TOPIC";
/// `example.com,example.org`: only senders of these domains become requesters by mail (empty: all).
pub const MAIL_ALLOWED_DOMAINS: &str = "MAIL_ALLOWED_DOMAINS";
/// Messages one sender may send an hour (default [`DEFAULT_CAP_PER_HOUR`]).
pub const MAIL_CAP_PER_HOUR: &str = "MAIL_CAP_PER_HOUR";
pub const DEFAULT_CAP_PER_HOUR: u32 = 30;
pub const DEFAULT_TOPIC: &str = "general";

/// Types mail brings that a browser upload never does: kept as files, served as downloads.
const MAIL_ONLY_TYPES: &[(&str, &str)] = &[("application/ms-tnef", "application/vnd.ms-tnef"), ("message/rfc822", "message/rfc822")];

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The files bucket: messages under `inbound/` and `retry/`, files under `uploads/`.
    pub bucket: String,
    /// The support addresses, lower-case (the first is `SUPPORT_ADDRESS`).
    pub support_addresses: Vec<String>,
    pub routes: Vec<(String, String)>,
    pub default_topic: String,
    pub allowed_domains: Vec<String>,
    pub cap_per_hour: u32,
    pub default_language: Language,
    pub limits: Limits,
}

fn list(value: &str) -> impl Iterator<Item = String> + '_ {
    value.split([',', ';', ' ', '\n']).map(|v| v.trim().to_lowercase()).filter(|v| !v.is_empty())
}

impl Settings {
    /// The defaults for `bucket`: no support address, no routes, the [`DEFAULT_TOPIC`], mail from
    /// anyone, [`DEFAULT_CAP_PER_HOUR`], English, the default attachment limits.
    pub fn new(bucket: &str) -> Settings {
        Settings {
            bucket: bucket.to_string(),
            support_addresses: Vec::new(),
            routes: Vec::new(),
            default_topic: DEFAULT_TOPIC.into(),
            allowed_domains: Vec::new(),
            cap_per_hour: DEFAULT_CAP_PER_HOUR,
            default_language: Language::default(),
            limits: Limits::default(),
        }
    }

    /// From the environment: [`MAIL_ROUTES`], [`MAIL_DEFAULT_TOPIC`], [`MAIL_ALLOWED_DOMAINS`],
    /// [`MAIL_CAP_PER_HOUR`], `SUPPORT_ADDRESS` and the attachment limits.
    pub fn from_env(bucket: &str) -> Result<Settings, String> {
        let var = |name: &str| std::env::var(name).unwrap_or_default();
        let mut routes = Vec::new();
        for pair in list(&var(MAIL_ROUTES)) {
            let (address, topic) = pair.split_once('=').ok_or_else(|| format!("{MAIL_ROUTES}: '{pair}' is not address=topic"))?;
            routes.push((address.to_string(), topic.to_string()));
        }
        let mut support_addresses: Vec<String> = list(&var(helpdesk_aws::config::SUPPORT_ADDRESS)).collect();
        support_addresses.extend(routes.iter().map(|(a, _)| a.clone()));
        let cap = var(MAIL_CAP_PER_HOUR);
        let default_topic = var(MAIL_DEFAULT_TOPIC).trim().to_string();
        let defaults = Settings::new(bucket);
        Ok(Settings {
            support_addresses,
            routes,
            default_topic: if default_topic.is_empty() { defaults.default_topic.clone() } else { default_topic },
            allowed_domains: list(&var(MAIL_ALLOWED_DOMAINS)).collect(),
            cap_per_hour: if cap.is_empty() {
                defaults.cap_per_hour
            } else {
                cap.parse().map_err(|_| format!("{MAIL_CAP_PER_HOUR}={cap}"))?
            },
            limits: helpdesk_aws::config::attachment_limits()?,
            ..defaults
        })
    }

    /// Whether an unknown sender of this address may become a requester.
    pub fn domain_allowed(&self, address: &str) -> bool {
        let domain = address.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
        self.allowed_domains.is_empty() || self.allowed_domains.iter().any(|d| d == domain)
    }

    /// `<local>+<tag>@<domain>` of one of our addresses: the tags the recipients carry.
    fn plus_tags<'a>(&'a self, recipients: &'a [String]) -> impl Iterator<Item = String> + 'a {
        recipients.iter().filter_map(|r| {
            let (local, domain) = r.split_once('@')?;
            let (base, tag) = local.split_once('+')?;
            let ours = self.support_addresses.iter().any(|a| a == &format!("{base}@{domain}"));
            ours.then(|| tag.to_string())
        })
    }

    /// The reply tokens (ULIDs, as the notify function makes them) the recipients carry.
    pub fn reply_tokens(&self, recipients: &[String]) -> Vec<String> {
        self.plus_tags(recipients).filter(|t| t.len() == 26 && ulid::Ulid::from_string(t).is_ok()).collect()
    }

    /// The topic a message files under: a routed address's, a plus-address's (`support+printer@`),
    /// else the default; only an active topic, else the first active one.
    pub fn topic_for<'a>(&self, recipients: &[String], topics: &'a [Topic]) -> Option<&'a Topic> {
        let active = |id: &str| topics.iter().find(|t| t.active && t.id == id);
        let routed = recipients.iter().find_map(|r| self.routes.iter().find(|(a, _)| a == r).and_then(|(_, topic)| active(topic)));
        routed
            .or_else(|| self.plus_tags(recipients).find_map(|tag| active(&tag)))
            .or_else(|| active(&self.default_topic))
            .or_else(|| topics.iter().find(|t| t.active))
    }
}

/// The ids to look a Message-ID up by: itself, and for mail SES sent (`<id>@<region>.amazonses.com`)
/// the id SES returned when we sent it, which is the part before `@`.
pub fn lookup_ids(message_id: &str) -> Vec<String> {
    let id = message_id.trim().trim_matches(['<', '>']).to_string();
    let mut ids = vec![id.clone()];
    if let Some((local, domain)) = id.rsplit_once('@')
        && domain.to_ascii_lowercase().ends_with("amazonses.com")
    {
        ids.push(local.to_string());
    }
    ids
}

/// An account id for a new requester from their address: the local part in the characters ids
/// allow (`Ivan.Petrov+x@…` → `ivan.petrov`).
pub fn user_id_for(address: &str) -> String {
    let local = address.split('@').next().unwrap_or_default();
    let local = local.split('+').next().unwrap_or_default().to_lowercase();
    let id: String = local.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')).take(64).collect();
    if is_user_id(&id) { id } else { format!("mail-{}", &sha_hex(address.as_bytes())[..12]) }
}

fn sha_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The upload id of a message's `index`-th file: the same on every delivery of the message, so a
/// second delivery writes the same upload again instead of a new one.
pub fn file_id(message_key: &str, index: usize) -> String {
    let digest = Sha256::digest(format!("{message_key}\n{index}").as_bytes());
    let mut random = [0u8; 16];
    random.copy_from_slice(&digest[..16]);
    let millis = u64::from_be_bytes([0, 0, digest[16], digest[17], digest[18], digest[19], digest[20], digest[21]]) >> 1;
    ulid::Ulid::from_parts(millis, u128::from_be_bytes(random)).to_string()
}

/// What an attached file is, by its bytes like any upload (the attachments function's verdict),
/// or a type only mail brings (`winmail.dat`, a forwarded message) as it declares.
pub fn file_type(name: &str, declared: &str, bytes: &[u8], limits: &Limits) -> Result<String, RejectReason> {
    if let Some(problem) = attachments::size_problem(bytes.len() as u64, limits) {
        return Err(problem);
    }
    let announced = helpdesk_core::attachment::normalized_type(declared).unwrap_or("application/octet-stream");
    let first = &bytes[..bytes.len().min(helpdesk_core::attachment::SNIFF_BYTES)];
    match attachments::allowed_type(first, announced) {
        Err(RejectReason::TypeNotAllowed) => {
            let tnef = name.eq_ignore_ascii_case("winmail.dat") && bytes.starts_with(&[0x78, 0x9f, 0x3e, 0x22]);
            let declared = declared.to_ascii_lowercase();
            match MAIL_ONLY_TYPES.iter().find(|(d, _)| *d == declared) {
                Some((_, kept)) => Ok(kept.to_string()),
                None if tnef => Ok("application/vnd.ms-tnef".into()),
                None => Err(RejectReason::TypeNotAllowed),
            }
        }
        other => other,
    }
}

/// How a left-out file is named in the message's text.
pub fn reason_text(reason: RejectReason) -> &'static str {
    match reason {
        RejectReason::TooLarge => "too large",
        RejectReason::TypeNotAllowed => "a type tickets do not take",
        RejectReason::Empty => "empty",
        RejectReason::SizeMismatch => "damaged",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use helpdesk_core::text::LocalizedText;

    fn settings() -> Settings {
        Settings {
            support_addresses: vec!["support@help.example.com".into(), "printers@help.example.com".into()],
            routes: vec![("printers@help.example.com".into(), "printer".into())],
            allowed_domains: vec!["example.com".into()],
            ..Settings::new("b")
        }
    }

    fn topic(id: &str, active: bool) -> Topic {
        Topic {
            id: id.into(),
            name: LocalizedText::new(&[("en", id)]),
            description: LocalizedText::default(),
            fields: vec![],
            default_group: "service-desk".into(),
            default_priority: helpdesk_core::Priority::Medium,
            active,
            version: 1,
        }
    }

    #[test]
    fn the_address_picks_the_topic() {
        let s = settings();
        let topics = [topic("general", true), topic("printer", true), topic("network", true), topic("old", false)];
        let pick = |to: &str| s.topic_for(&[to.to_string()], &topics).map(|t| t.id.clone());
        assert_eq!(pick("printers@help.example.com").as_deref(), Some("printer"));
        assert_eq!(pick("support+network@help.example.com").as_deref(), Some("network"));
        assert_eq!(pick("support+old@help.example.com").as_deref(), Some("general"), "an archived topic takes no mail");
        assert_eq!(pick("support+network@elsewhere.org").as_deref(), Some("general"), "only our addresses route");
        assert_eq!(pick("support@help.example.com").as_deref(), Some("general"));
    }

    #[test]
    fn reply_tokens_and_ses_ids_are_recognised() {
        let s = settings();
        let token = ulid::Ulid::new().to_string().to_lowercase();
        let to = vec![format!("support+{token}@help.example.com"), "support+printer@help.example.com".into()];
        assert_eq!(s.reply_tokens(&to), vec![token]);
        assert_eq!(lookup_ids("<0100abc@eu-west-1.amazonses.com>"), ["0100abc@eu-west-1.amazonses.com", "0100abc"]);
        assert_eq!(lookup_ids("x.y@helpdesk.example.com"), ["x.y@helpdesk.example.com"]);
    }

    #[test]
    fn senders_get_ids_and_domains_are_held_to_the_policy() {
        assert_eq!(user_id_for("Ivan.Petrov+x@Example.com"), "ivan.petrov");
        assert!(user_id_for("иван@example.com").starts_with("mail-"));
        let s = settings();
        assert!(s.domain_allowed("a@example.com"));
        assert!(!s.domain_allowed("a@evil.example.org"));
    }

    #[test]
    fn file_ids_are_stable_per_message_and_index() {
        assert_eq!(file_id("m@x", 0), file_id("m@x", 0));
        assert_ne!(file_id("m@x", 0), file_id("m@x", 1));
        assert!(ulid::Ulid::from_string(&file_id("m@x", 3)).is_ok());
    }

    #[test]
    fn mail_keeps_winmail_dat_but_refuses_programs() {
        let limits = Limits::default();
        let tnef = [0x78, 0x9f, 0x3e, 0x22, 1, 2, 3];
        assert_eq!(file_type("winmail.dat", "application/ms-tnef", &tnef, &limits).as_deref(), Ok("application/vnd.ms-tnef"));
        let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0";
        assert_eq!(file_type("a.exe", "application/octet-stream", exe, &limits), Err(RejectReason::TypeNotAllowed));
        assert_eq!(file_type("a.png", "image/png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", &limits).as_deref(), Ok("image/png"));
    }
}
