//! The helpdesk's web UI: the requester portal, the agent console and the admin pages, one
//! client-side Leptos app served as static files. It talks to the API on the same origin and
//! shares the domain crate with the server, so forms are checked here by the same code.

mod api;
mod app;
mod attach;
mod clock;
mod components;
mod drafts;
mod i18n;
mod lazy;
mod pages;
mod people;
mod push;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
