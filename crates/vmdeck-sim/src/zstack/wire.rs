//! The ZStack wire conventions: Gson-shaped JSON (nulls left out, HTML-sensitive characters
//! escaped), ErrorCode bodies on 503, RestServer's plain-text refusals, and the typed reading
//! of API parameters with Gson's coercions.

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value, json};

/// An ErrorCode. `description` is the code's fixed text (from ZStack's `conf/errorCodes`),
/// `details` the specific message.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorCode {
    pub code: &'static str,
    pub description: &'static str,
    pub details: String,
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $name:ident = $code:literal, $desc:literal; )*) => {
        $( $(#[$doc])* pub const $name: (&str, &str) = ($code, $desc); )*
        /// Every code the simulator answers with (code, description).
        pub const ALL_CODES: &[(&str, &str)] = &[ $( $name ),* ];
    };
}

codes! {
    SYS_INTERNAL = "SYS.1000", "An internal error happened in system";
    SYS_TIMEOUT = "SYS.1001", "A message or a operation timeout";
    /// A uuid field names a resource that does not exist.
    SYS_NOT_FOUND = "SYS.1003", "A resource can not be found";
    SYS_DELETE = "SYS.1004", "Unable to delete a resource";
    /// `operr`: the platform refuses the operation.
    SYS_OPERATION = "SYS.1006", "An operation failed";
    /// `argerr`: a missing or invalid API argument, a bad query condition.
    SYS_ARGUMENT = "SYS.1007", "One or more API argument is invalid";
    SYS_NOT_SUPPORTED = "SYS.1014", "The operation is not implemented or not supported yet";
    ID_AUTH = "ID.1000", "Unable to authenticate a user";
    ID_SESSION = "ID.1001", "The session is invalid, either wrong session id or the session has been expired";
    /// A VM operation in a state that does not allow it.
    VM_STATE = "VM.1010", "VM is not in state that allows required operation";
}

impl ErrorCode {
    pub fn new(code: (&'static str, &'static str), details: impl Into<String>) -> Self {
        ErrorCode {
            code: code.0,
            description: code.1,
            details: details.into(),
        }
    }

    pub fn operr(details: impl Into<String>) -> Self {
        Self::new(SYS_OPERATION, details)
    }

    pub fn argerr(details: impl Into<String>) -> Self {
        Self::new(SYS_ARGUMENT, details)
    }

    /// `invalid field[uuid], resource[uuid:x, type:VolumeVO] not found`.
    pub fn not_found(field: &str, uuid: &str, vo: &str) -> Self {
        Self::new(
            SYS_NOT_FOUND,
            format!("invalid field[{field}], resource[uuid:{uuid}, type:{vo}] not found"),
        )
    }

    /// `field[name] of message[org...APIXxxMsg] is mandatory, can not be null`.
    pub fn mandatory(field: &str, class: &str) -> Self {
        Self::argerr(format!(
            "field[{field}] of message[{class}] is mandatory, can not be null"
        ))
    }

    pub fn session_expired() -> Self {
        Self::new(ID_SESSION, "Session expired")
    }

    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("code".into(), json!(self.code));
        m.insert("description".into(), json!(self.description));
        m.insert("details".into(), json!(self.details));
        Value::Object(m)
    }

    /// What a failed long job keeps in `jobResult` since 2020 (`JobResultError.valueOf`):
    /// the details, and the root cause's details, which are the same text when there is no
    /// cause. No code; `message` only when an elaboration matched (Gson drops the null).
    pub fn job_result(&self) -> Value {
        let mut m = Map::new();
        if !self.details.is_empty() {
            m.insert("detail".into(), json!(self.details));
        }
        let cause = if self.details.is_empty() {
            self.description
        } else {
            &self.details
        };
        m.insert("cause".into(), json!(cause));
        Value::Object(m)
    }
}

/// Why a request is refused: by RestServer itself (a status and a plain-text body), or by
/// the API (an ErrorCode, 503 or a failed job).
#[derive(Clone, Debug, PartialEq)]
pub enum Fail {
    Rest(u16, String),
    Api(ErrorCode),
}

impl From<ErrorCode> for Fail {
    fn from(e: ErrorCode) -> Self {
        Fail::Api(e)
    }
}

