//! Checks HTTP bodies against an OpenAPI 3.0 description, so tests can prove that what Baton's
//! Intercom client sends (and what a sandbox answers) is what Intercom's description allows.
//!
//! ```no_run
//! use baton_openapi_check::Spec;
//! use serde_json::json;
//!
//! let body = json!({"message_type": "note", "type": "admin", "admin_id": "991001", "body": "<p>x</p>"});
//! if let Err(violations) = Spec::intercom().validate_request("POST", "/conversations/1/reply", Some(&body)) {
//!     panic!("{}", violations.join("\n"));
//! }
//! ```
//!
//! # Layout
//! - [`Spec`]: loads a description and validates bodies against it; [`SpecError`]: why it could not load.
//! - `route`: which path template a concrete path is.
//! - `operation`: each operation's request and response bodies, and their compiled validators.
//! - `schema`: OpenAPI 3.0 schemas rewritten as JSON Schema draft 4 (`nullable`, `format`, …).
//! - `report`: validator errors as messages led by JSON pointers.

mod operation;
mod report;
mod route;
mod schema;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use jsonschema::{Draft, Registry};
use serde_json::{Map, Value};

use operation::{Context, Operation, METHODS};
use route::Template;

/// The URI the rewritten `components` are registered under; `$ref`s from operations point into it.
const DOCUMENT_URI: &str = "urn:baton:openapi-check:components";

/// Why a description could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The description's path.
        path: PathBuf,
        /// What the file system said.
        source: std::io::Error,
    },
    /// The file is not YAML (JSON is YAML too), or has keys that are not strings.
    #[error("{path} is not a YAML document: {source}")]
    Parse {
        /// The description's path.
        path: PathBuf,
        /// What the parser said.
        source: serde_norway::Error,
    },
    /// The document is YAML but not an OpenAPI 3.0 description.
    #[error("{path} is not an OpenAPI 3.0 description: {reason}")]
    NotOpenApi {
        /// The description's path.
        path: PathBuf,
        /// What is missing or unexpected.
        reason: String,
    },
    /// The schemas could not be indexed for `$ref` resolution.
    #[error("cannot index the schemas of {path}: {source}")]
    Index {
        /// The description's path.
        path: PathBuf,
        /// What the resolver said.
        source: Box<jsonschema::ReferencingError>,
    },
}

/// A loaded OpenAPI 3.0 description, ready to validate bodies. Cheap to share: validators are
/// compiled on first use and kept, behind locks that make `&Spec` usable from any thread.
pub struct Spec {
    /// Path templates, in the description's order; `operations[i]` belongs to `templates[i]`.
    templates: Vec<Template>,
    /// The template as written, for messages.
    template_names: Vec<String>,
    /// Per template, its operations by lower-case method.
    operations: Vec<BTreeMap<String, Operation>>,
    /// `{"components": {"schemas": …}}` rewritten as draft 4, registered in `registry`.
    document: Arc<Value>,
    registry: Registry<'static>,
    /// The description as loaded, unchanged (its examples are test data).
    #[cfg_attr(not(test), allow(dead_code))]
    source: Value,
}

impl std::fmt::Debug for Spec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spec").field("paths", &self.template_names.len()).finish_non_exhaustive()
    }
}

