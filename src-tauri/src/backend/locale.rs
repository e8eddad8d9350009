//! The page's language: the user's choice, else the OS locale (Chinese for any `zh*`).

use crate::store::settings::LocaleChoice;

/// `zh` or `en`.
pub fn resolve(choice: LocaleChoice, os_locale: Option<&str>) -> &'static str {
    match choice {
        LocaleChoice::Zh => "zh",
        LocaleChoice::En => "en",
        LocaleChoice::Auto => match os_locale {
            Some(tag) if tag.to_ascii_lowercase().starts_with("zh") => "zh",
            _ => "en",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_follows_the_os_and_a_choice_wins() {
        assert_eq!(resolve(LocaleChoice::Auto, Some("zh-CN")), "zh");
        assert_eq!(resolve(LocaleChoice::Auto, Some("de-DE")), "en");
        assert_eq!(resolve(LocaleChoice::Auto, None), "en");
        assert_eq!(resolve(LocaleChoice::En, Some("zh-TW")), "en");
    }
}
