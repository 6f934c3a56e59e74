//! Reading and writing `m.room.message` content as the Matrix spec writes it on the wire.
//! Working on the JSON form keeps unknown msgtypes and every attachment field intact.

use serde_json::{Value, json};

use crate::core::rules::membership_notice::{self, MembershipNotice};
use crate::core::rules::timeline::{Attachment, EncryptedFile, MessageBody, TimelineEvent};
use crate::core::rules::{reply, reply_fallback};

/// A room event (decrypted where possible) → the timeline rule's view of it, if it matters.
pub(crate) fn timeline_event(event: &Value) -> Option<TimelineEvent> {
    let event_id = event["event_id"].as_str()?.to_string();
    let sender = event["sender"].as_str()?.to_string();
    let ts = event["origin_server_ts"].as_u64().unwrap_or_default();
    match event["type"].as_str()? {
        "m.room.redaction" => {
            let target = event["redacts"]
                .as_str()
                .or_else(|| event["content"]["redacts"].as_str())?;
            Some(TimelineEvent::Redaction {
                target: target.to_string(),
            })
        }
        "m.room.message" => {
            let content = &event["content"];
            // A redacted original has an empty content.
            content.get("msgtype")?;
            let relation = &content["m.relates_to"];
            if relation["rel_type"] == "m.replace" {
                let target = relation["event_id"].as_str()?.to_string();
                let new = body_of(content.get("m.new_content")?)?;
                return Some(TimelineEvent::Edit {
                    event_id,
                    sender,
                    ts,
                    target,
                    new,
                });
            }
            Some(TimelineEvent::Message {
                event_id,
                sender,
                ts,
                content: body_of(content)?,
            })
        }
        "m.room.member" => {
            let content = &event["content"];
            let member = event["state_key"].as_str()?.to_string();
            let previous = event["unsigned"]["prev_content"]["membership"].as_str();
            let change = membership_notice::change_of(&sender, &member, content["membership"].as_str()?, previous)?;
            Some(TimelineEvent::Membership(MembershipNotice {
                event_id,
                sender,
                member,
                member_name: content["displayname"].as_str().map(String::from),
                change,
                ts,
            }))
        }
        _ => None,
    }
}

/// The displayable content; a reply is shown without the quoted original it carries.
pub(crate) fn body_of(content: &Value) -> Option<MessageBody> {
    let s = |k: &str| content[k].as_str().map(String::from);
    let is_reply = content["m.relates_to"].get("m.in_reply_to").is_some();
    let unquote = |text: String, strip: fn(&str) -> &str| match is_reply {
        true => strip(&text).to_string(),
        false => text,
    };
    Some(MessageBody {
        body: unquote(s("body")?, reply_fallback::strip_body),
        msgtype: s("msgtype")?,
        format: s("format"),
        formatted_body: s("formatted_body").map(|h| unquote(h, reply_fallback::strip_formatted)),
        geo_uri: s("geo_uri"),
        attachment: attachment_of(content),
        reply_to: reply::reply_to(content),
        mentions: reply::mentioned(content),
    })
}

fn attachment_of(content: &Value) -> Option<Attachment> {
    let encrypted = content.get("file").and_then(encrypted_file_of);
    let url = encrypted
        .as_ref()
        .map(|f| f.url.clone())
        .or_else(|| content["url"].as_str().map(String::from))?;
    Some(Attachment {
        file_id: file_id_of(&url)?,
        mimetype: content["info"]["mimetype"].as_str().map(String::from),
        size: content["info"]["size"].as_u64(),
        filename: content["filename"].as_str().map(String::from),
        encrypted,
    })
}

pub(crate) fn encrypted_file_of(file: &Value) -> Option<EncryptedFile> {
    let key = &file["key"];
    Some(EncryptedFile {
        url: file["url"].as_str()?.to_string(),
        key_alg: key["alg"].as_str().unwrap_or_default().to_string(),
        key_ext: key["ext"].as_bool().unwrap_or(true),
        key_k: key["k"].as_str()?.to_string(),
        key_ops: key["key_ops"]
            .as_array()?
            .iter()
            .filter_map(|o| o.as_str().map(String::from))
            .collect(),
        key_kty: key["kty"].as_str().unwrap_or_default().to_string(),
        iv: file["iv"].as_str()?.to_string(),
        sha256: file["hashes"]["sha256"].as_str()?.to_string(),
        v: file["v"].as_str().unwrap_or_default().to_string(),
    })
}

/// The spec's JSON form of an encrypted attachment.
pub(crate) fn encrypted_file_json(f: &EncryptedFile) -> Value {
    json!({
        "url": f.url,
        "key": {"alg": f.key_alg, "ext": f.key_ext, "k": f.key_k, "key_ops": f.key_ops, "kty": f.key_kty},
        "iv": f.iv,
        "hashes": {"sha256": f.sha256},
        "v": f.v,
    })
}

/// `mxc://server/media` → `server~media`: a download handle without `/` (the suite passes it
/// back in a URL path).
pub(crate) fn file_id_of(mxc: &str) -> Option<String> {
    let (server, media) = mxc.strip_prefix("mxc://")?.split_once('/')?;
    (!server.is_empty() && !media.is_empty()).then(|| format!("{server}~{media}"))
}

/// The inverse of [`file_id_of`]; `None` unless the result is a valid content URI, so a
/// malformed id from a caller is "no such file" rather than a failed request.
pub(crate) fn mxc_of(file_id: &str) -> Option<String> {
    let (server, media) = file_id.split_once('~')?;
    let uri = format!("mxc://{server}/{media}");
    matrix_sdk::ruma::OwnedMxcUri::from(uri.as_str())
        .is_valid()
        .then_some(uri)
}

