//! One end-to-end pass over the API on org_a fresh SQLite database: token
//! authentication, every endpoint once, and the JSON error answers.

use crate::{AppState, app};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use dangjian_domain::role::Role;
use dangjian_service::{Crypto, Services, Store, auth, orgs, users};
use serde_json::{Value, json};
use tower::ServiceExt;

struct Client {
    app: axum::Router,
    token: String,
}

impl Client {
    async fn send(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> (StatusCode, axum::http::HeaderMap, Value) {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if body.is_some() {
            req = req.header(header::CONTENT_TYPE, "application/json");
        }
        let req = req
            .body(body.map_or_else(Body::empty, |text| Body::from(text.to_owned())))
            .unwrap();
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)))
        };
        (status, headers, value)
    }

    async fn call(&self, method: Method, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
        let body = body.map(|value| value.to_string());
        let (st, _, res) = self
            .send(method, uri, Some(&self.token), body.as_deref())
            .await;
        (st, res)
    }

    /// `call`, asserting the status; the answer.
    async fn expect(
        &self,
        method: Method,
        uri: &str,
        body: Option<Value>,
        status: StatusCode,
    ) -> Value {
        let (st, res) = self.call(method, uri, body).await;
        assert_eq!(st, status, "{uri}: {res}");
        res
    }

    async fn get(&self, uri: &str, status: StatusCode) -> Value {
        self.expect(Method::GET, uri, None, status).await
    }

    async fn post(&self, uri: &str, body: Value, status: StatusCode) -> Value {
        self.expect(Method::POST, uri, Some(body), status).await
    }

    async fn put(&self, uri: &str, body: Value, status: StatusCode) -> Value {
        self.expect(Method::PUT, uri, Some(body), status).await
    }

    /// A `POST` that must create a record under `uri`: its id, checked
    /// against the `Location` header.
    async fn create(&self, uri: &str, body: &Value) -> i64 {
        let (st, hdr, res) = self
            .send(
                Method::POST,
                uri,
                Some(&self.token),
                Some(&body.to_string()),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{res}");
        let id = res["id"].as_i64().unwrap();
        assert_eq!(hdr[header::LOCATION], format!("{uri}/{id}").as_str());
        id
    }
}

