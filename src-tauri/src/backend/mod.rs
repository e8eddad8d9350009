//! The app's core, free of Tauri: signs in (to a server or the embedded one), owns the SDK,
//! turns its events into the page's state, and carries out the page's commands. The Tauri
//! layer (`shell`) only forwards commands here and hands events to windows through [`Ui`].

pub mod accounts;
pub mod autostart;
pub mod contact_list;
mod contract;
pub mod deep_link;
pub mod device_choice;
pub mod device_state;
pub mod diagnostics;
pub mod echo;
pub mod embedded;
pub mod links;
pub mod locale;
pub mod missed_calls;
pub mod missed_text;
pub mod publisher;
pub mod records;
pub mod screen_share;
pub mod sign_in_form;
pub mod state;
pub mod stats;
pub mod transport;
pub mod tray_text;
pub mod ui;

use crate::backend::autostart::Autostart;
use crate::backend::contact_list::apply_contact_change;
pub use crate::backend::contact_list::ContactAction;
use crate::backend::echo::EchoBot;
use crate::backend::embedded::EmbeddedServer;
use crate::backend::publisher::Publisher;
use crate::backend::records::HistoryRecord;
use crate::backend::sign_in_form::SignInForm;
use crate::backend::state::{AppState, Deriver, Inputs, SdkSnapshot, SignedIn};
use crate::backend::transport::{check_server_url, Transport};
use crate::backend::ui::Ui;
use crate::error::{AppError, AppResult};
use crate::frames::painter::VideoPainter;
use crate::frames::{FrameHub, FrameServer, ScalePolicy};
use crate::media::devices::Devices;
use crate::media::engine::AppMediaEngine;
use crate::media::preview::Preview;
use crate::media::sources::SourceOverrides;
use crate::store::credentials::{Credentials, LastSignIn};
use crate::store::files::AppDirs;
use crate::store::history_seen::{self, HistorySeen};
use crate::store::settings::Settings;
use duet_callkit::{
    AudioQuality, CallEvent, CallKit, CallKitConfig, CallParams, CallRecord, CallType, Contact,
    Invite,
};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

/// `LastSignIn.server` of the embedded server (its port may change between runs).
pub const EMBEDDED_SERVER: &str = "embedded";

/// At most this many history pages are read for calls missed while away: 500 records, far more
/// than a device stays away for; older ones wait in the History screen.
const CATCH_UP_PAGES: usize = 5;
const CATCH_UP_PAGE_SIZE: u32 = 100;

/// The page's first question (docs/app-interface.md, `Bootstrap`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Bootstrap {
    /// The app's version.
    pub version: String,
    /// `zh` or `en`.
    #[cfg_attr(test, ts(type = "Locale"))]
    pub locale: &'static str,
    /// What the sign-in form pre-fills.
    pub last_sign_in: Option<LastSignIn>,
    /// Why signing in by itself at start failed (`{ code, message, ... }` as a command's error),
    /// until a sign-in succeeds: the form says it, as it would for its own attempt.
    #[cfg_attr(test, ts(type = "CommandError | null"))]
    pub sign_in_error: Option<serde_json::Value>,
    /// A `duet://join` link not acted on yet: the page opens the sign-up form with it.
    pub join_link: Option<JoinLink>,
    /// A `duet://call` link the user has not answered yet: the page asks before calling.
    pub call_link: Option<links::CallLink>,
    /// The frame WebSocket with its secret.
    pub frames_url: String,
    /// How the page paints video (src-tauri/src/frames/painter.rs).
    pub video_painter: VideoPainter,
    /// The current state (with the signed-in account and contacts).
    pub state: AppState,
}

struct Session {
    kit: CallKit,
    pump: JoinHandle<()>,
}

struct Embedded {
    server: EmbeddedServer,
    echo: Option<EchoBot>,
}

