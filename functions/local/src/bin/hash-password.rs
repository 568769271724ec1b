//! Prints the argon2id hash of a password, for creating the first admin by hand (infra/README.md).

fn main() {
    let Some(password) = std::env::args().nth(1) else {
        eprintln!("usage: hash-password '<password>'");
        std::process::exit(2);
    };
    if password.chars().count() < helpdesk_core::user::MIN_PASSWORD_CHARS {
        eprintln!("use at least {} characters", helpdesk_core::user::MIN_PASSWORD_CHARS);
        std::process::exit(2);
    }
    match tickets_api::session::hash_password(&password) {
        Ok(hash) => println!("{hash}"),
        Err(e) => {
            eprintln!("hash-password: {e}");
            std::process::exit(1);
        }
    }
}
