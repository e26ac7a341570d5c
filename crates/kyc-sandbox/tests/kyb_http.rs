//! Business customers (KYB) over real HTTP against a started `Sandbox` (files through s3s-fs):
//! A's owners, owner ID files, KYB documents and the attach whose `id_file` (the certificate of
//! incorporation) starts the review, with its webhooks and every refusal; C's KYB verification
//! types. The documents' words are quoted next to each rule; the sandbox's choices where they
//! are silent are in the README ("Provider A: business customers (KYB)").

mod common;

use std::time::Duration;

use common::http::{json_of, receiver, start, wait_for_deliveries, Api};
use common::{jpeg, pdf, KEY};
use kyc_sandbox::{webhook, Sandbox, SandboxConfig};
use serde_json::{json, Value};

async fn provider_a(sandbox: &Sandbox) -> Api {
    let (status, token) = json_of(
        reqwest::Client::new()
            .post(format!("{}/a/oauth/token", sandbox.base_url()))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "sandbox-client"),
                ("client_secret", "sandbox-client-secret"),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{token}");
    Api::new(sandbox, "a", token["access_token"].as_str().unwrap())
}

async fn customer(a: &Api, kind: &str, reference: &str) -> String {
    let (status, body) = a
        .post(
            "/api/external/customer",
            json!({"type": kind, "reference": reference}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

async fn owner(a: &Api, customer: &str, name: &str) -> String {
    let (status, body) = a
        .post(
            &format!("/api/external/customer/{customer}/owner"),
            json!({"name": name}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["customer_id"], customer);
    assert_eq!(body["name"], name);
    body["id"].as_str().unwrap().to_owned()
}

/// A presigned upload requested at `path` with `request`: its file id and, unless `put` is
/// false, the bytes PUT through s3s-fs.
async fn upload(sandbox: &Sandbox, a: &Api, path: &str, request: Value, put: bool) -> String {
    let (status, body) = a.post(path, request.clone()).await;
    assert_eq!(status, 201, "{path} {request}: {body}");
    let url = body["upload_url"].as_str().unwrap();
    // The same signed storage URLs as the individual endpoint's.
    assert!(url.starts_with(&sandbox.storage_url()), "{url}");
    assert_eq!(body["method"], "PUT");
    if put {
        let bytes = match request["content_type"].as_str() {
            Some("application/pdf") => pdf(),
            _ => jpeg(),
        };
        let response = a.put_presigned(url, &body["headers"], bytes).await;
        assert_eq!(response.status().as_u16(), 200);
    }
    body["file_id"].as_str().unwrap().to_owned()
}

/// An owner's ID file of `category` for a `document` (`None`: not named), PUT.
async fn owner_file(
    sandbox: &Sandbox,
    a: &Api,
    customer: &str,
    owner: &str,
    category: &str,
    document: &str,
) -> String {
    let path = format!("/api/external/customer/{customer}/owner/{owner}/file/presigned-url");
    let request =
        json!({"category": category, "content_type": "image/jpeg", "document_type": document});
    upload(sandbox, a, &path, request, true).await
}

/// A KYB document of the company, PUT.
async fn kyb_document(sandbox: &Sandbox, a: &Api, customer: &str, document: &str) -> String {
    let path = format!("/api/external/customer/{customer}/document/presigned-url");
    let request = json!({"content_type": "application/pdf", "document_type": document});
    upload(sandbox, a, &path, request, true).await
}

async fn attach(a: &Api, customer: &str, body: Value) -> (u16, Value) {
    a.post(&format!("/api/external/customer/{customer}/files"), body)
        .await
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<no error code>")
}

/// Asserts a refusal: status and code.
fn refused(answer: (u16, Value), status: u16, expected: &str) -> Value {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert_eq!(code(&answer.1), expected, "{}", answer.1);
    answer.1
}

#[tokio::test]
async fn a_company_with_two_owners_is_reviewed_from_its_certificate_with_webhooks() {
    let (hook, received) = receiver().await;
    let sandbox = start(SandboxConfig {
        review_delay: Duration::from_millis(300),
        webhook_url: Some(hook),
        ..SandboxConfig::default()
    })
    .await;
    let a = provider_a(&sandbox).await;
    let mut ids = Vec::new();
    for reference in ["acme-1", "globex-reject_registry_mismatch"] {
        let id = customer(&a, "business", reference).await;
        // Owners' IDs follow the individual rules (assumed): a passport has one side, a driver's
        // license two.
        let grace = owner(&a, &id, "Grace Hopper").await;
        owner_file(&sandbox, &a, &id, &grace, "identity", "passport").await;
        let alan = owner(&a, &id, "Alan Turing").await;
        owner_file(&sandbox, &a, &id, &alan, "identity", "drivers_license").await;
        owner_file(&sandbox, &a, &id, &alan, "identity_back", "drivers_license").await;
        // "Other files [...] can be uploaded before or alongside id_file, but verification will
        // only begin once id_file is included."
        let address = kyb_document(&sandbox, &a, &id, "proof_of_address").await;
        let (status, body) = attach(&a, &id, json!({"proof_of_address_file": address})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["verification_started"], false);
        assert_eq!(body["status"], "unverified");
        let certificate = kyb_document(&sandbox, &a, &id, "certificate_of_incorporation").await;
        let (status, body) = attach(
            &a,
            &id,
            json!({"id_file": certificate, "id_document_type": "certificate_of_incorporation"}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["verification_started"], true);
        assert_eq!(body["status"], "pending");
        assert_eq!(body["id_document_type"], "certificate_of_incorporation");
        assert_eq!(body["files"]["id_file"], certificate.as_str());
        assert_eq!(body["files"]["proof_of_address_file"], address.as_str());
        let owners = body["owners"].as_array().unwrap();
        let names: Vec<&str> = owners.iter().map(|o| o["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Grace Hopper", "Alan Turing"]);
        assert_eq!(owners[0]["id_document_type"], "passport");
        assert_eq!(owners[1]["id_document_type"], "drivers_license");
        assert!(owners[1]["files"]["identity_back"].is_string());
        // The review is running: nothing more is attached ("usually minutes, up to 2 hours").
        refused(
            attach(&a, &id, json!({"id_file": certificate})).await,
            409,
            "verification_in_progress",
        );
        ids.push(id);
    }
    // "Listen for the customer.verified or customer.rejected webhook to know when the review
    // is complete."
    let events = wait_for_deliveries(&received, 2).await;
    assert_eq!(events.len(), 2);
    let mut seen = Vec::new();
    for (headers, body) in &events {
        assert!(webhook::verify(
            "sandbox-webhook-secret",
            headers["x-sandbox-timestamp"].to_str().unwrap(),
            headers["x-sandbox-signature"].to_str().unwrap(),
            body
        ));
        assert_eq!(headers["x-sandbox-provider"], "a");
        let event: Value = serde_json::from_slice(body).unwrap();
        seen.push((
            event["data"]["customer_id"].as_str().unwrap().to_owned(),
            event["type"].as_str().unwrap().to_owned(),
            event["data"]["rejection_reason"].clone(),
        ));
    }
    seen.sort_by(|x, y| x.0.cmp(&y.0));
    let mut expected = vec![
        (ids[0].clone(), "customer.verified".to_owned(), Value::Null),
        (
            ids[1].clone(),
            "customer.rejected".to_owned(),
            json!("registry_mismatch"),
        ),
    ];
    expected.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(seen, expected);
    let (_, verified) = a.get(&format!("/api/external/customer/{}", ids[0])).await;
    assert_eq!(verified["status"], "verified");
    let (_, rejected) = a.get(&format!("/api/external/customer/{}", ids[1])).await;
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["rejection_reason"], "registry_mismatch");
    // A verified company takes no new attach.
    refused(
        attach(&a, &ids[0], json!({"proof_of_address_file": "file_x"})).await,
        409,
        "already_verified",
    );
}

#[tokio::test]
async fn kyb_endpoints_refuse_wrong_use_with_a_specific_error() {
    let sandbox = start(SandboxConfig {
        review_delay: Duration::from_secs(60),
        ..SandboxConfig::default()
    })
    .await;
    let a = provider_a(&sandbox).await;
    let ada = customer(&a, "individual", "ada").await;
    let acme = customer(&a, "business", "acme").await;
    let globex = customer(&a, "business", "globex").await;
    let documents = format!("/api/external/customer/{acme}/document/presigned-url");
    let post = |path: String, body: Value| {
        let a = &a;
        async move { a.post(&path, body).await }
    };

    // Individuals have no owners nor KYB documents.
    refused(
        post(
            format!("/api/external/customer/{ada}/owner"),
            json!({"name": "X"}),
        )
        .await,
        422,
        "business_only",
    );
    refused(
        post(
            format!("/api/external/customer/{ada}/document/presigned-url"),
            json!({"content_type": "application/pdf", "document_type": "certificate_of_incorporation"}),
        )
        .await,
        422,
        "business_only",
    );
    refused(
        post(
            format!("/api/external/customer/{acme}/owner"),
            json!({"name": "  "}),
        )
        .await,
        422,
        "invalid_name",
    );
    // "For type=business customers, do not use this endpoint."
    refused(
        post(
            format!("/api/external/customer/{acme}/file/presigned-url"),
            json!({"category": "identity", "content_type": "application/pdf"}),
        )
        .await,
        422,
        "use_kyb_endpoints",
    );

    // KYB documents: "only a Certificate of Incorporation"; "ID cards (National Identity
    // Cards) are NOT accepted"; a person's ID goes to the owner endpoint.
    for (document, expected) in [
        ("national_id", "document_not_accepted"),
        ("passport", "document_not_accepted"),
        ("articles_of_association", "invalid_document_type"),
    ] {
        let body = refused(
            post(
                documents.clone(),
                json!({"content_type": "application/pdf", "document_type": document}),
            )
            .await,
            422,
            expected,
        );
        if expected == "document_not_accepted" {
            let message = body["error"]["message"].as_str().unwrap();
            assert!(
                message.contains("certificate_of_incorporation, proof_of_address"),
                "{message}"
            );
        }
    }
    refused(
        post(
            documents.clone(),
            json!({"content_type": "application/pdf"}),
        )
        .await,
        422,
        "document_type_required",
    );
    refused(
        post(
            documents.clone(),
            json!({"category": "identity", "content_type": "application/pdf",
                   "document_type": "certificate_of_incorporation"}),
        )
        .await,
        422,
        "invalid_category",
    );

    // Owners: a person's documents only, in the identity categories; an owner of another
    // customer is not found here.
    let grace = owner(&a, &acme, "Grace Hopper").await;
    let owner_path = |customer: &str, owner: &str| {
        format!("/api/external/customer/{customer}/owner/{owner}/file/presigned-url")
    };
    for (request, expected) in [
        (
            json!({"category": "identity", "content_type": "image/jpeg", "document_type": "national_id"}),
            "document_not_accepted",
        ),
        (
            json!({"category": "identity", "content_type": "image/jpeg",
                   "document_type": "certificate_of_incorporation"}),
            "document_not_accepted",
        ),
        (
            json!({"category": "identity", "content_type": "image/jpeg"}),
            "document_type_required",
        ),
        (
            json!({"category": "liveness_check", "content_type": "image/jpeg", "document_type": "passport"}),
            "invalid_category",
        ),
        (
            json!({"category": "identity", "content_type": "image/gif", "document_type": "passport"}),
            "unsupported_content_type",
        ),
    ] {
        refused(
            post(owner_path(&acme, &grace), request).await,
            422,
            expected,
        );
    }
    let stranger = owner(&a, &globex, "Not Acme's").await;
    refused(
        post(
            owner_path(&acme, &stranger),
            json!({"category": "identity", "content_type": "image/jpeg", "document_type": "passport"}),
        )
        .await,
        404,
        "owner_not_found",
    );

    // The attach of a business: id_file is the certificate, and it starts the review only
    // after the owners' IDs.
    let certificate = kyb_document(&sandbox, &a, &acme, "certificate_of_incorporation").await;
    let address = kyb_document(&sandbox, &a, &acme, "proof_of_address").await;
    let nobody = customer(&a, "business", "nobody").await;
    let lonely = kyb_document(&sandbox, &a, &nobody, "certificate_of_incorporation").await;
    refused(
        attach(&a, &nobody, json!({"id_file": lonely})).await,
        422,
        "owners_required",
    );
    refused(
        attach(&a, &acme, json!({"id_file": certificate})).await,
        422,
        "owner_id_file_required",
    );
    let front = owner_file(&sandbox, &a, &acme, &grace, "identity", "drivers_license").await;
    let body = refused(
        attach(&a, &acme, json!({"id_file": certificate})).await,
        422,
        "owner_id_file_back_required",
    );
    assert!(body["error"]["message"].as_str().unwrap().contains(&grace));
    for (request, status, expected) in [
        // Single-sided: "Not required for single-sided documents (e.g. passport, certificate
        // of incorporation)".
        (
            json!({"id_file": certificate, "id_file_back": address}),
            422,
            "id_file_back_not_used",
        ),
        (
            json!({"id_file": certificate, "liveness_check_file": address}),
            422,
            "liveness_not_for_business",
        ),
        // "a Certificate of Incorporation for business customers"; no ID cards.
        (
            json!({"id_file": certificate, "id_document_type": "national_id"}),
            422,
            "document_not_accepted",
        ),
        (
            json!({"id_file": certificate, "id_document_type": "passport"}),
            422,
            "document_not_accepted",
        ),
        // An owner's ID, or the proof of address, is not the certificate.
        (json!({"id_file": front}), 422, "file_category_mismatch"),
        (json!({"id_file": address}), 422, "file_category_mismatch"),
        (
            json!({"proof_of_address_file": certificate}),
            422,
            "file_category_mismatch",
        ),
        // Another customer's certificate.
        (json!({"id_file": lonely}), 404, "file_not_found"),
        (json!({}), 422, "no_files"),
    ] {
        refused(attach(&a, &acme, request).await, status, expected);
    }
    // A passport owner takes no back, at upload or at attach.
    let ada_owner = owner(&a, &acme, "Ada Lovelace").await;
    owner_file(&sandbox, &a, &acme, &ada_owner, "identity", "passport").await;
    refused(
        post(
            owner_path(&acme, &ada_owner),
            json!({"category": "identity_back", "content_type": "image/jpeg"}),
        )
        .await,
        422,
        "owner_id_file_back_not_used",
    );
    // Grace's back is requested but never PUT: the attach names the file that has not arrived.
    let back = upload(
        &sandbox,
        &a,
        &owner_path(&acme, &grace),
        json!({"category": "identity_back", "content_type": "image/jpeg"}),
        false,
    )
    .await;
    let body = refused(
        attach(&a, &acme, json!({"id_file": certificate})).await,
        422,
        "file_not_uploaded",
    );
    assert!(body["error"]["message"].as_str().unwrap().contains(&back));
    // A newer upload overrides it ("Newly uploaded files override previous records").
    owner_file(
        &sandbox,
        &a,
        &acme,
        &grace,
        "identity_back",
        "drivers_license",
    )
    .await;
    let (status, body) = attach(&a, &acme, json!({"id_file": certificate})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "pending");
}

#[tokio::test]
async fn c_checks_a_business_as_kyb_and_business_entity_verifications() {
    // C: "Use verifications for KYC/KYB compliance, age verification, or business entity
    // validation."
    let sandbox = start(SandboxConfig {
        review_delay: Duration::from_millis(200),
        ..SandboxConfig::default()
    })
    .await;
    let c = Api::new(&sandbox, "c", KEY);
    let company = "5a0e4d1c-8b7f-4e2a-9c3d-1f2e3d4c5b6a";
    let mut created = Vec::new();
    for kind in ["business_entity", "kyb"] {
        let (status, body) = c
            .post(
                "/v1/customer-verifications",
                json!({"check_type": "registry", "customer_id": company,
                       "provider": "sandbox-registry", "verification_type": kind}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["data"]["verification_type"], kind);
        assert_eq!(body["data"]["status"], "pending");
        created.push(body["data"]["id"].as_str().unwrap().to_owned());
    }
    let (status, body) = c
        .post(
            "/v1/customer-verifications",
            json!({"check_type": "registry", "customer_id": company,
                   "provider": "sandbox-registry", "verification_type": "company"}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(code(&body), "invalid_verification_type");
    tokio::time::sleep(Duration::from_millis(500)).await;
    for (kind, id) in ["business_entity", "kyb"].into_iter().zip(&created) {
        let (status, list) = c
            .get(&format!(
                "/v1/customer-verifications?customer_id={company}&verification_type={kind}"
            ))
            .await;
        assert_eq!(status, 200, "{list}");
        let data = list["data"].as_array().unwrap();
        assert_eq!(data.len(), 1, "{list}");
        assert_eq!(data[0]["id"], id.as_str());
        assert_eq!(data[0]["status"], "verified");
    }
}