struct Inner {
    dirs: AppDirs,
    credentials: Credentials,
    settings: Arc<Mutex<Settings>>,
    overrides: SourceOverrides,
    frames: FrameHub,
    media: Arc<AppMediaEngine>,
    frames_url: String,
    video_painter: VideoPainter,
    os_locale: Option<String>,
    embedded_port: u16,
    ui: Arc<dyn Ui>,
    autostart: Arc<dyn Autostart>,
    session: tokio::sync::Mutex<Option<Session>>,
    /// A clone of the signed-in SDK handle, readable without awaiting the session lock.
    kit: Mutex<Option<(CallKit, String)>>,
    /// Who is signed in (the page's `signedIn`), readable without awaiting the session lock.
    signed_in: Mutex<Option<SignedIn>>,
    /// The contact list, fetched at sign-in and on `contacts`, kept current by presence events.
    contacts: Mutex<Vec<Contact>>,
    publisher: Publisher,
    /// The settings screen's camera preview and microphone meter.
    preview: Preview,
    embedded: tokio::sync::Mutex<Option<Embedded>>,
    /// See [`Bootstrap::sign_in_error`].
    start_error: Mutex<Option<serde_json::Value>>,
    /// See [`Bootstrap::join_link`].
    join_link: Mutex<Option<JoinLink>>,
    /// See [`Bootstrap::call_link`].
    call_link: Mutex<Option<links::CallLink>>,
    /// Incoming calls missed since the user last opened the history.
    missed: Mutex<missed_calls::MissedCalls>,
    /// How far each account's history was seen: calls missed after it count at sign-in.
    history_seen: HistorySeen,
    /// The signed-in account's key in `history_seen`.
    seen_key: Mutex<Option<String>>,
    /// Signaling was lost: the next `RESYNCED` is a reconnect, after which the history is read
    /// again for calls missed meanwhile.
    reconnecting: AtomicBool,
    /// What the calls' media reported of this device's camera and microphone.
    call_devices: Mutex<device_state::CallDeviceStates>,
    /// Who shares a screen in the current call, from the SDK's screen-share events.
    sharing: Mutex<screen_share::ShareStates>,
    /// The devices the backend turned off in the current call for not working.
    turned_off: Mutex<device_choice::TurnedOff>,
    /// Every token this run signed in with: "Copy diagnostics" blanks them out.
    secrets: Mutex<Vec<String>>,
}

/// A `duet://join` link the page has not acted on: it opens the sign-up form filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct JoinLink {
    /// The server address as the link wrote it.
    pub server: String,
    /// The invite code, if the link has one.
    pub code: Option<String>,
}

