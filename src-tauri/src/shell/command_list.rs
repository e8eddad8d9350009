//! The one list of the page's commands (docs/app-interface.md, Commands): each command's name,
//! its arguments (a struct of [`super::command_args`]; none when left out) and what it returns
//! on success. The Tauri handler (`shell::run`) and the page's generated `CommandArgs` and
//! `CommandResults` (src-tauri/src/backend/contract.rs) both expand from it, so neither can name
//! a command the other lacks. Each command is the function of that name in
//! [`super::commands`], taking `Payload<Args>` and returning the result type. The build script
//! (build.rs) reads it too: each command gets a Tauri permission (`allow-<name>`), and a window
//! may call only the commands its capability (capabilities/*.json) allows.

/// Calls the macro `$then` with every command, as `name(Args) -> Result;` or `name -> Result;`.
macro_rules! with_commands {
    ($then:ident) => {
        $then! {
            bootstrap -> crate::backend::Bootstrap;
            sign_in(crate::shell::command_args::SignInArgs) -> crate::backend::state::SignedIn;
            server_info(crate::shell::command_args::ServerInfoArgs)
                -> crate::backend::accounts::ServerInfo;
            sign_in_password(crate::shell::command_args::SignInPasswordArgs)
                -> crate::backend::state::SignedIn;
            create_account(crate::shell::command_args::CreateAccountArgs)
                -> crate::backend::state::SignedIn;
            import_ca(crate::shell::command_args::ImportCaArgs) -> String;
            sign_out -> ();
            contacts -> Vec<crate::backend::state::ContactView>;
            search(crate::shell::command_args::SearchArgs)
                -> Vec<crate::shell::commands::SearchHit>;
            add_contact(crate::shell::command_args::ContactArgs) -> ();
            accept_contact(crate::shell::command_args::ContactArgs) -> ();
            ignore_contact(crate::shell::command_args::ContactArgs) -> ();
            remove_contact(crate::shell::command_args::ContactArgs) -> ();
            block_contact(crate::shell::command_args::ContactArgs) -> ();
            unblock_contact(crate::shell::command_args::ContactArgs) -> ();
            call(crate::shell::command_args::CallArgs) -> crate::shell::commands::Placed;
            accept(crate::shell::command_args::AcceptArgs) -> ();
            reject -> ();
            end_and_answer(crate::shell::command_args::WaitingArgs) -> ();
            decline_waiting(crate::shell::command_args::WaitingArgs) -> ();
            cancel -> ();
            hangup -> ();
            set_muted(crate::shell::command_args::SetMutedArgs) -> ();
            set_camera(crate::shell::command_args::SetCameraArgs) -> ();
            select_device(crate::shell::command_args::SelectDeviceArgs) -> ();
            switch_call_type(crate::shell::command_args::SwitchCallTypeArgs) -> ();
            answer_switch(crate::shell::command_args::AnswerSwitchArgs) -> ();
            share_targets -> Vec<crate::shell::commands::ShareTarget>;
            share_thumbnail(crate::shell::command_args::ShareThumbnailArgs)
                -> crate::media::share_thumbnail::Thumbnail;
            start_screen_share(crate::shell::command_args::StartScreenShareArgs) -> ();
            stop_screen_share -> ();
            history -> Vec<crate::backend::records::HistoryRecord>;
            get_settings -> crate::store::settings::Settings;
            set_settings(crate::shell::command_args::SetSettingsArgs)
                -> crate::store::settings::Settings;
            devices -> crate::media::devices::Devices;
            set_preview(crate::shell::command_args::SetPreviewArgs) -> ();
            dismiss_call_link -> ();
            copy_diagnostics -> ();
        }
    };
}

pub(crate) use with_commands;

/// The Tauri handler for every command of the list.
macro_rules! handler {
    ($($name:ident $(($args:ty))? -> $result:ty;)*) => {
        tauri::generate_handler![$(crate::shell::commands::$name),*]
    };
}

pub(crate) use handler;
