//! A local SMTP server, so any mail client or `swaks` can hand the local runner a message on a
//! loopback port. The protocol is mailin's (sans-IO); this is only the tokio I/O around it.

use mailin::{Action, Handler, Response, SessionBuilder};
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// Where an accepted message goes: returns an id to report in the 250 reply, or an error text (answered 451).
pub trait MailSink: Send + Sync + 'static {
    fn accept(&self, raw: Vec<u8>) -> Pin<Box<dyn Future<Output = Result<String, String>> + Send + '_>>;
}

/// RFC 5321 allows 512 octets per command; some slack for clients that stretch it.
const COMMAND_LINE_MAX: usize = 1024;
/// RFC 5321's idle timeout; it also bounds how long a silent client holds a task.
const IDLE: Duration = Duration::from_secs(300);
/// mailin's parser refuses the null sender `<>` that bounces use, so it travels as this marker.
const NULL_SENDER: &str = "\0";

/// Serves SMTP on `listener` until the task is dropped: EHLO/HELO, MAIL FROM, RCPT TO (any recipient), DATA (dot-unstuffed), RSET, NOOP, QUIT.
/// Each message goes to `sink` exactly as the client sent it (header + body), after one added
/// `Return-Path: <envelope sender>\r\n` line (SES adds one too). Messages over `max_bytes` are
/// refused with 552. Connections are independent (one task each).
pub async fn serve(listener: TcpListener, sink: Arc<dyn MailSink>, max_bytes: usize) {
    // A JoinSet, so dropping `serve` also ends the connections it started.
    let mut connections = JoinSet::new();
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                let sink = Arc::clone(&sink);
                connections.spawn(async move {
                    if let Err(error) = converse(stream, peer.ip(), sink.as_ref(), max_bytes).await {
                        tracing::debug!(%peer, %error, "smtp connection ended");
                    }
                });
            }
            Err(error) => {
                tracing::warn!(%error, "smtp accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await; // not a hot loop on EMFILE
            }
        }
        while connections.try_join_next().is_some() {}
    }
}

/// mailin's handler: collects the message; `data_end` hands it to the I/O loop, which answers.
struct Envelope {
    raw: Vec<u8>,
    done: Sender<Vec<u8>>,
}

impl Handler for Envelope {
    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, _to: &[String]) -> Response {
        let from = if from == NULL_SENDER { "" } else { from };
        self.raw = format!("Return-Path: <{from}>\r\n").into_bytes();
        mailin::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        self.raw.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        // Always OK: on an error reply mailin would stay in DATA; the loop replaces this reply.
        let _ = self.done.send(std::mem::take(&mut self.raw));
        mailin::response::OK
    }
}

enum Line {
    Full,
    TooLong,
    Eof,
}

/// Reads one line (LF included) of at most `limit` bytes; a longer one is skipped up to its LF.
async fn read_line(conn: &mut BufReader<TcpStream>, line: &mut Vec<u8>, limit: usize) -> io::Result<Line> {
    line.clear();
    (&mut *conn).take(limit as u64).read_until(b'\n', line).await?;
    if line.ends_with(b"\n") {
        return Ok(Line::Full);
    }
    if line.len() < limit {
        return Ok(Line::Eof); // a partial line at EOF is dropped with the connection
    }
    loop {
        let buf = conn.fill_buf().await?;
        if buf.is_empty() {
            return Ok(Line::Eof);
        }
        let (used, found) = buf.iter().position(|&b| b == b'\n').map_or((buf.len(), false), |i| (i + 1, true));
        conn.consume(used);
        if found {
            return Ok(Line::TooLong);
        }
    }
}

