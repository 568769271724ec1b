//! Sign-in against the organisation's directory. The service account (or an anonymous bind) finds
//! the user's entry with the configured filter, a bind as that entry checks the password, and the
//! groups whose `member` is the entry decide role and queues. Configured from the environment:
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `LDAP_URL` | `ldap://` or `ldaps://` URL; LDAP is off without it | |
//! | `LDAP_BASE_DN` | where users and groups are searched | |
//! | `LDAP_USER_FILTER` | `{username}` is replaced, escaped | `(uid={username})` |
//! | `LDAP_BIND_DN`, `LDAP_BIND_PASSWORD` | the service account | anonymous |
//! | `LDAP_ATTRIBUTE_MAP` | `name=…;email=…;phone=…;language=…;department=…`, any subset | `displayName`, `mail`, `telephoneNumber`, `preferredLanguage`, `departmentNumber` |
//! | `LDAP_GROUP_MAP` | `<group dn>=>role:<agent/admin>` or `=>group:<queue>`, `;`-separated | |
//! | `LDAP_STARTTLS` | `true`: upgrade an `ldap://` connection with StartTLS before any bind | `false` |
//! | `LDAP_ALLOW_PLAINTEXT` | `true`: allow binds over plain `ldap://` (passwords in clear; a lab only) | `false` |
//! | `LDAP_TIMEOUT_SECONDS` | the most one sign-in may wait for the directory, connection included | `5` |
//!
//! Passwords never cross the network in clear unless `LDAP_ALLOW_PLAINTEXT=true` says so: an
//! `ldap://` URL needs StartTLS, or the configuration is refused at start.

use helpdesk_core::Role;
use helpdesk_core::user::Language;
use ldap3::{LdapConnAsync, LdapConnSettings, Scope, SearchEntry, ldap_escape};
use std::collections::HashMap;
use std::time::Duration;

/// How long a sign-in waits for the directory unless `LDAP_TIMEOUT_SECONDS` says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    Role(Role),
    Group(String),
}

#[derive(Debug, Clone)]
pub struct LdapConfig {
    pub url: String,
    pub base_dn: String,
    pub user_filter: String,
    pub bind: Option<(String, String)>,
    pub name_attr: String,
    pub email_attr: String,
    pub phone_attr: String,
    pub language_attr: String,
    pub department_attr: String,
    /// Group DNs (lower-case) and what membership grants.
    pub group_map: Vec<(String, Grant)>,
    /// Upgrade `ldap://` with StartTLS before binding.
    pub starttls: bool,
    /// The most one sign-in waits for the directory.
    pub timeout: Duration,
}

/// What the directory says of a person who just proved their password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryPerson {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub language: Language,
    pub department: Option<String>,
    pub role: Role,
    pub groups: Vec<String>,
}

pub fn parse_group_map(text: &str) -> Result<Vec<(String, Grant)>, String> {
    text.split(';')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|entry| {
            let (dn, grant) = entry.split_once("=>").ok_or_else(|| format!("LDAP_GROUP_MAP: '{entry}' is not <dn>=><grant>"))?;
            let grant = match grant.trim().split_once(':') {
                Some(("role", "agent")) => Grant::Role(Role::Agent),
                Some(("role", "admin")) => Grant::Role(Role::Admin),
                Some(("role", "manager")) => Grant::Role(Role::Manager),
                Some(("group", queue)) if !queue.is_empty() => Grant::Group(queue.to_string()),
                _ => return Err(format!("LDAP_GROUP_MAP: '{grant}' is not role:agent, role:manager, role:admin or group:<queue>")),
            };
            Ok((dn.trim().to_ascii_lowercase(), grant))
        })
        .collect()
}

impl LdapConfig {
    /// The variables [`LdapConfig::from_env`] reads (the bind password comes from Secrets Manager
    /// in AWS, see [`crate::secrets`]).
    pub const ENVIRONMENT: [&str; 9] = [
        "LDAP_URL",
        "LDAP_BASE_DN",
        "LDAP_USER_FILTER",
        "LDAP_BIND_DN",
        "LDAP_ATTRIBUTE_MAP",
        "LDAP_GROUP_MAP",
        "LDAP_STARTTLS",
        "LDAP_ALLOW_PLAINTEXT",
        "LDAP_TIMEOUT_SECONDS",
    ];

    /// The configuration from the environment, or `None` when `LDAP_URL` is not set. The service
    /// account's password is `bind_password` (from Secrets Manager), else `LDAP_BIND_PASSWORD`
    /// (a developer's machine).
    pub fn from_env(bind_password: Option<String>) -> Result<Option<Self>, String> {
        let password = bind_password.or_else(|| std::env::var("LDAP_BIND_PASSWORD").ok());
        Self::from_vars(|name| if name == "LDAP_BIND_PASSWORD" { password.clone() } else { std::env::var(name).ok() })
    }

