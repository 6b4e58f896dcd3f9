//! The OpenAPI 3.1 description of `/api/v1/`, written out here rather than derived by macros:
//! the API is small, and the action and evidence-kind lists come from the domain enums, so they
//! cannot drift from what the handlers accept.

use axum::Json;
use rectify_core::workflow::{ActionKind, EvidenceKind};
use serde_json::{Value, json};

fn number_param() -> Value {
    json!({"name": "number", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1}, "description": "问题序号"})
}

fn plan_param() -> Value {
    json!({"name": "plan", "in": "query", "required": false, "schema": {"type": "string"}, "description": "方案名称（多个方案时）"})
}

fn refusals() -> Value {
    json!({
        "401": {"description": "未登录或令牌无效"},
        "403": {"description": "CSRF 校验失败（会话请求缺少 X-CSRF-Token）"},
        "404": {"description": "没有该问题，或不在该用户的范围内"},
        "409": {"description": "工作流拒绝：角色、单位、状态、材料或公示期不符", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    })
}

fn with_refusals(ok: Value) -> Value {
    let mut responses = refusals();
    if let (Some(all), Some(ok)) = (responses.as_object_mut(), ok.as_object()) {
        all.extend(ok.clone());
    }
    responses
}

fn json_body(schema: &str) -> Value {
    json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}})
}

pub fn document() -> Value {
    let actions: Vec<&str> = ActionKind::ALL
        .iter()
        .filter(|k| !matches!(k, ActionKind::Object | ActionKind::CloseNotice))
        .map(|k| k.code())
        .collect();
    let kinds: Vec<&str> = EvidenceKind::ALL.iter().map(|k| k.code()).collect();
    let text = json!({"type": "string"});
    json!({
        "openapi": "3.1.0",
        "info": {"title": "rectify 督察整改台账 API", "version": env!("CARGO_PKG_VERSION")},
        "security": [{"session": [], "csrf": []}, {"token": []}],
        "paths": {
            "/api/v1/version": {"get": {"summary": "版本与数据库", "security": [], "responses": {"200": {"description": "名称、版本、架构版本、后端"}}}},
            "/api/v1/openapi.json": {"get": {"summary": "本文档", "security": [], "responses": {"200": {"description": "OpenAPI 3.1"}}}},
            "/api/v1/session": {
                "post": {"summary": "登录：设置会话 Cookie，返回 CSRF 令牌", "security": [], "requestBody": json_body("Login"),
                         "responses": {"200": {"description": "csrf_token 与用户信息"}, "401": {"description": "用户名或密码错误"}}},
                "delete": {"summary": "退出", "responses": {"204": {"description": "会话已结束"}, "401": {"description": "未登录"}, "403": {"description": "CSRF 校验失败"}}},
            },
            "/api/v1/items/{number}": {"get": {"summary": "问题的台账字段、状态与佐证材料", "parameters": [number_param(), plan_param()], "responses": with_refusals(json!({"200": {"description": "问题"}}))}},
            "/api/v1/items/{number}/actions/{action}": {"post": {
                "summary": "工作流操作（与 CLI 的 rectify item 相同的检查）",
                "parameters": [number_param(), plan_param(), {"name": "action", "in": "path", "required": true, "schema": {"type": "string", "enum": actions}}],
                "requestBody": json_body("ActionBody"),
                "responses": with_refusals(json!({"200": {"description": "from、to 与记入审计日志的 facts"}})),
            }},
            "/api/v1/items/{number}/objections": {"post": {"summary": "登记公示异议（联系方式不公开）", "parameters": [number_param(), plan_param()], "requestBody": json_body("Objection"), "responses": with_refusals(json!({"201": {"description": "异议编号"}}))}},
            "/api/v1/items/{number}/reports": {"post": {"summary": "月度进展填报", "parameters": [number_param(), plan_param()], "requestBody": json_body("Report"), "responses": with_refusals(json!({"201": {"description": "进展编号、是否迟报"}}))}},
            "/api/v1/items/{number}/evidence": {"post": {
                "summary": "上传一份佐证材料（请求体为文件内容）",
                "parameters": [number_param(), plan_param(),
                    {"name": "kind", "in": "query", "required": true, "schema": {"type": "string", "enum": kinds}},
                    {"name": "file_name", "in": "query", "required": true, "schema": text},
                    {"name": "title", "in": "query", "required": false, "schema": text},
                    {"name": "supersedes", "in": "query", "required": false, "schema": {"type": "integer"}}],
                "requestBody": {"required": true, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
                "responses": with_refusals(json!({"201": {"description": "材料编号、SHA-256、大小、类型"}})),
            }},
            "/api/v1/evidence/{id}": {"get": {"summary": "下载佐证材料（内容与登记的 SHA-256 不符时拒绝）",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                "responses": with_refusals(json!({"200": {"description": "文件内容"}}))}},
        },
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "rectify_session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
                "token": {"type": "http", "scheme": "bearer", "description": "rectify token create 生成"},
            },
            "schemas": {
                "Error": {"type": "object", "properties": {"error": text}},
                "Login": {"type": "object", "required": ["username", "password"], "properties": {"username": text, "password": text}},
                "ActionBody": {"type": "object", "properties": {
                    "plan_text": text, "note": text, "reason": text, "team": text, "opinion": text,
                    "rework_due": {"type": "string", "format": "date"}, "channel": text, "link": text,
                    "objection": {"type": "integer"}, "conclusion": text, "passed": {"type": "boolean"},
                    "deadline": text, "approve": {"type": "boolean"}}},
                "Objection": {"type": "object", "required": ["source", "content"], "properties": {"source": text, "content": text, "contact": text}},
                "Report": {"type": "object", "required": ["period", "text"], "properties": {
                    "period": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}, "text": text,
                    "done": {"type": "array", "items": {"type": "integer"}}, "schedule": text,
                    "evidence": {"type": "array", "items": {"type": "integer"}}}},
            },
        },
    })
}

pub async fn serve() -> Json<Value> {
    Json(document())
}
