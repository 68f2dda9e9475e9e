//! `GET /openapi.json`: the OpenAPI 3.1 document of every operation, built with utoipa from the operations table the
//! router is built from.

use std::sync::OnceLock;

use axum::http::{Method, StatusCode};
use axum::response::Response;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder, Required, ResponseBuilder,
};

use crate::operations::{Body, Operation, operations};
use crate::transaction::json_response;

const BEARER: &str = "iam_token";

fn http_method(method: &Method) -> HttpMethod {
    match *method {
        Method::GET => HttpMethod::Get,
        Method::POST => HttpMethod::Post,
        Method::PUT => HttpMethod::Put,
        Method::PATCH => HttpMethod::Patch,
        Method::DELETE => HttpMethod::Delete,
        Method::HEAD => HttpMethod::Head,
        Method::OPTIONS => HttpMethod::Options,
        _ => HttpMethod::Trace,
    }
}

fn json_type(name: &str) -> Type {
    match name {
        "string" => Type::String,
        "array" => Type::Array,
        "integer" => Type::Integer,
        "boolean" => Type::Boolean,
        _ => Type::Object,
    }
}

/// The path parameters of a template: the names between braces.
fn path_parameters(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter_map(|segment| segment.strip_prefix('{').and_then(|rest| rest.strip_suffix('}')))
}

fn operation(op: &Operation) -> utoipa::openapi::path::Operation {
    let string = || ObjectBuilder::new().schema_type(Type::String).min_length(Some(1));
    let mut builder = OperationBuilder::new().operation_id(Some(op.id)).summary(Some(op.summary)).tag(op.tag);
    for name in path_parameters(op.path) {
        builder = builder.parameter(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(string())),
        );
    }
    for (name, required) in op.query {
        let required = if *required { Required::True } else { Required::False };
        builder = builder.parameter(
            ParameterBuilder::new()
                .name(*name)
                .parameter_in(ParameterIn::Query)
                .required(required)
                .schema(Some(string())),
        );
    }
    let body = match op.body {
        Body::None => None,
        Body::Json(members) => {
            let mut object = ObjectBuilder::new().schema_type(Type::Object);
            for (name, kind) in members {
                object = object.property(*name, ObjectBuilder::new().schema_type(json_type(kind))).required(*name);
            }
            Some(("application/json", object))
        }
        Body::Form(fields) => {
            let mut object = ObjectBuilder::new().schema_type(Type::Object);
            for name in fields {
                object = object.property(*name, string()).required(*name);
            }
            Some(("application/x-www-form-urlencoded", object))
        }
        Body::Multipart(parts) => {
            let mut object = ObjectBuilder::new().schema_type(Type::Object);
            for name in parts {
                let file = ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)));
                object = object.property(*name, file).required(*name);
            }
            Some(("multipart/form-data", object))
        }
    };
    if let Some((media_type, schema)) = body {
        builder = builder.request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content(media_type, ContentBuilder::new().schema(Some(schema)).build())
                .build(),
        ));
    }
    let success = StatusCode::from_u16(op.success).unwrap_or(StatusCode::OK);
    let description = success.canonical_reason().unwrap_or("success");
    builder = builder.response(op.success.to_string(), ResponseBuilder::new().description(description));
    // Every refusal is in IBM's envelope; the document names the ones any operation can give.
    builder = builder.response("400", ResponseBuilder::new().description("invalid request, in the IBM error envelope"));
    if op.authenticated {
        builder = builder
            .response("401", ResponseBuilder::new().description("missing or invalid token"))
            .security(SecurityRequirement::new(BEARER, Vec::<String>::new()));
    }
    builder.build()
}

/// The document, built once from the operations table.
pub fn openapi() -> &'static OpenApi {
    static DOCUMENT: OnceLock<OpenApi> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut paths = PathsBuilder::new();
        for (op, _) in operations() {
            paths = paths.path(op.path, PathItem::new(http_method(&op.method), operation(&op)));
        }
        let bearer =
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build());
        OpenApiBuilder::new()
            .info(InfoBuilder::new().title("hubspoke").version(env!("CARGO_PKG_VERSION")).description(Some(
                "IBM Cloud IAM authorization policies and VPC DNS sharing, self-hosted. Tokens come from \
                         POST /identity/token; errors use IBM's envelopes.",
            )))
            .paths(paths)
            .components(Some(ComponentsBuilder::new().security_scheme(BEARER, bearer).build()))
            .build()
    })
}

/// `GET /openapi.json`: the document is serialised once, like it is built once.
pub async fn document() -> Response {
    static JSON: OnceLock<serde_json::Value> = OnceLock::new();
    json_response(StatusCode::OK, JSON.get_or_init(|| serde_json::to_value(openapi()).unwrap_or_default()))
}