/// The app's core; cheap to clone.
#[derive(Clone)]
pub struct Backend {
    inner: Arc<Inner>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every value behind these locks is replaced whole, so a panic cannot leave it half-updated.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Backend {
    /// Loads settings and starts the frame server; signs nobody in yet (see [`Backend::start`]).
    /// The embedded server, when needed, listens on 127.0.0.1:`embedded_port` (0: any free port;
    /// a taken port falls back to a free one). `autostart` is what `startAtLogin` changes.
    pub async fn new(
        dirs: AppDirs,
        overrides: SourceOverrides,
        embedded_port: u16,
        ui: Arc<dyn Ui>,
        autostart: Arc<dyn Autostart>,
    ) -> AppResult<Self> {
        let settings = Settings::load(&dirs.settings());
        let video_painter = crate::frames::painter::for_this_machine();
        let frames = FrameHub::with_policy(ScalePolicy::for_painter(video_painter));
        let server = FrameServer::start(frames.clone())
            .await
            .map_err(|e| AppError::io("starting the frame server", e))?;
        let settings = Arc::new(Mutex::new(settings));
        let media = Arc::new(AppMediaEngine::new(
            settings.clone(),
            overrides.clone(),
            frames.clone(),
        ));
        let ui_for_state = ui.clone();
        Ok(Self {
            inner: Arc::new_cyclic(|weak: &std::sync::Weak<Inner>| Inner {
                credentials: Credentials::new(dirs.clone()),
                history_seen: HistorySeen::load(dirs.history_seen()),
                dirs,
                settings,
                overrides,
                frames,
                media,
                frames_url: server.url(),
                video_painter,
                os_locale: sys_locale::get_locale(),
                embedded_port,
                ui,
                autostart,
                session: tokio::sync::Mutex::new(None),
                kit: Mutex::new(None),
                signed_in: Mutex::new(None),
                contacts: Mutex::new(Vec::new()),
                publisher: start_publisher(weak.clone(), ui_for_state),
                preview: Preview::default(),
                embedded: tokio::sync::Mutex::new(None),
                start_error: Mutex::new(None),
                join_link: Mutex::new(None),
                call_link: Mutex::new(None),
                missed: Mutex::new(missed_calls::MissedCalls::default()),
                seen_key: Mutex::new(None),
                reconnecting: AtomicBool::new(false),
                call_devices: Mutex::new(device_state::CallDeviceStates::default()),
                sharing: Mutex::new(screen_share::ShareStates::default()),
                turned_off: Mutex::new(device_choice::TurnedOff::default()),
                secrets: Mutex::new(Vec::new()),
            }),
        })
    }

    /// Signs in as the app starts: to the remembered server when it has a token, else to the
    /// embedded server, which it starts. A failure leaves the app signed out with the form
    /// pre-filled; the page hears why (a `sign-in-error` event, and `Bootstrap::sign_in_error` for
    /// a page that was not listening yet), so a certificate that stopped verifying is explained.
    pub async fn start(&self) -> AppResult<SignedIn> {
        let outcome = match self.inner.credentials.last_with_token() {
            Some((last, token)) if last.server != EMBEDDED_SERVER => {
                self.sign_in(&SignInForm::remembered(last, token)).await
            }
            _ => self.sign_in_embedded().await,
        };
        if let Err(error) = &outcome {
            match serde_json::to_value(error) {
                Ok(payload) => {
                    *lock(&self.inner.start_error) = Some(payload.clone());
                    self.inner.ui.emit("sign-in-error", payload);
                }
                Err(e) => tracing::warn!(%e, "sign-in error not serializable"),
            }
        }
        outcome
    }

    /// Starts the embedded server (once) with the echo contact, and signs in to it.
    pub async fn sign_in_embedded(&self) -> AppResult<SignedIn> {
        let (url, account, token) = {
            let mut embedded = self.inner.embedded.lock().await;
            if embedded.is_none() {
                let os_user = std::env::var("USER").ok();
                let account = embedded::local_account_name(os_user.as_deref());
                let nick = os_user.unwrap_or_else(|| account.clone());
                let port = self.inner.embedded_port;
                let server = EmbeddedServer::start(
                    &self.inner.dirs.embedded_database(),
                    port,
                    &account,
                    &nick,
                )
                .await?;
                self.keep_secret(&server.echo_token);
                let echo =
                    match EchoBot::start(&server.url(), &server.echo_token, &self.inner.overrides)
                        .await
                    {
                        Ok(bot) => Some(bot),
                        Err(error) => {
                            tracing::warn!(%error, "the echo contact could not sign in");
                            None
                        }
                    };
                *embedded = Some(Embedded { server, echo });
            }
            // Just set above when it was empty.
            let running = embedded.as_ref().expect("embedded server running");
            let (account, token) = running.server.user.clone();
            (running.server.url(), account, token)
        };
        let target = SignInForm {
            server: url,
            app_key: embedded::LOCAL_APP.into(),
            account: account.clone(),
            token,
            ..SignInForm::default()
        };
        // The embedded server listens on 127.0.0.1 only.
        let signed = self.connect(&target, Transport::Loopback, true).await?;
        let last = LastSignIn {
            server: EMBEDDED_SERVER.into(),
            app_key: embedded::LOCAL_APP.into(),
            account,
            ..LastSignIn::default()
        };
        // The embedded server mints a token at every start; remember only the choice.
        self.inner.credentials.remember_choice(&last)?;
        Ok(signed)
    }

    /// Signs in to the form's server; remembers it and the token on success. A plain `ws://`
    /// server off this machine is refused unless the form allows it (see `transport`); the
    /// session that was signed in stays then.
    pub async fn sign_in(&self, form: &SignInForm) -> AppResult<SignedIn> {
        if form.server == EMBEDDED_SERVER || form.server.is_empty() {
            return self.sign_in_embedded().await;
        }
        // The address as the user wrote it (`duet.example.com`) stands for `wss://…/ws`.
        let form = &SignInForm {
            server: duet_callkit::server_url(&form.server)?,
            ..form.clone()
        };
        let transport = check_server_url(&form.server, form.insecure)?;
        let signed = self.connect(form, transport, false).await?;
        self.inner
            .credentials
            .remember(&form.to_last(), &form.token)?;
        // Signed in to a server: an invite link waiting for the form has done its job.
        lock(&self.inner.join_link).take();
        Ok(signed)
    }

    /// Keeps a copy of the CA file the user chose (its text) and returns the copy's path, for
    /// `sign_in`'s `tls_ca_file`.
    pub fn import_ca(&self, file_name: &str, pem: &str) -> AppResult<PathBuf> {
        crate::store::ca_files::import(&self.inner.dirs.ca_dir(), file_name, pem)
    }

    async fn connect(
        &self,
        target: &SignInForm,
        transport: Transport,
        embedded: bool,
    ) -> AppResult<SignedIn> {
        let (url, account) = (target.server.as_str(), target.account.as_str());
        let mut session = self.inner.session.lock().await;
        if let Some(old) = session.take() {
            old.pump.abort();
            let _ = old.kit.logout().await;
        }
        self.keep_secret(&target.token);
        let mut config = CallKitConfig::new(url, &target.app_key, account, &target.token);
        config.device_id = self.device_id(account)?;
        config.tls_ca_file = target.tls_ca_file.clone();
        let settings = lock(&self.inner.settings).clone();
        // The engine also applies the policy, size and bitrates of the moment to each call (see
        // media/engine.rs).
        config.ice_policy = settings.ice_policy.into();
        // The SDK sets the engine's filter levels from its configuration: the saved ones.
        config.beauty_level = settings.beauty;
        config.whiteness_level = settings.whiteness;
        // A microphone call: speech coding, with noise suppression and gain control.
        config.audio_quality = AudioQuality::Standard;
        // A call during a call rings softly in the call screen (AppState::waiting) rather than
        // the caller hearing busy: the user chooses "End and answer" or "Decline".
        config.call_waiting = true;
        // The settings preview uses the same engine, so the SDK gets a shared handle to it.
        let kit = CallKit::with_media(config, self.inner.media.clone())?;
        let timeout = Duration::from_secs(u64::from(settings.call_timeout_s));
        kit.set_call_timeout(timeout)?;
        // Subscribe before login, so no event between login and the pump is lost.
        let events = kit.subscribe();
        let login = kit.login().await?;
        let info = SignedIn {
            account: account.to_owned(),
            nick: if login.nick.is_empty() {
                account.to_owned()
            } else {
                login.nick
            },
            server: url.to_owned(),
            embedded,
            transport,
        };
        *lock(&self.inner.kit) = Some((kit.clone(), account.to_owned()));
        let server = if embedded { EMBEDDED_SERVER } else { url };
        *lock(&self.inner.seen_key) = Some(history_seen::key(server, &target.app_key, account));
        self.inner.reconnecting.store(false, Ordering::SeqCst);
        *lock(&self.inner.signed_in) = Some(info.clone());
        let pump = tokio::spawn(self.clone().pump(kit.clone(), events));
        *session = Some(Session { kit, pump });
        drop(session);
        // The list and the call screen's nicknames; a failure only leaves the list empty.
        if let Err(error) = self.contacts().await {
            tracing::warn!(%error, "contacts not loaded at sign-in");
        }
        // After the contacts, so the summary names callers by their nicknames.
        self.clone().catch_up_missed().await;
        self.refresh().await;
        *lock(&self.inner.start_error) = None;
        tracing::info!(account, server = url, "signed in");
        Ok(info)
    }

    /// A stable device id per account, so a restart resumes as the same device.
    fn device_id(&self, account: &str) -> AppResult<String> {
        let path = self.inner.dirs.device_id();
        let suffix = match std::fs::read_to_string(&path) {
            Ok(text) if !text.trim().is_empty() => text.trim().to_owned(),
            _ => {
                let mut raw = [0u8; 6];
                getrandom::fill(&mut raw).map_err(|e| AppError::Desktop(e.to_string()))?;
                let suffix: String = raw.iter().map(|b| format!("{b:02x}")).collect();
                crate::store::files::write_atomically(&path, suffix.as_bytes())?;
                suffix
            }
        };
        Ok(format!("{account}-desktop-{suffix}"))
    }

    /// Signs out: ends any call, logs out and forgets the token (the form keeps server and account).
    pub async fn sign_out(&self) -> AppResult<()> {
        let was_signed_in = self.end_session().await;
        if was_signed_in {
            if let Some(last) = self.inner.credentials.last() {
                self.inner.credentials.forget_token(&last)?;
            }
        }
        self.refresh().await;
        Ok(())
    }

    /// What the page asks first.
    pub async fn bootstrap(&self) -> Bootstrap {
        Bootstrap {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            locale: self.locale(),
            last_sign_in: self.inner.credentials.last(),
            sign_in_error: lock(&self.inner.start_error).clone(),
            join_link: lock(&self.inner.join_link).clone(),
            call_link: self.call_link(),
            frames_url: self.inner.frames_url.clone(),
            video_painter: self.inner.video_painter,
            state: self.inner.publisher.shown(),
        }
    }

    /// `zh` or `en`, from settings and the OS.
    pub fn locale(&self) -> &'static str {
        crate::backend::locale::resolve(
            lock(&self.inner.settings).locale,
            self.inner.os_locale.as_deref(),
        )
    }

