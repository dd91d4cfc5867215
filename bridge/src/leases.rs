//! Background work under a lease, so that of several bridges on one database exactly one does
//! each piece, and another takes it over when that one dies. This process claims the work with
//! its own [`BridgeId`], renews the lease every third of its term while the work runs, and
//! settles it when the work is done or releases it when the work stops unfinished. A lease that
//! cannot be renewed (another bridge took it over after this one stalled) stops the work: two
//! bridges never go on doing the same thing.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::conversations::Conversations;
use crate::store::{BridgeId, StoreError, Work};

/// How long a lease lasts unless renewed: how long work a dead bridge held waits for another.
pub const DEFAULT_TERM: Duration = Duration::from_secs(30);

/// How work ended, for its lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// Done for good: never to be claimed again.
    Settle,
    /// Not done: any bridge may claim it at once.
    Release,
}

/// Claims work for this process; cheap to clone.
#[derive(Debug, Clone)]
pub struct Leasing {
    conversations: Conversations,
    holder: BridgeId,
    term: Duration,
}

impl Leasing {
    /// Leases of `term` on `conversations`' database, held by a new id for this process.
    pub fn new(conversations: Conversations, term: Duration) -> Self {
        Self { conversations, holder: BridgeId::generate(), term: term.max(Duration::from_millis(300)) }
    }

    /// This process, as a holder of leases.
    pub fn holder(&self) -> &BridgeId {
        &self.holder
    }

    /// How long a lease lasts unless renewed.
    pub fn term(&self) -> Duration {
        self.term
    }

    /// How often expired leases are looked for: a third of the term, so work a dead bridge
    /// held is taken over within about a term and a third.
    pub fn sweep_every(&self) -> Duration {
        self.term / 3
    }

    /// Claims `work`: the lease if no one holds it live and it is not settled.
    pub async fn claim(&self, work: Work) -> Result<Option<Lease>, StoreError> {
        let won = self.conversations.claim(&work, &self.holder, self.term).await?;
        Ok(won.then(|| Lease { leasing: self.clone(), work }))
    }
}

/// A lease this process holds.
#[derive(Debug)]
pub struct Lease {
    leasing: Leasing,
    work: Work,
}

impl Lease {
    /// Runs `job` while renewing the lease, then settles or releases it as the job says. `None`
    /// when the lease was lost before the job ended: the job was dropped where it stood, and
    /// the bridge that took the work over does it.
    pub async fn run<F>(self, job: F) -> Option<Finish>
    where
        F: Future<Output = Finish>,
    {
        self.run_for(async {
            let finish = job.await;
            (finish, finish)
        })
        .await
    }

    /// The same for a job that also returns what it did.
    pub async fn run_for<F, T>(self, job: F) -> Option<T>
    where
        F: Future<Output = (Finish, T)>,
    {
        let Leasing { conversations, holder, term } = &self.leasing;
        // Renewing runs beside the job, never instead of it: the job may hold one of the
        // database's pooled connections in the middle of a transaction while a renewal waits
        // for another, so the job must go on being polled meanwhile.
        let renewing = async {
            let mut renewed = Instant::now();
            loop {
                tokio::time::sleep(self.leasing.sweep_every()).await;
                match conversations.renew(&self.work, holder, *term).await {
                    Ok(true) => renewed = Instant::now(),
                    Ok(false) => return,
                    // The database may be back before the term ends; past it, another bridge
                    // may have the work.
                    Err(error) if renewed.elapsed() < *term => {
                        tracing::warn!(job = %self.work.job, conversation = %self.work.conversation, %error, "the lease could not be renewed yet");
                    }
                    Err(_) => return,
                }
            }
        };
        let ended = tokio::select! {
            ended = job => Some(ended),
            () = renewing => None,
        };
        let let_go = match &ended {
            Some((Finish::Settle, _)) => conversations.settle(&self.work).await,
            Some((Finish::Release, _)) => conversations.release(&self.work, holder).await,
            None => {
                tracing::warn!(job = %self.work.job, conversation = %self.work.conversation, "lease lost: another bridge took the work over");
                Ok(())
            }
        };
        if let Err(error) = let_go {
            // The lease then simply expires, and the work is looked at again.
            tracing::warn!(job = %self.work.job, conversation = %self.work.conversation, %error, "the lease could not be let go");
        }
        ended.map(|(_, done)| done)
    }
}
