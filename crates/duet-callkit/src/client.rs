//! [`CallKit`]: nertc-call's API as async methods on a cheap, cloneable handle.

use crate::devices::MediaChoices;
use crate::driver::{Action, Command, Driver, Shared, Waiter};
use crate::events::{EventHub, Handler, HandlerId, Off};
use crate::media::{MediaEngine, NoMedia};
use crate::{CallEvent, CallKitConfig, CallKitError, EndAndAcceptStep, EventName};
use duet_call::client::{CallState, CurrentCall, Invite, Session};
use duet_protocol::{
    AccountId, CallId, CallRecord, CallType, ClientMessage, Contact, ErrorCode, ServerMessage,
    UserSummary,
};
use futures_util::Stream;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::StreamExt;
use tracing::Instrument;

mod media_choices;
mod screen_share;

/// The longest call timeout nertc-call allows.
pub const MAX_CALL_TIMEOUT: Duration = Duration::from_secs(120);

/// The highest beauty and whiteness level (nertc-call's `beautyLevel`/`whitenessLevel`, 0..=9).
pub const MAX_BEAUTY_LEVEL: u8 = 9;

/// nertc-call's `call({userId, type, attachment})`.
#[derive(Debug, Clone, PartialEq)]
pub struct CallParams {
    /// The callee's account.
    /// The callee's account (nertc-call's `userId`).
    pub user_id: String,
    /// Audio or video (nertc-call's `type`).
    pub call_type: CallType,
    /// Opaque JSON delivered to the callee.
    pub attachment: serde_json::Value,
}

impl CallParams {
    /// A call to `user_id` without attachment.
    pub fn new(user_id: &str, call_type: CallType) -> Self {
        Self {
            user_id: user_id.to_owned(),
            call_type,
            attachment: serde_json::Value::Null,
        }
    }
}

/// One page of call history, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryPage {
    /// The records of this page.
    pub records: Vec<CallRecord>,
    /// Pass to [`CallKit::history`] for the next page; `None` on the last page.
    pub next: Option<String>,
}

struct Connection {
    commands: mpsc::Sender<Command>,
    task: JoinHandle<()>,
}

struct Inner {
    config: CallKitConfig,
    account: AccountId,
    device: duet_protocol::DeviceId,
    media: Arc<dyn MediaEngine>,
    hub: EventHub,
    shared: Arc<Mutex<Shared>>,
    choices: Arc<Mutex<MediaChoices>>,
    connection: Mutex<Option<Connection>>,
    call_timeout: Mutex<Duration>,
}

/// The call SDK. Clone it freely: every clone talks to the same connection.
#[derive(Clone)]
pub struct CallKit {
    inner: Arc<Inner>,
}

impl CallKit {
    /// An SDK without media (signaling only); checks the configuration.
    pub fn new(config: CallKitConfig) -> Result<Self, CallKitError> {
        Self::with_media(config, Arc::new(NoMedia))
    }

