//! A raw message as the intake needs it: who sent it and to which address, what it answers, its
//! text (quoted history cut off), its files, and whether a machine wrote it. Pure: bytes in,
//! [`Inbound`] out; nothing here panics on any input (the corpus test feeds it malformed mail).

use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders, PartType};
use sha2::{Digest, Sha256};

/// A received message, read.
#[derive(Debug, Clone, PartialEq)]
pub struct Inbound {
    /// Its Message-ID without angle brackets.
    pub message_id: Option<String>,
    /// What makes it one message whatever the number of deliveries: the Message-ID, or a hash
    /// of the raw bytes when it has none.
    pub key: String,
    /// The sender's address, lower-case.
    pub from: Option<String>,
    pub from_name: Option<String>,
    /// Every address it was sent to (To, Cc, Delivered-To, X-Original-To), lower-case.
    pub recipients: Vec<String>,
    pub subject: String,
    /// The text the sender wrote, quoted history cut off where a marker was found.
    pub text: String,
    /// Quoted history was cut off.
    pub trimmed: bool,
    /// The HTML body as it came (unsafe: see [`crate::html::sanitize`]).
    pub html: Option<String>,
    /// The Message-IDs it answers, the nearest first (In-Reply-To, then References from last).
    pub answers: Vec<String>,
    /// The language the message says it is in, or its script shows (`ru` for Cyrillic text).
    pub language: Option<String>,
    /// Why a machine wrote it (an out-of-office, a list, a mailer daemon), if one did.
    pub automatic: Option<String>,
    pub bounce: Option<Bounce>,
    pub files: Vec<File>,
}

/// A delivery status notification: our mail to `recipients` failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounce {
    pub recipients: Vec<String>,
    /// The Message-ID of the mail that failed, when the report quotes it.
    pub original_id: Option<String>,
    /// Status and diagnostic, as the report gives them.
    pub detail: String,
}

/// An attached (or inline) file as it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub name: String,
    /// The type the message declares (checked again against the bytes).
    pub declared_type: String,
    pub bytes: Vec<u8>,
    /// Shown inside the HTML body (`cid:`), not attached by the sender.
    pub inline: bool,
    /// Its Content-ID, lower case, without angle brackets.
    pub content_id: Option<String>,
}

/// Message-IDs longer than this are keyed by their hash (DynamoDB keys are bounded).
const MAX_KEY_ID_BYTES: usize = 512;

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The key of a message: its id, or a hash when it has none (or one too long to key by).
pub fn message_key(message_id: Option<&str>, raw: &[u8]) -> String {
    match message_id {
        Some(id) if id.len() <= MAX_KEY_ID_BYTES => id.to_string(),
        Some(id) => format!("sha256:{}", sha256_hex(id.as_bytes())),
        None => format!("sha256:{}", sha256_hex(raw)),
    }
}

fn addresses(address: Option<&Address<'_>>) -> Vec<String> {
    address.map(|a| a.iter().filter_map(|addr| addr.address()).map(|a| a.trim().to_lowercase()).collect()).unwrap_or_default()
}

fn text_list(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(list) => list.iter().map(|t| t.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// A header's raw value, trimmed (mail-parser keeps the leading space and the line end).
fn raw_header<'a>(message: &'a mail_parser::Message<'a>, name: &'a str) -> Option<&'a str> {
    message.header_raw(name).map(str::trim)
}

/// Why a machine wrote the message, if one did (RFC 3834 and what the big mailers send).
fn automatic(message: &mail_parser::Message<'_>, from: Option<&str>, our_addresses: &[String]) -> Option<String> {
    if let Some(value) = raw_header(message, "Auto-Submitted").filter(|v| !v.eq_ignore_ascii_case("no")) {
        return Some(format!("Auto-Submitted: {value}"));
    }
    if let Some(value) =
        raw_header(message, "Precedence").filter(|v| ["bulk", "junk", "list"].iter().any(|p| v.to_ascii_lowercase().starts_with(p)))
    {
        return Some(format!("Precedence: {value}"));
    }
    for name in ["X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"] {
        if raw_header(message, name).is_some() {
            return Some(format!("{name} header"));
        }
    }
    if let Some(value) = raw_header(message, "X-Loop") {
        let value = value.to_lowercase();
        if our_addresses.iter().any(|a| value.contains(a.as_str())) {
            return Some(format!("X-Loop: {value}"));
        }
    }
    if raw_header(message, "Return-Path").is_some_and(|v| v.trim_matches(['<', '>', ' ']).is_empty()) {
        return Some("empty Return-Path".into());
    }
    let local = from.and_then(|f| f.split('@').next()).unwrap_or_default();
    if local == "mailer-daemon" || local == "postmaster" {
        return Some(format!("sent by {local}"));
    }
    None
}