    /// The state the page renders.
    pub fn state(&self) -> AppState {
        self.inner.publisher.shown()
    }

    /// Cameras, microphones and speakers for the settings screen.
    pub async fn devices(&self) -> AppResult<Devices> {
        crate::media::devices::list().await
    }

    /// Starts (with the saved device and resolution settings) or stops the settings preview.
    pub fn set_preview(&self, on: bool) -> AppResult<()> {
        let result = self.inner.preview.set(self, on);
        // The preview's device states are part of the page's state.
        self.inner.publisher.nudge();
        result
    }

    /// The settings preview's microphone could not open (its meter runs on its own thread).
    pub fn preview_microphone_failed(&self, state: device_state::DeviceState) {
        self.inner.preview.microphone_failed(state);
        self.inner.publisher.nudge();
    }

    /// A `duet://join` link arrived: the page opens the sign-up form filled in (event
    /// `join-link`, and in [`Bootstrap::join_link`] for a page that starts after it); nothing is
    /// sent to the server until the user submits the form.
    pub fn offer_join(&self, link: JoinLink) {
        *lock(&self.inner.join_link) = Some(link.clone());
        match serde_json::to_value(link) {
            Ok(payload) => self.inner.ui.emit("join-link", payload),
            Err(error) => tracing::warn!(%error, "join link not serializable"),
        }
    }

    /// Sends the settings preview's microphone level (0..=1) to the page.
    pub fn emit_level(&self, level: f64) {
        match serde_json::to_value(stats::MicLevel { level }) {
            Ok(payload) => self.inner.ui.emit("mic-level", payload),
            Err(error) => tracing::warn!(%error, "level not serializable"),
        }
    }

