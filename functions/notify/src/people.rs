//! The people a run tells, read once per run: users, groups' agents, preferences.

use helpdesk_aws::{Contacts, Directory, NotificationLog, StoreError};
use helpdesk_core::api::PeopleQuery;
use helpdesk_core::notify::{ChannelKind, Contact, Notice, Owner, Preferences, Recipient};
use helpdesk_core::permissions::Role;
use helpdesk_core::user::{AccountSource, User};
use std::collections::HashMap;

/// The most agents of one group a notice goes to.
const MAX_GROUP_RECIPIENTS: usize = 200;

/// People, groups and preferences read once per run.
#[derive(Default)]
pub(crate) struct People {
    users: HashMap<String, Option<User>>,
    groups: HashMap<String, Vec<String>>,
    preferences: HashMap<String, Preferences>,
    /// By owner name (`anna`, `group:service-desk`).
    contacts: HashMap<String, Vec<Contact>>,
}

impl People {
    pub(crate) fn known(&self, id: &str) -> Option<User> {
        self.users.get(id).cloned().flatten()
    }

    async fn user<S: Directory>(&mut self, store: &S, id: &str) -> Result<Option<User>, StoreError> {
        if !self.users.contains_key(id) {
            let user = store.get_user(id).await?.map(|u| u.user);
            self.users.insert(id.to_string(), user);
        }
        Ok(self.known(id))
    }

    /// A display name for a message: the person's name, else their id.
    pub(crate) async fn name<S: Directory>(&mut self, store: &S, id: &str) -> String {
        match self.user(store, id).await {
            Ok(Some(user)) => user.name,
            _ => id.to_string(),
        }
    }

    pub(crate) async fn resolve<S: Directory>(&mut self, store: &S, recipient: &Recipient) -> Result<Vec<User>, StoreError> {
        match recipient {
            Recipient::User(id) => Ok(self.user(store, id).await?.into_iter().collect()),
            Recipient::Group(group) => {
                if !self.groups.contains_key(group) {
                    let members = self.group_agents(store, group).await?;
                    self.groups.insert(group.clone(), members.iter().map(|u| u.id.clone()).collect());
                    for user in members {
                        self.users.insert(user.id.clone(), Some(user));
                    }
                }
                Ok(self.groups.get(group).map(|ids| ids.iter().filter_map(|id| self.known(id)).collect()).unwrap_or_default())
            }
        }
    }

    /// The group's active agents (admins are not in a group's audience unless members).
    async fn group_agents<S: Directory>(&self, store: &S, group: &str) -> Result<Vec<User>, StoreError> {
        let mut found = Vec::new();
        let mut cursor = None;
        loop {
            let query = PeopleQuery { staff: true, group: Some(group.to_string()), cursor, limit: 100, ..PeopleQuery::default() };
            let page = store.list_people(&query).await?;
            found.extend(page.items.into_iter().filter(|u| u.active && u.groups.iter().any(|g| g == group)));
            match page.next_cursor {
                Some(next) if found.len() < MAX_GROUP_RECIPIENTS => cursor = Some(next),
                _ => return Ok(found),
            }
        }
    }

    /// The contacts of a person or a group (`Owner::name`).
    pub(crate) async fn contacts<S: Contacts>(&mut self, store: &S, owner: &str) -> Result<Vec<Contact>, StoreError> {
        if let Some(known) = self.contacts.get(owner) {
            return Ok(known.clone());
        }
        let found = match Owner::parse(owner) {
            Some(o) => store.contacts(&o).await?,
            None => Vec::new(),
        };
        self.contacts.insert(owner.to_string(), found.clone());
        Ok(found)
    }

    /// The reader a group's linked Telegram chat stands for: an agent of the group who hears the
    /// group's notices there and nowhere else.
    pub(crate) fn group_chat(&mut self, group: &str) -> User {
        let name = Owner::Group(group.to_string()).name();
        let reader = User::new(&name, group, "", Role::Agent, &[group], AccountSource::Local);
        self.users.insert(name.clone(), Some(reader.clone()));
        let channels = Notice::ALL.iter().map(|n| (*n, vec![ChannelKind::Telegram])).collect();
        self.preferences.insert(name, Preferences { channels, ..Preferences::defaults(Role::Agent) });
        reader
    }

    pub(crate) async fn preferences<S: NotificationLog>(&mut self, store: &S, user: &User) -> Result<Preferences, StoreError> {
        if let Some(p) = self.preferences.get(&user.id) {
            return Ok(p.clone());
        }
        let p = store.preferences(&user.id).await?.unwrap_or_else(|| Preferences::defaults(user.role));
        self.preferences.insert(user.id.clone(), p.clone());
        Ok(p)
    }
}
