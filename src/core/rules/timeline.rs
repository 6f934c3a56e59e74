//! What a room's message list shows: originals in order, each with its latest edit applied,
//! deleted ones gone. Pure: events in, visible messages out.

use std::collections::{HashMap, HashSet};

use super::membership_notice::MembershipNotice;

/// The displayable part of a message (original or replacement content).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MessageBody {
    pub body: String,
    pub msgtype: String,
    pub format: Option<String>,
    pub formatted_body: Option<String>,
    pub geo_uri: Option<String>,
    pub attachment: Option<Attachment>,
    /// The message this one answers (`m.in_reply_to`, 5.3).
    pub reply_to: Option<String>,
    /// The users it mentions (`m.mentions`).
    pub mentions: Vec<String>,
}

/// Media of an `m.image`/`m.file`/`m.audio`/`m.video` message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attachment {
    /// Stable handle to download the (decrypted) bytes again.
    pub file_id: String,
    pub mimetype: Option<String>,
    pub size: Option<u64>,
    pub filename: Option<String>,
    /// Present for encrypted attachments (always in encrypted rooms).
    pub encrypted: Option<EncryptedFile>,
}

/// The `file` object of an encrypted attachment (Matrix v2 attachments).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EncryptedFile {
    pub url: String,
    pub key_alg: String,
    pub key_ext: bool,
    pub key_k: String,
    pub key_ops: Vec<String>,
    pub key_kty: String,
    pub iv: String,
    pub sha256: String,
    pub v: String,
}

/// One `m.room.message` or redaction event as it arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimelineEvent {
    Message {
        event_id: String,
        sender: String,
        ts: u64,
        content: MessageBody,
    },
    /// `m.replace` of `target`; only the original author's edits count.
    Edit {
        event_id: String,
        sender: String,
        ts: u64,
        target: String,
        new: MessageBody,
    },
    Redaction {
        target: String,
    },
    /// An encrypted event this device cannot read (yet).
    Undecryptable {
        event_id: String,
        sender: String,
        ts: u64,
        reason: UtdReason,
    },
    /// Someone joined, left, was invited or removed (5.5).
    Membership(MembershipNotice),
}

/// Why an encrypted message cannot be read (ML-123861): shown to the user, never dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UtdReason {
    /// The room key never reached this device (it may still come: a forward, the backup).
    MissingKey,
    /// The sender's device refused to give this device the key, with the Matrix code
    /// (`m.unverified`, `m.blacklisted`, `m.unauthorised`, `m.unavailable`, `m.no_olm`).
    Withheld(String),
    /// The key this device has starts after this message (it joined or got the key later).
    KeyTooNew,
    /// The sender's identity is not trusted enough for this device's decryption setting.
    SenderNotTrusted,
    /// Anything else (malformed event, failed decryption).
    Other(String),
}

impl UtdReason {
    pub fn code(&self) -> &str {
        match self {
            UtdReason::MissingKey => "missing_key",
            UtdReason::Withheld(_) => "withheld",
            UtdReason::KeyTooNew => "key_too_new",
            UtdReason::SenderNotTrusted => "sender_not_trusted",
            UtdReason::Other(_) => "other",
        }
    }
}

/// One entry of a room's timeline as a UI shows it: a readable message or one that cannot
/// be read, in the order they happened. Unboxed like [`TimelineEvent`]: nearly every item
/// is a message.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimelineItem {
    Message(Visible),
    Undecryptable {
        message_id: String,
        sender: String,
        ts: u64,
        reason: UtdReason,
    },
    Membership(MembershipNotice),
}

impl TimelineEvent {
    /// The event's own id; a redaction is only known by its target here.
    pub fn event_id(&self) -> Option<&str> {
        match self {
            TimelineEvent::Message { event_id, .. }
            | TimelineEvent::Edit { event_id, .. }
            | TimelineEvent::Undecryptable { event_id, .. } => Some(event_id),
            TimelineEvent::Membership(notice) => Some(&notice.event_id),
            TimelineEvent::Redaction { .. } => None,
        }
    }
}

/// A message as the list shows it: the original's id and time, the newest content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Visible {
    pub message_id: String,
    pub sender: String,
    pub ts: u64,
    /// Time of the newest applied edit, if any.
    pub edited_ts: Option<u64>,
    pub content: MessageBody,
}

/// Applies edits and redactions. A redacted edit no longer counts; a redacted original
/// disappears together with its edits (A_28355).
pub fn visible_messages(events: &[TimelineEvent]) -> Vec<Visible> {
    let redacted = redacted_targets(events);
    let mut latest_edit: HashMap<&str, (u64, &str, &MessageBody)> = HashMap::new();
    let authors: HashMap<&str, &str> = events
        .iter()
        .filter_map(|e| match e {
            TimelineEvent::Message { event_id, sender, .. } => Some((event_id.as_str(), sender.as_str())),
            _ => None,
        })
        .collect();
    for e in events {
        if let TimelineEvent::Edit {
            event_id,
            sender,
            ts,
            target,
            new,
        } = e
        {
            let by_author = authors.get(target.as_str()) == Some(&sender.as_str());
            if !by_author || redacted.contains(event_id.as_str()) {
                continue;
            }
            let newer = latest_edit
                .get(target.as_str())
                .is_none_or(|(t, id, _)| (*ts, event_id.as_str()) >= (*t, *id));
            if newer {
                latest_edit.insert(target.as_str(), (*ts, event_id.as_str(), new));
            }
        }
    }
    events
        .iter()
        .filter_map(|e| match e {
            TimelineEvent::Message {
                event_id,
                sender,
                ts,
                content,
            } if !redacted.contains(event_id.as_str()) => {
                let edit = latest_edit.get(event_id.as_str());
                Some(Visible {
                    message_id: event_id.clone(),
                    sender: sender.clone(),
                    ts: *ts,
                    edited_ts: edit.map(|(t, _, _)| *t),
                    // An edit replaces the text; the message still answers what it answered.
                    content: edit
                        .map(|(_, _, c)| MessageBody {
                            reply_to: content.reply_to.clone(),
                            ..(*c).clone()
                        })
                        .unwrap_or_else(|| content.clone()),
                })
            }
            _ => None,
        })
        .collect()
}