/// A `message/delivery-status` report: the failed recipients and what the server said.
fn bounce(message: &mail_parser::Message<'_>) -> Option<Bounce> {
    let content_type = message.root_part().content_type()?;
    let is_report = content_type.ctype().eq_ignore_ascii_case("multipart")
        && content_type.subtype().is_some_and(|s| s.eq_ignore_ascii_case("report"))
        && content_type.attribute("report-type").is_some_and(|t| t.eq_ignore_ascii_case("delivery-status"));
    if !is_report {
        return None;
    }
    let mut recipients = Vec::new();
    let mut detail = Vec::new();
    let mut original_id = None;
    for part in &message.parts {
        let Some(ct) = part.content_type() else { continue };
        let subtype = ct.subtype().unwrap_or_default().to_ascii_lowercase();
        match (ct.ctype().to_ascii_lowercase().as_str(), subtype.as_str()) {
            ("message", "delivery-status") => {
                let text = String::from_utf8_lossy(part.contents()).to_string();
                let mut failed = false;
                let mut this = Vec::new();
                for line in text.lines() {
                    let Some((name, value)) = line.split_once(':') else { continue };
                    let value = value.trim();
                    match name.trim().to_ascii_lowercase().as_str() {
                        "final-recipient" | "original-recipient" => {
                            let address = value.rsplit(';').next().unwrap_or(value).trim().trim_matches(['<', '>']).to_lowercase();
                            if address.contains('@') && !this.contains(&address) {
                                this.push(address);
                            }
                        }
                        "action" => failed |= value.eq_ignore_ascii_case("failed"),
                        "status" | "diagnostic-code" => detail.push(value.to_string()),
                        _ => {}
                    }
                }
                if failed {
                    recipients.extend(this);
                }
            }
            ("text", "rfc822-headers") => {
                let text = String::from_utf8_lossy(part.contents()).to_string();
                original_id = original_id.or_else(|| header_in(&text, "message-id"));
            }
            ("message", "rfc822") | ("message", "global") => {
                if let PartType::Message(inner) = &part.body {
                    original_id = original_id.or_else(|| inner.message_id().map(str::to_string));
                }
            }
            _ => {}
        }
    }
    recipients.dedup();
    Some(Bounce { recipients, original_id, detail: detail.join("; ") })
}

/// A header's value in a block of header lines, angle brackets off.
fn header_in(text: &str, name: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim().trim_matches(['<', '>']).to_string()).filter(|v| !v.is_empty())
    })
}

/// Lines that begin the quoted history in replies from the common mail programs.
fn is_quote_marker(line: &str, next: Option<&str>) -> bool {
    let line = line.trim();
    let lower = line.to_lowercase();
    let next_quoted = next.is_some_and(|n| n.trim_start().starts_with('>'));
    lower.starts_with("-----original message-----")
        || lower.starts_with("-----исходное сообщение-----")
        || (line.starts_with("________________________________") && next.is_some_and(|n| n.contains(':')))
        // Gmail, Apple Mail, Thunderbird: "On <date>, <who> wrote:", "<date>, <who>:" in Russian.
        || (lower.starts_with("on ") && lower.ends_with("wrote:"))
        || lower.ends_with("писал:")
        || lower.ends_with("писала:")
        || lower.ends_with("написал:")
        || lower.ends_with("написала:")
        || lower.ends_with("писал(а):")
        || (line.ends_with(':') && line.contains('@') && next_quoted)
}

/// Cuts the quoted history off a reply: everything from the first marker line on, when some
/// text stands before it. Returns the text and whether it cut.
pub fn trim_quoted(text: &str) -> (String, bool) {
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if is_quote_marker(line, lines.get(i + 1).copied()) {
            let kept = lines[..i].join("\n").trim_end().to_string();
            if !kept.trim().is_empty() {
                return (kept, true);
            }
            // Nothing but the quote (a forward, a top-less reply): keep it all.
            return (text.trim_end().to_string(), false);
        }
    }
    // No marker: a block of `>` lines at the end is quoted history too.
    let last_own = lines.iter().rposition(|l| !l.trim().is_empty() && !l.trim_start().starts_with('>'));
    match last_own {
        Some(last) if last + 1 < lines.len() && lines[last + 1..].iter().any(|l| l.trim_start().starts_with('>')) => {
            (lines[..=last].join("\n").trim_end().to_string(), true)
        }
        _ => (text.trim_end().to_string(), false),
    }
}

