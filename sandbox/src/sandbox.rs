//! The sandbox handle every handler shares: configuration, the workspace, the webhook sender
//! and the test controls, behind one cheap-to-clone `Arc`. Locks are `std::sync::Mutex`es,
//! never held across an `.await`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::Serialize;
use serde_json::Value;

use crate::error::IntercomError;
use crate::ids;
use crate::webhooks::{Sent, Webhooks};
use crate::wire::{self, AvatarForm, Bodies, Parts};
use crate::workspace::{Change, View, Workspace};

/// How a sandbox is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxConfig {
    /// The one access token the API accepts, and the one OAuth hands out.
    pub token: String,
    /// The OAuth client id.
    pub client_id: String,
    /// The OAuth client secret, which also signs webhooks.
    pub client_secret: String,
    /// Where notifications are POSTed; logged only without one.
    pub webhook_url: Option<String>,
}

/// One API request, as `GET /_sandbox/requests` lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordedRequest {
    /// `GET`, `POST`…
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The body as JSON, or null when empty or not JSON.
    pub body: Value,
    /// The status it was answered with.
    pub status: u16,
}

/// An injected failure: the next `remaining` API requests answer `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// 429, 500, 502, 503 or 504.
    pub status: u16,
    /// How many requests are still to fail.
    pub remaining: u32,
    /// Only requests to paths like this fail (`*` stands for one segment); all when `None`.
    pub path: Option<String>,
}

impl Fault {
    /// Whether a request to `path` is one this fault fails.
    fn applies_to(&self, path: &str) -> bool {
        self.path.as_deref().is_none_or(|pattern| path_like(pattern, path))
    }
}

/// Whether `path` is like `pattern`, `*` standing for one segment.
fn path_like(pattern: &str, path: &str) -> bool {
    let (mut wanted, mut given) = (pattern.split('/'), path.split('/'));
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return true,
            (Some(want), Some(got)) if want == "*" || want == got => {}
            _ => return false,
        }
    }
}

/// A request to hold: the next one with this method and a path like this one is carried out,
/// and its answer withheld until the client gives up (or is killed), as when Intercom did the
/// work and the answer was lost on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    /// `POST`…
    pub method: String,
    /// The path, `*` standing for one segment.
    pub path: String,
}

