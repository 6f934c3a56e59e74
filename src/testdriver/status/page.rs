//! The status page as HTML, rendered on the server: it works without JavaScript, refreshes
//! itself every few seconds and keeps its `Transaction-Id` filter in the URL.

use std::fmt::Write;

use super::snapshot::Status;

/// Seconds between two reloads of the page.
const REFRESH_SECS: u32 = 3;

pub fn render(status: &Status, filter: Option<&str>) -> String {
    let mut html = String::with_capacity(16 * 1024);
    let filter_value = esc(filter.unwrap_or(""));
    let _ = write!(
        html,
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="{REFRESH_SECS}">
<title>TI-M test driver status</title>
<style>
body{{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}}
table{{border-collapse:collapse;margin-bottom:1.5rem}}
th,td{{border:1px solid #ccc;padding:.2rem .5rem;text-align:left;font-size:.9rem}}
caption{{text-align:left;padding:.3rem 0}} th{{background:#eee}} .claimed{{background:#fff3cd}} .err{{color:#a00}}
code{{font-size:.85rem}}
</style></head><body>
<h1>TI-M test driver</h1>
<p>As of <time id="generated">{generated}</time>; reloads every {REFRESH_SECS} s.
JSON: <a href="/status.json">/status.json</a>.</p>
<h2>APIs and devices</h2>
"#,
        generated = esc(&status.generated_at),
    );
    for api in &status.apis {
        let flags: Vec<&str> = api
            .capabilities
            .iter()
            .filter(|(_, on)| *on)
            .map(|(name, _)| name.as_str())
            .collect();
        let _ = write!(
            html,
            r#"<table class="api" data-api="{prefix}"><caption><b>/{prefix}/</b> — {kind}, homeserver <code>{hs}</code> ({name}); {flags}</caption>
<tr><th>device</th><th>name</th><th>status</th><th>claimer</th><th>claimed until</th><th>account</th><th>logged in since</th></tr>
"#,
            prefix = esc(&api.prefix),
            kind = esc(&api.kind),
            hs = esc(&api.homeserver),
            name = esc(&api.homeserver_name),
            flags = esc(&flags.join(", ")),
        );
        for d in &api.devices {
            let account = match (&d.account, d.busy) {
                (_, true) => "(busy)".to_string(),
                (Some(a), _) => a.clone(),
                (None, _) => "—".to_string(),
            };
            let _ = writeln!(
                html,
                r#"<tr class="device {status}" data-device="{id}"><td>{id}</td><td>{name}</td><td>{status}</td><td>{claimer}</td><td>{until}</td><td>{account}</td><td>{since}</td></tr>"#,
                id = d.device_id,
                name = esc(&d.device_name),
                status = d.status,
                claimer = esc(d.claimer_name.as_deref().unwrap_or("—")),
                until = esc(d.claimed_until.as_deref().unwrap_or("—")),
                account = esc(&account),
                since = esc(d.logged_in_since.as_deref().unwrap_or("—")),
            );
        }
        html.push_str("</table>\n");
    }
    let lines_link = match filter {
        Some(t) => format!(
            r#" As JSON lines: <a href="/status/requests?transactionId={q}">/status/requests?transactionId={v}</a>."#,
            q = esc(&url::form_urlencoded::byte_serialize(t.as_bytes()).collect::<String>()),
            v = filter_value,
        ),
        None => String::new(),
    };
    let _ = write!(
        html,
        r#"<h2>Recent requests</h2>
<form method="get" action="/"><label>Transaction-Id <input name="transactionId" value="{filter_value}" size="50"></label>
<button type="submit">filter</button> <a href="/">all</a></form>
<p>{count} shown, newest first.{lines_link}</p>
<table id="requests"><tr><th>time</th><th>Transaction-Id</th><th>API</th><th>method</th><th>path</th><th>status</th><th>ms</th><th>error code</th></tr>
"#,
        count = status.requests.len(),
    );
    for r in status.requests.iter().rev() {
        let _ = writeln!(
            html,
            r#"<tr class="request{err}"><td>{time}</td><td>{tid}</td><td>{api}</td><td>{method}</td><td>{path}</td><td>{status}</td><td>{ms}</td><td>{code}</td></tr>"#,
            err = if r.status >= 400 { " err" } else { "" },
            time = esc(&r.time),
            tid = esc(&r.transaction_id),
            api = esc(&r.api),
            method = esc(&r.method),
            path = esc(&r.path),
            status = r.status,
            ms = r.duration_ms,
            code = esc(r.error_code.as_deref().unwrap_or("")),
        );
    }
    html.push_str("</table>\n</body></html>\n");
    html
}

/// HTML-escapes text and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::recent::RequestRecord;
    use super::super::snapshot::{ApiStatus, DeviceStatus};
    use super::*;

    fn status() -> Status {
        Status {
            generated_at: "2026-12-01T00:00:00.000Z".into(),
            apis: vec![ApiStatus {
                prefix: "hs1-pro".into(),
                kind: "pro-client".into(),
                homeserver: "https://127.0.0.11:8448".into(),
                homeserver_name: "127.0.0.11".into(),
                capabilities: vec![("isPro".into(), true), ("isInsurance".into(), false)],
                devices: vec![DeviceStatus {
                    device_id: 1,
                    device_name: "dev <1>".into(),
                    status: "claimed",
                    claimer_name: Some("suite".into()),
                    claimed_until: Some("later".into()),
                    account: Some("@a:127.0.0.11".into()),
                    logged_in_since: Some("earlier".into()),
                    busy: false,
                }],
            }],
            requests: vec![RequestRecord {
                time: "now".into(),
                transaction_id: "<script>".into(),
                api: "hs1-pro".into(),
                method: "POST".into(),
                path: "/hs1-pro/devices/1/claim".into(),
                status: 409,
                duration_ms: 2,
                error_code: Some("ALREADY_CLAIMED".into()),
            }],
        }
    }

    #[test]
    fn shows_apis_devices_and_requests_escaped() {
        let html = render(&status(), Some("<script>"));
        assert!(html.contains("/hs1-pro/"));
        assert!(html.contains("isPro"));
        assert!(!html.contains("isInsurance"), "only flags that are on are listed");
        assert!(html.contains("dev &lt;1&gt;"));
        assert!(html.contains("@a:127.0.0.11"));
        assert!(html.contains("ALREADY_CLAIMED"));
        assert!(!html.contains("<script>"), "user input is escaped");
        assert!(html.contains("transactionId=%3Cscript%3E"));
    }
}