    /// An SDK whose calls get media sessions from `media`.
    pub fn with_media(
        config: CallKitConfig,
        media: Arc<dyn MediaEngine>,
    ) -> Result<Self, CallKitError> {
        let (account, device) = config.validate()?;
        // nertc-call's `beautyLevel` / `whitenessLevel` are what the video starts with; the
        // setters change them later.
        media.set_beauty_level(config.beauty_level);
        media.set_whiteness_level(config.whiteness_level);
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                account,
                device,
                media,
                hub: EventHub::new(),
                shared: Arc::new(Mutex::new(Shared::default())),
                choices: Arc::new(Mutex::new(MediaChoices::default())),
                connection: Mutex::new(None),
                call_timeout: Mutex::new(Duration::from_secs(30)),
            }),
        })
    }

    /// This installation's device id.
    pub fn device_id(&self) -> &str {
        self.inner.device.as_str()
    }

    /// Connects and logs in with the configured account and token (nertc-call's `login`). Later
    /// losses are reconnected by themselves (`onDisconnect`, then `RESYNCED`).
    pub async fn login(&self) -> Result<Session, CallKitError> {
        let (commands, receiver) = mpsc::channel(64);
        let (first_tx, first_rx) = oneshot::channel();
        let driver = Driver::new(
            self.inner.config.clone(),
            self.inner.account.clone(),
            self.inner.device.clone(),
            self.inner.media.clone(),
            self.inner.hub.clone(),
            self.inner.shared.clone(),
            self.inner.choices.clone(),
        );
        let old = self.lock_connection().take();
        if let Some(old) = old {
            old.task.abort();
        }
        let span = driver.span();
        let task = tokio::spawn(driver.run(receiver, first_tx).instrument(span));
        let outcome = first_rx.await.unwrap_or(Err(CallKitError::ConnectionLost));
        if outcome.is_ok() {
            *self.lock_connection() = Some(Connection { commands, task });
        }
        outcome
    }

    /// Logs out: the current call ends with `logged_out`, and no reconnect follows.
    pub async fn logout(&self) -> Result<(), CallKitError> {
        let connection = self
            .lock_connection()
            .take()
            .ok_or(CallKitError::NotLoggedIn)?;
        let (reply, answer) = oneshot::channel();
        let command = Command {
            action: Action::Logout,
            reply,
        };
        if connection.commands.send(command).await.is_ok() {
            if let Ok(Ok(Some(waiter))) = answer.await {
                let _ = tokio::time::timeout(self.inner.config.request_timeout, waiter).await;
            }
        }
        drop(connection.commands);
        let _ = tokio::time::timeout(self.inner.config.request_timeout, connection.task).await;
        Ok(())
    }

    /// nertc-call's `setCallTimeout`: how long calls placed from now on ring (at most 120 s).
    pub fn set_call_timeout(&self, timeout: Duration) -> Result<(), CallKitError> {
        if timeout > MAX_CALL_TIMEOUT || timeout.is_zero() {
            return Err(CallKitError::InvalidArgument(format!(
                "call timeout must be between 1 ms and {MAX_CALL_TIMEOUT:?}, not {timeout:?}"
            )));
        }
        *self
            .inner
            .call_timeout
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = timeout;
        Ok(())
    }

    /// nertc-call's `beautyLevel`: skin smoothing from 0 (off) to 9, for the running call from its
    /// next frame and for every later call. Works logged in or not; out of range is refused.
    pub fn set_beauty_level(&self, level: u8) -> Result<(), CallKitError> {
        check_level("beauty", level)?;
        self.inner.media.set_beauty_level(level);
        Ok(())
    }

    /// nertc-call's `whitenessLevel`: skin whitening from 0 (off) to 9, like
    /// [`CallKit::set_beauty_level`].
    pub fn set_whiteness_level(&self, level: u8) -> Result<(), CallKitError> {
        check_level("whiteness", level)?;
        self.inner.media.set_whiteness_level(level);
        Ok(())
    }

    /// Places a call; resolves once the server took it (the callee's devices ring). Glare resolves
    /// with the id of the call it merged into.
    pub async fn call(&self, params: CallParams) -> Result<CallId, CallKitError> {
        let callee = AccountId::new(params.user_id.clone())
            .map_err(|e| CallKitError::InvalidArgument(format!("user_id: {e}")))?;
        duet_protocol::check_attachment(&params.attachment)
            .map_err(|e| CallKitError::InvalidArgument(format!("attachment: {e}")))?;
        let call_id = CallId::new(format!("c-{}", uuid::Uuid::new_v4().simple()))
            .map_err(|e| CallKitError::InvalidArgument(e.to_string()))?;
        let timeout = *self
            .inner
            .call_timeout
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let action = Action::Call {
            call_id: call_id.clone(),
            callee,
            call_type: params.call_type,
            attachment: params.attachment,
            timeout_ms: u64::try_from(timeout.as_millis()).unwrap_or(120_000),
        };
        match self.act(action).await? {
            Some(ServerMessage::Call {
                event: duet_protocol::CallEvent::Merged { into, .. },
                ..
            }) => Ok(into),
            _ => Ok(call_id),
        }
    }

    /// Answers a ringing call with its own call type.
    pub async fn accept(&self, invite: &Invite) -> Result<(), CallKitError> {
        self.accept_as_type(invite, None).await
    }

    /// Answers a ringing call as `call_type` (audio answers a video call as audio).
    pub async fn accept_as(
        &self,
        invite: &Invite,
        call_type: CallType,
    ) -> Result<(), CallKitError> {
        self.accept_as_type(invite, Some(call_type)).await
    }

    async fn accept_as_type(
        &self,
        invite: &Invite,
        as_type: Option<CallType>,
    ) -> Result<(), CallKitError> {
        let action = Action::Accept {
            call_id: invite.call_id.clone(),
            as_type,
        };
        self.act(action).await.map(drop)
    }

    /// Call waiting's "end and answer": hangs up the current call (cancels it while it still
    /// rings) and answers `invite`, as one action. The two requests leave together and the server
    /// takes them in order, so the answer finds this device free; without a current call this is
    /// [`CallKit::accept`]. Refused locally, with nothing sent, when the invite no longer rings
    /// here. A failure of either half is [`CallKitError::EndAndAccept`], naming the half.
    pub async fn end_call_and_accept(&self, invite: &Invite) -> Result<(), CallKitError> {
        let (hangup_tx, hangup_rx) = oneshot::channel();
        let action = Action::EndAndAccept {
            call_id: invite.call_id.clone(),
            as_type: None,
            hangup: hangup_tx,
        };
        let accept = self.send_action(action).await?;
        let failed = |step, source| CallKitError::EndAndAccept {
            step,
            source: Box::new(source),
        };
        // The task answers `hangup` before the command's reply, so it is there by now.
        if let Ok(Some(hangup)) = hangup_rx.await {
            match self.answer_of(Some(hangup)).await {
                // The call had ended by itself meanwhile: nothing left to hang up.
                Err(CallKitError::Server {
                    code: ErrorCode::CallEnded | ErrorCode::UnknownCall,
                    ..
                })
                | Ok(_) => {}
                Err(error) => return Err(failed(EndAndAcceptStep::HangUp, error)),
            }
        }
        self.answer_of(accept)
            .await
            .map(drop)
            .map_err(|error| failed(EndAndAcceptStep::Accept, error))
    }

    /// Declines a ringing call (the caller sees USER_REJECT).
    pub async fn reject(&self, invite: &Invite) -> Result<(), CallKitError> {
        let action = Action::Reject {
            call_id: invite.call_id.clone(),
            busy: false,
        };
        self.act(action).await.map(drop)
    }

    /// Declines a ringing call as busy (the caller sees USER_BUSY).
    pub async fn reject_busy(&self, invite: &Invite) -> Result<(), CallKitError> {
        let action = Action::Reject {
            call_id: invite.call_id.clone(),
            busy: true,
        };
        self.act(action).await.map(drop)
    }

    /// Withdraws this device's ringing call. If the callee's accept won the race, the call is hung
    /// up instead and ends with CALL_END. While the connection is lost it ends here at once and
    /// reaches the server after the reconnect (docs/sdk.md).
    pub async fn cancel(&self) -> Result<(), CallKitError> {
        self.act(Action::Cancel).await.map(drop)
    }

    /// Ends the current call (cancels it while it rings). While the connection is lost the call
    /// ends here at once (CALL_END) and the hang-up reaches the server after the reconnect.
    pub async fn hangup(&self) -> Result<(), CallKitError> {
        self.act(Action::Hangup).await.map(drop)
    }

    /// Asks to switch the call type: to audio at once, to video with the peer's consent.
    pub async fn switch_call_type(&self, call_type: CallType) -> Result<(), CallKitError> {
        self.act(Action::SwitchType(call_type)).await.map(drop)
    }

    /// Answers the peer's SWITCH_REQUESTED.
    pub async fn answer_switch(&self, accept: bool) -> Result<(), CallKitError> {
        self.act(Action::AnswerSwitch { accept }).await.map(drop)
    }

    /// Mutes or unmutes the microphone; the peer gets AUDIO_AVAILABLE.
    pub async fn mute_local_audio(&self, mute: bool) -> Result<(), CallKitError> {
        let action = Action::LocalMedia {
            audio: Some(!mute),
            video: None,
        };
        self.act(action).await.map(drop)
    }

    /// Turns the camera on or off; the peer gets VIDEO_AVAILABLE.
    pub async fn enable_local_video(&self, enabled: bool) -> Result<(), CallKitError> {
        let action = Action::LocalMedia {
            audio: None,
            video: Some(enabled),
        };
        self.act(action).await.map(drop)
    }

    /// nertc-call's `callStatus`.
    pub fn call_status(&self) -> CallState {
        self.shared().status
    }

    /// The call this device placed or answered.
    pub fn current_call(&self) -> Option<CurrentCall> {
        self.shared().current
    }

    /// Calls ringing this device, oldest first.
    pub fn invites(&self) -> Vec<Invite> {
        self.shared().invites
    }

    /// What the last login said, while connected.
    pub fn session(&self) -> Option<Session> {
        self.shared().session
    }

    /// The contact list: accepted contacts with their presence, requests either way and
    /// blocked accounts, each with its [`ContactState`](duet_protocol::ContactState).
    pub async fn contacts(&self) -> Result<Vec<Contact>, CallKitError> {
        match self.request(ClientMessage::ContactsList).await? {
            ServerMessage::Contacts { contacts } => Ok(contacts),
            other => Err(CallKitError::UnexpectedAnswer(format!("{other:?}"))),
        }
    }

    /// Asks `account` to become a contact; if it asked first, accepts instead. Under an app's
    /// `open` contact policy, adds it at once (one-way). The list changes are announced as
    /// `CONTACTS_CHANGED` events.
    pub async fn add_contact(&self, account: &str) -> Result<(), CallKitError> {
        self.contact_request(account, |account| ClientMessage::ContactsAdd { account })
            .await
    }

    /// Accepts `account`'s pending request: both become contacts and see each other's presence.
    pub async fn accept_contact(&self, account: &str) -> Result<(), CallKitError> {
        self.contact_request(account, |account| ClientMessage::ContactsAccept { account })
            .await
    }

    /// Drops `account`'s pending request without telling it; the same request does not arrive
    /// again.
    pub async fn ignore_contact(&self, account: &str) -> Result<(), CallKitError> {
        self.contact_request(account, |account| ClientMessage::ContactsIgnore { account })
            .await
    }

    /// Ends the relationship with `account` on both sides, or withdraws a request to it.
    pub async fn remove_contact(&self, account: &str) -> Result<(), CallKitError> {
        self.contact_request(account, |account| ClientMessage::ContactsRemove { account })
            .await
    }

    /// Blocks `account`: it can no longer ask, call (it hears busy), see this account online or
    /// find it in the directory.
    pub async fn block_contact(&self, account: &str) -> Result<(), CallKitError> {
        self.contact_request(account, |account| ClientMessage::ContactsBlock { account })
            .await
    }

    /// Lifts a block; the contact it ended is not restored.
    pub async fn unblock_contact(&self, account: &str) -> Result<(), CallKitError> {
        self.contact_request(account, |account| ClientMessage::ContactsUnblock {
            account,
        })
        .await
    }

    async fn contact_request(
        &self,
        account: &str,
        message: impl FnOnce(AccountId) -> ClientMessage,
    ) -> Result<(), CallKitError> {
        let account = parse_account(account)?;
        self.request(message(account)).await.map(drop)
    }

    /// Accounts of the same app whose account or nickname contains `query`.
    pub async fn search(&self, query: &str) -> Result<Vec<UserSummary>, CallKitError> {
        let msg = ClientMessage::DirectorySearch {
            query: query.to_owned(),
            limit: None,
        };
        match self.request(msg).await? {
            ServerMessage::Directory { users } => Ok(users),
            other => Err(CallKitError::UnexpectedAnswer(format!("{other:?}"))),
        }
    }

    /// A page of call records, newest first; `before` is the previous page's `next`.
    pub async fn history(
        &self,
        before: Option<String>,
        limit: Option<u32>,
    ) -> Result<HistoryPage, CallKitError> {
        match self
            .request(ClientMessage::HistoryList { before, limit })
            .await?
        {
            ServerMessage::History { records, next } => Ok(HistoryPage { records, next }),
            other => Err(CallKitError::UnexpectedAnswer(format!("{other:?}"))),
        }
    }

    /// Every event from now on; a consumer that falls far behind skips the oldest.
    pub fn events(&self) -> impl Stream<Item = CallEvent> + Send + Unpin + 'static {
        BroadcastStream::new(self.inner.hub.subscribe()).filter_map(Result::ok)
    }

    /// Every event from now on, as a broadcast receiver.
    pub fn subscribe(&self) -> broadcast::Receiver<CallEvent> {
        self.inner.hub.subscribe()
    }

    /// nertc-call's `on(event, handler)`: calls `handler` for every event named `event`
    /// ([`EventName::All`] for every event). Handlers run on the SDK's task (media events: on the
    /// call's media task): keep them short.
    pub fn on(
        &self,
        event: EventName,
        handler: impl Fn(&CallEvent) + Send + Sync + 'static,
    ) -> HandlerId {
        let handler: Handler = Arc::new(handler);
        self.inner.hub.on(event, handler)
    }

    /// nertc-call's `off`: `off(id)` removes the handler `on` returned `id` for,
    /// `off(EventName::Invited)` every handler registered for that name (as nertc-call's
    /// `off(EVENT.INVITED)`). False when nothing was registered for it.
    pub fn off(&self, what: impl Into<Off>) -> bool {
        self.inner.hub.off(what.into())
    }

    async fn request(&self, msg: ClientMessage) -> Result<ServerMessage, CallKitError> {
        self.act(Action::Request(msg))
            .await?
            .ok_or_else(|| CallKitError::UnexpectedAnswer("no answer".into()))
    }

    /// Hands `action` to the task and waits for the server's answer, within the request timeout.
    async fn act(&self, action: Action) -> Result<Option<ServerMessage>, CallKitError> {
        let waiter = self.send_action(action).await?;
        self.answer_of(waiter).await
    }

    /// Hands `action` to the task; where its answer will arrive.
    async fn send_action(&self, action: Action) -> Result<Waiter, CallKitError> {
        let commands = self
            .lock_connection()
            .as_ref()
            .map(|c| c.commands.clone())
            .ok_or(CallKitError::NotLoggedIn)?;
        let (reply, taken) = oneshot::channel();
        commands
            .send(Command { action, reply })
            .await
            .map_err(|_| CallKitError::NotLoggedIn)?;
        taken.await.map_err(|_| CallKitError::NotLoggedIn)?
    }

    /// The server's answer through `waiter`: an error answer becomes [`CallKitError::Server`].
    async fn answer_of(&self, waiter: Waiter) -> Result<Option<ServerMessage>, CallKitError> {
        let Some(waiter) = waiter else {
            return Ok(None);
        };
        // The mirror owns the request timeout (`ClientOutput::TimedOut`); a dropped waiter means
        // the connection went away with the request in flight.
        match waiter.await {
            Err(_) => Err(CallKitError::ConnectionLost),
            Ok(None) => Err(CallKitError::Timeout(self.inner.config.request_timeout)),
            Ok(Some(ServerMessage::Error { code, message, .. })) => {
                Err(CallKitError::Server { code, message })
            }
            Ok(Some(answer)) => Ok(Some(answer)),
        }
    }

    fn shared(&self) -> Shared {
        self.inner
            .shared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn lock_connection(&self) -> std::sync::MutexGuard<'_, Option<Connection>> {
        self.inner
            .connection
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }
}

fn check_level(what: &str, level: u8) -> Result<(), CallKitError> {
    if level > MAX_BEAUTY_LEVEL {
        return Err(CallKitError::InvalidArgument(format!(
            "{what} level must be 0..={MAX_BEAUTY_LEVEL}, not {level}"
        )));
    }
    Ok(())
}

fn parse_account(account: &str) -> Result<AccountId, CallKitError> {
    AccountId::new(account).map_err(|e| CallKitError::InvalidArgument(format!("account: {e}")))
}
