//! Rewrites OpenAPI 3.0 Schema Objects as JSON Schema draft 4, the dialect the validator speaks.
//!
//! OpenAPI 3.0's schemas are "an extended subset" of draft 4 (strictly of its successor draft,
//! Wright-00, which validates the same way for the keywords used here). The differences handled:
//! - `nullable: true` becomes an explicit `null` alternative; draft 4 has no such keyword.
//! - Siblings of `$ref` are ignored, as OpenAPI 3.0 says, except `nullable` (see [`to_draft4`]).
//! - Only keywords that constrain a value are kept; `format` is dropped on purpose, as are
//!   annotations (`description`, `example`, `readOnly`, …), `discriminator` and `x-*` extensions.
//!   Keeping only known keywords also means an `id` or `$schema` can never change how a draft 4
//!   validator resolves references.

use serde_json::{Map, Value};

/// Keywords that assert something about a value and mean the same in OpenAPI 3.0 and draft 4.
///
/// `format` is deliberately absent. OpenAPI treats it as an open-ended annotation, and Intercom's
/// description uses it loosely: `format: uuid` on ids that are 24 hex digits (`create_conversation_
/// request.from.id`, with `minLength`/`maxLength` 24 beside it), `format: uri` on the relative
/// `/contacts/{id}/notes`-style `url`s of its own contact examples, `format: date-time` on integer
/// timestamps. Checking formats would reject real Intercom ids and responses.
const ASSERTIONS: &[&str] = &[
    "type",
    "enum",
    "required",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxProperties",
    "minProperties",
];

/// Rewrites one Schema Object, recursively, as a draft 4 schema.
///
/// A local `$ref` (`#/components/...`) gets `ref_base` in front: empty for schemas that live in
/// the indexed document, the document's URI for schemas compiled on their own.
///
/// A `$ref` with `nullable: true` beside it accepts `null` too. OpenAPI 3.0 says siblings of `$ref`
/// are ignored, but Intercom writes `{$ref: company, nullable: true}` for fields its examples
/// show as `null`, so honouring the author's evident intent is the useful reading.
pub(crate) fn to_draft4(schema: &Value, ref_base: &str) -> Value {
    let Value::Object(schema) = schema else {
        // Not a Schema Object (draft 4 has no boolean schemas); pass it through so that the
        // validator's own schema check reports it.
        return schema.clone();
    };
    let nullable = schema.get("nullable") == Some(&Value::Bool(true));
    if let Some(Value::String(target)) = schema.get("$ref") {
        let target = if target.starts_with('#') { format!("{ref_base}{target}") } else { target.clone() };
        let reference = Value::Object(Map::from_iter([("$ref".to_owned(), Value::String(target))]));
        return if nullable { or_null(reference) } else { reference };
    }

    let mut out = Map::new();
    for (keyword, value) in schema {
        let value = match keyword.as_str() {
            // Draft 4 requires `required` and `enum` to be non-empty; an empty one constrains nothing.
            "required" | "enum" if value.as_array().is_some_and(Vec::is_empty) => continue,
            keyword if ASSERTIONS.contains(&keyword) => value.clone(),
            "allOf" | "anyOf" | "oneOf" => match value {
                Value::Array(branches) => {
                    Value::Array(branches.iter().map(|branch| to_draft4(branch, ref_base)).collect())
                }
                other => other.clone(),
            },
            "not" => to_draft4(value, ref_base),
            // Draft 4 also allows an array of schemas here; OpenAPI 3.0 does not, but keep it working.
            "items" => match value {
                Value::Array(items) => {
                    Value::Array(items.iter().map(|item| to_draft4(item, ref_base)).collect())
                }
                item => to_draft4(item, ref_base),
            },
            "additionalProperties" => match value {
                Value::Bool(allowed) => Value::Bool(*allowed),
                schema => to_draft4(schema, ref_base),
            },
            "properties" => match value {
                Value::Object(properties) => Value::Object(
                    properties
                        .iter()
                        .map(|(name, schema)| (name.clone(), to_draft4(schema, ref_base)))
                        .collect(),
                ),
                other => other.clone(),
            },
            _ => continue,
        };
        out.insert(keyword.clone(), value);
    }
    if nullable {
        allow_null(out)
    } else {
        Value::Object(out)
    }
}