    /// The media engine of every call (the preview uses its setup).
    pub fn media(&self) -> &AppMediaEngine {
        &self.inner.media
    }

    /// The frame slots (previews write here too).
    pub fn frames(&self) -> &FrameHub {
        &self.inner.frames
    }

    fn kit(&self) -> AppResult<(CallKit, String)> {
        lock(&self.inner.kit).clone().ok_or(AppError::NotSignedIn)
    }

    /// Fetches the contact list again and publishes it (`AppState::contacts`); also returns it.
    pub async fn contacts(&self) -> AppResult<Vec<Contact>> {
        let contacts = self.kit()?.0.contacts().await?;
        *lock(&self.inner.contacts) = contacts.clone();
        self.refresh().await;
        Ok(contacts)
    }

    /// Directory search.
    pub async fn search(&self, query: &str) -> AppResult<Vec<duet_callkit::UserSummary>> {
        Ok(self.kit()?.0.search(query.trim()).await?)
    }

    /// Takes a contact action toward `account`; the published list shows its outcome when this
    /// returns (and again whenever the server announces a change).
    pub async fn contact_action(&self, action: ContactAction, account: &str) -> AppResult<()> {
        let (kit, _) = self.kit()?;
        let account = account.trim();
        match action {
            ContactAction::Add => kit.add_contact(account).await?,
            ContactAction::Accept => kit.accept_contact(account).await?,
            ContactAction::Ignore => kit.ignore_contact(account).await?,
            ContactAction::Remove => kit.remove_contact(account).await?,
            ContactAction::Block => kit.block_contact(account).await?,
            ContactAction::Unblock => kit.unblock_contact(account).await?,
        }
        self.contacts().await.map(drop)
    }

    /// Places a call.
    pub async fn call(&self, account: &str, call_type: CallType) -> AppResult<String> {
        let (kit, _) = self.kit()?;
        let call_id = kit.call(CallParams::new(account.trim(), call_type)).await?;
        self.refresh().await;
        Ok(call_id.to_string())
    }

    fn ringing_invite(kit: &CallKit) -> AppResult<Invite> {
        kit.invites().into_iter().next().ok_or(AppError::NoInvite)
    }

    /// Answers the ringing call as `call_type`.
    pub async fn accept(&self, call_type: CallType) -> AppResult<()> {
        let (kit, _) = self.kit()?;
        let invite = Self::ringing_invite(&kit)?;
        kit.accept_as(&invite, call_type).await?;
        // Its media reported while it rang: a device that does not work is turned off now.
        self.turn_off_failed_devices().await;
        self.refresh().await;
        Ok(())
    }

    /// Declines the ringing call.
    pub async fn reject(&self) -> AppResult<()> {
        let (kit, _) = self.kit()?;
        let invite = Self::ringing_invite(&kit)?;
        kit.reject(&invite).await?;
        self.refresh().await;
        Ok(())
    }

    /// The invite of call `call_id`, if it still rings here.
    fn invite_of(kit: &CallKit, call_id: &str) -> AppResult<Invite> {
        kit.invites()
            .into_iter()
            .find(|invite| invite.call_id.as_str() == call_id)
            .ok_or(AppError::NoInvite)
    }

    /// Call waiting's "End and answer": ends the current call, then answers the waiting call
    /// `call_id` (as the SDK's one action).
    pub async fn end_and_answer(&self, call_id: &str) -> AppResult<()> {
        let (kit, _) = self.kit()?;
        let invite = Self::invite_of(&kit, call_id)?;
        let answered = kit.end_call_and_accept(&invite).await;
        // Whatever half failed, the page shows where things now stand.
        self.refresh().await;
        answered?;
        self.turn_off_failed_devices().await;
        self.refresh().await;
        Ok(())
    }

    /// Call waiting's "Decline": the waiting call `call_id` ends as busy for its caller (the
    /// user's choice), and the current call goes on.
    pub async fn decline_waiting(&self, call_id: &str) -> AppResult<()> {
        let (kit, _) = self.kit()?;
        let invite = Self::invite_of(&kit, call_id)?;
        kit.reject_busy(&invite).await?;
        self.refresh().await;
        Ok(())
    }

    /// Stops the outgoing call that rings.
    pub async fn cancel(&self) -> AppResult<()> {
        self.kit()?.0.cancel().await?;
        self.refresh().await;
        Ok(())
    }

    /// Ends the call.
    pub async fn hangup(&self) -> AppResult<()> {
        self.kit()?.0.hangup().await?;
        self.refresh().await;
        Ok(())
    }

    /// Mutes or unmutes the microphone (the peer gets AUDIO_AVAILABLE).
    pub async fn set_muted(&self, muted: bool) -> AppResult<()> {
        let (kit, _) = self.kit()?;
        kit.mute_local_audio(muted).await?;
        self.refresh().await;
        Ok(())
    }

