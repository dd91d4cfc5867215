//! One-at-a-time work per key: the agent's turns on a conversation, the Intercom work on a
//! conversation. Each key's lock exists only while someone holds or waits for it, so the map
//! holds nothing for the thousands of conversations nobody is working on.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// Per-key async locks that forget idle keys; cheap to clone.
#[derive(Debug)]
pub struct Turns<K> {
    locks: Arc<Mutex<HashMap<K, Arc<tokio::sync::Mutex<()>>>>>,
}

impl<K> Clone for Turns<K> {
    fn clone(&self) -> Self {
        Self { locks: Arc::clone(&self.locks) }
    }
}

impl<K> Default for Turns<K> {
    fn default() -> Self {
        Self { locks: Arc::default() }
    }
}

/// A held turn; the next waiter for the same key goes when it drops.
#[derive(Debug)]
pub struct Turn<K: Eq + Hash + Clone> {
    // Dropped before `key`'s entry is looked at, so the count below is of others only.
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
    lock: Arc<tokio::sync::Mutex<()>>,
    key: K,
    locks: Arc<Mutex<HashMap<K, Arc<tokio::sync::Mutex<()>>>>>,
}

impl<K: Eq + Hash + Clone> Turns<K> {
    /// Waits for `key`'s turn.
    pub async fn take(&self, key: &K) -> Turn<K> {
        // A std mutex: nothing is awaited while it is held.
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            Arc::clone(locks.entry(key.clone()).or_default())
        };
        let guard = Arc::clone(&lock).lock_owned().await;
        Turn { guard: Some(guard), lock, key: key.clone(), locks: Arc::clone(&self.locks) }
    }

    /// How many keys have a turn held or awaited.
    pub fn busy(&self) -> usize {
        self.locks.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len()
    }
}

impl<K: Eq + Hash + Clone> Drop for Turn<K> {
    fn drop(&mut self) {
        self.guard.take();
        let mut locks = self.locks.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // The map's reference and ours: nobody else holds or waits for this key. Waiters clone
        // the lock under this same std mutex, so none can appear between the count and removal.
        if Arc::strong_count(&self.lock) == 2 {
            locks.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn turns_on_one_key_run_in_order_and_idle_keys_are_forgotten() {
        let turns: Turns<String> = Turns::default();
        let first = turns.take(&"a".to_owned()).await;
        let other = turns.take(&"b".to_owned()).await;
        let waiting = {
            let turns = turns.clone();
            tokio::spawn(async move {
                let _second = turns.take(&"a".to_owned()).await;
            })
        };
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "the second turn on `a` waits for the first");
        drop(other);
        assert_eq!(turns.busy(), 1, "`b` is forgotten once nobody holds it");
        drop(first);
        waiting.await.expect("the second turn ran");
        assert_eq!(turns.busy(), 0, "nothing is kept for idle keys");
    }
}
