//! SLA plans and calendars change rarely and every staff view needs them: a warm function keeps
//! them for a few seconds instead of reading the partition on every request. Its own writes
//! clear it at once; another function's writes show after at most [`SlaCache::FRESH_FOR`].

use helpdesk_aws::{StoreError, TicketStore};
use helpdesk_core::sla::SlaConfig;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Default)]
pub struct SlaCache {
    entry: Mutex<Option<(Instant, Arc<SlaConfig>)>>,
}

impl SlaCache {
    pub const FRESH_FOR: Duration = Duration::from_secs(10);

    /// The configuration, from the cache while fresh, else from the store.
    pub async fn get<S: TicketStore>(&self, store: &S) -> Result<Arc<SlaConfig>, StoreError> {
        if let Some(config) = self.fresh() {
            return Ok(config);
        }
        let config = Arc::new(store.sla_config().await?);
        if let Ok(mut entry) = self.entry.lock() {
            *entry = Some((Instant::now(), config.clone()));
        }
        Ok(config)
    }

    fn fresh(&self) -> Option<Arc<SlaConfig>> {
        let entry = self.entry.lock().ok()?;
        entry.as_ref().filter(|(at, _)| at.elapsed() < Self::FRESH_FOR).map(|(_, config)| config.clone())
    }

    /// Forgets the configuration (after a write to it).
    pub fn clear(&self) {
        if let Ok(mut entry) = self.entry.lock() {
            *entry = None;
        }
    }
}
