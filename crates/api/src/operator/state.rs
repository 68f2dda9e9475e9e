//! `GET /_hubspoke/state` and `PUT /_hubspoke/state`: the operator saves the whole state as a document and loads
//! one back, whole or not at all. `docs/snapshots.md` describes the document.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use hubspoke_app::state::{Cell, StateSnapshot, TableRows};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::ApiState;
use crate::error::ApiError;
use crate::extract::Authenticated;
use crate::transaction::json_response;

/// What the document says it is, so another JSON file is refused before anything else is read.
pub const FORMAT: &str = "hubspoke-state";

/// The largest document a load takes: far above a test world, far below what would exhaust memory.
pub const MAX_STATE_BYTES: usize = 64 * 1024 * 1024;

/// The document.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Document {
    format: String,
    version: i64,
    tables: Vec<Table>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Table {
    name: String,
    columns: Vec<String>,
    rows: Vec<Vec<Value>>,
}

/// Saves: the document, every table a snapshot holds, parents first.
pub async fn save(State(state): State<ApiState>, Authenticated(caller): Authenticated) -> Result<Response, ApiError> {
    let snapshot = state.app.save_state(&caller).await?;
    let tables = snapshot
        .tables
        .into_iter()
        .map(|table| Table {
            name: table.name,
            columns: table.columns,
            rows: table
                .rows
                .into_iter()
                .map(|row| {
                    row.into_iter()
                        .map(|cell| match cell {
                            Cell::Null => Value::Null,
                            Cell::Integer(value) => json!(value),
                            Cell::Text(value) => Value::String(value),
                        })
                        .collect()
                })
                .collect(),
        })
        .collect();
    let document = Document { format: FORMAT.to_owned(), version: snapshot.schema_version, tables };
    let document = serde_json::to_value(&document)
        .map_err(|error| hubspoke_app::AppError::Internal(format!("the state cannot be written as JSON: {error}")))?;
    Ok(json_response(StatusCode::OK, &document))
}

/// Loads a document, replacing the state, and answers the load's revision once this replica serves it.
pub async fn load(
    State(state): State<ApiState>,
    Authenticated(caller): Authenticated,
    body: Bytes,
) -> Result<Response, ApiError> {
    let document: Document = serde_json::from_slice(&body)
        .map_err(|error| ApiError::invalid_body(format!("the body is not a state document: {error}")))?;
    if document.format != FORMAT {
        return Err(ApiError::invalid_body(format!(
            "`format` is `{}`; a state document says `{FORMAT}`",
            document.format
        )));
    }
    let mut tables = Vec::with_capacity(document.tables.len());
    for table in document.tables {
        let mut rows = Vec::with_capacity(table.rows.len());
        for (number, row) in table.rows.into_iter().enumerate() {
            let cells = row
                .into_iter()
                .map(|value| match value {
                    Value::Null => Ok(Cell::Null),
                    Value::String(text) => Ok(Cell::Text(text)),
                    Value::Number(number) if number.is_i64() => Ok(Cell::Integer(number.as_i64().unwrap_or_default())),
                    other => Err(other),
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|other| {
                    ApiError::invalid_body(format!(
                        "row {} of `{}` holds `{other}`; values are null, integers or strings",
                        number + 1,
                        table.name
                    ))
                })?;
            rows.push(cells);
        }
        tables.push(TableRows { name: table.name, columns: table.columns, rows });
    }
    let snapshot = StateSnapshot { schema_version: document.version, tables };
    let revision = state.app.load_state(&caller, &snapshot).await?;
    Ok(json_response(StatusCode::OK, &json!({ "revision": revision })))
}