/// The wire content of a message body (without relation).
pub(crate) fn content_json(b: &MessageBody) -> Value {
    let mut c = json!({"msgtype": b.msgtype, "body": b.body});
    if let (Some(format), Some(formatted)) = (&b.format, &b.formatted_body) {
        c["format"] = json!(format);
        c["formatted_body"] = json!(formatted);
    }
    if let Some(geo) = &b.geo_uri {
        c["geo_uri"] = json!(geo);
    }
    if !b.mentions.is_empty() {
        c = reply::add_mentions(c, &b.mentions);
    }
    if let Some(a) = &b.attachment {
        let mut info = json!({});
        if let Some(m) = &a.mimetype {
            info["mimetype"] = json!(m);
        }
        if let Some(s) = a.size {
            info["size"] = json!(s);
        }
        c["info"] = info;
        if let Some(name) = &a.filename {
            c["filename"] = json!(name);
        }
        match &a.encrypted {
            Some(f) => c["file"] = encrypted_file_json(f),
            None => c["url"] = json!(mxc_of(&a.file_id)),
        }
    }
    c
}

/// An `m.replace` edit of `target` (with the spec's `* ` fallback body for old clients).
pub(crate) fn edit_json(target: &str, new: &MessageBody) -> Value {
    let mut c = content_json(new);
    c["body"] = json!(format!("* {}", new.body));
    c["m.new_content"] = content_json(new);
    c["m.relates_to"] = json!({"rel_type": "m.replace", "event_id": target});
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_ids_round_trip_and_contain_no_slash() {
        let id = file_id_of("mxc://localhost:8448/AbC_-1").unwrap();
        assert!(!id.contains('/'));
        assert_eq!(mxc_of(&id).unwrap(), "mxc://localhost:8448/AbC_-1");
    }

    #[test]
    fn a_malformed_file_id_names_no_file() {
        for id in ["~b", "x~y/z", "a~b~c", "a b~c", "ä~b", "a:99999999~b", "nothing"] {
            assert_eq!(mxc_of(id), None, "{id}");
        }
    }

    #[test]
    fn an_edit_event_is_read_back_as_an_edit_with_the_new_content() {
        let new = MessageBody {
            body: "new".into(),
            msgtype: "m.text".into(),
            ..Default::default()
        };
        let event = json!({"type": "m.room.message", "event_id": "$e", "sender": "@a:hs", "origin_server_ts": 5,
                           "content": edit_json("$a", &new)});
        assert_eq!(
            timeline_event(&event),
            Some(TimelineEvent::Edit {
                event_id: "$e".into(),
                sender: "@a:hs".into(),
                ts: 5,
                target: "$a".into(),
                new
            })
        );
    }

    #[test]
    fn a_reply_is_listed_without_its_fallback_quote() {
        let event = json!({"type": "m.room.message", "event_id": "$r", "sender": "@b:hs", "origin_server_ts": 7,
            "content": {"msgtype": "m.text", "body": "> <@a:hs> Frage\n\nAntwort",
                        "format": "org.matrix.custom.html",
                        "formatted_body": "<mx-reply><blockquote>Frage</blockquote></mx-reply>Antwort",
                        "m.relates_to": {"m.in_reply_to": {"event_id": "$q"}}}});
        let Some(TimelineEvent::Message { content, .. }) = timeline_event(&event) else {
            panic!("a reply is a message")
        };
        assert_eq!(content.body, "Antwort");
        assert_eq!(content.formatted_body.as_deref(), Some("Antwort"));
    }

    #[test]
    fn a_quote_that_is_not_a_reply_keeps_its_text() {
        let event = json!({"type": "m.room.message", "event_id": "$r", "sender": "@b:hs",
            "content": {"msgtype": "m.text", "body": "> zitiert\n\nText"}});
        let Some(TimelineEvent::Message { content, .. }) = timeline_event(&event) else {
            panic!("a message")
        };
        assert_eq!(content.body, "> zitiert\n\nText");
    }

    #[test]
    fn an_encrypted_attachment_survives_the_round_trip() {
        let file = EncryptedFile {
            url: "mxc://hs/m".into(),
            key_alg: "A256CTR".into(),
            key_ext: true,
            key_k: "k".into(),
            key_ops: vec!["encrypt".into(), "decrypt".into()],
            key_kty: "oct".into(),
            iv: "iv".into(),
            sha256: "h".into(),
            v: "v2".into(),
        };
        let body = MessageBody {
            body: "bild.jpg".into(),
            msgtype: "m.image".into(),
            attachment: Some(Attachment {
                file_id: "hs~m".into(),
                mimetype: Some("image/jpeg".into()),
                size: Some(3),
                filename: None,
                encrypted: Some(file),
            }),
            ..Default::default()
        };
        assert_eq!(body_of(&content_json(&body)), Some(body));
    }

    #[test]
    fn redactions_and_redacted_messages() {
        let r =
            json!({"type": "m.room.redaction", "event_id": "$r", "sender": "@a:hs", "redacts": "$a", "content": {}});
        assert_eq!(
            timeline_event(&r),
            Some(TimelineEvent::Redaction { target: "$a".into() })
        );
        let gone = json!({"type": "m.room.message", "event_id": "$a", "sender": "@a:hs", "content": {}});
        assert_eq!(timeline_event(&gone), None);
    }
}
