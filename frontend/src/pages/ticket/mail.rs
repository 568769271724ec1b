//! What the ticket page says of a message that came by mail: the sender's address beside the
//! author, a badge on an automatic message (kept, never answered), that quoted history was cut
//! (the whole message is attached), and, for staff only, the ticket its subject named when the
//! sender is not on that one (requesters never see other people's numbers). The helpdesk's own
//! notes from mail (a stranger's reply, a bounce) are signed "Mail intake", not by a raw id.
//!
//! A message whose mail had HTML shows it formatted, with a toggle to its plain text. The intake
//! sanitised that HTML on the server (no scripts, styles, handlers, forms, frames or remote
//! images), which is what makes it safe to insert as it is; its own images name their stored
//! files as `attachment:<upload id>`, which the page turns into short-lived links of the
//! message's own image files only (never asking for an `attachment:` address itself).

use crate::attach::show_image;
use crate::i18n::I18n;
use helpdesk_core::attachment::{AttachmentRef, is_image};
use helpdesk_core::mail::{MAIL_ACTOR_ID, MailOrigin};
use leptos::prelude::*;

/// Who wrote an event, as people read it: the mail intake, or the person's name.
pub fn author(i: I18n, id: &str) -> String {
    if id == MAIL_ACTOR_ID { i.t("ticket.mail_intake").to_string() } else { crate::people::use_people().name(id) }
}

/// Beside the author and time: "by e-mail from …", and the badge of an automatic message.
#[inline(never)]
pub fn header(i: I18n, mail: Option<&MailOrigin>) -> AnyView {
    let Some(mail) = mail else { return ().into_any() };
    let from = mail.from.clone();
    let auto = mail.auto_submitted;
    view! {
        <span class="mail-from">{move || i.t("mail.by_email").replace("{from}", &from)}</span>
        {auto.then(|| view! {
            <span class="badge mail-auto" title=move || i.t("mail.auto_title")>{move || i.t("mail.auto")}</span>
        })}
    }
    .into_any()
}

/// Under the text: that quoted history was cut, and (staff only) the ticket it may follow up.
#[inline(never)]
pub fn footer(i: I18n, mail: Option<&MailOrigin>, staff: bool) -> AnyView {
    let Some(mail) = mail else { return ().into_any() };
    let trimmed = mail.trimmed;
    let follow_up = mail.possible_follow_up_of.as_ref().filter(|_| staff).map(ToString::to_string);
    view! {
        {trimmed.then(|| view! { <p class="mail-note">{move || i.t("mail.trimmed")}</p> })}
        {follow_up.map(|number| {
            let href = format!("/tickets/{number}");
            view! {
                <p class="mail-note">{move || {
                    // The number is a link wherever the language puts it in the sentence.
                    let text = i.t("mail.follow_up");
                    let (before, after) = text.split_once("{number}").unwrap_or((text, ""));
                    view! { {before}<a href=href.clone()>{number.clone()}</a>{after} }
                }}</p>
            }
        })}
    }
    .into_any()
}

/// What an image's source becomes until its file's link is in: the file's id, no request.
const DEFERRED: &str = "data-attachment";

/// The message's text: the mail's HTML when it came with some (`id`: the event's, unique on the
/// page), with a toggle to the plain text; the plain text otherwise. A mail whose quoted history
/// was cut opens as its text (the HTML still holds the quote, as the note under it says).
#[inline(never)]
pub fn body(i: I18n, id: &str, text: String, mail: Option<&MailOrigin>, attached: &[AttachmentRef]) -> AnyView {
    let Some(html) = mail.and_then(|m| m.html.as_deref()).filter(|html| formatted(html)) else {
        return view! { <p class="body">{text}</p> }.into_any();
    };
    let id = format!("mail-{id}");
    let images: Vec<String> = attached.iter().filter(|f| is_image(&f.content_type)).map(|f| f.id.clone()).collect();
    let target = id.clone();
    // Once the HTML is on the page.
    queue_microtask(move || show_images(&target, &images));
    let plain = RwSignal::new(mail.is_some_and(|m| m.trimmed));
    view! {
        <div class="mail-html" id=id hidden=move || plain.get() inner_html=defer_images(html)></div>
        <p class="body" hidden=move || !plain.get()>{text}</p>
        <button type="button" class="link mail-toggle" on:click=move |_| plain.update(|p| *p = !*p)>
            {move || i.t(if plain.get() { "mail.show_formatted" } else { "mail.show_plain" })}
        </button>
    }
    .into_any()
}

/// Whether the HTML formats anything beyond line breaks: a plain-text mail has HTML too (its
/// text with `<br>`s, as the mail parser makes it, the quote not cut), better shown as the text.
fn formatted(html: &str) -> bool {
    html.match_indices('<').any(|(at, _)| !html[at..].starts_with("<br>"))
}

/// `html` (as the intake's sanitiser writes it: every attribute value in double quotes, `"`
/// inside one escaped, `<` in text escaped) with each image source `attachment:<id>` moved to
/// [`DEFERRED`], so the browser asks for nothing until [`show_images`] gives it the file's link.
/// Only sources inside tags change, never text that reads the same.
fn defer_images(html: &str) -> String {
    const SOURCE: &[u8] = b" src=\"attachment:";
    let bytes = html.as_bytes();
    let mut out = String::with_capacity(html.len());
    let (mut tag, mut quoted, mut copied, mut at) = (false, false, 0, 0);
    while at < bytes.len() {
        if tag && !quoted && bytes[at..].starts_with(SOURCE) {
            out.push_str(&html[copied..at]);
            out.push_str(" data-attachment=\"");
            at += SOURCE.len();
            (copied, quoted) = (at, true);
            continue;
        }
        match bytes[at] {
            b'<' if !tag => tag = true,
            b'>' if tag && !quoted => tag = false,
            b'"' if tag => quoted = !quoted,
            _ => {}
        }
        at += 1;
    }
    out.push_str(&html[copied..]);
    out
}

/// Gives the deferred images in `#id` their files' links: only for the message's own image
/// files (`images`, by id); an image naming any other stays without a source.
fn show_images(id: &str, images: &[String]) {
    let Some(root) = document().get_element_by_id(id) else { return };
    let found = root.get_elements_by_tag_name("img");
    for n in 0..found.length() {
        let Some(img) = found.item(n) else { continue };
        if let Some(file) = img.get_attribute(DEFERRED).filter(|f| images.contains(f)) {
            show_image(img, format!("/api/attachments/{file}"));
        }
    }
}