impl Spec {
    /// Loads and indexes the OpenAPI 3.0 document (YAML or JSON) at `path`.
    pub fn load(path: &Path) -> Result<Spec, SpecError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| SpecError::Read { path: path.to_owned(), source })?;
        let source: Value = serde_norway::from_str(&text)
            .map_err(|source| SpecError::Parse { path: path.to_owned(), source })?;
        Spec::from_document(source).map_err(|error| error.at(path))
    }

    /// The repository's copy of Intercom's description (`spec/intercom-openapi-2.16.yaml`),
    /// loaded once per process.
    ///
    /// # Panics
    /// When that file is missing or does not load: this is for tests, which cannot go on without it.
    pub fn intercom() -> &'static Spec {
        static INTERCOM: OnceLock<Spec> = OnceLock::new();
        INTERCOM.get_or_init(|| {
            let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/intercom-openapi-2.16.yaml"));
            Spec::load(path).unwrap_or_else(|error| {
                panic!("Intercom's OpenAPI description is vendored in the repository and must load: {error}")
            })
        })
    }

    /// Validates a request: finds the operation for `method` and the concrete `path` (a query
    /// string is ignored; a literal segment beats a templated one), then checks `body` against
    /// the operation's `application/json` request schema.
    ///
    /// `None` and JSON `null` both mean "no body": accepted unless the operation marks its body
    /// `required`. An operation without a request body accepts nothing else. An unknown method
    /// and path is an error. Each error names the offending value's JSON pointer.
    pub fn validate_request(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(), Vec<String>> {
        let (name, operation) = self.operation(method, path)?;
        let body = body.filter(|body| !body.is_null());
        match &operation.request {
            Some(request) => request.check(body, &self.context()),
            None if body.is_none() => Ok(()),
            None => Err(vec![format!("(root): {name} takes no request body, but one was given")]),
        }
        .map_err(|violations| in_operation(&name, "request", violations))
    }

    /// Validates a response body with its status against the operation's
    /// `responses.<status>.content.application/json.schema` (falling back to `4XX`, then
    /// `default`, as OpenAPI does). A JSON `null` stands for an empty body.
    pub fn validate_response(
        &self,
        method: &str,
        path: &str,
        status: u16,
        body: &Value,
    ) -> Result<(), Vec<String>> {
        let (name, operation) = self.operation(method, path)?;
        let Some(response) = operation.response(status) else {
            return Err(vec![format!(
                "{name} documents no {status} response (it documents {})",
                operation.statuses().join(", ")
            )]);
        };
        let body = Some(body).filter(|body| !body.is_null());
        response
            .check(body, &self.context())
            .map_err(|violations| in_operation(&name, "response", violations))
    }

    /// The operation for a method and concrete path, with its name (`POST /contacts/{id}`).
    fn operation(&self, method: &str, path: &str) -> Result<(String, &Operation), Vec<String>> {
        let Some(index) = route::best_match(&self.templates, path) else {
            return Err(vec![format!("no path in the description matches {path}")]);
        };
        let template = &self.template_names[index];
        let operations = &self.operations[index];
        match operations.get(&method.to_ascii_lowercase()) {
            Some(operation) => Ok((format!("{} {template}", method.to_ascii_uppercase()), operation)),
            None => Err(vec![format!(
                "{path} is {template}, which has no {} operation (it has {})",
                method.to_ascii_uppercase(),
                operations.keys().map(|method| method.to_ascii_uppercase()).collect::<Vec<_>>().join(", ")
            )]),
        }
    }

    fn context(&self) -> Context<'_> {
        Context { registry: &self.registry, document_uri: DOCUMENT_URI, document: &self.document }
    }

    /// Indexes a parsed description.
    fn from_document(source: Value) -> Result<Spec, Invalid> {
        let version = source.get("openapi").and_then(Value::as_str).unwrap_or_default();
        if !version.starts_with("3.0.") {
            // 3.1 schemas are JSON Schema 2020-12 (no `nullable`, `type` lists): another rewrite.
            return Err(Invalid::NotOpenApi(format!("`openapi` is {version:?}, not 3.0.x")));
        }
        let Some(paths) = source.get("paths").and_then(Value::as_object) else {
            return Err(Invalid::NotOpenApi("it has no `paths` object".to_owned()));
        };

        let mut templates = Vec::new();
        let mut template_names = Vec::new();
        let mut operations = Vec::new();
        for (template, item) in paths {
            let by_method = METHODS
                .iter()
                .filter_map(|method| {
                    let operation = item.get(*method)?;
                    Some((method.to_string(), Operation::read(operation, &source, DOCUMENT_URI)))
                })
                .collect();
            templates.push(Template::parse(template));
            template_names.push(template.clone());
            operations.push(by_method);
        }

        let schemas: Map<String, Value> = source
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map(|schemas| {
                schemas.iter().map(|(name, schema)| (name.clone(), schema::to_draft4(schema, ""))).collect()
            })
            .unwrap_or_default();
        let document = Arc::new(serde_json::json!({ "components": { "schemas": schemas } }));
        let registry = Registry::new()
            .draft(Draft::Draft4)
            .add(DOCUMENT_URI, Arc::clone(&document))
            .and_then(|registry| registry.prepare())
            .map_err(|error| Invalid::Index(Box::new(error)))?;

        Ok(Spec { templates, template_names, operations, document, registry, source })
    }
}

/// Why a parsed document was refused, before the file's path is known.
enum Invalid {
    NotOpenApi(String),
    Index(Box<jsonschema::ReferencingError>),
}

impl Invalid {
    fn at(self, path: &Path) -> SpecError {
        let path = path.to_owned();
        match self {
            Invalid::NotOpenApi(reason) => SpecError::NotOpenApi { path, reason },
            Invalid::Index(source) => SpecError::Index { path, source },
        }
    }
}

/// Prefixes each violation with the operation, so a failing test says which call was wrong.
fn in_operation(name: &str, what: &str, violations: Vec<String>) -> Vec<String> {
    violations.into_iter().map(|violation| format!("{name} {what}: {violation}")).collect()
}

#[cfg(test)]
mod tests;