    /// Turns the camera on or off (the peer gets VIDEO_AVAILABLE).
    pub async fn set_camera(&self, enabled: bool) -> AppResult<()> {
        let (kit, _) = self.kit()?;
        kit.enable_local_video(enabled).await?;
        self.refresh().await;
        Ok(())
    }

    /// The screens and windows this user may share now, the screen first.
    pub fn share_targets(&self) -> AppResult<Vec<duet_callkit::ShareTargetInfo>> {
        Ok(self.kit()?.0.screen_share_targets()?)
    }

    /// Shares `target` in the answered call (or switches the share to it); the call screen
    /// learns it from `SCREEN_SHARE_STARTED`, or `SCREEN_SHARE_STOPPED` with a reason.
    pub async fn start_screen_share(&self, target: &str) -> AppResult<()> {
        self.kit()?.0.start_screen_share(target).await?;
        self.refresh().await;
        Ok(())
    }

    /// Stops this user's share (nothing when not sharing).
    pub async fn stop_screen_share(&self) -> AppResult<()> {
        self.kit()?.0.stop_screen_share().await?;
        self.refresh().await;
        Ok(())
    }

    /// Switches the call type (to audio at once; to video with the peer's consent).
    pub async fn switch_call_type(&self, call_type: CallType) -> AppResult<()> {
        self.kit()?.0.switch_call_type(call_type).await?;
        self.refresh().await;
        Ok(())
    }

    /// Answers the peer's switch request.
    pub async fn answer_switch(&self, accept: bool) -> AppResult<()> {
        self.kit()?.0.answer_switch(accept).await?;
        self.refresh().await;
        Ok(())
    }

    /// Up to 100 newest records, from this user's side.
    pub async fn history(&self) -> AppResult<Vec<HistoryRecord>> {
        let (kit, me) = self.kit()?;
        let page = kit.history(None, Some(100)).await?;
        // The user is looking at the history: the missed calls in it are seen, here and (the
        // mark) at the next sign-in.
        lock(&self.inner.missed).seen();
        self.inner.publisher.nudge();
        let key = lock(&self.inner.seen_key).clone();
        if let (Some(key), Some(newest)) = (key, missed_calls::newest_end(&page.records)) {
            if let Err(error) = self.inner.history_seen.advance(&key, newest) {
                tracing::warn!(%error, "history mark not saved");
            }
        }
        Ok(page
            .records
            .into_iter()
            .map(|record| HistoryRecord::for_viewer(record, &me))
            .collect())
    }

    /// The saved settings.
    pub fn settings(&self) -> Settings {
        lock(&self.inner.settings).clone()
    }

    /// Validates, saves and applies settings (devices and quality from the next call; the
    /// call timeout at once). A changed `startAtLogin` writes or removes the desktop's autostart
    /// entry first; when that fails nothing is saved (so the setting never says on while the
    /// desktop would not start the app) and the error's code is `autostart`.
    pub fn set_settings(&self, settings: Settings) -> AppResult<Settings> {
        settings.validate()?;
        if settings.start_at_login != lock(&self.inner.settings).start_at_login {
            self.inner
                .autostart
                .set(settings.start_at_login)
                .map_err(AppError::Autostart)?;
        }
        settings.save(&self.inner.dirs.settings())?;
        *lock(&self.inner.settings) = settings.clone();
        self.inner.media.apply_filter_levels(&settings);
        if let Ok((kit, _)) = self.kit() {
            kit.set_call_timeout(Duration::from_secs(u64::from(settings.call_timeout_s)))?;
        }
        // The language may have changed: the tray relabels itself from the current state.
        let state = self.inner.publisher.shown();
        self.inner.ui.status_changed(&state);
        Ok(settings)
    }

    /// "Copy diagnostics": the plain-text report of [`diagnostics::report`], tokens blanked out.
    pub async fn diagnostics(&self) -> String {
        let devices = self.devices().await.map_err(|e| e.to_string());
        let state = self.state();
        let settings = self.settings();
        let log_dir = self.inner.dirs.logs();
        let secrets = lock(&self.inner.secrets).clone();
        // Reading the log and asking the OS its name touch files (and may run lsb_release).
        let (os, log_tail) = {
            let log_dir = log_dir.clone();
            tokio::task::spawn_blocking(move || {
                let os = os_info::get().to_string();
                (
                    os,
                    crate::store::log_file::tail(&log_dir, diagnostics::LOG_LINES),
                )
            })
            .await
            .unwrap_or_else(|e| (format!("unknown ({e})"), Vec::new()))
        };
        diagnostics::report(&diagnostics::Facts {
            version: env!("CARGO_PKG_VERSION"),
            os,
            state: &state,
            settings: &settings,
            devices,
            log_dir: &log_dir,
            log_tail,
            secrets,
        })
    }

