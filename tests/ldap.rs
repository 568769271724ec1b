//! Sign-in through LDAP against a real OpenLDAP `slapd` (Debian's package), started here on a
//! free loopback port from a plain slapd.conf and an LDIF of people and groups.

use helpdesk_tests::*;
use serde_json::json;
use std::process::Command;
use tickets_api::ldap::{LdapConfig, parse_group_map};

const SUFFIX: &str = "dc=example,dc=org";
const ROOT_DN: &str = "cn=admin,dc=example,dc=org";
const ROOT_PASSWORD: &str = "root-secret";

struct Slapd {
    dir: std::path::PathBuf,
    url: String,
}

impl Drop for Slapd {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(self.dir.join("slapd.pid")) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
    }
}

fn run(command: &mut Command) {
    let out = command.output().unwrap_or_else(|e| panic!("{command:?}: {e} (is slapd installed? scripts/test installs it)"));
    assert!(out.status.success(), "{command:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn start_slapd() -> Slapd {
    let dir = std::env::temp_dir().join(format!("slapd-{}", ulid::Ulid::new()));
    std::fs::create_dir_all(dir.join("db")).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let conf = format!(
        "include /etc/ldap/schema/core.schema\ninclude /etc/ldap/schema/cosine.schema\ninclude /etc/ldap/schema/inetorgperson.schema\n\
         include /etc/ldap/schema/nis.schema\nmodulepath /usr/lib/ldap\nmoduleload back_mdb\npidfile {dir}/slapd.pid\n\
         database mdb\nsuffix \"{SUFFIX}\"\nrootdn \"{ROOT_DN}\"\nrootpw {ROOT_PASSWORD}\ndirectory {dir}/db\n\
         access to attrs=userPassword by self write by anonymous auth by * none\naccess to * by * read\n",
        dir = dir.display()
    );
    std::fs::write(dir.join("slapd.conf"), conf).unwrap();
    let person = |uid: &str, name: &str, mail: &str, phone: &str, language: &str, department: &str| {
        format!(
            "dn: uid={uid},ou=people,{SUFFIX}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {name}\nsn: {name}\ndisplayName: {name}\n\
             mail: {mail}\ntelephoneNumber: {phone}\npreferredLanguage: {language}\ndepartmentNumber: {department}\nuserPassword: {uid}-password\n\n"
        )
    };
    let group = |cn: &str, members: &[&str]| {
        let members: String = members.iter().map(|m| format!("member: uid={m},ou=people,{SUFFIX}\n")).collect();
        format!("dn: cn={cn},ou=groups,{SUFFIX}\nobjectClass: groupOfNames\ncn: {cn}\n{members}\n")
    };
    let ldif = format!(
        "dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n\
         dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people\n\n\
         dn: ou=groups,{SUFFIX}\nobjectClass: organizationalUnit\nou: groups\n\n{}{}{}{}{}{}",
        person("olga", "Olga Network", "Olga@Example.org", "+49 30 1234", "ru", "Network"),
        person("pavel", "Pavel Sales", "pavel@example.org", "+49 30 5678", "en", "Sales"),
        person("root", "Root Admin", "root@example.org", "+49 30 9999", "en", "IT"),
        group("helpdesk-agents", &["olga"]),
        group("network", &["olga"]),
        group("helpdesk-admins", &["root"]),
    );
    std::fs::write(dir.join("data.ldif"), ldif).unwrap();
    let conf_path = dir.join("slapd.conf");
    run(Command::new("/usr/sbin/slaptest").arg("-f").arg(&conf_path).arg("-u"));
    run(Command::new("/usr/sbin/slapadd").arg("-f").arg(&conf_path).arg("-l").arg(dir.join("data.ldif")));
    let url = format!("ldap://127.0.0.1:{port}");
    run(Command::new("/usr/sbin/slapd").arg("-f").arg(&conf_path).arg("-h").arg(format!("{url}/")));
    // slapd forks; wait until it answers.
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Slapd { dir, url }
}

fn config(slapd: &Slapd) -> LdapConfig {
    LdapConfig {
        url: slapd.url.clone(),
        base_dn: SUFFIX.into(),
        user_filter: "(uid={username})".into(),
        bind: Some((ROOT_DN.into(), ROOT_PASSWORD.into())),
        name_attr: "displayName".into(),
        email_attr: "mail".into(),
        phone_attr: "telephoneNumber".into(),
        language_attr: "preferredLanguage".into(),
        department_attr: "departmentNumber".into(),
        group_map: parse_group_map(&format!(
            "cn=helpdesk-agents,ou=groups,{SUFFIX}=>role:agent;cn=network,ou=groups,{SUFFIX}=>group:network;cn=helpdesk-admins,ou=groups,{SUFFIX}=>role:admin"
        ))
        .unwrap(),
        // The test's slapd speaks plain LDAP on loopback; production configurations refuse that.
        starttls: false,
        timeout: std::time::Duration::from_secs(5),
    }
}

/// Signs in, each time from another address, so the address throttle stays out of the way.
async fn login(t: &TestApp, user: &str, password: &str) -> Answer {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let address = format!("10.9.{}.{}", n / 256, n % 256);
    t.call_from("POST", "/api/auth/login", Some(json!({"username": user, "password": password})), &address, &[]).await
}

#[tokio::test]
async fn no_password_goes_out_in_clear_when_starttls_is_asked_for() {
    let slapd = start_slapd();
    let mut t = test_app().await;
    // This slapd has no TLS: the StartTLS upgrade fails, and no bind is tried without it.
    t.app.ldap = Some(LdapConfig { starttls: true, ..config(&slapd) });
    let answer = login(&t, "olga", "olga-password").await;
    assert_eq!((answer.status, answer.code()), (503, "directory_unavailable"), "{:?}", answer.body);
    t.finish().await;
}

#[tokio::test]
async fn a_directory_that_never_answers_costs_the_timeout_not_the_function() {
    // A server that accepts connections and says nothing.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ldap://{}", listener.local_addr().unwrap());
    let held = std::thread::spawn(move || listener.accept().map(|(_socket, _)| std::thread::sleep(std::time::Duration::from_secs(5))));
    let mut t = test_app().await;
    let slapd_like = Slapd { dir: std::env::temp_dir().join("no-slapd"), url };
    t.app.ldap = Some(LdapConfig { timeout: std::time::Duration::from_secs(1), ..config(&slapd_like) });
    let started = std::time::Instant::now();
    let answer = login(&t, "olga", "olga-password").await;
    assert_eq!(answer.code(), "directory_unavailable");
    assert!(started.elapsed() < std::time::Duration::from_secs(4), "gave up after {:?}", started.elapsed());
    drop(held);
    t.finish().await;
}

#[tokio::test]
async fn directory_people_sign_in_with_their_groups_and_attributes() {
    let slapd = start_slapd();
    let mut t = test_app().await;
    t.app.ldap = Some(config(&slapd));

    let olga = login(&t, "olga", "olga-password").await;
    assert_eq!(olga.status, 200, "{:?}", olga.body);
    assert_eq!((olga.body["role"].as_str(), olga.body["groups"].clone()), (Some("agent"), json!(["network"])), "group mapping");
    let profile = &olga.body["user"];
    assert_eq!(profile["name"], "Olga Network");
    assert_eq!(profile["email"], "olga@example.org");
    assert_eq!(profile["phone"], "+49 30 1234");
    assert_eq!(profile["language"], "ru");
    assert_eq!(profile["department"], "Network");
    assert_eq!(profile["source"], "ldap");
    assert!(olga.cookie(tickets_api::session::SESSION_COOKIE).is_some());

    assert_eq!(login(&t, "pavel", "pavel-password").await.body["role"], "requester", "no mapped group: a requester");
    assert_eq!(login(&t, "root", "root-password").await.body["role"], "admin");

    assert_eq!(login(&t, "olga", "wrong-password").await.code(), "invalid_credentials");
    assert_eq!(login(&t, "nobody", "nobody-password").await.code(), "invalid_credentials");
    assert_eq!(login(&t, "olga", "").await.code(), "invalid_credentials", "no unauthenticated bind");
    assert_eq!(login(&t, "*", "olga-password").await.code(), "invalid_credentials", "refused before the directory is asked");

    // Attribute refresh: the directory changes, the next sign-in brings it over.
    let change = format!("dn: uid=olga,ou=people,{SUFFIX}\nchangetype: modify\nreplace: mail\nmail: olga.n@example.org\n");
    std::fs::write(slapd.dir.join("change.ldif"), change).unwrap();
    run(Command::new("ldapmodify")
        .args(["-x", "-H", &slapd.url, "-D", ROOT_DN, "-w", ROOT_PASSWORD, "-f"])
        .arg(slapd.dir.join("change.ldif")));
    assert_eq!(login(&t, "olga", "olga-password").await.body["user"]["email"], "olga.n@example.org");

    // Disabled in the helpdesk: the directory's yes is not enough.
    let current = t.call("GET", "/api/users/olga", ADMIN, None).await.body;
    let disable = json!({"name": current["name"], "email": current["email"], "role": "agent", "groups": ["network"], "active": false, "version": current["version"]});
    assert_eq!(t.call("PUT", "/api/users/olga", ADMIN, Some(disable)).await.status, 200);
    assert_eq!(login(&t, "olga", "olga-password").await.code(), "invalid_credentials");

    // A directory that does not answer is not a wrong password.
    drop(slapd);
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(login(&t, "pavel", "pavel-password").await.code(), "directory_unavailable");
    t.finish().await;
}
