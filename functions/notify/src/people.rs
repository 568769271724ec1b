//! The people a run tells, read once per run: users, groups' agents, preferences.

use helpdesk_aws::{Directory, NotificationLog, StoreError};
use helpdesk_core::api::PeopleQuery;
use helpdesk_core::notify::{Preferences, Recipient};
use helpdesk_core::user::User;
use std::collections::HashMap;

/// The most agents of one group a notice goes to.
const MAX_GROUP_RECIPIENTS: usize = 200;

/// People, groups and preferences read once per run.
#[derive(Default)]
pub(crate) struct People {
    users: HashMap<String, Option<User>>,
    groups: HashMap<String, Vec<String>>,
    preferences: HashMap<String, Preferences>,
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

    pub(crate) async fn preferences<S: NotificationLog>(&mut self, store: &S, user: &User) -> Result<Preferences, StoreError> {
        if let Some(p) = self.preferences.get(&user.id) {
            return Ok(p.clone());
        }
        let p = store.preferences(&user.id).await?.unwrap_or_else(|| Preferences::defaults(user.role));
        self.preferences.insert(user.id.clone(), p.clone());
        Ok(p)
    }
}
