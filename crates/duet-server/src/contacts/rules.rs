//! What each contact action does to a pair of accounts, and what each side then sees: pure
//! functions of the two stored directions and the app's policy, so every case is unit-tested.

use crate::store::{Link, LinkPair};
use duet_protocol::{ContactPolicy, ContactState};

/// A contact action, taken by the pair's `own` side toward the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Add,
    Accept,
    Ignore,
    Remove,
    Block,
    Unblock,
}

/// Why an action was refused; nothing changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// `add` of an account this one blocks: unblock it first.
    YouBlockThem,
    /// `accept` without a request from the other.
    NoRequest,
}

/// An entry of the listing side's contact list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct View {
    pub state: ContactState,
    /// Whether the listing side sees the other's presence.
    pub presence: bool,
}

const fn view(state: ContactState, presence: bool) -> Option<View> {
    Some(View { state, presence })
}

/// The entry the `own` side sees for the other, if any. A blocked account sees what it would
/// see if the blocker had ignored it: its own request pending, the blocker offline.
pub(crate) fn view_of(pair: LinkPair, policy: ContactPolicy) -> Option<View> {
    let open = policy == ContactPolicy::Open;
    match (pair.own, pair.theirs) {
        (Some(Link::Blocked), _) => view(ContactState::Blocked, false),
        (own, Some(Link::Blocked)) => match own {
            Some(Link::Accepted) if open => view(ContactState::Accepted, false),
            Some(_) => view(ContactState::Outgoing, false),
            None => None,
        },
        (Some(Link::Accepted), theirs) if open || theirs == Some(Link::Accepted) => {
            view(ContactState::Accepted, true)
        }
        (Some(_), _) => view(ContactState::Outgoing, false),
        (None, Some(Link::Requested)) => view(ContactState::Incoming, false),
        (None, Some(Link::Accepted)) if !open => view(ContactState::Incoming, false),
        (None, _) => None,
    }
}

/// The pair after `action`, or why it is refused.
pub(crate) fn apply(
    action: Action,
    pair: LinkPair,
    policy: ContactPolicy,
) -> Result<LinkPair, Refusal> {
    use Link::*;
    let open = policy == ContactPolicy::Open;
    let LinkPair { own, theirs } = pair;
    let asked_by_them = matches!(theirs, Some(Requested | Ignored | Accepted));
    let next = match action {
        Action::Add => match (own, theirs) {
            (Some(Blocked), _) => return Err(Refusal::YouBlockThem),
            // Accepted silently, never delivered: the blocker's side does not change.
            (None, Some(Blocked)) => LinkPair {
                own: Some(if open { Accepted } else { Ignored }),
                theirs,
            },
            (_, Some(Blocked)) => pair,
            _ if open => LinkPair {
                own: Some(Accepted),
                theirs: match theirs {
                    Some(Requested | Ignored) => Some(Accepted),
                    other => other,
                },
            },
            _ if asked_by_them => accepted_both(),
            (Some(_), _) => pair,
            (None, _) => LinkPair {
                own: Some(Requested),
                theirs,
            },
        },
        Action::Accept => match own {
            Some(Blocked) => return Err(Refusal::NoRequest),
            _ if asked_by_them => accepted_both(),
            _ => return Err(Refusal::NoRequest),
        },
        Action::Ignore => LinkPair {
            own,
            theirs: match theirs {
                Some(Requested) => Some(Ignored),
                Some(Accepted) if !open && own != Some(Accepted) => Some(Ignored),
                other => other,
            },
        },
        Action::Remove => LinkPair {
            own: match own {
                Some(Blocked) => Some(Blocked),
                _ => None,
            },
            theirs: declined(own, theirs, open),
        },
        Action::Block => LinkPair {
            own: Some(Blocked),
            theirs: declined(own, theirs, open),
        },
        Action::Unblock => LinkPair {
            own: match own {
                Some(Blocked) => None,
                other => other,
            },
            theirs,
        },
    };
    Ok(next)
}

fn accepted_both() -> LinkPair {
    LinkPair {
        own: Some(Link::Accepted),
        theirs: Some(Link::Accepted),
    }
}