/// The language a message is in: its Content-Language, else `ru` for mostly Cyrillic text.
fn language(message: &mail_parser::Message<'_>, text: &str) -> Option<String> {
    if let Some(tag) = raw_header(message, "Content-Language") {
        let primary = tag.split([',', '-', ';']).next().unwrap_or_default().trim().to_lowercase();
        if !primary.is_empty() {
            return Some(primary);
        }
    }
    let letters = text.chars().filter(|c| c.is_alphabetic()).take(2000);
    let (mut cyrillic, mut all) = (0usize, 0usize);
    for c in letters {
        all += 1;
        if ('\u{0400}'..='\u{04FF}').contains(&c) {
            cyrillic += 1;
        }
    }
    (all > 0 && cyrillic * 2 > all).then(|| "ru".to_string())
}

/// The Content-IDs the HTML body shows as `cid:` images.
fn cid_references(html: &str) -> Vec<String> {
    let lower = html.to_lowercase();
    let mut found = Vec::new();
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("cid:") {
        let after = &rest[at + 4..];
        let end = after.find(['"', '\'', ')', ' ', '>']).unwrap_or(after.len());
        found.push(after[..end].to_string());
        rest = &after[end..];
    }
    found
}

/// `local@domain.tld`: something mail can be answered at.
fn is_address(address: &str) -> bool {
    address.len() <= 254
        && !address.contains(char::is_whitespace)
        && address
            .rsplit_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'))
}