    /// Remembers a token for [`Backend::diagnostics`] to blank out.
    fn keep_secret(&self, token: &str) {
        let mut secrets = lock(&self.inner.secrets);
        if !token.is_empty() && !secrets.iter().any(|s| s == token) {
            secrets.push(token.to_owned());
        }
    }

    /// Stops the embedded server and the echo bot (on quit).
    pub async fn shutdown(&self) {
        self.end_session().await;
        if let Some(embedded) = self.inner.embedded.lock().await.take() {
            if let Some(echo) = embedded.echo {
                echo.stop().await;
            }
            if let Err(error) = embedded.server.shutdown().await {
                tracing::warn!(%error, "embedded server did not stop cleanly");
            }
        }
    }

    /// Ends a call and logs out, keeping the token (quitting is not signing out); whether an
    /// account was signed in.
    async fn end_session(&self) -> bool {
        let session = self.inner.session.lock().await.take();
        *lock(&self.inner.kit) = None;
        *lock(&self.inner.signed_in) = None;
        *lock(&self.inner.seen_key) = None;
        lock(&self.inner.contacts).clear();
        lock(&self.inner.missed).seen();
        let Some(session) = session else {
            return false;
        };
        session.pump.abort();
        if session.kit.current_call().is_some() {
            let _ = session.kit.hangup().await;
        }
        let _ = session.kit.logout().await;
        true
    }

    async fn pump(self, kit: CallKit, mut events: tokio::sync::broadcast::Receiver<CallEvent>) {
        loop {
            match events.recv().await {
                Ok(event) => self.on_event(&event),
                // Events were dropped; the SDK's own state is still right, so re-derive.
                Err(RecvError::Lagged(skipped)) => {
                    tracing::warn!(skipped, "page events lagged");
                    self.inner.publisher.nudge();
                }
                Err(RecvError::Closed) => break,
            }
        }
        drop(kit);
    }

    fn on_event(&self, event: &CallEvent) {
        match event {
            // Once a second: its own event, not logged as a call event.
            CallEvent::CallStats { stats, .. } => {
                match serde_json::to_value(stats::PageStats::from(stats)) {
                    Ok(payload) => self.inner.ui.emit("stats", payload),
                    Err(error) => tracing::warn!(%error, "statistics not serializable"),
                }
                return;
            }
            CallEvent::Presence { account, presence } => {
                let mut contacts = lock(&self.inner.contacts);
                if let Some(contact) = contacts.iter_mut().find(|c| c.account == *account) {
                    contact.presence = *presence;
                }
            }
            CallEvent::ContactsChanged { account, contact } => {
                apply_contact_change(&mut lock(&self.inner.contacts), account, contact.as_ref());
            }
            CallEvent::MessageSent { record } => self.on_record(record),
            CallEvent::Disconnected => self.inner.reconnecting.store(true, Ordering::SeqCst),
            // Back after a drop: calls missed while offline are in the history only.
            CallEvent::Resynced { .. } if self.inner.reconnecting.swap(false, Ordering::SeqCst) => {
                tokio::spawn(self.clone().catch_up_missed());
            }
            CallEvent::MediaFailed {
                call_id,
                what,
                reason,
            } => self.on_media_failed(call_id.as_str(), what, reason),
            CallEvent::ScreenShareStarted { .. } | CallEvent::ScreenShareStopped { .. } => {
                lock(&self.inner.sharing).apply(event);
            }
            _ => {}
        }
        match serde_json::to_value(event) {
            Ok(payload) => self.inner.ui.emit("call-event", payload),
            Err(error) => tracing::warn!(%error, "event not serializable"),
        }
        // A call waiting during a call is told by the call screen's banner and its soft beep; a
        // desktop notification on top would pull the user out of the call they are in.
        let ringing = match event {
            CallEvent::Invited(invite) if !invite.waiting => Some(invite),
            _ => None,
        };
        if let Some(invite) = ringing {
            let (title, body) = if self.locale() == "zh" {
                (
                    "来电",
                    format!(
                        "{} 邀请你{}通话",
                        nick_or_account(invite),
                        type_zh(invite.call_type)
                    ),
                )
            } else {
                (
                    "Incoming call",
                    format!(
                        "{} is calling ({})",
                        nick_or_account(invite),
                        type_en(invite.call_type)
                    ),
                )
            };
            self.inner.ui.notify(title, &body);
        }
        self.inner.publisher.nudge();
    }

    /// Counts a missed call, and tells the user with a desktop notification.
    fn on_record(&self, record: &CallRecord) {
        let Some(me) = lock(&self.inner.kit).as_ref().map(|(_, me)| me.clone()) else {
            return;
        };
        if !lock(&self.inner.missed).record(record, &me) {
            return;
        }
        let (title, body) = missed_text::live(&self.caller_name(record), self.locale());
        self.inner.ui.notify(title, &body);
    }

