//! A small form model shared by every operation dialog: text inputs, toggles, choices and
//! section headings, with focus and validation messages. Drawing is in `ui::form`.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

#[derive(Clone, Debug)]
pub enum FieldKind {
    Text(Input),
    /// Typed like text, drawn as dots; read with [`Form::secret`].
    Secret(SecretInput),
    Toggle(bool),
    Choice {
        options: Vec<(String, String)>,
        selected: usize,
    },
    /// A heading between groups of fields; not focusable.
    Section,
}

/// A text input whose `Debug` shows no text, so a form can be logged or printed safely.
#[derive(Clone, Default)]
pub struct SecretInput(pub Input);

impl std::fmt::Debug for SecretInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretInput({} chars)", self.0.value().chars().count())
    }
}

impl SecretInput {
    pub fn len(&self) -> usize {
        self.0.value().chars().count()
    }

    pub fn is_empty(&self) -> bool {
        self.0.value().is_empty()
    }
}

#[derive(Clone, Debug)]
pub struct Field {
    /// Stable key the flow reads the value by.
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    pub hint: Option<String>,
    /// Why the field cannot offer what it should (the read its choices come from failed);
    /// shown instead of the hint until cleared.
    pub problem: Option<String>,
    /// `Err(reason)` greys the field out and says why.
    pub enabled: Result<(), String>,
}

impl Field {
    pub fn text(
        key: impl Into<String>,
        label: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        Self::new(key, label, FieldKind::Text(Input::new(value.into())))
    }

    /// A password: never drawn, never in `Debug` output of the form.
    pub fn secret(key: impl Into<String>, label: impl Into<String>) -> Self {
        Self::new(key, label, FieldKind::Secret(SecretInput(Input::default())))
    }

    pub fn toggle(key: impl Into<String>, label: impl Into<String>, on: bool) -> Self {
        Self::new(key, label, FieldKind::Toggle(on))
    }

    /// `options` are `(id, label)`; `selected` is the id to preselect (first if absent).
    pub fn choice(
        key: impl Into<String>,
        label: impl Into<String>,
        options: Vec<(String, String)>,
        selected: Option<&str>,
    ) -> Self {
        let selected = selected
            .and_then(|id| options.iter().position(|(o, _)| o == id))
            .unwrap_or(0);
        Self::new(key, label, FieldKind::Choice { options, selected })
    }

    pub fn section(label: impl Into<String>) -> Self {
        Self::new("", label, FieldKind::Section)
    }

    fn new(key: impl Into<String>, label: impl Into<String>, kind: FieldKind) -> Self {
        Self {
            key: key.into(),
            label: label.into(),
            kind,
            hint: None,
            problem: None,
            enabled: Ok(()),
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn disabled(mut self, reason: impl Into<String>) -> Self {
        self.enabled = Err(reason.into());
        self
    }

    pub fn focusable(&self) -> bool {
        !matches!(self.kind, FieldKind::Section) && self.enabled.is_ok()
    }
}

#[derive(Clone, Debug)]
pub struct Form {
    pub title: String,
    /// Lines shown above the fields: what this form is about.
    pub intro: Vec<String>,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Validation message from the last submit attempt.
    pub error: Option<String>,
}

/// What a key did to the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormOutcome {
    Editing,
    Submit,
    Cancel,
}

impl Form {
    pub fn new(title: impl Into<String>, fields: Vec<Field>) -> Self {
        let mut f = Self {
            title: title.into(),
            intro: Vec::new(),
            fields,
            focus: 0,
            error: None,
        };
        f.focus = f.fields.iter().position(Field::focusable).unwrap_or(0);
        f
    }

    pub fn with_intro(mut self, lines: Vec<String>) -> Self {
        self.intro = lines;
        self
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> FormOutcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return FormOutcome::Cancel,
            KeyCode::Enter => return FormOutcome::Submit,
            KeyCode::Char('s') if ctrl => return FormOutcome::Submit,
            KeyCode::Tab | KeyCode::Down => self.move_focus(1),
            KeyCode::BackTab | KeyCode::Up => self.move_focus(-1),
            _ => {
                let Some(field) = self.fields.get_mut(self.focus) else {
                    return FormOutcome::Editing;
                };
                if field.enabled.is_err() {
                    return FormOutcome::Editing;
                }
                match &mut field.kind {
                    FieldKind::Text(input) | FieldKind::Secret(SecretInput(input)) => {
                        input.handle_event(&Event::Key(key));
                    }
                    FieldKind::Toggle(on) => {
                        if matches!(
                            key.code,
                            KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right
                        ) {
                            *on = !*on;
                        }
                    }
                    FieldKind::Choice { options, selected } => {
                        let n = options.len().max(1);
                        match key.code {
                            KeyCode::Right | KeyCode::Char(' ') | KeyCode::Char('l') => {
                                *selected = (*selected + 1) % n;
                            }
                            KeyCode::Left | KeyCode::Char('h') => {
                                *selected = (*selected + n - 1) % n;
                            }
                            _ => {}
                        }
                    }
                    FieldKind::Section => {}
                }
                self.error = None;
            }
        }
        FormOutcome::Editing
    }

    fn move_focus(&mut self, delta: isize) {
        let n = self.fields.len();
        if n == 0 {
            return;
        }
        let mut i = self.focus;
        for _ in 0..n {
            i = (i as isize + delta).rem_euclid(n as isize) as usize;
            if self.fields[i].focusable() {
                self.focus = i;
                return;
            }
        }
    }

    fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// Keys of the fields whose key ends with `suffix` (per-disk fields, say).
    pub fn keys_ending(&self, suffix: &str) -> Vec<String> {
        self.fields
            .iter()
            .filter(|f| f.key.ends_with(suffix))
            .map(|f| f.key.clone())
            .collect()
    }

    pub fn clear_hint(&mut self, key: &str) {
        if let Some(f) = self.fields.iter_mut().find(|f| f.key == key) {
            f.hint = None;
        }
    }

    /// Whether the form has a field with this key.
    pub fn has(&self, key: &str) -> bool {
        self.field(key).is_some()
    }

    /// Trimmed text of a text field ("" if absent).
    pub fn text(&self, key: &str) -> String {
        match self.field(key).map(|f| &f.kind) {
            Some(FieldKind::Text(i)) => i.value().trim().to_string(),
            _ => String::new(),
        }
    }

    /// A secret field's value, as typed (untrimmed: spaces can belong to a password).
    pub fn secret(&self, key: &str) -> Option<secrecy::SecretString> {
        match self.field(key).map(|f| &f.kind) {
            Some(FieldKind::Secret(SecretInput(i))) => {
                Some(secrecy::SecretString::from(i.value().to_string()))
            }
            _ => None,
        }
    }

    /// A toggle's value; disabled toggles read as off.
    pub fn toggle(&self, key: &str) -> bool {
        match self.field(key) {
            Some(Field {
                kind: FieldKind::Toggle(on),
                enabled: Ok(()),
                ..
            }) => *on,
            _ => false,
        }
    }

    /// The selected option `(id, label)` of a choice.
    pub fn choice(&self, key: &str) -> Option<(String, String)> {
        match self.field(key).map(|f| &f.kind) {
            Some(FieldKind::Choice { options, selected }) => options.get(*selected).cloned(),
            _ => None,
        }
    }

    /// Replaces a choice's options (when they arrive from the platform), keeping the
    /// selection if it is still offered, else preferring `prefer`.
    pub fn set_options(&mut self, key: &str, new: Vec<(String, String)>, prefer: Option<&str>) {
        if let Some(Field {
            kind: FieldKind::Choice { options, selected },
            ..
        }) = self.fields.iter_mut().find(|f| f.key == key)
        {
            let keep = options.get(*selected).map(|(id, _)| id.clone());
            *selected = keep
                .as_deref()
                .and_then(|id| new.iter().position(|(o, _)| o == id))
                .or_else(|| prefer.and_then(|p| new.iter().position(|(o, _)| o == p)))
                .unwrap_or(0);
            *options = new;
        }
    }

    /// Sets or clears a field's problem.
    pub fn set_problem(&mut self, key: &str, problem: Option<String>) {
        if let Some(f) = self.fields.iter_mut().find(|f| f.key == key) {
            f.problem = problem;
        }
    }

    /// Whether the focused field takes typed text (where `r` is a letter, not a command).
    pub fn typing(&self) -> bool {
        self.fields
            .get(self.focus)
            .is_some_and(|f| matches!(f.kind, FieldKind::Text(_) | FieldKind::Secret(_)))
    }

    pub fn focused_key(&self) -> Option<&str> {
        self.fields.get(self.focus).map(|f| f.key.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn form() -> Form {
        Form::new(
            "t",
            vec![
                Field::section("General"),
                Field::text("name", "Name", "snap"),
                Field::toggle("mem", "Memory", false).disabled("VM is not running"),
                Field::toggle("safe", "Safety snapshot", true),
                Field::choice(
                    "pt",
                    "Point",
                    vec![("a".into(), "A".into()), ("b".into(), "B".into())],
                    Some("b"),
                ),
            ],
        )
    }

    #[test]
    fn focus_skips_sections_and_disabled_fields() {
        let mut f = form();
        assert_eq!(f.focused_key(), Some("name"));
        f.handle_key(key(KeyCode::Tab));
        assert_eq!(f.focused_key(), Some("safe"));
        f.handle_key(key(KeyCode::Tab));
        assert_eq!(f.focused_key(), Some("pt"));
        f.handle_key(key(KeyCode::Tab));
        assert_eq!(f.focused_key(), Some("name"));
        f.handle_key(key(KeyCode::BackTab));
        assert_eq!(f.focused_key(), Some("pt"));
    }

    #[test]
    fn typing_toggling_and_choosing() {
        let mut f = form();
        f.handle_key(key(KeyCode::Char('-')));
        f.handle_key(key(KeyCode::Char('1')));
        assert_eq!(f.text("name"), "snap-1");
        assert!(!f.toggle("mem"), "disabled toggles read as off");
        f.handle_key(key(KeyCode::Tab));
        f.handle_key(key(KeyCode::Char(' ')));
        assert!(!f.toggle("safe"));
        f.handle_key(key(KeyCode::Tab));
        assert_eq!(f.choice("pt").unwrap().0, "b");
        f.handle_key(key(KeyCode::Right));
        assert_eq!(f.choice("pt").unwrap().0, "a");
        assert_eq!(f.handle_key(key(KeyCode::Enter)), FormOutcome::Submit);
        assert_eq!(f.handle_key(key(KeyCode::Esc)), FormOutcome::Cancel);
    }

    #[test]
    fn set_options_keeps_selection() {
        let mut f = form();
        f.set_options(
            "pt",
            vec![("c".into(), "C".into()), ("b".into(), "B".into())],
            None,
        );
        assert_eq!(f.choice("pt").unwrap().0, "b");
    }
}
