//! The page's TypeScript contract (`ui/src/backend/contract.ts`), generated from the Rust types
//! the backend sends and receives. The test fails when the checked-in file is stale; run it with
//! `DUET_UPDATE_CONTRACT=1` to rewrite the file.

#[cfg(test)]
mod tests {
    use crate::backend::accounts::{AccountSignUp, PasswordSignIn, ServerChoice, ServerInfo};
    use crate::backend::deep_link::Problem;
    use crate::backend::device_choice::PickableKind;
    use crate::backend::device_state::{DeviceState, LocalDevices};
    use crate::backend::links::{BadLink, CallLink};
    use crate::backend::records::HistoryRecord;
    use crate::backend::state::{
        AppState, CallView, Connection, ContactView, InviteView, SignedIn, Status,
    };
    use crate::backend::stats::{MicLevel, PageStats};
    use crate::backend::transport::Transport;
    use crate::backend::{Bootstrap, JoinLink};
    use crate::frames::painter::VideoPainter;
    use crate::media::devices::{Device, Devices};
    use crate::shell::command_list::with_commands;
    use crate::shell::commands::{Placed, SearchHit, ShareTarget};
    use crate::store::credentials::LastSignIn;
    use crate::store::settings::{
        IcePolicyChoice, LocaleChoice, Settings, ThemeChoice, VideoResolution,
    };
    use ts_rs::TS;

    /// Types that come from other crates or from hand-written serializers, stated once here.
    const PREAMBLE: &str = r#"// Generated from the Rust types by `cargo test -p duet-app contract` (src-tauri/src/backend/contract.rs).
// Do not edit: change the Rust type, then run that test with DUET_UPDATE_CONTRACT=1.

/** 1 audio, 2 video (nertc-call's call types). */
export type CallType = 1 | 2;
/** A call record's status (nertc-call's): 1 completed, 2 canceled, 3 rejected, 4 unanswered, 5 busy. */
export type HistoryStatus = 1 | 2 | 3 | 4 | 5;
export type Presence = "online" | "in_call" | "offline";
/** A contact-list entry's state: a contact, a request this account sent, one it received, or a block. */
export type ContactState = "accepted" | "outgoing" | "incoming" | "blocked";
export type Locale = "zh" | "en";
export type Quality = "excellent" | "good" | "poor" | "bad" | "unknown";
/** The certificate problems the backend tells apart (`tls_untrusted`'s `reasonKind`). */
export type TlsReasonKind = "unknown_issuer" | "wrong_name" | "expired" | "not_yet_valid" | "revoked" | "other";
/**
 * A failed command rejects with this (src-tauri/src/error.rs). `insecure_server` adds `host`;
 * `tls_untrusted` adds `host`, `reason` (the SDK's English sentence) and `reasonKind`;
 * `server_refused` adds `serverCode`, the protocol's error code (`weak_password`, `bad_invite`, ...).
 */
export type CommandError = { code: ErrorCode; message: string; host?: string; reason?: string; reasonKind?: TlsReasonKind; serverCode?: string };
"#;

    /// What the command list (src-tauri/src/shell/command_list.rs) adds to the contract.
    struct Commands {
        /// The declarations of the argument structs.
        argument_types: Vec<String>,
        /// `CommandArgs` and `CommandResults`: each command's arguments and result by name.
        maps: String,
    }

    /// The TypeScript name of a command's arguments: `null` for none.
    macro_rules! arguments_name {
        () => {
            "null".to_owned()
        };
        ($args:ty) => {
            <$args as TS>::name()
        };
    }

    /// Expands the command list into [`Commands`].
    macro_rules! command_maps {
        ($($name:ident $(($args:ty))? -> $result:ty;)*) => {{
            let mut argument_types = vec![$($(<$args as TS>::decl(),)?)*];
            // Several commands may share one argument struct: declare it once.
            let mut declared = std::collections::HashSet::new();
            argument_types.retain(|decl| declared.insert(decl.clone()));
            let arguments = [$((stringify!($name), arguments_name!($($args)?))),*];
            let results = [$((stringify!($name), <$result as TS>::name())),*];
            let maps = format!(
                "\n/** Each command's arguments, the object `invoke(name, args)` takes (null: none), from src-tauri/src/shell/command_list.rs. */\n\
                 export type CommandArgs = {{\n{}}};\n\
                 \n/** What each command resolves with. */\n\
                 export type CommandResults = {{\n{}}};\n",
                map_entries(&arguments),
                map_entries(&results),
            );
            Commands { argument_types, maps }
        }};
    }