/// Gson's output: null members left out (recursively), `= < > & '` escaped as `\u003d`…
/// as Gson's HTML-safe writer does (also U+2028/U+2029).
pub fn gson(v: &Value) -> String {
    let mut out = String::with_capacity(256);
    write_gson(v, &mut out);
    out
}

fn write_gson(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_gson(item, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            let mut first = true;
            for (k, item) in m.iter().filter(|(_, v)| !v.is_null()) {
                if !first {
                    out.push(',');
                }
                first = false;
                write_string(k, out);
                out.push(':');
                write_gson(item, out);
            }
            out.push('}');
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '=' | '<' | '>' | '&' | '\'' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A JSON answer. An empty object is sent as an empty body, as RestServer does for an empty
/// `ApiResponse` (202 while a job runs, 200 for result-less APIs).
pub fn json_response(status: u16, v: &Value) -> Response {
    let empty = v.as_object().is_some_and(|m| m.is_empty()) || v.is_null();
    let body = if empty { String::new() } else { gson(v) };
    raw(status, body)
}

/// RestServer never sets a content type; the servlet container then sends none either.
pub fn raw(status: u16, body: String) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().remove(header::CONTENT_TYPE);
    r
}

pub fn text(status: u16, body: impl Into<String>) -> Response {
    raw(status, body.into())
}

pub fn error_response(e: &ErrorCode) -> Response {
    json_response(503, &json!({ "error": e.to_value() }))
}

pub fn fail_response(f: &Fail) -> Response {
    match f {
        Fail::Rest(status, body) => text(*status, body.clone()),
        Fail::Api(e) => error_response(e),
    }
}

// ---- parameters ------------------------------------------------------------------------

/// An API's parameters: the body's wrapper object (POST/PUT) or the query string
/// (GET/DELETE), plus the URL's placeholders. Getters convert as Gson / `TypeUtils` would;
/// a value Gson cannot convert is RestServer's 500.
#[derive(Clone, Debug, Default)]
pub struct Params {
    json: Map<String, Value>,
    query: Vec<(String, String)>,
    vars: Vec<(String, String)>,
    from_query: bool,
}

fn gson_type_error(expected: &str, got: &Value, name: &str) -> Fail {
    let kind = match got {
        Value::Array(_) => "BEGIN_ARRAY",
        Value::Object(_) => "BEGIN_OBJECT",
        Value::String(_) => "STRING",
        Value::Number(_) => "NUMBER",
        Value::Bool(_) => "BOOLEAN",
        Value::Null => "NULL",
    };
    Fail::Rest(
        500,
        format!(
            "java.lang.IllegalStateException: Expected {expected} but was {kind} at path $.{name}"
        ),
    )
}

fn number_format(s: &str) -> Fail {
    Fail::Rest(
        500,
        format!("java.lang.NumberFormatException: For input string: \"{s}\""),
    )
}

impl Params {
    pub fn from_json(json: Map<String, Value>, vars: Vec<(String, String)>) -> Params {
        Params {
            json,
            vars,
            ..Default::default()
        }
    }

    pub fn from_query(query: Vec<(String, String)>, vars: Vec<(String, String)>) -> Params {
        Params {
            query,
            vars,
            from_query: true,
            ..Default::default()
        }
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn query_first(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A string field. URL placeholders win over body fields, as RestServer sets them last.
    pub fn str(&self, name: &str) -> Result<Option<String>, Fail> {
        if let Some(v) = self.var(name) {
            return Ok(Some(v.to_string()));
        }
        if self.from_query {
            return Ok(self.query_first(name).map(str::to_string));
        }
        match self.json.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Bool(b)) => Ok(Some(b.to_string())),
            Some(Value::Number(n)) => Ok(Some(gson_number_string(n))),
            Some(other) => Err(gson_type_error("a string", other, name)),
        }
    }

    /// A mandatory string field (`@APIParam`): missing or empty is an argerr.
    pub fn required(&self, name: &str, class: &str) -> Result<String, Fail> {
        match self.str(name)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(ErrorCode::mandatory(name, class).into()),
        }
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, Fail> {
        if self.from_query {
            return Ok(self
                .query_first(name)
                .map(|s| s.eq_ignore_ascii_case("true")));
        }
        match self.json.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) => Ok(Some(s.eq_ignore_ascii_case("true"))),
            Some(other) => Err(gson_type_error("a boolean", other, name)),
        }
    }

    pub fn i64(&self, name: &str) -> Result<Option<i64>, Fail> {
        let parse = |s: &str| -> Result<i64, Fail> {
            s.trim()
                .parse::<i64>()
                .or_else(|_| {
                    s.trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite() && f.fract() == 0.0 && f.abs() < 9.2e18)
                        .map(|f| f as i64)
                        .ok_or(())
                })
                .map_err(|_| number_format(s))
        };
        if self.from_query {
            return self.query_first(name).map(parse).transpose();
        }
        match self.json.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.is_finite() && f.abs() < 9.2e18)
                        .map(|f| f as i64)
                })
                .map(Some)
                .ok_or_else(|| number_format(&n.to_string())),
            Some(Value::String(s)) => parse(s).map(Some),
            Some(other) => Err(gson_type_error("a long", other, name)),
        }
    }

    /// A list of strings: repeated query keys (`k=a&k=b`), `k.0=a&k.1=b`, or a JSON array.
    pub fn str_list(&self, name: &str) -> Result<Option<Vec<String>>, Fail> {
        if self.from_query {
            let dotted = format!("{name}.");
            let vals: Vec<String> = self
                .query
                .iter()
                .filter(|(k, _)| {
                    k == name
                        || k.strip_prefix(&dotted)
                            .is_some_and(|i| i.bytes().all(|b| b.is_ascii_digit()))
                })
                .map(|(_, v)| v.clone())
                .collect();
            return Ok((!vals.is_empty()).then_some(vals));
        }
        match self.json.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    Value::Number(n) => Ok(gson_number_string(n)),
                    Value::Bool(b) => Ok(b.to_string()),
                    other => Err(gson_type_error("a string", other, name)),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(other) => Err(gson_type_error("BEGIN_ARRAY", other, name)),
        }
    }
}