    /// The configuration from named values (`from_env` reads the environment through this).
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, String> {
        let var = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let Some(url) = var("LDAP_URL") else { return Ok(None) };
        let or = |name: &str, default: &str| var(name).unwrap_or_else(|| default.to_string());
        let mut attributes: HashMap<String, String> = HashMap::new();
        for pair in or("LDAP_ATTRIBUTE_MAP", "").split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (field, attribute) =
                pair.split_once('=').ok_or_else(|| format!("LDAP_ATTRIBUTE_MAP: '{pair}' is not <field>=<attribute>"))?;
            if !["name", "email", "phone", "language", "department"].contains(&field.trim()) {
                return Err(format!("LDAP_ATTRIBUTE_MAP: unknown field '{field}'"));
            }
            attributes.insert(field.trim().into(), attribute.trim().into());
        }
        let attribute = |field: &str, default: &str| attributes.get(field).cloned().unwrap_or_else(|| default.to_string());
        let flag = |name: &str| match var(name).as_deref() {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(format!("{name}={other}: true or false")),
        };
        let starttls = flag("LDAP_STARTTLS")?;
        let encrypted = url.to_ascii_lowercase().starts_with("ldaps://") || starttls;
        if !encrypted && !flag("LDAP_ALLOW_PLAINTEXT")? {
            return Err(format!(
                "LDAP_URL={url} would send passwords in clear: use ldaps://, set LDAP_STARTTLS=true, or (a lab only) LDAP_ALLOW_PLAINTEXT=true"
            ));
        }
        let timeout = match var("LDAP_TIMEOUT_SECONDS") {
            None => DEFAULT_TIMEOUT,
            Some(s) => Duration::from_secs(
                s.parse().ok().filter(|n| (1..=60).contains(n)).ok_or_else(|| format!("LDAP_TIMEOUT_SECONDS={s}: 1 to 60"))?,
            ),
        };
        Ok(Some(LdapConfig {
            starttls,
            timeout,
            url,
            base_dn: var("LDAP_BASE_DN").ok_or("LDAP_BASE_DN is required with LDAP_URL")?,
            user_filter: or("LDAP_USER_FILTER", "(uid={username})"),
            bind: var("LDAP_BIND_DN").map(|dn| (dn, or("LDAP_BIND_PASSWORD", ""))),
            name_attr: attribute("name", "displayName"),
            email_attr: attribute("email", "mail"),
            phone_attr: attribute("phone", "telephoneNumber"),
            language_attr: attribute("language", "preferredLanguage"),
            department_attr: attribute("department", "departmentNumber"),
            group_map: parse_group_map(&or("LDAP_GROUP_MAP", ""))?,
        }))
    }

    /// Checks `password` for `username`: `Ok(None)` when the directory does not know the user or
    /// the password is wrong, `Err` when it cannot be asked.
    pub async fn authenticate(&self, username: &str, password: &str) -> Result<Option<DirectoryPerson>, String> {
        // An empty password would be an unauthenticated bind, which servers accept: never try it.
        if password.is_empty() {
            return Ok(None);
        }
        let exchange = async {
            let settings = LdapConnSettings::new().set_conn_timeout(self.timeout).set_starttls(self.starttls);
            let (connection, mut ldap) =
                LdapConnAsync::with_settings(settings, &self.url).await.map_err(|e| format!("LDAP {}: {e}", self.url))?;
            ldap3::drive!(connection);
            let result = self.authenticate_on(&mut ldap, username, password).await;
            let _ = ldap.unbind().await;
            result
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| format!("LDAP {}: no answer within {} s", self.url, self.timeout.as_secs()))?
    }

    /// The search filter for `username`: the configured template with the name escaped (RFC 4515),
    /// so no name can change the filter's shape.
    pub fn user_filter_for(&self, username: &str) -> String {
        self.user_filter.replace("{username}", &ldap_escape(username))
    }

    async fn service_bind(&self, ldap: &mut ldap3::Ldap) -> Result<(), String> {
        if let Some((dn, password)) = &self.bind {
            ldap.simple_bind(dn, password).await.and_then(|r| r.success()).map_err(|e| format!("LDAP service bind: {e}"))?;
        }
        Ok(())
    }

    async fn authenticate_on(&self, ldap: &mut ldap3::Ldap, username: &str, password: &str) -> Result<Option<DirectoryPerson>, String> {
        self.service_bind(ldap).await?;
        let filter = self.user_filter_for(username);
        let attributes = vec![
            self.name_attr.as_str(),
            self.email_attr.as_str(),
            self.phone_attr.as_str(),
            self.language_attr.as_str(),
            self.department_attr.as_str(),
            "cn",
        ];
        let (entries, _) = ldap
            .search(&self.base_dn, Scope::Subtree, &filter, attributes)
            .await
            .and_then(|r| r.success())
            .map_err(|e| format!("LDAP user search: {e}"))?;
        let [entry] = entries.as_slice() else { return Ok(None) };
        let entry = SearchEntry::construct(entry.clone());
        // The password check: a bind as the user's own entry.
        match ldap.simple_bind(&entry.dn, password).await {
            Ok(result) if result.rc == 0 => {}
            Ok(_) => return Ok(None),
            Err(e) => return Err(format!("LDAP bind: {e}")),
        }
        self.service_bind(ldap).await?;
        let member_filter = format!("(member={})", ldap_escape(&entry.dn));
        let (groups, _) = ldap
            .search(&self.base_dn, Scope::Subtree, &member_filter, vec!["dn"])
            .await
            .and_then(|r| r.success())
            .map_err(|e| format!("LDAP group search: {e}"))?;
        let group_dns: Vec<String> = groups.into_iter().map(|g| SearchEntry::construct(g).dn.to_ascii_lowercase()).collect();
        Ok(Some(self.person(&entry.attrs, &group_dns)))
    }

    fn person(&self, attrs: &HashMap<String, Vec<String>>, group_dns: &[String]) -> DirectoryPerson {
        let first = |name: &str| attrs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| v.first()).cloned();
        let grants: Vec<&Grant> = self.group_map.iter().filter(|(dn, _)| group_dns.contains(dn)).map(|(_, g)| g).collect();
        let role = if grants.contains(&&Grant::Role(Role::Admin)) {
            Role::Admin
        } else if grants.contains(&&Grant::Role(Role::Agent)) {
            Role::Agent
        } else if grants.contains(&&Grant::Role(Role::Manager)) {
            // A manager's groups (if any) scope what they read.
            Role::Manager
        } else {
            Role::Requester
        };
        let groups = grants.iter().filter_map(|g| if let Grant::Group(q) = g { Some(q.clone()) } else { None }).collect();
        let language = match first(&self.language_attr).map(|l| l.to_ascii_lowercase()) {
            Some(l) if l.starts_with("ru") => Language::Ru,
            _ => Language::En,
        };
        DirectoryPerson {
            name: first(&self.name_attr).or_else(|| first("cn")).unwrap_or_default(),
            email: first(&self.email_attr).unwrap_or_default().to_ascii_lowercase(),
            phone: first(&self.phone_attr),
            language,
            department: first(&self.department_attr),
            role,
            groups,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn passwords_never_travel_in_clear_unless_allowed() {
        let plain = [("LDAP_URL", "ldap://dir.example.org"), ("LDAP_BASE_DN", "dc=example,dc=org")];
        let refused = LdapConfig::from_vars(vars(&plain)).unwrap_err();
        assert!(refused.contains("in clear"), "{refused}");
        let with_starttls = LdapConfig::from_vars(vars(&[plain[0], plain[1], ("LDAP_STARTTLS", "true")])).unwrap().unwrap();
        assert!(with_starttls.starttls);
        assert!(LdapConfig::from_vars(vars(&[("LDAP_URL", "ldaps://dir.example.org"), plain[1]])).unwrap().is_some());
        let lab = LdapConfig::from_vars(vars(&[plain[0], plain[1], ("LDAP_ALLOW_PLAINTEXT", "true")])).unwrap().unwrap();
        assert_eq!((lab.starttls, lab.timeout), (false, DEFAULT_TIMEOUT));
        let timeout = LdapConfig::from_vars(vars(&[plain[0], plain[1], ("LDAP_STARTTLS", "true"), ("LDAP_TIMEOUT_SECONDS", "2")]));
        assert_eq!(timeout.unwrap().unwrap().timeout, Duration::from_secs(2));
        assert!(LdapConfig::from_vars(vars(&[plain[0], plain[1], ("LDAP_STARTTLS", "yes")])).is_err());
        assert!(LdapConfig::from_vars(vars(&[plain[0], plain[1], ("LDAP_STARTTLS", "true"), ("LDAP_TIMEOUT_SECONDS", "0")])).is_err());
        assert!(LdapConfig::from_vars(vars(&[])).unwrap().is_none(), "LDAP off");
    }

    #[test]
    fn hostile_names_cannot_change_the_filter() {
        let config = LdapConfig::from_vars(vars(&[
            ("LDAP_URL", "ldaps://dir.example.org"),
            ("LDAP_BASE_DN", "dc=example,dc=org"),
            ("LDAP_USER_FILTER", "(&(objectClass=person)(uid={username}))"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(config.user_filter_for("olga"), "(&(objectClass=person)(uid=olga))");
        assert_eq!(config.user_filter_for("*"), "(&(objectClass=person)(uid=\\2a))");
        assert_eq!(config.user_filter_for("x)(uid=*"), "(&(objectClass=person)(uid=x\\29\\28uid=\\2a))");
        assert_eq!(config.user_filter_for("a\\b\0"), "(&(objectClass=person)(uid=a\\5cb\\00))");
    }

    #[test]
    fn group_maps_parse_and_refuse_nonsense() {
        let map = parse_group_map("cn=Admins,ou=groups,dc=x=>role:admin; cn=net,ou=groups,dc=x=>group:network").unwrap();
        assert_eq!(map[0], ("cn=admins,ou=groups,dc=x".into(), Grant::Role(Role::Admin)));
        assert_eq!(map[1].1, Grant::Group("network".into()));
        assert!(parse_group_map("cn=x=>role:requester").is_err());
        assert!(parse_group_map("cn=x").is_err());
        assert!(parse_group_map("").unwrap().is_empty());
    }
}
