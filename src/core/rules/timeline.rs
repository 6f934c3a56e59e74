//! What a room's message list shows: originals in order, each with its latest edit applied,
//! deleted ones gone. Pure: events in, visible messages out.

use std::collections::{HashMap, HashSet};

/// The displayable part of a message (original or replacement content).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MessageBody {
    pub body: String,
    pub msgtype: String,
    pub format: Option<String>,
    pub formatted_body: Option<String>,
    pub geo_uri: Option<String>,
    pub attachment: Option<Attachment>,
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
}

impl TimelineEvent {
    /// The event's own id; a redaction is only known by its target here.
    pub fn event_id(&self) -> Option<&str> {
        match self {
            TimelineEvent::Message { event_id, .. } | TimelineEvent::Edit { event_id, .. } => Some(event_id),
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
    let redacted: HashSet<&str> = events
        .iter()
        .filter_map(|e| match e {
            TimelineEvent::Redaction { target } => Some(target.as_str()),
            _ => None,
        })
        .collect();
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
                    content: edit.map(|(_, _, c)| (*c).clone()).unwrap_or_else(|| content.clone()),
                })
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