/// The ids of the events that were redacted.
fn redacted_targets(events: &[TimelineEvent]) -> HashSet<&str> {
    events
        .iter()
        .filter_map(|e| match e {
            TimelineEvent::Redaction { target } => Some(target.as_str()),
            _ => None,
        })
        .collect()
}

/// The readable messages (as [`visible_messages`]) with the unreadable ones and the
/// membership changes in their place; a redacted unreadable event is gone like any other.
pub fn timeline_items(events: &[TimelineEvent]) -> Vec<TimelineItem> {
    let mut readable = visible_messages(events).into_iter().peekable();
    let redacted = redacted_targets(events);
    let mut out = Vec::new();
    for e in events {
        match e {
            TimelineEvent::Message { event_id, .. } => {
                if readable.peek().is_some_and(|v| &v.message_id == event_id)
                    && let Some(v) = readable.next()
                {
                    out.push(TimelineItem::Message(v));
                }
            }
            TimelineEvent::Undecryptable {
                event_id,
                sender,
                ts,
                reason,
            } if !redacted.contains(event_id.as_str()) => out.push(TimelineItem::Undecryptable {
                message_id: event_id.clone(),
                sender: sender.clone(),
                ts: *ts,
                reason: reason.clone(),
            }),
            TimelineEvent::Membership(notice) => out.push(TimelineItem::Membership(notice.clone())),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_messages_keep_their_place_and_leave_the_readable_list_alone() {
        let utd = |id: &str, ts| TimelineEvent::Undecryptable {
            event_id: id.into(),
            sender: "@b:hs".into(),
            ts,
            reason: UtdReason::MissingKey,
        };
        let events = vec![
            msg("$1", "@a:hs", 1, "one"),
            utd("$2", 2),
            msg("$3", "@a:hs", 3, "three"),
            utd("$4", 4),
            TimelineEvent::Redaction { target: "$4".into() },
        ];
        let readable: Vec<_> = visible_messages(&events).into_iter().map(|v| v.message_id).collect();
        assert_eq!(readable, ["$1", "$3"], "the readable list is as before");
        let items: Vec<_> = timeline_items(&events)
            .into_iter()
            .map(|i| match i {
                TimelineItem::Message(v) => v.message_id,
                TimelineItem::Undecryptable { message_id, reason, .. } => {
                    assert_eq!(reason.code(), "missing_key");
                    format!("utd {message_id}")
                }
                TimelineItem::Membership(n) => format!("member {}", n.member),
            })
            .collect();
        assert_eq!(items, ["$1", "utd $2", "$3"], "in place; the redacted one is gone");
    }

    fn body(text: &str) -> MessageBody {
        MessageBody {
            body: text.into(),
            msgtype: "m.text".into(),
            ..Default::default()
        }
    }
    fn msg(id: &str, sender: &str, ts: u64, text: &str) -> TimelineEvent {
        TimelineEvent::Message {
            event_id: id.into(),
            sender: sender.into(),
            ts,
            content: body(text),
        }
    }
    fn edit(id: &str, sender: &str, ts: u64, target: &str, text: &str) -> TimelineEvent {
        TimelineEvent::Edit {
            event_id: id.into(),
            sender: sender.into(),
            ts,
            target: target.into(),
            new: body(text),
        }
    }
    fn texts(v: &[Visible]) -> Vec<(&str, &str)> {
        v.iter()
            .map(|m| (m.message_id.as_str(), m.content.body.as_str()))
            .collect()
    }

    #[test]
    fn an_edit_shows_the_new_text_under_the_original_id() {
        let v = visible_messages(&[msg("$a", "@x:hs", 1, "old"), edit("$e", "@x:hs", 2, "$a", "new")]);
        assert_eq!(texts(&v), [("$a", "new")]);
        assert_eq!(v[0].edited_ts, Some(2));
    }

    #[test]
    fn the_newest_edit_wins_and_edits_by_others_are_ignored() {
        let v = visible_messages(&[
            msg("$a", "@x:hs", 1, "v1"),
            edit("$e2", "@x:hs", 3, "$a", "v3"),
            edit("$e1", "@x:hs", 2, "$a", "v2"),
            edit("$evil", "@y:hs", 4, "$a", "hijack"),
        ]);
        assert_eq!(texts(&v), [("$a", "v3")]);
    }

    #[test]
    fn a_redacted_original_disappears_with_its_edits() {
        let v = visible_messages(&[
            msg("$a", "@x:hs", 1, "old"),
            edit("$e", "@x:hs", 2, "$a", "new"),
            msg("$b", "@x:hs", 3, "stays"),
            TimelineEvent::Redaction { target: "$a".into() },
        ]);
        assert_eq!(texts(&v), [("$b", "stays")]);
    }

    #[test]
    fn a_redacted_edit_falls_back_to_the_previous_content() {
        let v = visible_messages(&[
            msg("$a", "@x:hs", 1, "old"),
            edit("$e", "@x:hs", 2, "$a", "new"),
            TimelineEvent::Redaction { target: "$e".into() },
        ]);
        assert_eq!(texts(&v), [("$a", "old")]);
    }
}
