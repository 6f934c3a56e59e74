//! Replies and mentions (5.3): a reply names its original (`m.in_reply_to`) and carries the
//! rich-reply fallback for clients that do not render replies (a quoted `body` and an
//! `<mx-reply>` block in `formatted_body`); mentions are listed in `m.mentions` and shown as
//! pills (links to the user) in the formatted body. Receiving strips the fallback again
//! (`reply_fallback`).

use serde_json::{Value, json};

const HTML: &str = "org.matrix.custom.html";

/// The message a reply answers, as the replying client has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyTarget {
    pub room_id: String,
    pub event_id: String,
    pub sender: String,
    /// Its body without its own reply fallback.
    pub body: String,
}

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A pill: the link a formatted body shows for a mentioned user.
pub fn pill(user_id: &str, display_name: &str) -> String {
    format!(
        "<a href=\"https://matrix.to/#/{}\">{}</a>",
        escape(user_id),
        escape(display_name)
    )
}

/// Turns message content into a reply to `target`: relation, fallbacks, and the original's
/// sender among the mentions.
pub fn into_reply(mut content: Value, target: &ReplyTarget) -> Value {
    let own_body = content["body"].as_str().unwrap_or_default().to_string();
    let own_html = match (content["format"].as_str(), content["formatted_body"].as_str()) {
        (Some(HTML), Some(html)) => html.to_string(),
        _ => escape(&own_body).replace('\n', "<br>"),
    };
    let mut quoted = target.body.lines();
    let first = quoted.next().unwrap_or_default();
    let mut fallback = format!("> <{}> {first}\n", target.sender);
    for line in quoted {
        fallback.push_str(&format!("> {line}\n"));
    }
    content["body"] = json!(format!("{fallback}\n{own_body}"));
    content["format"] = json!(HTML);
    content["formatted_body"] = json!(format!(
        "<mx-reply><blockquote><a href=\"https://matrix.to/#/{room}/{event}\">In reply to</a> {sender}<br>{quote}</blockquote></mx-reply>{own_html}",
        room = escape(&target.room_id),
        event = escape(&target.event_id),
        sender = pill(&target.sender, &target.sender),
        quote = escape(&target.body).replace('\n', "<br>"),
    ));
    content["m.relates_to"] = json!({"m.in_reply_to": {"event_id": target.event_id}});
    add_mentions(content, std::slice::from_ref(&target.sender))
}

