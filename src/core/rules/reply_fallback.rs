//! Reply fallbacks: older clients prefix a reply's `body` with the quoted original
//! (`> <@a:hs> text` lines and a blank line) and its `formatted_body` with `<mx-reply>…</mx-reply>`.
//! The spec tells receivers to strip both; the suite matches bodies byte-exactly, so a quoted
//! prefix would hide the reply's own text.

/// The body without its leading `> ` quote block and the blank line that ends it.
pub fn strip_body(body: &str) -> &str {
    if !body.starts_with("> ") && body != ">" {
        return body;
    }
    let mut rest = body;
    while rest.starts_with("> ") || rest.starts_with(">\n") || rest == ">" {
        rest = rest.split_once('\n').map_or("", |(_, after)| after);
    }
    rest.strip_prefix('\n').unwrap_or(rest)
}

/// The formatted body without its `<mx-reply>` block.
pub fn strip_formatted(html: &str) -> &str {
    match (html.find("<mx-reply>"), html.find("</mx-reply>")) {
        (Some(0), Some(end)) => &html[end + "</mx-reply>".len()..],
        _ => html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_lines_and_the_separator_are_removed() {
        let body = "> <@a:hs> first line\n> second line\n\nmy answer";
        assert_eq!(strip_body(body), "my answer");
    }

    #[test]
    fn an_empty_quote_line_is_part_of_the_fallback() {
        assert_eq!(
            strip_body("> <@a:hs> x\n>\n> y\n\nanswer\n> not a quote"),
            "answer\n> not a quote"
        );
    }

    #[test]
    fn bodies_without_fallback_stay_as_they_are() {
        assert_eq!(strip_body("plain > text"), "plain > text");
        assert_eq!(strip_body("Testnachricht 1"), "Testnachricht 1");
    }

    #[test]
    fn the_mx_reply_block_is_removed_from_html() {
        let html = "<mx-reply><blockquote><a href=\"https://matrix.to/#/!r/$e\">In reply to</a> \
                    <a href=\"https://matrix.to/#/@a:hs\">@a:hs</a><br>x</blockquote></mx-reply><b>answer</b>";
        assert_eq!(strip_formatted(html), "<b>answer</b>");
        assert_eq!(strip_formatted("<b>no reply</b>"), "<b>no reply</b>");
    }
}
