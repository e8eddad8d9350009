//! The page's commands (docs/app-interface.md): each forwards to the [`Backend`]. Their names,
//! arguments and results are listed once in [`super::command_list`].

use crate::backend::accounts::ServerInfo;
use crate::backend::records::HistoryRecord;
use crate::backend::sign_in_form::SignInForm;
use crate::backend::state::{ContactView, SignedIn};
use crate::backend::{Backend, Bootstrap, ContactAction};
use crate::error::{AppError, AppResult};
use crate::media::devices::Devices;
use crate::shell::command_args::{
    AcceptArgs, AnswerSwitchArgs, CallArgs, ContactArgs, CreateAccountArgs, ImportCaArgs, Payload,
    SearchArgs, SelectDeviceArgs, ServerInfoArgs, SetCameraArgs, SetMutedArgs, SetPreviewArgs,
    SetSettingsArgs, ShareThumbnailArgs, SignInArgs, SignInPasswordArgs, StartScreenShareArgs,
    SwitchCallTypeArgs, WaitingArgs,
};
use crate::store::settings::Settings;
use duet_callkit::{CallType, UserSummary};
use serde::Serialize;
use tauri::{AppHandle, State};
use tauri_plugin_clipboard_manager::ClipboardExt;

fn call_type(number: u8) -> AppResult<CallType> {
    CallType::try_from(number)
        .map_err(|_| AppError::Invalid(format!("callType {number} is not 1 (audio) or 2 (video)")))
}

#[tauri::command]
pub async fn bootstrap(backend: State<'_, Backend>) -> AppResult<Bootstrap> {
    Ok(backend.bootstrap().await)
}

#[tauri::command]
pub async fn sign_in(
    backend: State<'_, Backend>,
    args: Payload<SignInArgs>,
) -> AppResult<SignedIn> {
    let Payload(args) = args;
    let form = SignInForm::new(
        &args.server,
        &args.app_key,
        &args.account,
        &args.token,
        args.tls_ca_file.as_deref(),
        args.insecure,
    );
    backend.sign_in(&form).await
}

/// What the server at the written address allows (docs/app-interface.md, `server_info`).
#[tauri::command]
pub async fn server_info(
    backend: State<'_, Backend>,
    args: Payload<ServerInfoArgs>,
) -> AppResult<ServerInfo> {
    backend.server_info(&args.0.form).await
}

/// Signs in with a password (docs/app-interface.md, `sign_in_password`).
#[tauri::command]
pub async fn sign_in_password(
    backend: State<'_, Backend>,
    args: Payload<SignInPasswordArgs>,
) -> AppResult<SignedIn> {
    backend.sign_in_with_password(&args.0.form).await
}

/// Creates an account, then signs in (docs/app-interface.md, `create_account`).
#[tauri::command]
pub async fn create_account(
    backend: State<'_, Backend>,
    args: Payload<CreateAccountArgs>,
) -> AppResult<SignedIn> {
    backend.create_account(&args.0.form).await
}

#[tauri::command]
pub fn import_ca(backend: State<'_, Backend>, args: Payload<ImportCaArgs>) -> AppResult<String> {
    let path = backend.import_ca(&args.0.file_name, &args.0.pem)?;
    // The page passes the path back as a string; the app's config directory is UTF-8 in practice.
    path.into_os_string()
        .into_string()
        .map_err(|path| AppError::Invalid(format!("{} is not UTF-8", path.to_string_lossy())))
}

#[tauri::command]
pub async fn sign_out(backend: State<'_, Backend>) -> AppResult<()> {
    backend.sign_out().await
}

#[tauri::command]
pub async fn contacts(backend: State<'_, Backend>) -> AppResult<Vec<ContactView>> {
    let contacts = backend.contacts().await?;
    Ok(contacts.iter().map(ContactView::from).collect())
}

/// An account a directory search found.
#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SearchHit {
    /// The account.
    account: String,
    /// Its nickname.
    nick: String,
}

impl From<UserSummary> for SearchHit {
    fn from(user: UserSummary) -> Self {
        Self {
            account: user.account.to_string(),
            nick: user.nick,
        }
    }
}

#[tauri::command]
pub async fn search(
    backend: State<'_, Backend>,
    args: Payload<SearchArgs>,
) -> AppResult<Vec<SearchHit>> {
    let found = backend.search(&args.0.query).await?;
    Ok(found.into_iter().map(SearchHit::from).collect())
}

/// The contact commands: one action toward one account each.
macro_rules! contact_commands {
    ($($name:ident => $action:ident;)*) => {$(
        #[tauri::command]
        pub async fn $name(
            backend: State<'_, Backend>,
            args: Payload<ContactArgs>,
        ) -> AppResult<()> {
            backend.contact_action(ContactAction::$action, &args.0.account).await
        }
    )*};
}

contact_commands! {
    add_contact => Add;
    accept_contact => Accept;
    ignore_contact => Ignore;
    remove_contact => Remove;
    block_contact => Block;
    unblock_contact => Unblock;
}

/// The call `call` placed.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Placed {
    /// Its id.
    call_id: String,
}

#[tauri::command]
pub async fn call(backend: State<'_, Backend>, args: Payload<CallArgs>) -> AppResult<Placed> {
    let Payload(args) = args;
    let call_id = backend
        .call(&args.account, self::call_type(args.call_type)?)
        .await?;
    Ok(Placed { call_id })
}

