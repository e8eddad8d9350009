//! Start at login writes and removes the real XDG autostart entry. auto-launch finds the entry's
//! directory from `HOME` (`~/.config/autostart`), so this binary points `HOME` at a temporary
//! directory: it holds this one test, so no other test reads the variable while it changes.

#![cfg(target_os = "linux")]

use duet_app::backend::autostart::{Autostart, SystemAutostart, ENTRY_NAME};

#[test]
fn enabling_writes_the_autostart_entry_and_disabling_removes_it() {
    let home = tempfile::tempdir().unwrap();
    std::env::set_var("HOME", home.path());
    let entry = home
        .path()
        .join(".config/autostart")
        .join(format!("{ENTRY_NAME}.desktop"));
    let autostart = SystemAutostart::new("/opt/Duet Apps/duet");

    autostart.set(true).unwrap();
    let text = std::fs::read_to_string(&entry).unwrap();
    assert!(text.starts_with("[Desktop Entry]\n"), "{text}");
    assert!(text.contains("Type=Application\n"), "{text}");
    assert!(text.contains("Name=Duet\n"), "{text}");
    assert!(
        text.contains("Exec=\"/opt/Duet Apps/duet\""),
        "the path is one quoted argument: {text}"
    );

    autostart.set(true).unwrap();
    assert!(entry.exists(), "enabling twice keeps one entry");

    autostart.set(false).unwrap();
    assert!(!entry.exists());
    autostart
        .set(false)
        .expect("disabling when nothing is registered is not an error");
}
