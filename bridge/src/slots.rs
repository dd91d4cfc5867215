//! Counted, capped slots per client address: open connections, open event streams. A slot is
//! held as a value and frees itself when dropped, so no path can forget to give one back, and
//! nothing is kept for a client that holds none.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Who holds slots now.
#[derive(Debug, Default)]
struct Held {
    total: usize,
    by_client: HashMap<IpAddr, usize>,
}

/// Slots under a total cap and a per-client cap; cheap to clone.
#[derive(Debug, Clone)]
pub struct Slots {
    held: Arc<Mutex<Held>>,
    max: Option<usize>,
    per_client: Option<usize>,
}

/// One slot; free again when dropped.
#[derive(Debug)]
pub struct Slot {
    slots: Slots,
    client: IpAddr,
}

impl Slots {
    /// At most `max` slots in all and `per_client` for one address; `None` is no cap.
    pub fn new(max: Option<usize>, per_client: Option<usize>) -> Self {
        Self { held: Arc::default(), max, per_client }
    }

    /// A slot for `client`, unless a cap is reached.
    pub fn take(&self, client: IpAddr) -> Option<Slot> {
        self.take_with(client, self.per_client)
    }

    /// A slot for `client` under the total cap only: for a trusted proxy, which speaks for many
    /// clients.
    pub fn take_shared(&self, client: IpAddr) -> Option<Slot> {
        self.take_with(client, None)
    }

    fn take_with(&self, client: IpAddr, per_client: Option<usize>) -> Option<Slot> {
        // A std mutex: nothing is awaited while it is held.
        let mut held = self.held.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mine = held.by_client.get(&client).copied().unwrap_or(0);
        if self.max.is_some_and(|max| held.total >= max) || per_client.is_some_and(|cap| mine >= cap) {
            return None;
        }
        held.total += 1;
        held.by_client.insert(client, mine + 1);
        Some(Slot { slots: self.clone(), client })
    }

    /// Slots held now, and by how many clients.
    pub fn held(&self) -> (usize, usize) {
        let held = self.held.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        (held.total, held.by_client.len())
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut held = self.slots.held.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        held.total = held.total.saturating_sub(1);
        if let Some(count) = held.by_client.get_mut(&self.client) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                held.by_client.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_over_its_cap_is_refused_while_others_get_in_and_slots_free_on_drop() {
        let slots = Slots::new(Some(3), Some(2));
        let one: IpAddr = [127, 0, 0, 1].into();
        let two: IpAddr = [127, 0, 0, 2].into();
        let first = slots.take(one).expect("first");
        let _second = slots.take(one).expect("second");
        assert!(slots.take(one).is_none(), "a third from the same client is over its cap");
        let other = slots.take(two).expect("another client still gets in");
        assert!(slots.take(two).is_none(), "the total cap is reached");
        drop(first);
        drop(other);
        assert!(slots.take(one).is_some(), "a freed slot is free again");
        assert_eq!(slots.held(), (1, 1), "nothing is kept for a client that holds nothing");
        let proxy: IpAddr = [10, 0, 0, 1].into();
        let _through_proxy = [slots.take_shared(proxy), slots.take_shared(proxy)];
        assert!(slots.take_shared(proxy).is_none(), "a proxy is still under the total cap");
        let open = Slots::new(None, None);
        let many: Vec<Slot> = (0..1_000).filter_map(|_| open.take(one)).collect();
        assert_eq!(many.len(), 1_000, "no cap, no refusal");
    }
}