/// Lists users in the content's `m.mentions` (kept unique, in order).
pub fn add_mentions(mut content: Value, users: &[String]) -> Value {
    let mut listed: Vec<String> = content["m.mentions"]["user_ids"]
        .as_array()
        .map(|ids| ids.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    for user in users {
        if !listed.contains(user) {
            listed.push(user.clone());
        }
    }
    content["m.mentions"] = json!({"user_ids": listed});
    content
}

/// The formatted body of a plain-text message that names users by MXID: each such MXID
/// becomes a pill showing the user's display name (`users`: MXID and name). `None` when the
/// text names none of them, so a message without mentions stays plain text.
pub fn with_pills(body: &str, users: &[(String, String)]) -> Option<String> {
    // Longest first, so `@a:hs` never takes the start of `@a:hs2`.
    let mut users: Vec<&(String, String)> = users.iter().filter(|(id, _)| !id.is_empty()).collect();
    users.sort_by_key(|(id, _)| std::cmp::Reverse(id.len()));
    let mut html = String::new();
    let mut plain = String::new();
    let mut found = false;
    let mut rest = body;
    while let Some(c) = rest.chars().next() {
        let hit = users
            .iter()
            .find(|(id, _)| rest.starts_with(id.as_str()) && !continues_an_id(&rest[id.len()..]));
        match hit {
            Some((id, name)) => {
                html.push_str(&escape(&plain).replace('\n', "<br>"));
                plain.clear();
                html.push_str(&pill(id, name));
                rest = &rest[id.len()..];
                found = true;
            }
            None => {
                plain.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    html.push_str(&escape(&plain).replace('\n', "<br>"));
    found.then_some(html)
}

/// Whether text right after an MXID would make it a longer one (a sentence's full stop
/// does not).
fn continues_an_id(after: &str) -> bool {
    let mut chars = after.chars();
    match chars.next() {
        Some('.') => chars.next().is_some_and(char::is_alphanumeric),
        Some(c) => c.is_alphanumeric() || "_=-/:".contains(c),
        None => false,
    }
}

/// The event a received message answers, if it is a reply.
pub fn reply_to(content: &Value) -> Option<String> {
    content["m.relates_to"]["m.in_reply_to"]["event_id"]
        .as_str()
        .map(str::to_string)
}

/// The users a received message mentions.
pub fn mentioned(content: &Value) -> Vec<String> {
    content["m.mentions"]["user_ids"]
        .as_array()
        .map(|ids| ids.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rules::reply_fallback::{strip_body, strip_formatted};

    fn target() -> ReplyTarget {
        ReplyTarget {
            room_id: "!r:hs".into(),
            event_id: "$orig".into(),
            sender: "@bob:hs".into(),
            body: "line one\nline <two>".into(),
        }
    }

    #[test]
    fn a_reply_relates_quotes_and_mentions_its_original() {
        let reply = into_reply(json!({"msgtype": "m.text", "body": "my answer"}), &target());
        assert_eq!(reply_to(&reply).as_deref(), Some("$orig"));
        assert_eq!(mentioned(&reply), vec!["@bob:hs".to_string()]);
        let body = reply["body"].as_str().unwrap();
        assert_eq!(body, "> <@bob:hs> line one\n> line <two>\n\nmy answer");
        let html = reply["formatted_body"].as_str().unwrap();
        assert!(html.contains("line &lt;two&gt;"), "the quote is escaped: {html}");
        assert_eq!(reply["format"], HTML);
    }

    #[test]
    fn a_receiver_strips_the_fallback_back_to_the_answer() {
        let reply = into_reply(json!({"msgtype": "m.text", "body": "my answer"}), &target());
        assert_eq!(strip_body(reply["body"].as_str().unwrap()), "my answer");
        assert_eq!(strip_formatted(reply["formatted_body"].as_str().unwrap()), "my answer");
    }

    #[test]
    fn mentions_stay_unique_and_pills_are_escaped() {
        let content = add_mentions(
            json!({"m.mentions": {"user_ids": ["@a:hs"]}}),
            &["@a:hs".into(), "@b:hs".into()],
        );
        assert_eq!(mentioned(&content), vec!["@a:hs".to_string(), "@b:hs".to_string()]);
        assert_eq!(
            pill("@a:hs", "A <b>"),
            "<a href=\"https://matrix.to/#/@a:hs\">A &lt;b&gt;</a>"
        );
        assert_eq!(reply_to(&json!({"body": "x"})), None);
    }

    #[test]
    fn named_users_become_pills_and_a_longer_mxid_is_not_cut_short() {
        let users = [
            ("@a:hs".to_string(), "Anna".to_string()),
            ("@a:hs2".to_string(), "Arne".to_string()),
        ];
        assert_eq!(
            with_pills("hi @a:hs2 & @a:hs!", &users).as_deref(),
            Some(
                "hi <a href=\"https://matrix.to/#/@a:hs2\">Arne</a> &amp; <a href=\"https://matrix.to/#/@a:hs\">Anna</a>!"
            )
        );
        assert_eq!(
            with_pills("nobody here", &users),
            None,
            "no mention: plain text stays plain"
        );
        assert_eq!(
            with_pills("@a:hs.x", &users),
            None,
            "a longer id that is no listed user"
        );
        assert!(with_pills("ask @a:hs.", &users).is_some(), "a full stop ends the id");
    }
}