#[tokio::test]
async fn api_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("api.db").display());
    let store = Store::connect(&url).await.unwrap();
    let svc = Services::new(store, Crypto::random());
    let root = orgs::create_root(&svc, "测试县委").await.unwrap();
    users::bootstrap(
        &svc,
        "admin",
        "管理员",
        Role::CountyAdmin,
        root,
        "Passw0rd!2024x",
    )
    .await
    .unwrap();
    let (account, _) = auth::login(&svc, "admin", "Passw0rd!2024x")
        .await
        .unwrap()
        .unwrap();
    let actor = account.actor().unwrap();
    let token = auth::create_api_token(&svc, &actor, "测试").await.unwrap();
    let today = svc.clock.today().to_string();
    let api = Client {
        app: app(AppState::new(svc)),
        token,
    };

    // The document is public JSON.
    let (st, hdr, doc) = api
        .send(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(hdr[header::CONTENT_TYPE], "application/json");
    assert_eq!(doc["openapi"], "3.1.0");

    // Tokens.
    let (st, hdr, err) = api.send(Method::GET, "/api/v1/orgs", None, None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert_eq!(err["error"]["code"], "unauthenticated");
    assert!(hdr.contains_key(header::WWW_AUTHENTICATE));
    let (st, _, _) = api
        .send(Method::GET, "/api/v1/orgs", Some("dj_nope"), None)
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    // Organizations.
    let res = api.get("/api/v1/orgs", StatusCode::OK).await;
    assert_eq!(res["org"]["id"], root);
    assert_eq!(res["children"], json!([]));

    let new_org = |name: &str| json!({"parent_id": root, "name": name, "kind": "branch", "sector": "rural", "secretary_name": "张三"});
    let org_a = api.create("/api/v1/orgs", &new_org("第一党支部")).await;
    let (_, res) = api
        .call(Method::POST, "/api/v1/orgs", Some(new_org("第二党支部")))
        .await;
    let org_b = res["id"].as_i64().unwrap();

    let res = api
        .post(
            "/api/v1/orgs",
            json!({"parent_id": root, "name": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(res["error"]["code"], "invalid");
    let res = api
        .post(
            "/api/v1/orgs",
            json!({"name": "第三党支部"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(res["error"]["fields"][0]["field"], "parent_id");
    api.post(
        "/api/v1/orgs",
        json!({"parent_id": 999_999, "name": "第三党支部", "kind": "branch", "sector": "rural"}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    let res = api
        .get(&format!("/api/v1/orgs/{org_a}"), StatusCode::OK)
        .await;
    assert_eq!(res["name"], "第一党支部");
    let mut edit = res.clone();
    edit["population"] = json!(1200);
    let res = api
        .put(&format!("/api/v1/orgs/{org_a}"), edit, StatusCode::OK)
        .await;
    assert_eq!(res["population"], 1200);

    let res = api
        .get(&format!("/api/v1/orgs?parent={root}"), StatusCode::OK)
        .await;
    assert_eq!(res["children"].as_array().unwrap().len(), 2);
    let res = api.get("/api/v1/orgs/search?q=第二", StatusCode::OK).await;
    assert_eq!(res["items"][0]["id"], org_b);
    api.get("/api/v1/orgs/search", StatusCode::UNPROCESSABLE_ENTITY)
        .await;

    for bad in ["abc", "0", "-1", "99999999999999999999", "424242"] {
        let res = api
            .get(&format!("/api/v1/orgs/{bad}"), StatusCode::NOT_FOUND)
            .await;
        assert_eq!(res["error"]["code"], "not_found");
    }

    // Malformed bodies.
    let uri = format!("/api/v1/orgs/{org_a}");
    for (body, status) in [
        (Some("{\"name\": "), StatusCode::BAD_REQUEST),
        (Some("not json"), StatusCode::BAD_REQUEST),
        (Some(""), StatusCode::BAD_REQUEST),
        (Some("{\"name\": {}}"), StatusCode::UNPROCESSABLE_ENTITY),
        (Some("[\"x\"]"), StatusCode::UNPROCESSABLE_ENTITY),
        (Some("{} trailing"), StatusCode::BAD_REQUEST),
        (None, StatusCode::BAD_REQUEST),
    ] {
        let (st, _, res) = api.send(Method::PUT, &uri, Some(&api.token), body).await;
        assert_eq!(st, status, "{body:?}: {res}");
        assert_eq!(res["error"]["code"], "bad_request", "{body:?}");
        assert!(
            !res["error"]["message"].as_str().unwrap().is_ascii(),
            "{res}"
        );
    }
    let (st, _, res) = api.send(Method::DELETE, &uri, Some(&api.token), None).await;
    assert_eq!(st, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res["error"]["code"], "method_not_allowed");
    let res = api.get("/api/v1/nothing", StatusCode::NOT_FOUND).await;
    assert_eq!(res["error"]["code"], "not_found");

    // Members.
    let member = json!({
        "org_id": org_a, "name": "李四", "id_card": "11010519491231002X", "category": "full",
        "joined_on": "1980-01-01", "full_on": "1981-01-01", "phone": "13800138000",
    });
    let mid = api.create("/api/v1/members", &member).await;
    let res = api
        .post(
            "/api/v1/members",
            member.clone(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(res["error"]["fields"][0]["field"], "id_card", "{res}");

    let res = api.get("/api/v1/members", StatusCode::OK).await;
    assert_eq!(res["total"], 1);
    assert_eq!(res["capped"], false);
    assert_eq!(res["page"], 1);
    assert_eq!(res["pages"], 1);
    assert_eq!(res["items"][0]["org_name"], "第一党支部");
    let res = api
        .get("/api/v1/members?category=full&q=李&page=1", StatusCode::OK)
        .await;
    assert_eq!(res["total"], 1);
    let res = api
        .get("/api/v1/members?age=old", StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(res["error"]["fields"][0]["field"], "age");

    let res = api
        .get(&format!("/api/v1/members/{mid}"), StatusCode::OK)
        .await;
    assert_eq!(res["member"]["name"], "李四");
    assert_eq!(res["org_name"], "第一党支部");
    assert!(res["member"].get("id_card_enc").is_none());
    assert_ne!(res["member"]["id_card_masked"], "11010519491231002X");
    let mut edit = res["member"].clone();
    edit["post"] = json!("村委会主任");
    let res = api
        .put(&format!("/api/v1/members/{mid}"), edit, StatusCode::OK)
        .await;
    assert_eq!(res["post"], "村委会主任");

    api.post(
        &format!("/api/v1/members/{mid}/transfer"),
        json!({"org_id": org_b, "on_date": today, "reason": "工作调动"}),
        StatusCode::NO_CONTENT,
    )
    .await;
    let (_, res) = api
        .call(Method::GET, &format!("/api/v1/members/{mid}"), None)
        .await;
    assert_eq!(res["org_name"], "第二党支部");
    assert_eq!(res["transfers"][0]["reason"], "工作调动");

    // Move and dissolve.
    let res = api
        .post(
            &format!("/api/v1/orgs/{org_b}/move"),
            json!({"parent_id": org_a}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(res["parent_id"], org_a);
    api.post(
        &format!("/api/v1/orgs/{org_a}/dissolve"),
        json!({"dissolved_on": today}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    api.post(
        &format!("/api/v1/orgs/{org_b}/move"),
        json!({"parent_id": root}),
        StatusCode::OK,
    )
    .await;
    api.post(
        &format!("/api/v1/orgs/{org_a}/dissolve"),
        json!({"dissolved_on": today}),
        StatusCode::NO_CONTENT,
    )
    .await;
    let (_, res) = api.call(Method::GET, "/api/v1/orgs", None).await;
    assert_eq!(res["children"].as_array().unwrap().len(), 1);
    let (_, res) = api
        .call(Method::GET, "/api/v1/orgs?include_dissolved=true", None)
        .await;
    assert_eq!(res["children"].as_array().unwrap().len(), 2);
}