async fn converse(stream: TcpStream, ip: IpAddr, sink: &dyn MailSink, max_bytes: usize) -> io::Result<()> {
    let (done, delivered): (Sender<Vec<u8>>, Receiver<Vec<u8>>) = channel();
    let mut session = SessionBuilder::new("helpdesk-local").build(ip, Envelope { raw: Vec::new(), done });
    let mut conn = BufReader::new(stream);
    conn.write_all(&session.greeting().buffer()?).await?;
    let (mut line, mut in_data, mut size, mut too_big) = (Vec::new(), false, 0usize, false);
    loop {
        let limit = if in_data { max_bytes.saturating_add(3) } else { COMMAND_LINE_MAX };
        let Ok(read) = tokio::time::timeout(IDLE, read_line(&mut conn, &mut line, limit)).await else {
            conn.write_all(b"421 Idle too long, closing connection\r\n").await?;
            return Ok(());
        };
        let response = match read? {
            Line::Eof if in_data => {
                tracing::warn!(%ip, "smtp client left mid-DATA; that message is dropped");
                return Ok(());
            }
            Line::Eof => return Ok(()),
            Line::TooLong if in_data => {
                too_big = true;
                continue;
            }
            Line::TooLong => Response::custom(500, "Line too long".to_string()),
            Line::Full if in_data && line != b".\r\n" => {
                size = size.saturating_add(line.len() - usize::from(line.starts_with(b".")));
                too_big |= size > max_bytes;
                if too_big {
                    continue; // counted, not kept
                }
                session.process(&line)
            }
            Line::Full if !in_data && line.len() >= 12 && line[..12].eq_ignore_ascii_case(b"MAIL FROM:<>") => {
                session.process(&[format!("MAIL FROM:<{NULL_SENDER}>").as_bytes(), &line[12..]].concat())
            }
            Line::Full => session.process(&line),
        };
        if in_data && line == b".\r\n" {
            in_data = false;
        }
        if response.code == 354 {
            (in_data, size, too_big) = (true, 0, false);
        }
        let response = match delivered.try_recv() {
            Ok(_) if too_big => {
                tracing::warn!(%ip, size, max_bytes, "smtp message refused: too big");
                Response::custom(552, format!("Message exceeds the {max_bytes} byte limit"))
            }
            Ok(raw) => match sink.accept(raw).await {
                Ok(id) => {
                    tracing::info!(%ip, %id, "smtp message accepted");
                    Response::custom(250, format!("Ok {id}"))
                }
                Err(error) => {
                    tracing::warn!(%ip, %error, "smtp message not stored");
                    Response::custom(451, error.replace(['\r', '\n'], " "))
                }
            },
            Err(_) => response,
        };
        if response.action != Action::NoReply {
            conn.write_all(&response.buffer()?).await?;
        }
        if response.action == Action::Close {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    struct Collect {
        got: Mutex<Vec<Vec<u8>>>,
        fail: bool,
    }

    impl MailSink for Collect {
        fn accept(&self, raw: Vec<u8>) -> Pin<Box<dyn Future<Output = Result<String, String>> + Send + '_>> {
            Box::pin(async move {
                if self.fail {
                    return Err("store down\nretry".to_string());
                }
                let mut got = self.got.lock().unwrap();
                got.push(raw);
                Ok(format!("id-{}", got.len()))
            })
        }
    }

    async fn start(max_bytes: usize, fail: bool) -> (Arc<Collect>, Client) {
        let sink = Arc::new(Collect { got: Mutex::default(), fail });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(serve(listener, sink.clone(), max_bytes));
        let mut client = Client(BufReader::new(TcpStream::connect(address).await.unwrap()));
        assert!(client.reply().await.starts_with("220 "));
        (sink, client)
    }

    struct Client(BufReader<TcpStream>);

    impl Client {
        /// The last line of the next reply (multi-line replies have `-` after the code).
        async fn reply(&mut self) -> String {
            let mut line = String::new();
            loop {
                line.clear();
                assert!(self.0.read_line(&mut line).await.unwrap() > 0, "server closed");
                if line.as_bytes().get(3) != Some(&b'-') {
                    return line;
                }
            }
        }

        async fn say(&mut self, text: &str) -> String {
            self.0.write_all(text.as_bytes()).await.unwrap();
            self.reply().await
        }
    }

    const BODY: &str = "Subject: hi\r\n\r\nline one\r\n..leading dot\r\n.\r\n";

    #[tokio::test]
    async fn two_messages_on_one_connection_arrive_intact() {
        let (sink, mut c) = start(10_000, false).await;
        assert!(c.say("EHLO client.test\r\n").await.starts_with("250 "));
        assert!(c.say("MAIL FROM:<alice@example.com>\r\n").await.starts_with("250 "));
        assert!(c.say("RCPT TO:<help@desk.test>\r\n").await.starts_with("250 "));
        assert!(c.say("DATA\r\n").await.starts_with("354 "));
        assert_eq!(c.say(BODY).await, "250 Ok id-1\r\n");
        assert!(c.say("NOOP\r\n").await.starts_with("250 "));
        assert!(c.say("MAIL FROM:<x@y.test>\r\n").await.starts_with("250 "));
        assert!(c.say("RSET\r\n").await.starts_with("250 "));
        assert!(c.say(&format!("MAIL FROM:<{}>\r\n", "a".repeat(2000))).await.starts_with("500 "));
        assert!(c.say("MAIL FROM:<>\r\n").await.starts_with("250 "));
        assert!(c.say("RCPT TO:<a@desk.test>\r\n").await.starts_with("250 "));
        assert!(c.say("RCPT TO:<b@desk.test>\r\n").await.starts_with("250 "));
        assert!(c.say("DATA\r\n").await.starts_with("354 "));
        assert_eq!(c.say("Subject: bounce\r\n\r\n.\r\n").await, "250 Ok id-2\r\n");
        assert!(c.say("QUIT\r\n").await.starts_with("221 "));
        let got = sink.got.lock().unwrap().clone();
        assert_eq!(got[0], b"Return-Path: <alice@example.com>\r\nSubject: hi\r\n\r\nline one\r\n.leading dot\r\n");
        assert_eq!(got[1], b"Return-Path: <>\r\nSubject: bounce\r\n\r\n");
        assert_eq!(got.len(), 2);
    }

    #[tokio::test]
    async fn an_oversized_message_gets_552_and_the_session_goes_on() {
        let (sink, mut c) = start(100, false).await;
        c.say("HELO client.test\r\n").await;
        for body in [format!("{}.\r\n", "0123456789\r\n".repeat(9)), format!("{}\r\n.\r\n", "x".repeat(500))] {
            c.say("MAIL FROM:<a@b.test>\r\n").await;
            c.say("RCPT TO:<c@d.test>\r\n").await;
            assert!(c.say("DATA\r\n").await.starts_with("354 "));
            assert!(c.say(&body).await.starts_with("552 "), "{body}");
        }
        c.say("MAIL FROM:<a@b.test>\r\n").await;
        c.say("RCPT TO:<c@d.test>\r\n").await;
        c.say("DATA\r\n").await;
        assert_eq!(c.say("short\r\n.\r\n").await, "250 Ok id-1\r\n");
        assert_eq!(*sink.got.lock().unwrap(), [b"Return-Path: <a@b.test>\r\nshort\r\n".to_vec()]);
    }

    #[tokio::test]
    async fn a_sink_error_is_a_451_and_a_client_leaving_mid_data_delivers_nothing() {
        let (_, mut c) = start(1000, true).await;
        for line in ["HELO c.test\r\n", "MAIL FROM:<a@b.test>\r\n", "RCPT TO:<c@d.test>\r\n", "DATA\r\n"] {
            c.say(line).await;
        }
        assert_eq!(c.say(BODY).await, "451 store down retry\r\n");

        let (sink, mut c) = start(1000, false).await;
        for line in ["HELO c.test\r\n", "MAIL FROM:<a@b.test>\r\n", "RCPT TO:<c@d.test>\r\n", "DATA\r\n"] {
            c.say(line).await;
        }
        c.0.write_all(b"Subject: cut\r\n\r\nhalf").await.unwrap();
        c.0.get_mut().shutdown().await.unwrap();
        assert_eq!(c.0.read(&mut [0; 16]).await.unwrap(), 0, "server hung up");
        assert!(sink.got.lock().unwrap().is_empty());
    }
}