#[tauri::command]
pub async fn accept(
    app: AppHandle,
    backend: State<'_, Backend>,
    args: Payload<AcceptArgs>,
) -> AppResult<()> {
    backend.accept(self::call_type(args.0.call_type)?).await?;
    // Answering from the popup brings the call screen forward.
    crate::shell::show_main(&app);
    Ok(())
}

#[tauri::command]
pub async fn reject(backend: State<'_, Backend>) -> AppResult<()> {
    backend.reject().await
}

#[tauri::command]
pub async fn end_and_answer(
    backend: State<'_, Backend>,
    args: Payload<WaitingArgs>,
) -> AppResult<()> {
    backend.end_and_answer(&args.0.call_id).await
}

#[tauri::command]
pub async fn decline_waiting(
    backend: State<'_, Backend>,
    args: Payload<WaitingArgs>,
) -> AppResult<()> {
    backend.decline_waiting(&args.0.call_id).await
}

#[tauri::command]
pub async fn cancel(backend: State<'_, Backend>) -> AppResult<()> {
    backend.cancel().await
}

#[tauri::command]
pub async fn hangup(backend: State<'_, Backend>) -> AppResult<()> {
    backend.hangup().await
}

#[tauri::command]
pub async fn set_muted(backend: State<'_, Backend>, args: Payload<SetMutedArgs>) -> AppResult<()> {
    backend.set_muted(args.0.muted).await
}

#[tauri::command]
pub async fn set_camera(
    backend: State<'_, Backend>,
    args: Payload<SetCameraArgs>,
) -> AppResult<()> {
    backend.set_camera(args.0.enabled).await
}

#[tauri::command]
pub async fn select_device(
    backend: State<'_, Backend>,
    args: Payload<SelectDeviceArgs>,
) -> AppResult<()> {
    backend.select_device(args.0.kind, &args.0.id).await
}

#[tauri::command]
pub async fn switch_call_type(
    backend: State<'_, Backend>,
    args: Payload<SwitchCallTypeArgs>,
) -> AppResult<()> {
    backend
        .switch_call_type(self::call_type(args.0.call_type)?)
        .await
}

#[tauri::command]
pub async fn answer_switch(
    backend: State<'_, Backend>,
    args: Payload<AnswerSwitchArgs>,
) -> AppResult<()> {
    backend.answer_switch(args.0.accept).await
}

/// A screen or window the user may share (docs/app-interface.md, Screen sharing).
#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ShareTarget {
    /// What `share_thumbnail` and `start_screen_share` take.
    id: String,
    /// `screen`, `window`, or `portal` (Wayland: the desktop's own dialog picks either).
    #[cfg_attr(test, ts(type = "\"screen\" | \"window\" | \"portal\""))]
    kind: String,
    /// The window's title (the page names a screen itself).
    title: String,
    /// Its size in pixels now.
    width: u32,
    /// Its height in pixels now.
    height: u32,
}

#[tauri::command]
pub fn share_targets(backend: State<'_, Backend>) -> AppResult<Vec<ShareTarget>> {
    let targets = backend.share_targets()?;
    Ok(targets
        .into_iter()
        .map(|t| ShareTarget {
            id: t.id,
            kind: t.kind,
            title: t.title,
            width: t.width,
            height: t.height,
        })
        .collect())
}

/// One grab of the target, off the async threads: an X round trip and a scale-down.
#[tauri::command]
pub async fn share_thumbnail(
    args: Payload<ShareThumbnailArgs>,
) -> AppResult<crate::media::share_thumbnail::Thumbnail> {
    let Payload(args) = args;
    tauri::async_runtime::spawn_blocking(move || {
        crate::media::share_thumbnail::thumbnail(&args.id, args.max_width, args.max_height)
    })
    .await
    .map_err(|e| AppError::Media(format!("thumbnail task: {e}")))?
}

#[tauri::command]
pub async fn start_screen_share(
    backend: State<'_, Backend>,
    args: Payload<StartScreenShareArgs>,
) -> AppResult<()> {
    backend.start_screen_share(&args.0.target).await
}

#[tauri::command]
pub async fn stop_screen_share(backend: State<'_, Backend>) -> AppResult<()> {
    backend.stop_screen_share().await
}

#[tauri::command]
pub async fn history(backend: State<'_, Backend>) -> AppResult<Vec<HistoryRecord>> {
    backend.history().await
}

#[tauri::command]
pub fn get_settings(backend: State<'_, Backend>) -> Settings {
    backend.settings()
}

#[tauri::command]
pub fn set_settings(
    backend: State<'_, Backend>,
    args: Payload<SetSettingsArgs>,
) -> AppResult<Settings> {
    backend.set_settings(args.0.settings)
}

#[tauri::command]
pub async fn devices(backend: State<'_, Backend>) -> AppResult<Devices> {
    backend.devices().await
}

/// The user answered a `duet://call` link's confirm panel (docs/app-interface.md, Links).
#[tauri::command]
pub fn dismiss_call_link(backend: State<'_, Backend>) {
    backend.dismiss_call_link();
}

#[tauri::command]
pub fn set_preview(backend: State<'_, Backend>, args: Payload<SetPreviewArgs>) -> AppResult<()> {
    backend.set_preview(args.0.on)
}

/// "Copy diagnostics" (docs/app-interface.md): puts the report on the clipboard from here, so
/// the page needs no clipboard permission and never holds the text.
#[tauri::command]
pub async fn copy_diagnostics(app: AppHandle, backend: State<'_, Backend>) -> AppResult<()> {
    let report = backend.diagnostics().await;
    app.clipboard()
        .write_text(report)
        .map_err(|e| AppError::Desktop(format!("clipboard: {e}")))
}
