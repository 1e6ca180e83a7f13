//! One form field as every page's forms show it (`templates/field.html`): its label, its
//! value as typed, and the error beside it.

/// A field of a form.
pub(super) struct Field {
    /// The element's id (unique on its page).
    pub(super) id: String,
    /// The name it is sent under.
    pub(super) name: &'static str,
    pub(super) label: &'static str,
    pub(super) value: String,
    /// `text`, `password`, `date`, `textarea` or `select`.
    pub(super) kind: &'static str,
    pub(super) inputmode: &'static str,
    pub(super) autocomplete: &'static str,
    pub(super) required: bool,
    /// A select's options: (value, label).
    pub(super) choices: Vec<(String, String)>,
    pub(super) error: Option<String>,
}

impl Field {
    /// A text field; `id` unique on the page.
    pub(super) fn text(
        id: String,
        name: &'static str,
        label: &'static str,
        value: String,
    ) -> Field {
        Field {
            id,
            name,
            label,
            value,
            kind: "text",
            inputmode: match name {
                "approved_won" | "principal_won" | "requested_won" => "numeric",
                "coverage_pct" | "base_fee_rate_pct" | "annual_rate_pct" => "decimal",
                _ => "text",
            },
            autocomplete: "off",
            required: false,
            choices: Vec::new(),
            error: None,
        }
    }

    pub(super) fn of_kind(mut self, kind: &'static str) -> Field {
        self.kind = kind;
        self
    }

    pub(super) fn select(
        id: String,
        name: &'static str,
        label: &'static str,
        choices: Vec<(String, String)>,
    ) -> Field {
        Field {
            choices,
            ..Field::text(id, name, label, String::new()).of_kind("select")
        }
    }

    pub(super) fn required(mut self) -> Field {
        self.required = true;
        self
    }

    pub(super) fn autocomplete(mut self, token: &'static str) -> Field {
        self.autocomplete = token;
        self
    }

    /// The value typed and the error found, from a form sent back.
    pub(super) fn sent(
        mut self,
        values: &std::collections::HashMap<String, String>,
        errors: &std::collections::HashMap<&'static str, String>,
    ) -> Field {
        if let Some(v) = values.get(self.name).filter(|_| self.kind != "password") {
            self.value = v.clone();
        }
        self.error = errors.get(self.name).cloned();
        self
    }
}