/// Reads a raw message; `None` when it is no message at all. `our_addresses` are the support
/// addresses (lower-case), for loop detection.
pub fn parse(raw: &[u8], our_addresses: &[String]) -> Option<Inbound> {
    let message = MessageParser::default().parse(raw)?;
    // Random bytes parse too, into headers no message has: a message names at least one of these.
    const KNOWN: [&str; 8] = ["from", "to", "subject", "date", "message-id", "received", "mime-version", "content-type"];
    if !message.headers().iter().any(|h| KNOWN.iter().any(|k| h.name().eq_ignore_ascii_case(k))) {
        return None;
    }
    let message_id = message.message_id().map(|id| id.trim().trim_matches(['<', '>']).to_string()).filter(|id| !id.is_empty());
    let from_address = message.from().and_then(|a| a.first());
    let from = from_address.and_then(|a| a.address()).map(|a| a.trim().to_lowercase()).filter(|a| is_address(a));
    let from_name = from_address.and_then(|a| a.name()).map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    let mut recipients = addresses(message.to());
    recipients.extend(addresses(message.cc()));
    for name in ["Delivered-To", "X-Original-To"] {
        if let Some(value) = raw_header(&message, name) {
            recipients.push(value.trim_matches(['<', '>']).to_lowercase());
        }
    }
    recipients.dedup();
    let mut answers = text_list(message.in_reply_to());
    let mut references = text_list(message.references());
    references.reverse();
    answers.extend(references);
    answers.dedup();
    // A real HTML part only: mail-parser would make HTML of a text-only message too.
    let html = message.html_bodies().find_map(|part| match &part.body {
        PartType::Html(html) => Some(html.to_string()),
        _ => None,
    });
    // The text part, or (mail-parser's) text of the HTML part when there is none.
    let full_text = message.body_text(0).map(|t| t.replace("\r\n", "\n")).unwrap_or_default();
    let (text, trimmed) = trim_quoted(&full_text);
    let inline_ids = html.as_deref().map(cid_references).unwrap_or_default();
    let mut files = Vec::new();
    for part in message.attachments() {
        let bytes = match &part.body {
            PartType::Binary(b) | PartType::InlineBinary(b) => b.to_vec(),
            PartType::Text(t) | PartType::Html(t) => t.as_bytes().to_vec(),
            PartType::Message(m) => m.raw_message().to_vec(),
            PartType::Multipart(_) => continue,
        };
        let declared_type = part
            .content_type()
            .map(|ct| format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("octet-stream")).to_lowercase())
            .unwrap_or_else(|| "application/octet-stream".into());
        let content_id = part.content_id().map(|id| id.trim_matches(['<', '>']).to_lowercase());
        let inline = content_id.as_ref().is_some_and(|id| inline_ids.contains(id));
        let name = part.attachment_name().map(str::to_string).unwrap_or_else(|| {
            let extension = match declared_type.as_str() {
                "message/rfc822" => "eml",
                t if t.starts_with("image/") => t.trim_start_matches("image/"),
                _ => "bin",
            };
            format!("{}.{extension}", if inline { "inline" } else { "attachment" })
        });
        files.push(File { name, declared_type, bytes, inline, content_id });
    }
    let automatic = automatic(&message, from.as_deref(), our_addresses);
    let bounce = bounce(&message);
    Some(Inbound {
        key: message_key(message_id.as_deref(), raw),
        message_id,
        language: language(&message, &text),
        subject: message.subject().map(|s| s.trim().to_string()).unwrap_or_default(),
        from,
        from_name,
        recipients,
        text,
        trimmed,
        html,
        answers,
        automatic,
        bounce,
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_lose_their_quoted_history() {
        let gmail = "Still broken.\n\nOn Mon, 23 Nov 2026 at 10:00, Helpdesk <h@x.org> wrote:\n> Try a restart";
        assert_eq!(trim_quoted(gmail), ("Still broken.".into(), true));
        let outlook = "Done, thanks\r\n-----Original Message-----\r\nFrom: Helpdesk";
        assert_eq!(trim_quoted(&outlook.replace("\r\n", "\n")), ("Done, thanks".into(), true));
        let russian = "Спасибо!\n\nПн, 23 нояб. 2026 г. в 10:00, Helpdesk <h@x.org>:\n> Перезагрузите";
        assert_eq!(trim_quoted(russian), ("Спасибо!".into(), true));
        let bare = "ok\n> old\n> older";
        assert_eq!(trim_quoted(bare), ("ok".into(), true));
        let only_quote = "On Mon, X wrote:\n> all of it";
        assert!(!trim_quoted(only_quote).1, "nothing before the marker: keep it all");
        assert_eq!(trim_quoted("plain text"), ("plain text".into(), false));
    }

    #[test]
    fn machines_are_recognised() {
        let ours = vec!["support@helpdesk.example.com".to_string()];
        let cases = [
            ("Auto-Submitted: auto-replied\r\n", true),
            ("Auto-Submitted: no\r\n", false),
            ("Precedence: bulk\r\n", true),
            ("X-Autoreply: yes\r\n", true),
            ("X-Loop: support@helpdesk.example.com\r\n", true),
            ("X-Loop: other@example.org\r\n", false),
            ("Return-Path: <>\r\n", true),
        ];
        for (header, machine) in cases {
            let raw = format!("From: a@example.org\r\nTo: support@helpdesk.example.com\r\nSubject: s\r\n{header}\r\nbody\r\n");
            assert_eq!(parse(raw.as_bytes(), &ours).unwrap().automatic.is_some(), machine, "{header}");
        }
        let daemon = parse(b"From: MAILER-DAEMON@example.org\r\nSubject: s\r\n\r\nx", &ours).unwrap();
        assert!(daemon.automatic.is_some());
    }

    #[test]
    fn a_sender_needs_an_address_mail_can_reach() {
        for (from, ok) in [("a@example.org", true), ("someone@", false), ("@example.org", false), ("a@localhost", false), ("a@.org", false)]
        {
            let raw = format!("From: {from}\r\nSubject: s\r\n\r\nbody");
            assert_eq!(parse(raw.as_bytes(), &[]).unwrap().from.is_some(), ok, "{from}");
        }
    }

    #[test]
    fn only_an_html_part_is_kept_as_html() {
        let text = parse(b"From: a@example.org\r\nSubject: s\r\n\r\nplain words", &[]).unwrap();
        assert_eq!(text.html, None);
        let html = b"From: a@example.org\r\nSubject: s\r\nContent-Type: text/html\r\n\r\n<p>Hi <b>there</b></p>";
        assert!(parse(html, &[]).unwrap().html.unwrap().contains("<b>there</b>"));
    }

    #[test]
    fn keys_fall_back_to_a_hash() {
        assert_eq!(message_key(Some("a@b"), b"x"), "a@b");
        assert!(message_key(None, b"x").starts_with("sha256:"));
        assert_ne!(message_key(None, b"x"), message_key(None, b"y"));
        assert!(message_key(Some(&"x".repeat(600)), b"").starts_with("sha256:"));
    }

    #[test]
    fn garbage_is_no_message() {
        assert!(parse(&[0xff, 0x00, 0x13, 0x37], &[]).is_none());
        assert!(parse(b"", &[]).is_none());
    }
}
