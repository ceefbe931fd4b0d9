//! How an operator's browser reaches a VM's console: what a platform hands out, in
//! neutral terms, so the console box can explain it without knowing the platform.

use jiff::Timestamp;

/// What the browser speaks to the console's host and port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsoleProtocol {
    /// VNC over a websocket (noVNC in the manager's web UI).
    VncWebsocket,
    /// VNC spoken directly to the host.
    Vnc,
    /// SPICE.
    Spice,
}

/// One VM's console access. `url` carries a one-time token: it is shown and copied,
/// never logged or put into an error message (`Debug` hides it).
#[derive(Clone, PartialEq, Eq)]
pub struct ConsoleAccess {
    /// What to open in the browser (token included).
    pub url: String,
    /// When the token stops working, when the platform says.
    pub expires_at: Option<Timestamp>,
    /// The host the browser must reach for the console itself.
    pub host: String,
    /// Its port.
    pub port: u16,
    pub protocol: ConsoleProtocol,
    /// Anything the operator must know (in the platform's words where it gives them).
    pub notes: Vec<String>,
}

impl ConsoleAccess {
    /// The URL rewritten for an `ssh -L local_port:host:port` tunnel: the browser then
    /// talks to `localhost:local_port` instead of the console's host.
    pub fn url_via_tunnel(&self, local_port: u16) -> String {
        let authority = if self.port == default_port(&self.url) {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        };
        self.url
            .replacen(&authority, &format!("localhost:{local_port}"), 1)
    }
}

/// `url` with the value of its `token=` parameter hidden, for the screen: the whole URL
/// goes only to the clipboard, so a shared screen or a scrollback does not hand it out.
pub fn hide_token(url: &str) -> String {
    let Some(at) = url.find("token=").map(|i| i + "token=".len()) else {
        return url.to_string();
    };
    let end = url[at..].find('&').map_or(url.len(), |i| at + i);
    format!("{}‹token hidden›{}", &url[..at], &url[end..])
}

/// The port a URL's scheme implies when it names none.
fn default_port(url: &str) -> u16 {
    if url.starts_with("https:") || url.starts_with("wss:") {
        443
    } else {
        80
    }
}

impl std::fmt::Debug for ConsoleAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleAccess")
            .field("url", &"<hidden: carries a token>")
            .field("expires_at", &self.expires_at)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("protocol", &self.protocol)
            .field("notes", &self.notes)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(url: &str, host: &str, port: u16) -> ConsoleAccess {
        ConsoleAccess {
            url: url.into(),
            expires_at: None,
            host: host.into(),
            port,
            protocol: ConsoleProtocol::VncWebsocket,
            notes: vec![],
        }
    }

    #[test]
    fn tunnel_url_points_at_localhost() {
        let a = access("wss://10.0.0.5/websockify/?token=t1", "10.0.0.5", 443);
        assert_eq!(
            a.url_via_tunnel(8443),
            "wss://localhost:8443/websockify/?token=t1"
        );
        let b = access("http://10.0.0.6:5000/x?token=t2", "10.0.0.6", 5000);
        assert_eq!(b.url_via_tunnel(5000), "http://localhost:5000/x?token=t2");
    }

    #[test]
    fn the_screen_form_hides_only_the_token() {
        assert_eq!(
            hide_token("wss://h/websockify/?uuid=u&token=SECRET&x=1"),
            "wss://h/websockify/?uuid=u&token=‹token hidden›&x=1"
        );
        assert_eq!(
            hide_token("ws://h:4900/websockify?token=abc=="),
            "ws://h:4900/websockify?token=‹token hidden›"
        );
        assert_eq!(hide_token("spice://h:5901"), "spice://h:5901");
    }

    #[test]
    fn debug_hides_the_token() {
        let a = access("wss://h/websockify/?token=SECRET", "h", 443);
        assert!(!format!("{a:?}").contains("SECRET"));
    }
}
