//! The page's commands (docs/app-interface.md): each forwards to the [`Backend`].

use crate::backend::accounts::{AccountSignUp, PasswordSignIn, ServerChoice, ServerInfo};
use crate::backend::records::HistoryRecord;
use crate::backend::sign_in_form::SignInForm;
use crate::backend::state::SignedIn;
use crate::backend::{Backend, Bootstrap};
use crate::error::{AppError, AppResult};
use crate::media::devices::Devices;
use crate::store::settings::Settings;
use duet_callkit::{CallType, Contact, UserSummary};
use serde::Serialize;
use tauri::{AppHandle, State};

fn call_type(number: u8) -> AppResult<CallType> {
    CallType::try_from(number)
        .map_err(|_| AppError::Invalid(format!("callType {number} is not 1 (audio) or 2 (video)")))
}

#[tauri::command]
pub async fn bootstrap(backend: State<'_, Backend>) -> AppResult<Bootstrap> {
    Ok(backend.bootstrap().await)
}

// `tls_ca_file` and `insecure` may be left out (a page from before them): no CA, not allowed.
#[tauri::command]
pub async fn sign_in(
    backend: State<'_, Backend>,
    server: String,
    app_key: String,
    account: String,
    token: String,
    tls_ca_file: Option<String>,
    insecure: Option<bool>,
) -> AppResult<SignedIn> {
    let form = SignInForm::new(
        &server,
        &app_key,
        &account,
        &token,
        tls_ca_file.as_deref(),
        insecure.unwrap_or(false),
    );
    backend.sign_in(&form).await
}

/// What the server at the written address allows (docs/app-interface.md, `server_info`).
#[tauri::command]
pub async fn server_info(backend: State<'_, Backend>, form: ServerChoice) -> AppResult<ServerInfo> {
    backend.server_info(&form).await
}

/// Signs in with a password (docs/app-interface.md, `sign_in_password`).
#[tauri::command]
pub async fn sign_in_password(
    backend: State<'_, Backend>,
    form: PasswordSignIn,
) -> AppResult<SignedIn> {
    backend.sign_in_with_password(&form).await
}

/// Creates an account, then signs in (docs/app-interface.md, `create_account`).
#[tauri::command]
pub async fn create_account(
    backend: State<'_, Backend>,
    form: AccountSignUp,
) -> AppResult<SignedIn> {
    backend.create_account(&form).await
}

#[tauri::command]
pub fn import_ca(backend: State<'_, Backend>, file_name: String, pem: String) -> AppResult<String> {
    let path = backend.import_ca(&file_name, &pem)?;
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
pub async fn contacts(backend: State<'_, Backend>) -> AppResult<Vec<Contact>> {
    backend.contacts().await
}

#[tauri::command]
pub async fn search(backend: State<'_, Backend>, query: String) -> AppResult<Vec<UserSummary>> {
    backend.search(&query).await
}

#[tauri::command]
pub async fn add_contact(backend: State<'_, Backend>, account: String) -> AppResult<()> {
    backend.add_contact(&account).await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Placed {
    call_id: String,
}

#[tauri::command]
pub async fn call(
    backend: State<'_, Backend>,
    account: String,
    call_type: u8,
) -> AppResult<Placed> {
    let call_id = backend.call(&account, self::call_type(call_type)?).await?;
    Ok(Placed { call_id })
}

#[tauri::command]
pub async fn accept(app: AppHandle, backend: State<'_, Backend>, call_type: u8) -> AppResult<()> {
    backend.accept(self::call_type(call_type)?).await?;
    // Answering from the popup brings the call screen forward.
    crate::shell::show_main(&app);
    Ok(())
}

#[tauri::command]
pub async fn reject(backend: State<'_, Backend>) -> AppResult<()> {
    backend.reject().await
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
pub async fn set_muted(backend: State<'_, Backend>, muted: bool) -> AppResult<()> {
    backend.set_muted(muted).await
}

#[tauri::command]
pub async fn set_camera(backend: State<'_, Backend>, enabled: bool) -> AppResult<()> {
    backend.set_camera(enabled).await
}

#[tauri::command]
pub async fn switch_call_type(backend: State<'_, Backend>, call_type: u8) -> AppResult<()> {
    backend.switch_call_type(self::call_type(call_type)?).await
}

#[tauri::command]
pub async fn answer_switch(backend: State<'_, Backend>, accept: bool) -> AppResult<()> {
    backend.answer_switch(accept).await
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
pub fn set_settings(backend: State<'_, Backend>, settings: Settings) -> AppResult<Settings> {
    backend.set_settings(settings)
}

#[tauri::command]
pub async fn devices(backend: State<'_, Backend>) -> AppResult<Devices> {
    backend.devices().await
}

#[tauri::command]
pub fn show_main(app: AppHandle) {
    crate::shell::show_main(&app);
}

#[tauri::command]
pub fn set_preview(backend: State<'_, Backend>, on: bool) -> AppResult<()> {
    backend.set_preview(on)
}
