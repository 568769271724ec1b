//! A message's HTML body, made safe to show in the ticket page: ammonia's allow-list (no
//! scripts, styles, event handlers, forms or frames), links that open apart without a referrer,
//! and only the images the message itself carries — `cid:` references become
//! `attachment:<upload id>`, which the page resolves to the stored file; remote images (tracking
//! pixels) are dropped.

use std::borrow::Cow;
use std::collections::HashMap;

/// Larger sanitised HTML is not kept: the text and the attached `.eml` stand for it.
pub const MAX_HTML_BYTES: usize = 48 * 1024;

/// The scheme the page resolves to a stored file.
pub const ATTACHMENT_SCHEME: &str = "attachment";

/// `html` sanitised, its inline images pointed at the stored files (`inline`: Content-ID, lower
/// case, → upload id); `None` when nothing is left or it is larger than [`MAX_HTML_BYTES`].
pub fn sanitize(html: &str, inline: &HashMap<String, String>) -> Option<String> {
    let inline = inline.clone();
    let mut builder = ammonia::Builder::default();
    builder.add_url_schemes([ATTACHMENT_SCHEME, "cid"]).url_relative(ammonia::UrlRelative::Deny).attribute_filter(
        move |element, attribute, value| {
            if element != "img" || attribute != "src" {
                return Some(Cow::Borrowed(value));
            }
            let cid = value.trim().strip_prefix("cid:").or_else(|| value.trim().strip_prefix("CID:"))?;
            inline.get(&cid.to_lowercase()).map(|id| Cow::Owned(format!("{ATTACHMENT_SCHEME}:{id}")))
        },
    );
    let clean = builder.clean(html).to_string();
    let clean = clean.trim();
    (!clean.is_empty() && clean.len() <= MAX_HTML_BYTES).then(|| clean.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_handlers_and_remote_images_go_inline_images_stay() {
        let inline = HashMap::from([("shot@x".to_string(), "01JUPLOAD".to_string())]);
        let html = r#"<p onclick="steal()">Hi <b>there</b></p><script>alert(1)</script><style>p{}</style>
            <img src="cid:SHOT@x" alt="screenshot"><img src="https://tracker.example/p.gif"><a href="https://example.org">x</a>
            <a href="javascript:alert(1)">y</a><iframe src="https://evil.example"></iframe>"#;
        let clean = sanitize(html, &inline).unwrap();
        assert!(clean.contains("<b>there</b>"), "{clean}");
        for gone in ["onclick", "<script", "alert(1)", "<style", "tracker.example", "javascript:", "<iframe"] {
            assert!(!clean.contains(gone), "{gone} in {clean}");
        }
        assert!(clean.contains(r#"src="attachment:01JUPLOAD""#), "{clean}");
        assert!(clean.contains(r#"rel="noopener noreferrer""#), "{clean}");
        assert_eq!(sanitize("<script>x</script>", &inline), None, "nothing left");
        assert_eq!(sanitize(&"<p>x</p>".repeat(MAX_HTML_BYTES), &inline), None, "too large");
    }
}
