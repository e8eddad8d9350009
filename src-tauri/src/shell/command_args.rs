//! Each command's arguments as one struct (docs/app-interface.md, Commands), from which the
//! page's `CommandArgs` is generated (src-tauri/src/backend/contract.rs), and [`Payload`], which
//! hands a command the whole invoke payload as that struct.

use crate::backend::accounts::{AccountSignUp, PasswordSignIn, ServerChoice};
use crate::store::settings::Settings;
use serde::Deserialize;
use tauri::ipc::{CommandArg, CommandItem, InvokeBody, InvokeError};
use tauri::Runtime;

/// A command's arguments read from the whole invoke payload. Tauri gives each parameter of a
/// command one key of the payload, so a struct parameter would need a key of its own
/// (`{ args: { … } }`); this keeps the page's flat `invoke(name, { account, callType })`.
#[derive(Debug)]
pub struct Payload<T>(pub T);

impl<'de, T: Deserialize<'de>, R: Runtime> CommandArg<'de, R> for Payload<T> {
    fn from_command(command: CommandItem<'de, R>) -> Result<Self, InvokeError> {
        match command.message.payload() {
            InvokeBody::Json(value) => T::deserialize(value)
                .map(Payload)
                .map_err(|e| tauri::Error::InvalidArgs(command.name, command.key, e).into()),
            InvokeBody::Raw(_) => Err(InvokeError::from(format!(
                "command {} takes JSON arguments, not bytes",
                command.name
            ))),
        }
    }
}

/// `sign_in`: the server and the account (docs/app-interface.md, Signing in).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SignInArgs {
    /// `wss://…` or `ws://…`; empty or `embedded` for the embedded server.
    pub server: String,
    /// The app the account belongs to.
    pub app_key: String,
    /// The account.
    pub account: String,
    /// Its login token.
    pub token: String,
    /// A path from `importCa` (or the remembered one), or null for the system's roots only.
    /// May be left out (a page from before it): no CA.
    pub tls_ca_file: Option<String>,
    /// The user allows plain `ws://` to a host off this machine. May be left out: not allowed.
    #[serde(default)]
    pub insecure: bool,
}

/// `server_info`: the server whose registration policy the sign-up form asks for.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ServerInfoArgs {
    /// The server as the user wrote it.
    pub form: ServerChoice,
}

/// `sign_in_password`: the server, the account and its password.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SignInPasswordArgs {
    /// The sign-in form.
    pub form: PasswordSignIn,
}

/// `create_account`: the server and the new account.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CreateAccountArgs {
    /// The sign-up form.
    pub form: AccountSignUp,
}

/// `import_ca`: a CA file the user chose.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ImportCaArgs {
    /// Its name.
    pub file_name: String,
    /// Its text.
    pub pem: String,
}

/// `search`: the directory query.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SearchArgs {
    /// Part of an account or nickname.
    pub query: String,
}

/// `add_contact`, `accept_contact`, `ignore_contact`, `remove_contact`, `block_contact`,
/// `unblock_contact`: whom.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ContactArgs {
    /// The other account.
    pub account: String,
}

/// `call`: whom, and how.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CallArgs {
    /// The account to call.
    pub account: String,
    /// 1 audio, 2 video.
    #[cfg_attr(test, ts(type = "CallType"))]
    pub call_type: u8,
}

/// `accept`: answer the ringing invite as audio or video.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AcceptArgs {
    /// 1 audio, 2 video.
    #[cfg_attr(test, ts(type = "CallType"))]
    pub call_type: u8,
}

/// `end_and_answer` and `decline_waiting`: the waiting call (`AppState.waiting.callId`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct WaitingArgs {
    /// The call that rings during this user's call.
    pub call_id: String,
}

/// `set_muted`: the microphone off (true) or on.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SetMutedArgs {
    /// Off.
    pub muted: bool,
}

/// `set_camera`: the camera on (true) or off.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SetCameraArgs {
    /// On.
    pub enabled: bool,
}

/// `select_device`: use this camera or microphone from now on (live in a call).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SelectDeviceArgs {
    /// `camera` or `microphone`.
    pub kind: crate::backend::device_choice::PickableKind,
    /// The device's id as `devices` lists it.
    pub id: String,
}

/// `switch_call_type`: ask the peer to switch the call to this type.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SwitchCallTypeArgs {
    /// 1 audio, 2 video.
    #[cfg_attr(test, ts(type = "CallType"))]
    pub call_type: u8,
}

/// `answer_switch`: the answer to the peer's switch request.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AnswerSwitchArgs {
    /// Switch (true) or stay.
    pub accept: bool,
}

/// `set_settings`: the settings to save and apply.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SetSettingsArgs {
    /// All of them.
    pub settings: Settings,
}

/// `set_preview`: the settings screen's camera preview and microphone meter on or off.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SetPreviewArgs {
    /// On.
    pub on: bool,
}

/// `share_thumbnail`: a picture of one share target for the picker.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ShareThumbnailArgs {
    /// A `ShareTarget.id` from `share_targets`.
    pub id: String,
    /// The largest width and height the page shows it at (1..=640 each, device pixels).
    pub max_width: u32,
    /// See `max_width`.
    pub max_height: u32,
}

/// `start_screen_share`: what to share.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct StartScreenShareArgs {
    /// A `ShareTarget.id` from `share_targets`.
    pub target: String,
}
