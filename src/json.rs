//! JSON through the browser: `JSON.parse` and `JSON.stringify` handle the text, and
//! serde-wasm-bindgen maps JavaScript values to the wire types and back, so the widget ships no
//! JSON parser of its own (serde_json was 12.7 KB gzip of every visitor's download).

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

/// Why a value could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct JsonError(String);

/// Reads `T` from JSON text.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, JsonError> {
    let value = js_sys::JSON::parse(text).map_err(|_| JsonError(String::from("not JSON")))?;
    from_js(value)
}

/// Reads `T` from a JavaScript value, such as the options object a page passes.
pub fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T, JsonError> {
    serde_wasm_bindgen::from_value(value).map_err(|error| JsonError(error.to_string()))
}

/// Writes `value` as JSON text, exactly as serde_json would: maps as objects, `None` as `null`.
pub fn stringify<T: Serialize>(value: &T) -> Result<String, JsonError> {
    let value = value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|error| JsonError(error.to_string()))?;
    js_sys::JSON::stringify(&value)
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| JsonError(String::from("not serialisable")))
}