/// A running sandbox's state; clones share it.
#[derive(Debug, Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    token: String,
    client_id: String,
    client_secret: String,
    workspace: Mutex<Workspace>,
    webhooks: Webhooks,
    requests: Mutex<Vec<RecordedRequest>>,
    fault: Mutex<Option<Fault>>,
    hold: Mutex<Option<Hold>>,
    /// Answers withheld so far.
    held: Mutex<u32>,
    /// OAuth codes issued and not yet redeemed, with the client each was issued to.
    codes: Mutex<HashMap<String, String>>,
    /// How admins' pictures are written.
    avatar_form: Mutex<AvatarForm>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Sandbox {
    /// A sandbox with the seeded workspace and no contacts or conversations.
    pub fn new(config: SandboxConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                token: config.token,
                client_id: config.client_id,
                webhooks: Webhooks::new(config.client_secret.clone(), config.webhook_url),
                client_secret: config.client_secret,
                workspace: Mutex::new(Workspace::new(ids::now())),
                requests: Mutex::new(Vec::new()),
                fault: Mutex::new(None),
                hold: Mutex::new(None),
                held: Mutex::new(0),
                codes: Mutex::new(HashMap::new()),
                avatar_form: Mutex::new(AvatarForm::default()),
            }),
        }
    }

    /// Sends later notifications to `url` (none: log them only).
    pub fn set_webhook_url(&self, url: Option<String>) {
        self.inner.webhooks.set_url(url);
    }

    /// Writes admins' pictures in `form` from now on.
    pub fn set_avatar_form(&self, form: AvatarForm) {
        *lock(&self.inner.avatar_form) = form;
    }

    /// How admins' pictures are written.
    pub fn avatar_form(&self) -> AvatarForm {
        *lock(&self.inner.avatar_form)
    }

    /// Whether `token` is the access token.
    pub fn accepts_token(&self, token: &str) -> bool {
        token == self.inner.token
    }

    /// Reads the workspace.
    pub fn read<T>(&self, f: impl FnOnce(&Workspace) -> T) -> T {
        f(&lock(&self.inner.workspace))
    }

    /// Changes the workspace in a way no webhook reports (contacts).
    pub fn write<T>(&self, f: impl FnOnce(&mut Workspace, i64) -> T) -> T {
        f(&mut lock(&self.inner.workspace), ids::now())
    }

    /// Applies a change to a conversation and queues its webhook, whose item is the
    /// conversation with only the new parts; answers the conversation as it now is. The
    /// notification is queued before the lock is released, so two changes racing each other
    /// are notified in the order they were applied.
    pub fn change(
        &self,
        f: impl FnOnce(&mut Workspace, i64) -> Result<Change, IntercomError>,
    ) -> Result<View, IntercomError> {
        let now = ids::now();
        let mut workspace = lock(&self.inner.workspace);
        let change = f(&mut workspace, now)?;
        let item = wire::conversation(&change.view, Parts::Last(change.new_parts), Bodies::Text);
        self.inner.webhooks.notify(change.topic, &item, now);
        drop(workspace);
        Ok(change.view)
    }

    /// Every notification so far.
    pub fn notifications(&self) -> Vec<Sent> {
        self.inner.webhooks.log()
    }

    /// Records an API request.
    pub fn record(&self, request: RecordedRequest) {
        lock(&self.inner.requests).push(request);
    }

    /// Every API request so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.inner.requests).clone()
    }

    /// Makes the next API requests fail as `fault` says.
    pub fn inject(&self, fault: Fault) {
        *lock(&self.inner.fault) = Some(fault).filter(|fault| fault.remaining > 0);
    }

    /// The status the API request to `path` must fail with, if a fault is pending for it;
    /// counts it.
    pub fn next_fault(&self, path: &str) -> Option<u16> {
        let mut pending = lock(&self.inner.fault);
        let fault = pending.as_mut().filter(|fault| fault.applies_to(path))?;
        let status = fault.status;
        fault.remaining -= 1;
        if fault.remaining == 0 {
            *pending = None;
        }
        Some(status)
    }

    /// Issues a single-use OAuth code to `client_id`.
    pub fn issue_code(&self, client_id: &str) -> String {
        let code = ids::random_hex(16);
        lock(&self.inner.codes).insert(code.clone(), client_id.to_owned());
        code
    }

    /// Trades `code` for the access token, if it was issued to `client_id` and the secret is
    /// right. A code is used up by its first successful exchange.
    pub fn redeem_code(
        &self,
        code: &str,
        client_id: &str,
        client_secret: &str,
    ) -> Result<String, IntercomError> {
        if client_id != self.inner.client_id || client_secret != self.inner.client_secret {
            return Err(IntercomError::Unauthorized);
        }
        let mut codes = lock(&self.inner.codes);
        match codes.get(code) {
            Some(issued_to) if issued_to == client_id => {
                codes.remove(code);
                Ok(self.inner.token.clone())
            }
            _ => Err(IntercomError::ParameterInvalid(
                "The authorization code is invalid or was already used".into(),
            )),
        }
    }

    /// The OAuth client id.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// Holds the answer to the next request like `hold`.
    pub fn hold(&self, hold: Hold) {
        *lock(&self.inner.hold) = Some(hold);
    }

    /// Whether the answer to this request is to be withheld; counts it, and the hold is used up.
    pub fn next_hold(&self, method: &str, path: &str) -> bool {
        let mut pending = lock(&self.inner.hold);
        if !pending.as_ref().is_some_and(|hold| hold.method == method && path_like(&hold.path, path)) {
            return false;
        }
        *pending = None;
        *lock(&self.inner.held) += 1;
        true
    }

    /// How many answers were withheld.
    pub fn held(&self) -> u32 {
        *lock(&self.inner.held)
    }

    /// Forgets contacts, conversations, logs, faults, holds and unredeemed codes.
    pub fn reset(&self) {
        *lock(&self.inner.hold) = None;
        *lock(&self.inner.held) = 0;
        lock(&self.inner.workspace).clear();
        self.inner.webhooks.clear();
        lock(&self.inner.requests).clear();
        *lock(&self.inner.fault) = None;
        lock(&self.inner.codes).clear();
        *lock(&self.inner.avatar_form) = AvatarForm::default();
    }
}
