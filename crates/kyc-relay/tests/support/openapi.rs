//! A small checker of `docs/openapi.yaml`: is an answer declared for its endpoint and status,
//! and does its JSON body fit the declared schema (`required`, `properties`, `type`, `enum`,
//! `items`, `oneOf`, `nullable`, `additionalProperties: false`, through `$ref`)? And does a
//! JSON request the relay accepted fit the declared request schema?

use std::sync::OnceLock;

use serde_json::{Map, Value};

const DOCUMENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.yaml");

/// The OpenAPI document, as JSON.
pub struct Contract {
    doc: Value,
}

impl Contract {
    pub fn load() -> Contract {
        let text = std::fs::read_to_string(DOCUMENT).expect("docs/openapi.yaml is readable");
        let doc: Value = serde_yaml::from_str(&text).expect("docs/openapi.yaml is YAML");
        assert_eq!(doc["openapi"].as_str().map(|v| &v[..2]), Some("3."));
        Contract { doc }
    }

    /// The path template of the document that `path` matches (`{name}` matches one segment).
    pub fn template(&self, path: &str) -> Option<String> {
        let path = path.split('?').next().unwrap_or(path);
        let segments: Vec<&str> = path.split('/').collect();
        self.doc["paths"]
            .as_object()?
            .keys()
            .find(|template| {
                let parts: Vec<&str> = template.split('/').collect();
                parts.len() == segments.len()
                    && parts.iter().zip(&segments).all(|(part, segment)| {
                        part == segment
                            || (part.starts_with('{') && part.ends_with('}') && !segment.is_empty())
                    })
            })
            .cloned()
    }

    /// Follows `$ref`s (`#/a/b/c`) until a value without one.
    fn resolve<'a>(&'a self, mut value: &'a Value) -> Result<&'a Value, String> {
        for _ in 0..16 {
            let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
                return Ok(value);
            };
            let pointer = reference
                .strip_prefix('#')
                .ok_or_else(|| format!("only local $ref are supported: {reference}"))?;
            value = self
                .doc
                .pointer(pointer)
                .ok_or_else(|| format!("dangling $ref {reference}"))?;
        }
        Err("a $ref cycle".to_owned())
    }

    /// Checks a JSON request body the relay accepted against the operation's declared
    /// `application/json` request schema (so the document asks for no more, and no other
    /// fields, than the relay takes).
    pub fn check_request(&self, method: &str, path: &str, body: &Value) -> Result<(), String> {
        let template = self
            .template(path)
            .ok_or_else(|| format!("{path} is not a path of the document"))?;
        let operation = self.doc["paths"][&template]
            .get(method.to_ascii_lowercase())
            .ok_or_else(|| format!("{method} {template} is not declared"))?;
        let schema = operation
            .get("requestBody")
            .and_then(|request| request.get("content"))
            .and_then(|content| content.get("application/json"))
            .and_then(|media| media.get("schema"))
            .ok_or_else(|| format!("{method} {template} declares no JSON request body"))?;
        self.check(schema, body, "request")
    }

    /// Checks one answer: `method path` declared, `status` declared for it, `body` fitting the
    /// declared `application/json` schema (or empty where no content is declared).
    pub fn check_response(
        &self,
        method: &str,
        path: &str,
        status: u16,
        body: &Value,
    ) -> Result<(), String> {
        let template = self
            .template(path)
            .ok_or_else(|| format!("{path} is not a path of the document"))?;
        let operation = self.doc["paths"][&template]
            .get(method.to_ascii_lowercase())
            .ok_or_else(|| format!("{method} {template} is not declared"))?;
        let response = operation["responses"]
            .get(status.to_string())
            .ok_or_else(|| format!("{method} {template} does not declare status {status}"))?;
        let response = self.resolve(response)?;
        match response.get("content") {
            None if body.is_null() => Ok(()),
            None => Err(format!(
                "{method} {template} {status} declares no content, got {body}"
            )),
            Some(content) => {
                let schema = content
                    .get("application/json")
                    .and_then(|media| media.get("schema"))
                    .ok_or_else(|| {
                        format!("{method} {template} {status} declares no JSON schema")
                    })?;
                self.check(schema, body, "$")
            }
        }
    }

    /// Whether `value` fits `schema`; the error names where it does not.
    pub fn check(&self, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
        let schema = self.resolve(schema)?;
        if let Some(alternatives) = schema.get("oneOf").and_then(Value::as_array) {
            let fitting = alternatives
                .iter()
                .filter(|alternative| self.check(alternative, value, at).is_ok())
                .count();
            return match fitting {
                1 => Ok(()),
                n => Err(format!("{at}: {value} fits {n} of the oneOf alternatives")),
            };
        }
        if value.is_null() && schema.get("nullable") == Some(&Value::Bool(true)) {
            return Ok(());
        }
        if let Some(kind) = schema.get("type").and_then(Value::as_str) {
            let fits = match kind {
                "object" => value.is_object(),
                "array" => value.is_array(),
                "string" => value.is_string(),
                "integer" => value.is_i64() || value.is_u64(),
                "number" => value.is_number(),
                "boolean" => value.is_boolean(),
                other => return Err(format!("{at}: unknown type {other} in the document")),
            };
            if !fits {
                return Err(format!("{at}: {value} is not of type {kind}"));
            }
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
            if !allowed.contains(value) {
                return Err(format!("{at}: {value} is not one of {allowed:?}"));
            }
        }
        if let Some(object) = value.as_object() {
            self.check_object(schema, object, at)?;
        }
        if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
            for (index, item) in array.iter().enumerate() {
                self.check(items, item, &format!("{at}[{index}]"))?;
            }
        }
        Ok(())
    }

    fn check_object(
        &self,
        schema: &Value,
        object: &Map<String, Value>,
        at: &str,
    ) -> Result<(), String> {
        let empty = Map::new();
        let properties = schema
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        for required in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = required.as_str().unwrap_or_default();
            if !object.contains_key(name) {
                return Err(format!("{at}: the required property {name} is missing"));
            }
        }
        let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
        for (name, value) in object {
            match properties.get(name) {
                Some(property) => self.check(property, value, &format!("{at}.{name}"))?,
                None if closed => return Err(format!("{at}: the property {name} is not declared")),
                None => {}
            }
        }
        Ok(())
    }
}

/// The document, loaded once per test binary.
pub fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(Contract::load)
}