/// Makes a rewritten schema accept `null` as well.
///
/// A plain typed schema gets `"null"` added to its `type` (and its `enum`), which keeps error
/// messages short ("5 is not of types "null", "string""). Anything with composition keywords is
/// wrapped instead, since `null` must bypass them all. OpenAPI 3.0.3 would let an `enum` without
/// `null` refuse it even when nullable; Intercom's nullable enums mostly omit `null` yet its
/// responses send it, so null is accepted throughout.
fn allow_null(mut schema: Map<String, Value>) -> Value {
    let composed = ["allOf", "anyOf", "oneOf", "not"].iter().any(|keyword| schema.contains_key(*keyword));
    let Some(Value::String(single)) = schema.get("type").cloned() else {
        return or_null(Value::Object(schema));
    };
    if composed {
        return or_null(Value::Object(schema));
    }
    schema.insert("type".to_owned(), Value::Array(vec![Value::String(single), Value::from("null")]));
    if let Some(Value::Array(values)) = schema.get_mut("enum") {
        if !values.contains(&Value::Null) {
            values.push(Value::Null);
        }
    }
    Value::Object(schema)
}

/// `{"anyOf": [schema, {"type": "null"}]}`.
fn or_null(schema: Value) -> Value {
    let null = Value::Object(Map::from_iter([("type".to_owned(), Value::from("null"))]));
    Value::Object(Map::from_iter([("anyOf".to_owned(), Value::Array(vec![schema, null]))]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn annotations_extensions_and_format_are_dropped() {
        let schema = json!({
            "type": "string", "format": "uuid", "example": "x", "description": "d", "title": "t",
            "x-fern": 1, "readOnly": true, "discriminator": {"propertyName": "type"}, "maxLength": 24
        });
        assert_eq!(to_draft4(&schema, ""), json!({"type": "string", "maxLength": 24}));
    }

    #[test]
    fn property_names_that_look_like_keywords_are_kept() {
        let schema = json!({"type": "object", "properties": {"example": {"type": "string", "example": "e"},
            "id": {"type": "string"}}, "required": ["id"]});
        assert_eq!(
            to_draft4(&schema, ""),
            json!({"type": "object", "properties": {"example": {"type": "string"}, "id": {"type": "string"}},
                "required": ["id"]})
        );
    }

    #[test]
    fn a_nullable_typed_schema_gains_null_in_its_type_and_enum() {
        let schema = json!({"type": "string", "enum": ["a", "b"], "nullable": true});
        assert_eq!(to_draft4(&schema, ""), json!({"type": ["string", "null"], "enum": ["a", "b", null]}));
    }

    #[test]
    fn a_nullable_composed_schema_or_reference_is_wrapped() {
        let reference = json!({"$ref": "#/components/schemas/company", "nullable": true, "description": "d"});
        assert_eq!(
            to_draft4(&reference, "urn:x"),
            json!({"anyOf": [{"$ref": "urn:x#/components/schemas/company"}, {"type": "null"}]})
        );
        let composed = json!({"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": true});
        assert_eq!(
            to_draft4(&composed, ""),
            json!({"anyOf": [{"oneOf": [{"type": "string"}, {"type": "integer"}]}, {"type": "null"}]})
        );
    }

    #[test]
    fn nullable_false_and_empty_required_change_nothing() {
        let schema = json!({"type": "object", "nullable": false, "required": []});
        assert_eq!(to_draft4(&schema, ""), json!({"type": "object"}));
    }

    #[test]
    fn subschemas_are_rewritten_everywhere() {
        let schema = json!({
            "allOf": [{"$ref": "#/a"}], "anyOf": [{"format": "uri"}], "oneOf": [{"nullable": true}],
            "not": {"example": 1}, "items": {"$ref": "#/b"}, "additionalProperties": {"$ref": "#/c"}
        });
        assert_eq!(
            to_draft4(&schema, "u"),
            json!({
                "allOf": [{"$ref": "u#/a"}], "anyOf": [{}], "oneOf": [{"anyOf": [{}, {"type": "null"}]}],
                "not": {}, "items": {"$ref": "u#/b"}, "additionalProperties": {"$ref": "u#/c"}
            })
        );
    }
}