    fn map_entries(entries: &[(&str, String)]) -> String {
        entries
            .iter()
            .map(|(name, ty)| format!("  {name}: {ty};\n"))
            .collect()
    }

    fn contract() -> String {
        let declarations = [
            AppState::decl(),
            Status::decl(),
            Connection::decl(),
            CallView::decl(),
            LocalDevices::decl(),
            DeviceState::decl(),
            PickableKind::decl(),
            InviteView::decl(),
            SignedIn::decl(),
            Transport::decl(),
            ContactView::decl(),
            Bootstrap::decl(),
            VideoPainter::decl(),
            JoinLink::decl(),
            CallLink::decl(),
            BadLink::decl(),
            Problem::decl(),
            ServerChoice::decl(),
            ServerInfo::decl(),
            PasswordSignIn::decl(),
            AccountSignUp::decl(),
            LastSignIn::decl(),
            Settings::decl(),
            VideoResolution::decl(),
            LocaleChoice::decl(),
            ThemeChoice::decl(),
            IcePolicyChoice::decl(),
            Devices::decl(),
            Device::decl(),
            Placed::decl(),
            SearchHit::decl(),
            ShareTarget::decl(),
            crate::media::share_thumbnail::Thumbnail::decl(),
            HistoryRecord::decl(),
            PageStats::decl(),
            MicLevel::decl(),
        ];
        let commands = with_commands!(command_maps);
        let mut text = PREAMBLE.to_owned();
        text.push_str(&frame_constants());
        text.push_str(&error_codes());
        for declaration in declarations.into_iter().chain(commands.argument_types) {
            text.push('\n');
            text.push_str("export ");
            text.push_str(declaration.trim());
            text.push('\n');
        }
        text.push_str(&commands.maps);
        text
    }

    /// Every code a failed command rejects with (src-tauri/src/error.rs): the page has a sentence
    /// in each language for each.
    fn error_codes() -> String {
        let codes = crate::error::ERROR_CODES;
        let quoted: Vec<String> = codes.iter().map(|c| format!("\"{c}\"")).collect();
        format!(
            "\n/** A failed command's `code` (src-tauri/src/error.rs, ERROR_CODES). */\n\
             export type ErrorCode = {};\n\
             export const ERROR_CODES: readonly ErrorCode[] = [{}];\n",
            quoted.join(" | "),
            quoted.join(", "),
        )
    }

    /// The frames socket's header constants (src-tauri/src/frames), defined once in Rust.
    fn frame_constants() -> String {
        use crate::frames::{Stream, FRAME_MAGIC, HEADER_BYTES};
        format!(
            "\n/** The frames socket's header (docs/app-interface.md, Frames): \"DUF1\" read as a little-endian u32. */\n\
             export const FRAME_MAGIC = 0x{FRAME_MAGIC:08x};\n\
             export const HEADER_BYTES = {HEADER_BYTES};\n\
             export const STREAM_REMOTE = {};\n\
             export const STREAM_LOCAL = {};\n\
             export const STREAM_LOCAL_RAW = {};\n\
             export const STREAM_REMOTE_SCREEN = {};\n",
            Stream::Remote as u8,
            Stream::LocalFiltered as u8,
            Stream::LocalRaw as u8,
            Stream::RemoteScreen as u8,
        )
    }

    #[test]
    fn the_pages_contract_is_generated_from_these_types() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/backend/contract.ts");
        let fresh = contract();
        if std::env::var_os("DUET_UPDATE_CONTRACT").is_some() {
            std::fs::write(&path, &fresh).expect("ui/src/backend is writable");
            return;
        }
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            checked_in == fresh,
            "{} is stale: run `DUET_UPDATE_CONTRACT=1 cargo test -p duet-app contract` and commit it",
            path.display()
        );
    }
}
