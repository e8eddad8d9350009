//! The desktop notifications about missed calls, in the page's language: one for a call missed
//! while the app ran, one summary for those missed while it was closed or offline.

/// Title and body of the notification for a call `caller` (nickname or account) just missed.
pub fn live(caller: &str, locale: &str) -> (&'static str, String) {
    if locale == "zh" {
        ("未接来电", format!("{caller} 给你打过电话"))
    } else {
        ("Missed call", format!("{caller} called you"))
    }
}

/// Title and body summarising the calls missed while away, one caller name per call; `None` when
/// there were none.
pub fn summary(callers: &[String], locale: &str) -> Option<(&'static str, String)> {
    let zh = locale == "zh";
    Some(match (callers, zh) {
        ([], _) => return None,
        ([caller], false) => ("Missed call", format!("Missed call from {caller}")),
        ([caller], true) => ("未接来电", format!("{caller} 的未接来电")),
        (all, false) => ("Missed calls", format!("{} missed calls", all.len())),
        (all, true) => ("未接来电", format!("{} 个未接来电", all.len())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_call_names_the_caller_more_are_counted() {
        let bob = vec!["Bob".to_owned()];
        let three = vec!["Bob".to_owned(), "Bob".to_owned(), "carol".to_owned()];
        assert_eq!(summary(&[], "en"), None);
        assert_eq!(
            summary(&bob, "en"),
            Some(("Missed call", "Missed call from Bob".into()))
        );
        assert_eq!(
            summary(&three, "en"),
            Some(("Missed calls", "3 missed calls".into()))
        );
        assert_eq!(
            summary(&bob, "zh"),
            Some(("未接来电", "Bob 的未接来电".into()))
        );
        assert_eq!(
            summary(&three, "zh"),
            Some(("未接来电", "3 个未接来电".into()))
        );
        assert_eq!(live("Bob", "en"), ("Missed call", "Bob called you".into()));
        assert_eq!(live("Bob", "zh"), ("未接来电", "Bob 给你打过电话".into()));
    }
}
