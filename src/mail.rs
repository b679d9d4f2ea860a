//! Sending mail with lettre: SMTP when `smtp_url` is set, otherwise `.eml` files under
//! `data_dir/outbox` (so a deployment without a mail server loses nothing and an operator can
//! see what would have gone out). Nothing here decides what to send: the services put messages in
//! the database outbox inside their transactions, and the outbox worker hands them here after
//! commit.

use anyhow::Context;
use lettre::message::{Mailbox, header::ContentType};
use lettre::{FileTransport, Message, SmtpTransport, Transport};
use std::path::PathBuf;

#[derive(Clone)]
pub enum Mailer {
    Smtp(SmtpTransport),
    Files(FileTransport, PathBuf),
}

impl Mailer {
    pub fn new(smtp_url: Option<&str>, data_dir: &std::path::Path) -> anyhow::Result<Mailer> {
        match smtp_url {
            Some(url) => {
                let t = SmtpTransport::from_url(url)
                    .with_context(|| "smtp_url is not a valid smtp:// or smtps:// URL".to_string())?
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build();
                Ok(Mailer::Smtp(t))
            }
            None => {
                let dir = data_dir.join("outbox");
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
                Ok(Mailer::Files(FileTransport::new(&dir), dir))
            }
        }
    }

    /// Sends one plain-text message (blocking).
    pub fn send(&self, from: &Mailbox, to: &str, subject: &str, body: &str) -> anyhow::Result<()> {
        let to: Mailbox = to
            .parse()
            .with_context(|| "a recipient address".to_string())?;
        let msg = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .context("building a message")?;
        match self {
            Mailer::Smtp(t) => {
                t.send(&msg).context("sending by SMTP")?;
            }
            Mailer::Files(t, _) => {
                t.send(&msg).context("writing an .eml file")?;
            }
        }
        Ok(())
    }
}

/// What kind of failure a send was, without its text (which may quote an address).
pub fn error_class(e: &anyhow::Error) -> &'static str {
    match e.downcast_ref::<lettre::transport::smtp::Error>() {
        Some(s) if s.is_permanent() => "smtp: permanent refusal",
        Some(s) if s.is_transient() => "smtp: transient refusal",
        Some(s) if s.is_timeout() => "smtp: timeout",
        Some(_) => "smtp: connection or protocol error",
        None => "delivery error",
    }
}

const TEMPLATES: &[(&str, &str)] = &[
    ("new_tip", include_str!("../templates/email/new_tip.txt")),
    ("due_soon", include_str!("../templates/email/due_soon.txt")),
    ("overdue", include_str!("../templates/email/overdue.txt")),
    ("transfer", include_str!("../templates/email/transfer.txt")),
    (
        "reporter_wrote",
        include_str!("../templates/email/reporter_wrote.txt"),
    ),
    (
        "payout_overdue",
        include_str!("../templates/email/payout_overdue.txt"),
    ),
    (
        "reporter_news",
        include_str!("../templates/email/reporter_news.txt"),
    ),
    (
        "hazard_overdue",
        include_str!("../templates/email/hazard_overdue.txt"),
    ),
];

/// The mail templates (`templates/email/*.txt`, both languages in each; the first line is the
/// subject), rendered without HTML escaping.
pub struct MailTemplates {
    tera: tera::Tera,
}

impl MailTemplates {
    pub fn new() -> anyhow::Result<Self> {
        let mut tera = tera::Tera::default();
        tera.autoescape_on(Vec::<&str>::new());
        tera.add_raw_templates(TEMPLATES.iter().copied())
            .context("compiling the mail templates")?;
        Ok(MailTemplates { tera })
    }

    /// (subject, body) of a template.
    pub fn render(&self, name: &str, ctx: &tera::Context) -> anyhow::Result<(String, String)> {
        let text = self
            .tera
            .render(name, ctx)
            .with_context(|| format!("rendering mail {name}"))?;
        let (subject, body) = text.split_once('\n').unwrap_or((&text, ""));
        Ok((
            subject.trim().to_owned(),
            body.trim_start_matches('\n').to_owned(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// `smtps://` speaks TLS (rustls with the ring provider) from the first byte: the server
    /// side here sees a TLS handshake record, not an SMTP greeting wait.
    #[test]
    fn smtps_urls_open_with_a_tls_handshake() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut first = [0u8; 3];
            stream.read_exact(&mut first).unwrap();
            first
        });
        let dir = tempfile::tempdir().unwrap();
        let url = format!("smtps://user:password@localhost:{port}");
        let Mailer::Smtp(t) = Mailer::new(Some(&url), dir.path()).unwrap() else {
            panic!("an smtp_url gives an SMTP mailer");
        };
        assert!(
            t.test_connection().is_err(),
            "the server above speaks no TLS"
        );
        let first = server.join().unwrap();
        assert_eq!(first[0], 0x16, "a TLS handshake record");
        assert_eq!(first[1], 0x03, "TLS major version");
    }
}