    /// The caller of `record` as the contact list names them (nickname, else account).
    fn caller_name(&self, record: &CallRecord) -> String {
        lock(&self.inner.contacts)
            .iter()
            .find(|c| c.account == record.from)
            .map(|c| c.nick.clone())
            .filter(|nick| !nick.is_empty())
            .unwrap_or_else(|| record.from.to_string())
    }

    /// Counts the calls missed since the account's history mark (while the app was closed, signed
    /// out or offline) and tells the user in one notification. A failure only logs: the live
    /// records still count, and the next sign-in reads the history again.
    async fn catch_up_missed(self) {
        if let Err(error) = self.try_catch_up_missed().await {
            tracing::warn!(%error, "missed calls not read from the history");
        }
    }

    async fn try_catch_up_missed(&self) -> AppResult<()> {
        let (kit, me) = self.kit()?;
        let Some(key) = lock(&self.inner.seen_key).clone() else {
            return Ok(());
        };
        let Some(mark) = self.inner.history_seen.get(&key) else {
            // The account's first sign-in on this device: calls before now are not news (a new
            // install would otherwise announce every call ever missed).
            let page = kit.history(None, Some(1)).await?;
            let newest = missed_calls::newest_end(&page.records).unwrap_or(0);
            return self.inner.history_seen.advance(&key, newest);
        };
        let mut news = Vec::new();
        let mut before = None;
        for _ in 0..CATCH_UP_PAGES {
            let page = kit.history(before, Some(CATCH_UP_PAGE_SIZE)).await?;
            let scan = missed_calls::scan_page(&page.records, mark);
            news.extend(scan.news.into_iter().cloned());
            match page.next {
                Some(next) if !scan.reached_mark => before = Some(next),
                _ => break,
            }
        }
        let callers: Vec<String> = {
            let newly = lock(&self.inner.missed)
                .merge(&news, &me)
                .into_iter()
                .cloned()
                .collect::<Vec<_>>();
            newly
                .iter()
                .map(|record| self.caller_name(record))
                .collect()
        };
        if let Some((title, body)) = missed_text::summary(&callers, self.locale()) {
            self.inner.ui.notify(title, &body);
        }
        self.inner.publisher.nudge();
        Ok(())
    }

    /// Re-derives the page's state and waits until it was delivered (see [`Publisher`]).
    async fn refresh(&self) {
        self.inner.publisher.refresh().await;
    }
}

impl Inner {
    /// What the page's state is derived from, read now.
    fn inputs(&self) -> Inputs {
        let sdk = lock(&self.kit).as_ref().map(|(kit, _)| SdkSnapshot {
            status: kit.call_status(),
            current: kit.current_call(),
            invites: kit.invites(),
            connected: kit.session().is_some(),
        });
        let call_devices = sdk
            .as_ref()
            .and_then(|sdk| sdk.current.as_ref())
            .map(|call| lock(&self.call_devices).of(call.call_id.as_str()))
            .unwrap_or_default();
        let call_sharing = sdk
            .as_ref()
            .and_then(|sdk| sdk.current.as_ref())
            .map(|call| lock(&self.sharing).of(call.call_id.as_str()))
            .unwrap_or_default();
        Inputs {
            sdk,
            signed_in: lock(&self.signed_in).clone(),
            contacts: lock(&self.contacts).clone(),
            missed_calls: lock(&self.missed).count(),
            call_devices,
            call_sharing,
            preview: self.preview.devices(),
        }
    }
}

/// The publishing task: derives from `inner` (signed out once it is gone) and delivers each new
/// state to the windows, showing or hiding the popup when an invite comes or goes.
fn start_publisher(inner: std::sync::Weak<Inner>, ui: Arc<dyn Ui>) -> Publisher {
    let mut deriver = Deriver::default();
    Publisher::start(
        move || match inner.upgrade() {
            Some(inner) => deriver.derive(&inner.inputs()),
            None => AppState::signed_out(),
        },
        move |previous, state| {
            if previous.invite.is_some() != state.invite.is_some() {
                ui.show_popup(state.invite.is_some());
            }
            ui.status_changed(state);
            match serde_json::to_value(state) {
                Ok(payload) => ui.emit("app-state", payload),
                Err(error) => tracing::warn!(%error, "state not serializable"),
            }
        },
    )
}

fn nick_or_account(invite: &Invite) -> String {
    if invite.caller.nick.is_empty() {
        invite.caller.account.to_string()
    } else {
        invite.caller.nick.clone()
    }
}

fn type_zh(call_type: CallType) -> &'static str {
    match call_type {
        CallType::Audio => "语音",
        CallType::Video => "视频",
    }
}

fn type_en(call_type: CallType) -> &'static str {
    match call_type {
        CallType::Audio => "audio",
        CallType::Video => "video",
    }
}