/// Gson turns JSON numbers into `Double` inside a `LinkedHashMap`, so a number read as a
/// string comes back as `7200.0`.
fn gson_number_string(n: &serde_json::Number) -> String {
    let Some(f) = n.as_f64() else {
        return n.to_string();
    };
    let a = f.abs();
    if f == 0.0 || (1e-3..1e7).contains(&a) {
        if f.fract() == 0.0 {
            format!("{f:.1}")
        } else {
            format!("{f}")
        }
    } else {
        format!("{f:E}")
    }
}

/// `[Running, Paused]`, as Java prints a list.
pub fn java_list(items: &[&str]) -> String {
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gson_leaves_out_nulls_and_escapes_html_characters() {
        let v = json!({"a": null, "b": "x=y<z>&'", "c": [{"d": null, "e": 1}]});
        assert_eq!(
            gson(&v),
            r#"{"b":"x\u003dy\u003cz\u003e\u0026\u0027","c":[{"e":1}]}"#
        );
        let back: Value = serde_json::from_str(&gson(&v)).unwrap();
        assert_eq!(back["b"], "x=y<z>&'");
        let tricky = json!({"s": "q\"b\\n\n\t\u{1}\u{2028}é中"});
        let text = gson(&tricky);
        assert!(
            text.contains("\\u0001") && text.contains("\\u2028"),
            "{text}"
        );
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, tricky);
    }

    #[test]
    fn params_convert_like_gson() {
        let p = Params::from_json(
            json!({"s": 5, "b": "TRUE", "n": "12", "l": ["a", 1], "bad": [1]})
                .as_object()
                .unwrap()
                .clone(),
            vec![("uuid".into(), "u".into())],
        );
        assert_eq!(p.str("s").unwrap().as_deref(), Some("5.0"));
        assert_eq!(p.bool("b").unwrap(), Some(true));
        assert_eq!(p.i64("n").unwrap(), Some(12));
        assert_eq!(
            p.str_list("l").unwrap(),
            Some(vec!["a".to_string(), "1.0".to_string()])
        );
        assert!(matches!(p.str("bad"), Err(Fail::Rest(500, _))));
        assert_eq!(p.str("uuid").unwrap().as_deref(), Some("u"));
        let q = Params::from_query(
            vec![
                ("bs.0".into(), "a".into()),
                ("bs.1".into(), "b".into()),
                ("n".into(), "x".into()),
            ],
            vec![],
        );
        assert_eq!(q.str_list("bs").unwrap().unwrap(), vec!["a", "b"]);
        assert!(matches!(q.i64("n"), Err(Fail::Rest(500, _))));
    }
}