/// The other side's link once this side ended the relationship: a contact ends (under `mutual`,
/// where a contact is shared), a pending request is dropped as if ignored, so its sender is not
/// told; under `open` the other's one-way contact is its own business.
fn declined(own: Option<Link>, theirs: Option<Link>, open: bool) -> Option<Link> {
    use Link::*;
    match theirs {
        Some(Requested) => Some(Ignored),
        Some(Accepted) if open => Some(Accepted),
        Some(Accepted) if own == Some(Accepted) => None,
        Some(Accepted) => Some(Ignored),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ContactPolicy::{Mutual, Open};
    use ContactState as S;

    fn pair(own: Option<Link>, theirs: Option<Link>) -> LinkPair {
        LinkPair { own, theirs }
    }

    fn state(pair: LinkPair, policy: ContactPolicy) -> Option<(ContactState, bool)> {
        view_of(pair, policy).map(|v| (v.state, v.presence))
    }

    /// Runs `actions` from nothing, each by the named side (true: the first account).
    fn run(policy: ContactPolicy, actions: &[(bool, Action)]) -> LinkPair {
        let mut links = LinkPair::default();
        for (by_first, action) in actions {
            links = if *by_first {
                apply(*action, links, policy).unwrap()
            } else {
                apply(*action, links.flipped(), policy).unwrap().flipped()
            };
        }
        links
    }

    #[test]
    fn a_request_is_pending_until_the_other_side_adds_or_accepts() {
        let asked = run(Mutual, &[(true, Action::Add)]);
        assert_eq!(state(asked, Mutual), Some((S::Outgoing, false)));
        assert_eq!(state(asked.flipped(), Mutual), Some((S::Incoming, false)));
        for answer in [Action::Accept, Action::Add] {
            let both = run(Mutual, &[(true, Action::Add), (false, answer)]);
            assert_eq!(state(both, Mutual), Some((S::Accepted, true)));
            assert_eq!(state(both.flipped(), Mutual), Some((S::Accepted, true)));
        }
    }

    #[test]
    fn an_ignored_request_stays_pending_for_its_sender_and_gone_for_the_other() {
        let ignored = run(Mutual, &[(true, Action::Add), (false, Action::Ignore)]);
        assert_eq!(state(ignored, Mutual), Some((S::Outgoing, false)));
        assert_eq!(state(ignored.flipped(), Mutual), None);
        let repeated = run(
            Mutual,
            &[
                (true, Action::Add),
                (false, Action::Ignore),
                (true, Action::Add),
            ],
        );
        assert_eq!(repeated, ignored, "a repeat does not arrive again");
        let changed_mind = run(
            Mutual,
            &[
                (true, Action::Add),
                (false, Action::Ignore),
                (false, Action::Add),
            ],
        );
        assert_eq!(state(changed_mind, Mutual), Some((S::Accepted, true)));
    }

    #[test]
    fn accepting_needs_a_request() {
        assert_eq!(
            apply(Action::Accept, LinkPair::default(), Mutual),
            Err(Refusal::NoRequest)
        );
        let asked_them = run(Mutual, &[(true, Action::Add)]);
        assert_eq!(
            apply(Action::Accept, asked_them, Mutual),
            Err(Refusal::NoRequest)
        );
    }

    #[test]
    fn removing_ends_a_contact_on_both_sides_and_withdraws_a_request() {
        let removed = run(
            Mutual,
            &[
                (true, Action::Add),
                (false, Action::Accept),
                (false, Action::Remove),
            ],
        );
        assert_eq!(removed, LinkPair::default());
        let withdrawn = run(Mutual, &[(true, Action::Add), (true, Action::Remove)]);
        assert_eq!(withdrawn, LinkPair::default());
        let declined = run(Mutual, &[(true, Action::Add), (false, Action::Remove)]);
        assert_eq!(state(declined, Mutual), Some((S::Outgoing, false)));
        assert_eq!(state(declined.flipped(), Mutual), None);
    }

    #[test]
    fn blocking_ends_everything_and_the_blocked_side_cannot_tell_it_from_an_ignore() {
        let contacts = [(true, Action::Add), (false, Action::Accept)];
        let blocked = run(Mutual, &[contacts[0], contacts[1], (true, Action::Block)]);
        assert_eq!(state(blocked, Mutual), Some((S::Blocked, false)));
        assert_eq!(state(blocked.flipped(), Mutual), None, "as after a removal");

        let asked_then_blocked = run(Mutual, &[(false, Action::Add), (true, Action::Block)]);
        assert_eq!(
            state(asked_then_blocked.flipped(), Mutual),
            Some((S::Outgoing, false))
        );
        let added_while_blocked = run(Mutual, &[(true, Action::Block), (false, Action::Add)]);
        assert_eq!(
            state(added_while_blocked.flipped(), Mutual),
            Some((S::Outgoing, false))
        );
        assert_eq!(
            state(added_while_blocked, Mutual),
            Some((S::Blocked, false))
        );
        assert_eq!(
            apply(Action::Add, added_while_blocked, Mutual),
            Err(Refusal::YouBlockThem)
        );

        let unblocked = run(
            Mutual,
            &[
                contacts[0],
                contacts[1],
                (true, Action::Block),
                (false, Action::Add),
                (true, Action::Unblock),
            ],
        );
        assert_eq!(
            state(unblocked, Mutual),
            None,
            "unblocking restores nothing"
        );
        assert_eq!(
            state(unblocked.flipped(), Mutual),
            Some((S::Outgoing, false))
        );
    }

    #[test]
    fn the_open_policy_adds_one_way_at_once() {
        let added = run(Open, &[(true, Action::Add)]);
        assert_eq!(state(added, Open), Some((S::Accepted, true)));
        assert_eq!(state(added.flipped(), Open), None);
        let removed = run(
            Open,
            &[
                (true, Action::Add),
                (false, Action::Add),
                (true, Action::Remove),
            ],
        );
        assert_eq!(state(removed.flipped(), Open), Some((S::Accepted, true)));
        let blocked = run(Open, &[(true, Action::Block), (false, Action::Add)]);
        assert_eq!(
            state(blocked.flipped(), Open),
            Some((S::Accepted, false)),
            "the blocker shows offline"
        );
    }

    #[test]
    fn one_way_contacts_from_before_requests_show_as_requests_under_mutual() {
        let one_way = pair(Some(Link::Accepted), None);
        assert_eq!(state(one_way, Mutual), Some((S::Outgoing, false)));
        assert_eq!(state(one_way.flipped(), Mutual), Some((S::Incoming, false)));
        assert_eq!(state(one_way, Open), Some((S::Accepted, true)));
        let accepted = apply(Action::Accept, one_way.flipped(), Mutual).unwrap();
        assert_eq!(state(accepted, Mutual), Some((S::Accepted, true)));
    }
}
