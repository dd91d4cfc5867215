//! The description's operations and the bodies they take and return, each body's validator
//! compiled on first use and kept.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use jsonschema::{Draft, Registry, Validator};
use serde_json::Value;

use crate::report::Schemas;
use crate::schema::to_draft4;

/// The HTTP methods an OpenAPI Path Item can hold; its other keys (`parameters`, …) are not operations.
pub(crate) const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// What an operation or a response says its body is.
#[derive(Debug)]
enum Media {
    /// `application/json` with this schema, already rewritten as draft 4 (`{}` when none is given).
    Json(Value),
    /// Declared, but only in these other media types.
    Other(Vec<String>),
    /// No `content` at all: no body.
    Nothing,
}

/// A request or response body: its media and, once compiled, its validator.
#[derive(Debug)]
pub(crate) struct Body {
    media: Media,
    /// A request body's `required`; a response that declares content always requires it.
    required: bool,
    /// Compiling takes a while against a large description, so it happens once, when first needed.
    validator: OnceLock<Result<Validator, String>>,
}

/// One method on one path.
#[derive(Debug)]
pub(crate) struct Operation {
    /// `None` when the operation declares no `requestBody`.
    pub(crate) request: Option<Body>,
    /// By status code as written (`"200"`, `"4XX"`, `"default"`).
    responses: BTreeMap<String, Body>,
}

/// What a body is checked against: the registry holding the rewritten `components`.
pub(crate) struct Context<'a> {
    pub(crate) registry: &'a Registry<'static>,
    pub(crate) document_uri: &'a str,
    pub(crate) document: &'a Value,
}

impl Operation {
    /// Reads an Operation Object; `document` is the whole description, for `$ref`'d responses.
    pub(crate) fn read(operation: &Value, document: &Value, document_uri: &str) -> Operation {
        let request = operation.get("requestBody").map(|request| {
            let request = follow(request, document);
            let required = request.get("required").and_then(Value::as_bool).unwrap_or(false);
            Body::read(request, required, document_uri)
        });
        let responses = operation
            .get("responses")
            .and_then(Value::as_object)
            .map(|responses| {
                responses
                    .iter()
                    .map(|(status, response)| {
                        (status.clone(), Body::read(follow(response, document), true, document_uri))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Operation { request, responses }
    }

    /// The response documented for `status`: exactly, else its range (`4XX`), else `default`.
    pub(crate) fn response(&self, status: u16) -> Option<&Body> {
        let range = format!("{}XX", status / 100);
        self.responses
            .get(&status.to_string())
            .or_else(|| self.responses.get(&range))
            .or_else(|| self.responses.get("default"))
    }

    /// Every body the operation declares, request first.
    #[cfg(test)]
    pub(crate) fn bodies(&self) -> impl Iterator<Item = &Body> {
        self.request.iter().chain(self.responses.values())
    }

    /// The documented statuses, for error messages.
    pub(crate) fn statuses(&self) -> Vec<&str> {
        self.responses.keys().map(String::as_str).collect()
    }
}

impl Body {
    fn read(body: &Value, required: bool, document_uri: &str) -> Body {
        let media = match body.get("content").and_then(Value::as_object) {
            None => Media::Nothing,
            Some(content) => match content.get("application/json") {
                Some(json) => Media::Json(json.get("schema").map_or_else(
                    || Value::Object(Default::default()),
                    |schema| to_draft4(schema, document_uri),
                )),
                None => Media::Other(content.keys().cloned().collect()),
            },
        };
        Body { media, required, validator: OnceLock::new() }
    }

    /// Checks `body` (`None` for no body or a JSON `null`) against this declaration.
    pub(crate) fn check(&self, body: Option<&Value>, context: &Context<'_>) -> Result<(), Vec<String>> {
        let Some(body) = body else {
            return match self.media {
                Media::Json(_) | Media::Other(_) if self.required => {
                    Err(vec!["(root): a body is required, but none was given".to_owned()])
                }
                _ => Ok(()),
            };
        };
        let schema = match &self.media {
            Media::Json(schema) => schema,
            Media::Other(types) => {
                return Err(vec![format!("(root): the body must be {}, not JSON", types.join(" or "))]);
            }
            Media::Nothing => return Err(vec!["(root): no body is declared, but one was given".to_owned()]),
        };
        let validator =
            self.validator.get_or_init(|| compile(schema, context)).as_ref().map_err(|error| {
                vec![format!(
                    "the description's schema for this body does not compile as JSON Schema draft 4: {error}"
                )]
            })?;
        let schemas =
            Schemas { document_uri: context.document_uri, document: context.document, root: schema };
        let violations = schemas.describe(validator.iter_errors(body));
        if violations.is_empty() {
            Ok(())
        } else {
            Err(violations)
        }
    }

    /// Compiles the validator now rather than at first use; the error says why it cannot.
    #[cfg(test)]
    pub(crate) fn compile(&self, context: &Context<'_>) -> Result<(), String> {
        match &self.media {
            Media::Json(schema) => self
                .validator
                .get_or_init(|| compile(schema, context))
                .as_ref()
                .map(|_| ())
                .map_err(Clone::clone),
            Media::Other(_) | Media::Nothing => Ok(()),
        }
    }
}

fn compile(schema: &Value, context: &Context<'_>) -> Result<Validator, String> {
    jsonschema::options()
        .with_draft(Draft::Draft4)
        // See `schema::ASSERTIONS`: formats are dropped already; this keeps it so for any left.
        .should_validate_formats(false)
        .with_registry(context.registry)
        .build(schema)
        .map_err(|error| error.to_string())
}

/// Follows a Reference Object (`{"$ref": "#/components/responses/Unauthorized"}`) within the
/// document; anything else, or a reference that leads nowhere, is returned as it is.
fn follow<'a>(value: &'a Value, document: &'a Value) -> &'a Value {
    value
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|target| target.strip_prefix('#'))
        .and_then(|pointer| document.pointer(pointer))
        .unwrap_or(value)
}
