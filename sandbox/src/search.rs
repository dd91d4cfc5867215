//! Intercom's search queries (`search_request`): single filters `{field, operator, value}`
//! nested in `AND`/`OR` groups, matched against contacts or conversations in memory.

use serde_json::Value;

use crate::error::IntercomError;

/// A field's value in a record, as search compares it.
#[derive(Debug, Clone, PartialEq)]
pub enum Field<'a> {
    /// A string, or null.
    Text(Option<&'a str>),
    /// An integer or timestamp, or null.
    Number(Option<i64>),
    /// A boolean.
    Bool(bool),
    /// A list of strings (`contact_ids`): `=` means "contains".
    Texts(Vec<&'a str>),
}

/// A record search can look into.
pub trait Searchable {
    /// The fields a query may name.
    const FIELDS: &'static [&'static str];
    /// The value of one of [`Self::FIELDS`].
    fn field(&self, name: &str) -> Field<'_>;
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// One comparison.
    Filter {
        /// The field.
        field: String,
        /// `=`, `!=`, `IN`, `NIN`, `>`, `<`, `>=`, `<=`, `~`, `!~`, `^` or `$`.
        operator: String,
        /// What it is compared with.
        value: Value,
    },
    /// Every one of these.
    All(Vec<Query>),
    /// Any one of these.
    Any(Vec<Query>),
}

const OPERATORS: [&str; 12] = ["=", "!=", "IN", "NIN", ">", "<", ">=", "<=", "~", "!~", "^", "$"];

impl Query {
    /// Reads a `query` object for records of type `T`.
    pub fn parse<T: Searchable>(query: &Value) -> Result<Self, IntercomError> {
        let invalid = |message: String| IntercomError::ParameterInvalid(message);
        let operator = query
            .get("operator")
            .and_then(Value::as_str)
            .ok_or_else(|| IntercomError::missing("operator"))?;
        if let Some(field) = query.get("field") {
            let field = field.as_str().ok_or_else(|| invalid("field must be a string".into()))?;
            if !T::FIELDS.contains(&field) {
                return Err(invalid(format!("{field} is not a searchable field in the sandbox")));
            }
            if !OPERATORS.contains(&operator) {
                return Err(invalid(format!("{operator} is not a valid operator")));
            }
            let value = query.get("value").cloned().unwrap_or(Value::Null);
            return Ok(Self::Filter { field: field.to_owned(), operator: operator.to_owned(), value });
        }
        let parts = query
            .get("value")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid("value must be an array of filters for AND and OR".into()))?
            .iter()
            .map(Self::parse::<T>)
            .collect::<Result<Vec<_>, _>>()?;
        match operator {
            "AND" => Ok(Self::All(parts)),
            "OR" => Ok(Self::Any(parts)),
            other => Err(invalid(format!("{other} is not a valid operator for a group of filters"))),
        }
    }

    /// Whether `record` satisfies the query.
    pub fn matches<T: Searchable>(&self, record: &T) -> bool {
        match self {
            Self::All(parts) => parts.iter().all(|part| part.matches(record)),
            Self::Any(parts) => parts.iter().any(|part| part.matches(record)),
            Self::Filter { field, operator, value } => compare(&record.field(field), operator, value),
        }
    }
}

fn compare(field: &Field<'_>, operator: &str, value: &Value) -> bool {
    match operator {
        "IN" => value.as_array().is_some_and(|values| values.iter().any(|value| equals(field, value))),
        "NIN" => value.as_array().is_some_and(|values| !values.iter().any(|value| equals(field, value))),
        "=" => equals(field, value),
        "!=" => !equals(field, value),
        ">" | "<" | ">=" | "<=" => match (field, number(value)) {
            (Field::Number(Some(have)), Some(want)) => match operator {
                ">" => have > &want,
                "<" => have < &want,
                ">=" => have >= &want,
                _ => have <= &want,
            },
            _ => false,
        },
        _ => match (field, value.as_str()) {
            (Field::Text(Some(have)), Some(want)) => {
                let (have, want) = (have.to_lowercase(), want.to_lowercase());
                match operator {
                    "~" => have.contains(&want),
                    "!~" => !have.contains(&want),
                    "^" => have.starts_with(&want),
                    _ => have.ends_with(&want),
                }
            }
            _ => false,
        },
    }
}

fn equals(field: &Field<'_>, value: &Value) -> bool {
    match field {
        Field::Text(None) | Field::Number(None) => value.is_null(),
        Field::Text(Some(have)) => text(value).is_some_and(|want| have.eq_ignore_ascii_case(&want)),
        Field::Number(Some(have)) => number(value) == Some(*have),
        Field::Bool(have) => match value {
            Value::Bool(want) => have == want,
            Value::String(want) => want.parse::<bool>().ok() == Some(*have),
            _ => false,
        },
        Field::Texts(have) => text(value).is_some_and(|want| have.iter().any(|item| *item == want)),
    }
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn number(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    struct Row {
        email: &'static str,
        created_at: i64,
        tags: Vec<&'static str>,
    }

    impl Searchable for Row {
        const FIELDS: &'static [&'static str] = &["email", "created_at", "tags", "missing"];

        fn field(&self, name: &str) -> Field<'_> {
            match name {
                "email" => Field::Text(Some(self.email)),
                "created_at" => Field::Number(Some(self.created_at)),
                "tags" => Field::Texts(self.tags.clone()),
                _ => Field::Text(None),
            }
        }
    }

    fn matches(query: Value) -> bool {
        let row = Row { email: "Ada@Example.com", created_at: 100, tags: vec!["a", "b"] };
        Query::parse::<Row>(&query).expect("valid query").matches(&row)
    }

    #[test]
    fn single_filters_compare_like_intercom() {
        assert!(matches(json!({"field": "email", "operator": "=", "value": "ada@example.com"})));
        assert!(matches(json!({"field": "email", "operator": "$", "value": "example.com"})));
        assert!(matches(json!({"field": "created_at", "operator": ">", "value": "99"})));
        assert!(!matches(json!({"field": "created_at", "operator": "<", "value": 100})));
        assert!(matches(json!({"field": "tags", "operator": "=", "value": "b"})));
        assert!(matches(json!({"field": "missing", "operator": "=", "value": null})));
        assert!(matches(json!({"field": "email", "operator": "NIN", "value": ["x@y.z"]})));
    }

    #[test]
    fn groups_nest() {
        let yes = json!({"field": "tags", "operator": "=", "value": "a"});
        let no = json!({"field": "tags", "operator": "=", "value": "z"});
        assert!(matches(json!({"operator": "OR", "value": [no, yes]})));
        assert!(!matches(json!({"operator": "AND", "value": [yes, no]})));
        assert!(matches(json!({"operator": "AND", "value": [yes, {"operator": "OR", "value": [no, yes]}]})));
    }

    #[test]
    fn unknown_fields_and_operators_are_refused() {
        for query in [
            json!({"field": "nope", "operator": "=", "value": 1}),
            json!({"field": "email", "operator": "LIKE", "value": 1}),
            json!({"operator": "XOR", "value": []}),
        ] {
            assert!(
                matches!(Query::parse::<Row>(&query), Err(IntercomError::ParameterInvalid(_))),
                "{query}"
            );
        }
    }
}
