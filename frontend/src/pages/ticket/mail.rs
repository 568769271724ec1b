//! What the ticket page says of a message that came by mail: the sender's address beside the
//! author, a badge on an automatic message (kept, never answered), that quoted history was cut
//! (the whole message is attached), and, for staff only, the ticket its subject named when the
//! sender is not on that one (requesters never see other people's numbers). The helpdesk's own
//! notes from mail (a stranger's reply, a bounce) are signed "Mail intake", not by a raw id.

use crate::i18n::I18n;
use helpdesk_core::mail::{MAIL_ACTOR_ID, MailOrigin};
use leptos::prelude::*;

/// Who wrote an event, as people read it: the mail intake by name, anyone else by id.
pub fn author(i: I18n, id: &str) -> String {
    if id == MAIL_ACTOR_ID { i.t("ticket.mail_intake").to_string() } else { id.to_string() }
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
