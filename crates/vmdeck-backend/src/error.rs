use vmdeck_model::Platform;

/// Everything that can go wrong talking to a platform, worded for an operator.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BackendError {
    /// The platform answered with its own error code.
    #[error("{platform} error {code}: {message}")]
    Platform {
        platform: Platform,
        code: String,
        message: String,
    },
    /// An HTTP status the platform does not use for its own errors (a proxy's 502, say).
    #[error("HTTP {status} from {path}: {excerpt}")]
    Http {
        status: u16,
        path: String,
        excerpt: String,
    },
    /// The body was not what the platform documents (HTML, truncated JSON, wrong types).
    #[error("unexpected answer from {path}: {reason}")]
    Decode { path: String, reason: String },
    /// The request never left: DNS, refused connection, TLS.
    #[error("cannot reach {url}: {reason}")]
    Connect { url: String, reason: String },
    /// The request went out and no answer came back in time.
    #[error("no answer from {path} within {secs}s")]
    Timeout { path: String, secs: u64 },
    /// The connection broke after the request was sent.
    #[error("connection lost during {path}: {reason}")]
    Transport { path: String, reason: String },
    /// Login refused, or the session could not be renewed.
    #[error("login failed: {0}")]
    Auth(String),
    /// vmdeck itself refused (read-only profile, a platform rule, missing capability).
    #[error("{0}")]
    Refused(String),
}

impl BackendError {
    /// After this error a mutation may or may not have happened: its answer was lost
    /// (timeout, broken connection), could not be read (the platform may have acted and its
    /// answer been mangled on the way), or came from a gateway (a 5xx without the platform's
    /// own error body, which each backend turns into `Platform`) that may have passed the
    /// request on. The outcome is found by re-reading, never by sending again.
    pub fn outcome_unknown(&self) -> bool {
        self.answer_lost()
            || matches!(self, BackendError::Decode { .. })
            || matches!(self, BackendError::Http { status, .. } if *status >= 500)
    }

    /// A mutation the platform refused for an expired session did nothing; vmdeck has logged
    /// in again but never repeats a mutation on its own. `code` stands in when `refused` has
    /// no platform code of its own.
    pub fn nothing_done(platform: Platform, refused: &BackendError, code: &str) -> BackendError {
        let (code, detail) = match refused {
            BackendError::Platform { code, message, .. } => (code.clone(), format!(" ({message})")),
            _ => (code.to_string(), String::new()),
        };
        BackendError::Platform {
            platform,
            code,
            message: format!(
                "the session had expired{detail}, so {platform} did nothing; vmdeck has logged \
                 in again but does not repeat operations on its own: run it again"
            ),
        }
    }

    /// True when a request may have reached the server and its effect is unknown.
    pub fn answer_lost(&self) -> bool {
        matches!(
            self,
            BackendError::Timeout { .. } | BackendError::Transport { .. }
        )
    }

    /// Worth retrying a *read* after this (never a mutation).
    pub fn is_transient(&self) -> bool {
        match self {
            BackendError::Timeout { .. }
            | BackendError::Transport { .. }
            | BackendError::Connect { .. } => true,
            BackendError::Http { status, .. } => matches!(status, 502..=504),
            _ => false,
        }
    }
}

pub type Result<T, E = BackendError> = std::result::Result<T, E>;

/// vmdeck refuses before sending anything (a platform rule, a missing field).
pub fn refuse<T>(why: impl Into<String>) -> Result<T> {
    Err(BackendError::Refused(why.into()))
}
