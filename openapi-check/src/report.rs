//! Turns the validator's errors into messages a test failure can show: one per violation, each
//! led by the JSON pointer of the offending value.

use jsonschema::error::ValidationErrorKind;
use jsonschema::ValidationError;
use serde_json::Value;

/// Where the schemas named in error locations live, so `oneOf` branches can be named.
pub(crate) struct Schemas<'a> {
    /// The URI the indexed document is registered under.
    pub(crate) document_uri: &'a str,
    /// The indexed (rewritten) document.
    pub(crate) document: &'a Value,
    /// The schema the validator was compiled from.
    pub(crate) root: &'a Value,
}

impl Schemas<'_> {
    /// One message per error. A failed `oneOf`/`anyOf` lists, indented under it, why each
    /// alternative failed: that is where the offending field is named.
    pub(crate) fn describe<'e>(&self, errors: impl IntoIterator<Item = ValidationError<'e>>) -> Vec<String> {
        errors
            .into_iter()
            .map(|error| {
                let mut lines = Vec::new();
                self.write(&error, 0, &mut lines);
                lines.join("\n")
            })
            .collect()
    }

    fn write(&self, error: &ValidationError<'_>, depth: usize, lines: &mut Vec<String>) {
        let indent = "    ".repeat(depth);
        let at = pointer(error);
        let (keyword, context) = match error.kind() {
            ValidationErrorKind::OneOfNotValid { context } => ("oneOf", context),
            ValidationErrorKind::AnyOf { context } => ("anyOf", context),
            ValidationErrorKind::OneOfMultipleValid { context } => {
                // An empty list of errors is an alternative that matched.
                let matched: Vec<String> = context
                    .iter()
                    .enumerate()
                    .filter(|(_, errors)| errors.is_empty())
                    .map(|(index, _)| self.branch_name(error, index))
                    .collect();
                lines.push(format!(
                    "{indent}{at}: matches more than one `oneOf` alternative: {}",
                    matched.join(", ")
                ));
                return;
            }
            _ => {
                lines.push(format!("{indent}{at}: {error}"));
                return;
            }
        };
        lines.push(format!("{indent}{at}: matches none of the `{keyword}` alternatives:"));
        for (index, errors) in context.iter().enumerate() {
            lines.push(format!("{indent}  - {} fails:", self.branch_name(error, index)));
            for error in errors {
                self.write(error, depth + 1, lines);
            }
        }
    }

    /// `admin_reply_conversation_request` for a branch that is a `$ref`, else `alternative 2`.
    fn branch_name(&self, error: &ValidationError<'_>, index: usize) -> String {
        self.keyword_schema(error)
            .and_then(|branches| branches.get(index))
            .and_then(|branch| branch.get("$ref"))
            .and_then(Value::as_str)
            .and_then(|target| target.rsplit('/').next())
            .map_or_else(|| format!("alternative {}", index + 1), str::to_owned)
    }

    /// The value of the keyword that failed (the list of alternatives), found from the error's
    /// absolute location when it lies in the indexed document, else from the compiled root.
    fn keyword_schema(&self, error: &ValidationError<'_>) -> Option<&Value> {
        let absolute = error.absolute_keyword_location().map(|uri| uri.as_str());
        match absolute.and_then(|uri| uri.strip_prefix(self.document_uri)) {
            Some(fragment) => self.document.pointer(fragment.strip_prefix('#')?),
            None => self.root.pointer(error.schema_path().as_str()),
        }
    }
}

/// The instance location as a JSON pointer, `(root)` for the body itself.
fn pointer(error: &ValidationError<'_>) -> String {
    match error.instance_path().as_str() {
        "" => "(root)".to_owned(),
        pointer => pointer.to_owned(),
    }
}
