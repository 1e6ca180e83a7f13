//! Checks a response against an OpenAPI 3.1 document: the operation for the method and path,
//! the status (or `default`), the media type and the JSON body against its schema. The schema
//! checker knows the subset the document uses: `$ref`, `type` (one or a list), `enum`,
//! `properties`, `required`, `additionalProperties` and `items`.

use serde_json::Value;

/// The operation of `method` on the document's path template matching `path`.
fn operation<'a>(spec: &'a Value, method: &str, path: &str) -> Option<&'a Value> {
    let path = path.split('?').next().unwrap_or(path);
    let parts: Vec<&str> = path.split('/').collect();
    spec["paths"]
        .as_object()?
        .iter()
        .find_map(|(template, item)| {
            let t: Vec<&str> = template.split('/').collect();
            let same = t.len() == parts.len()
                && t.iter()
                    .zip(&parts)
                    .all(|(a, b)| a == b || (a.starts_with('{') && !b.is_empty()));
            if same {
                item.get(method.to_ascii_lowercase())
            } else {
                None
            }
        })
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            resolve(spec, &spec["components"]["schemas"][name])
        }
        None => schema,
    }
}

fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every way `value` breaks `schema`, each with its JSON path.
pub fn violations(spec: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    let schema = resolve(spec, schema);
    if let Some(t) = schema.get("type") {
        let allowed: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let actual = type_of(value);
        if !allowed
            .iter()
            .any(|a| *a == actual || (*a == "number" && actual == "integer"))
        {
            out.push(format!("{at}: {actual}, expected {allowed:?}"));
            return;
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        out.push(format!("{at}: {value} is not one of {options:?}"));
    }
    if let Value::Object(map) = value {
        for key in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(k) = key.as_str()
                && !map.contains_key(k)
            {
                out.push(format!("{at}: missing {k}"));
            }
        }
        let props = schema.get("properties").and_then(Value::as_object);
        for (k, v) in map {
            match props.and_then(|p| p.get(k)) {
                Some(s) => violations(spec, s, v, &format!("{at}.{k}"), out),
                None => {
                    if let Some(extra) = schema.get("additionalProperties")
                        && extra.is_object()
                    {
                        violations(spec, extra, v, &format!("{at}.{k}"), out);
                    }
                }
            }
        }
    }
    if let (Value::Array(items), Some(s)) = (value, schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            violations(spec, s, item, &format!("{at}[{i}]"), out);
        }
    }
}

/// Whether a response is one the document allows.
pub fn check(
    spec: &Value,
    method: &str,
    path: &str,
    status: u16,
    content_type: Option<&str>,
    body: &str,
) -> Result<(), String> {
    let error_schema = serde_json::json!({ "$ref": "#/components/schemas/Error" });
    let Some(op) = operation(spec, method, path) else {
        // No such route: the fallback's 404 in the error shape; a method the path does not
        // take: 405 in the error shape.
        let other_method = ["get", "post", "put", "patch", "delete"]
            .iter()
            .any(|m| operation(spec, m, path).is_some());
        if status != 404 && !(status == 405 && other_method) {
            return Err(format!("no operation {method} {path}, yet status {status}"));
        }
        return json_against(spec, &error_schema, content_type, body);
    };
    let response = op["responses"]
        .get(status.to_string())
        .unwrap_or(&op["responses"]["default"]);
    if status >= 400 && op["responses"].get(status.to_string()).is_none() {
        return json_against(spec, &error_schema, content_type, body);
    }
    let Some(content) = response.get("content").and_then(Value::as_object) else {
        return if body.is_empty() {
            Ok(())
        } else {
            Err(format!("status {status} has no body in the document"))
        };
    };
    let media = content_type
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim();
    let Some(described) = content.get(media) else {
        return Err(format!(
            "media type {media:?} is not among {:?}",
            content.keys().collect::<Vec<_>>()
        ));
    };
    if media == "application/json" {
        json_against(spec, &described["schema"], content_type, body)
    } else {
        Ok(())
    }
}

fn json_against(
    spec: &Value,
    schema: &Value,
    content_type: Option<&str>,
    body: &str,
) -> Result<(), String> {
    if !content_type.is_some_and(|t| t.starts_with("application/json")) {
        return Err(format!("expected JSON, got {content_type:?}"));
    }
    let value: Value = serde_json::from_str(body).map_err(|e| format!("not JSON: {e}"))?;
    let mut out = Vec::new();
    violations(spec, schema, &value, "$", &mut out);
    if out.is_empty() {
        Ok(())
    } else {
        Err(out.join("; "))
    }
}
