//! The status lifecycle: which moves are legal, and what a reply does to the status.

use crate::ticket::Status;

/// Whether a ticket may move from `from` to `to` (staying put is not a move).
pub fn can_move(from: Status, to: Status) -> bool {
    use Status::*;
    matches!(
        (from, to),
        (New | Open | Reopened, WaitingForRequester)
            | (New | WaitingForRequester | Reopened, Open)
            | (New | Open | WaitingForRequester | Reopened, Resolved)
            | (New | Open | WaitingForRequester | Reopened | Resolved, Closed)
            | (Resolved | Closed, Reopened)
    )
}

/// The statuses `from` may move to, for error messages and the console's status menu.
pub fn moves_from(from: Status) -> Vec<Status> {
    Status::ALL.into_iter().filter(|&to| can_move(from, to)).collect()
}

/// Who wrote a public message: it decides how the status follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    Requester,
    Agent,
}

/// A closed ticket takes no more messages: it must be reopened first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketIsClosed;

/// What a public message does to the status: `Ok(Some(new))` to move, `Ok(None)` to stay, `Err` when
/// the ticket takes no more messages. A requester answering brings a waiting ticket back to work
/// and reopens a resolved one; an agent's first answer opens a new or reopened ticket.
pub fn status_after_public_message(current: Status, author: Author) -> Result<Option<Status>, TicketIsClosed> {
    use Status::*;
    match (current, author) {
        (Closed, _) => Err(TicketIsClosed),
        (WaitingForRequester, Author::Requester) => Ok(Some(Open)),
        (Resolved, Author::Requester) => Ok(Some(Reopened)),
        (New | Reopened, Author::Agent) => Ok(Some(Open)),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn legal_moves() {
        assert!(can_move(New, Open));
        assert!(can_move(Open, WaitingForRequester));
        assert!(can_move(WaitingForRequester, Open));
        assert!(can_move(Open, Resolved));
        assert!(can_move(Resolved, Closed));
        assert!(can_move(Resolved, Reopened));
        assert!(can_move(Closed, Reopened));
        assert!(can_move(Reopened, Open));
    }

    #[test]
    fn illegal_moves_are_rejected() {
        for (from, to) in [
            (Closed, Open),
            (Closed, Resolved),
            (Resolved, Open),
            (Resolved, WaitingForRequester),
            (New, Reopened),
            (Open, Reopened),
            (Open, New),
            (Closed, New),
        ] {
            assert!(!can_move(from, to), "{from} -> {to} must be illegal");
        }
        for s in Status::ALL {
            assert!(!can_move(s, s), "staying at {s} is not a move");
            assert!(!can_move(s, New), "nothing goes back to new");
        }
    }

    #[test]
    fn every_status_but_closed_can_reach_closed() {
        for s in Status::ALL {
            assert_eq!(can_move(s, Closed), s != Closed);
        }
    }

    #[test]
    fn replies_move_the_status() {
        assert_eq!(status_after_public_message(WaitingForRequester, Author::Requester), Ok(Some(Open)));
        assert_eq!(status_after_public_message(Resolved, Author::Requester), Ok(Some(Reopened)));
        assert_eq!(status_after_public_message(New, Author::Agent), Ok(Some(Open)));
        assert_eq!(status_after_public_message(Open, Author::Agent), Ok(None));
        assert_eq!(status_after_public_message(WaitingForRequester, Author::Agent), Ok(None));
        assert_eq!(status_after_public_message(New, Author::Requester), Ok(None));
        assert!(status_after_public_message(Closed, Author::Requester).is_err());
        assert!(status_after_public_message(Closed, Author::Agent).is_err());
        // every automatic move is itself a legal move
        for s in Status::ALL {
            for a in [Author::Requester, Author::Agent] {
                if let Ok(Some(to)) = status_after_public_message(s, a) {
                    assert!(can_move(s, to), "{s} -> {to}");
                }
            }
        }
    }
}
