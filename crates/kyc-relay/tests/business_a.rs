//! Business customers (KYB) through the relay against the real sandbox: provider A's company
//! with its beneficial owners (owners created at A with their first file, once; owner ID files
//! and the company's certificate through A's dedicated presigned endpoints; the attach with the
//! certificate as `id_file`; the review to verified), the gaps refused before submitting, and
//! B's and D's refusals with their own codes.

mod support;

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};

use support::business::{
    add_owner, business, open, owner_file, owner_ids, put_file, retried, session_view, submit,
    view, Session,
};
use support::{authorized, call, create_session_request, harness, settled_status, Harness};

/// A minimal PDF, as a scanned certificate of incorporation is often sent.
fn pdf() -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let objects = [
        "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n",
        "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n",
        "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>\nendobj\n",
    ];
    let mut offsets = Vec::new();
    for object in objects {
        offsets.push(pdf.len());
        pdf.extend_from_slice(object.as_bytes());
    }
    // A scan's size: the relay refuses files under 1 KiB.
    pdf.push(b'%');
    pdf.resize(4096, b'x');
    pdf.push(b'\n');
    let xref = pdf.len();
    pdf.extend_from_slice(b"xref\n0 4\n0000000000 65535 f \n");
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    pdf
}

async fn certificate(h: &Harness, session: &Session) {
    let bytes = pdf();
    let request = Request::put("/v1/session/company/slots/certificate_of_incorporation")
        .header(header::AUTHORIZATION, format!("Bearer {}", session.token))
        .header(header::CONTENT_TYPE, "application/pdf")
        .header(header::CONTENT_LENGTH, bytes.len())
        .body(Body::from(bytes))
        .unwrap();
    let (status, receipt) = call(&h.relay, request).await;
    assert_eq!(status, StatusCode::OK, "{receipt}");
    assert_eq!(receipt["document"], "certificate_of_incorporation");
    assert_eq!(receipt["format"], "pdf");
}

/// A's own record of the customer, read from the sandbox with a token of its own.
async fn a_record(h: &Harness, session: &Session) -> Value {
    let stored = h.store.session(&session.id).await.unwrap().unwrap();
    let base = format!("{}/a", h.sandbox.base_url());
    let http = reqwest::Client::new();
    let token: Value = http
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "sandbox-client"),
            ("client_secret", "sandbox-client-secret"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    http.get(format!(
        "{base}/api/external/customer/{}",
        stored.provider_customer_id
    ))
    .bearer_auth(token["access_token"].as_str().unwrap())
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap()
}

#[tokio::test]
async fn a_company_with_two_owners_goes_to_verified_at_a() {
    let h = harness(Duration::from_millis(1500)).await;
    // The host knows one owner; the widget adds the other.
    let session = open(&h, &business("acme-1", "a", &["Grace Hopper"])).await;
    let added = add_owner(&h, &session, "Alan Turing").await;
    assert_eq!(added["removable"], true);

    let before = view(&h, &session).await;
    assert_eq!(before["company_name"], "Acme Widgets Ltd");
    assert_eq!(
        before["owner_documents"],
        json!(["passport", "drivers_license", "residence_permit"])
    );
    let codes: Vec<&str> = before["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|gap| gap["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "missing_company_document",
            "owner_document_missing",
            "owner_document_missing"
        ]
    );
    let owners = owner_ids(&before);
    assert_eq!(owners.len(), 2);
    // Nothing was created at A before the first owner file.
    assert_eq!(a_record(&h, &session).await["owners"], json!([]));

    // Owners, but no file yet: a reload starts at the consent again; with the first file, at
    // the company (the user was past the consent to send it).
    assert_eq!(
        session_view(&h, &session).await.get("business_started"),
        None
    );
    certificate(&h, &session).await;
    assert_eq!(session_view(&h, &session).await["business_started"], true);
    let (status, receipt) = owner_file(&h, &session, &owners[0], "front", "passport", None).await;
    assert_eq!(status, StatusCode::OK, "{receipt}");
    assert_eq!(receipt["owner"], owners[0].as_str());
    for side in ["front", "back"] {
        let (status, receipt) =
            owner_file(&h, &session, &owners[1], side, "drivers_license", None).await;
        assert_eq!(status, StatusCode::OK, "{side}: {receipt}");
    }
    let after = view(&h, &session).await;
    assert_eq!(after["gaps"], json!([]));
    assert_eq!(after["owners"][1]["uploaded"], json!(["front", "back"]));
    assert_eq!(after["owners"][1]["removable"], false);

    let (status, report) = submit(&h, &session).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["status"], json!({"state": "pending"}));

    let record = a_record(&h, &session).await;
    assert_eq!(record["type"], "business");
    assert_eq!(record["status"], "pending");
    let names: Vec<&str> = record["owners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|owner| owner["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Grace Hopper", "Alan Turing"]);
    assert_eq!(record["owners"][1]["id_document_type"], "drivers_license");
    assert!(record["files"]["id_file"].is_string(), "{record}");

    let status = settled_status(&h.relay, &session.token, Duration::from_secs(10)).await;
    assert_eq!(status, json!({"state": "verified"}));

    // The host reads the company and its owners, without provider ids.
    let read = Request::get(format!("/v1/sessions/{}", session.id))
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", support::HOST_KEY),
        )
        .body(Body::empty())
        .unwrap();
    let (status, host) = call(&h.relay, read).await;
    assert_eq!(status, StatusCode::OK, "{host}");
    assert_eq!(host["document_type"], "certificate_of_incorporation");
    assert_eq!(
        host["business"]["company_documents"],
        json!(["certificate_of_incorporation"])
    );
    assert_eq!(host["business"]["owners"][1]["name"], "Alan Turing");
    assert_eq!(
        host["business"]["owners"][1]["uploaded"],
        json!(["front", "back"])
    );
}

#[tokio::test]
async fn a_missing_back_of_an_owner_is_refused_before_a() {
    let h = harness(Duration::from_secs(10)).await;
    let session = open(&h, &business("acme-2", "a", &["Grace Hopper"])).await;
    let owners = owner_ids(&view(&h, &session).await);
    certificate(&h, &session).await;
    let (status, body) =
        owner_file(&h, &session, &owners[0], "front", "drivers_license", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = submit(&h, &session).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_submission");
    assert_eq!(body["error"]["problems"], json!(["owner_missing_side"]));
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("owner 1: the back"),
        "{body}"
    );
    // Nothing was attached at A.
    assert_eq!(a_record(&h, &session).await["status"], "unverified");

    // A passport has no back; a national ID is no owner's document at A.
    let (status, body) = owner_file(&h, &session, &owners[0], "back", "passport", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["problems"], json!(["owner_unexpected_slot"]));
    let (status, body) = owner_file(&h, &session, &owners[0], "front", "national_id", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["error"]["problems"],
        json!(["owner_document_not_accepted"])
    );
}

#[tokio::test]
async fn an_owner_is_created_at_a_once_however_many_requests_ask() {
    let h = harness(Duration::from_secs(10)).await;
    let session = open(&h, &business("acme-3", "a", &["Grace Hopper"])).await;
    let owners = owner_ids(&view(&h, &session).await);
    let (status, first) = owner_file(
        &h,
        &session,
        &owners[0],
        "front",
        "drivers_license",
        Some("key-front"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    // The same request again (a lost answer): the same receipt, no second owner or file.
    let (status, again) = owner_file(
        &h,
        &session,
        &owners[0],
        "front",
        "drivers_license",
        Some("key-front"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again, first);
    // The owner's other side goes to the same owner at A.
    let (status, body) = owner_file(
        &h,
        &session,
        &owners[0],
        "back",
        "drivers_license",
        Some("key-back"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let record = a_record(&h, &session).await;
    let at_a = record["owners"].as_array().unwrap();
    assert_eq!(at_a.len(), 1, "{record}");
    assert_eq!(at_a[0]["name"], "Grace Hopper");
    let files = at_a[0]["files"].as_object().unwrap();
    assert_eq!(files.len(), 2, "{record}");

    // An owner A has cannot be removed; one it does not have can.
    let (status, body) = call(
        &h.relay,
        authorized(
            "DELETE",
            &format!("/v1/session/owners/{}", owners[0]),
            &session.token,
            None,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "owner_at_provider");
    let added = add_owner(&h, &session, "Typo Name").await;
    let (status, body) = call(
        &h.relay,
        authorized(
            "DELETE",
            &format!("/v1/session/owners/{}", added["id"].as_str().unwrap()),
            &session.token,
            None,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(owner_ids(&view(&h, &session).await), owners);

    // Erasing the host's customer takes its owners and files too.
    let erase = Request::delete("/v1/customers/acme-3")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", support::HOST_KEY),
        )
        .body(Body::empty())
        .unwrap();
    let (status, erased) = call(&h.relay, erase).await;
    assert_eq!(status, StatusCode::OK, "{erased}");
    assert_eq!(erased["sessions"], 1, "{erased}");
    assert!(h.store.owners(&session.id).await.unwrap().is_empty());
    assert!(h
        .store
        .business_files(&session.id)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn b_and_d_refuse_a_business_with_their_own_codes() {
    let h = harness(Duration::from_secs(10)).await;
    let person = json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"});
    for (provider, code, names) in [
        (
            "b",
            "business_individuals_only",
            "verify this business with provider A or C",
        ),
        (
            "d",
            "business_separate_onboarding",
            "Technest's business onboarding",
        ),
    ] {
        let mut body = business(&format!("acme-{provider}"), provider, &[]);
        body["person"] = person.clone();
        let (status, answer) = call(&h.relay, create_session_request(&body)).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{provider}: {answer}"
        );
        assert_eq!(answer["error"]["code"], code, "{provider}");
        assert!(
            answer["error"]["message"].as_str().unwrap().contains(names),
            "{provider}: {answer}"
        );
    }
}

#[tokio::test]
async fn a_business_request_is_checked_with_clear_errors() {
    let h = harness(Duration::from_secs(10)).await;
    let too_many: Vec<String> = (0..11).map(|i| format!("Owner {i}")).collect();
    let too_many: Vec<&str> = too_many.iter().map(String::as_str).collect();
    let mut individual = business("acme-4", "a", &[]);
    individual["customer_type"] = json!("individual");
    let mut no_company = business("acme-5", "a", &[]);
    no_company.as_object_mut().unwrap().remove("business");
    let mut blank = business("acme-6", "a", &["  "]);
    blank["business"]["company_name"] = json!("Acme");
    let cases = [
        (individual, "business is only for customer_type business"),
        (no_company, "a business session needs business"),
        (blank, "business.owners[0].name"),
        (business("acme-7", "a", &too_many), "at most 10"),
    ];
    for (body, expected) in cases {
        let (status, answer) = call(&h.relay, create_session_request(&body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{expected}: {message}");
    }
    // An individual's session has no business endpoints, and a business none of an individual's.
    let person = open(
        &h,
        &json!({"customer_reference": "acme-8", "customer_type": "individual", "country": "GBR",
                "provider": "a"}),
    )
    .await;
    let (status, body) = call(
        &h.relay,
        authorized("GET", "/v1/session/business", &person.token, None),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "not_business");
    let company = open(&h, &business("acme-9", "a", &[])).await;
    let (status, body) = call(
        &h.relay,
        put_file(&company.token, "/v1/session/slots/front", None),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "business_session");
}

#[tokio::test]
async fn a_rejected_business_is_tried_again_with_its_company_and_owners() {
    let h = harness(Duration::from_millis(300)).await;
    let session = open(
        &h,
        &business("acme-reject_document_cropped", "a", &["Grace Hopper"]),
    )
    .await;
    let owners = owner_ids(&view(&h, &session).await);
    certificate(&h, &session).await;
    let (status, body) = owner_file(&h, &session, &owners[0], "front", "passport", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = submit(&h, &session).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let status = settled_status(&h.relay, &session.token, Duration::from_secs(10)).await;
    assert_eq!(
        status,
        json!({"state": "rejected", "reason": "document_cropped"})
    );

    let again = retried(&h, &session).await;
    let view = view(&h, &again).await;
    assert_eq!(view["company_name"], "Acme Widgets Ltd");
    assert_eq!(view["owners"][0]["name"], "Grace Hopper");
    // A keeps the owner: it cannot be removed, and its files are sent again.
    assert_eq!(view["owners"][0]["removable"], false);
    assert_eq!(view["owners"][0]["uploaded"], json!([]));
    let new_owner = view["owners"][0]["id"].as_str().unwrap().to_owned();
    let (status, body) = owner_file(&h, &again, &new_owner, "front", "passport", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Still the one owner at A, on the same customer.
    let record = a_record(&h, &again).await;
    assert_eq!(record["owners"].as_array().unwrap().len(), 1, "{record}");
}

/// A token of A's sandbox, as the relay's own client would get it.
async fn a_token(h: &Harness) -> String {
    let token: Value = reqwest::Client::new()
        .post(format!("{}/a/oauth/token", h.sandbox.base_url()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "sandbox-client"),
            ("client_secret", "sandbox-client-secret"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    token["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_owner_whose_creation_answer_was_lost_is_found_at_a_not_created_again() {
    let h = harness(Duration::from_secs(10)).await;
    let session = open(&h, &business("acme-10", "a", &["Grace Hopper"])).await;
    let owners = owner_ids(&view(&h, &session).await);
    // The owner exists at A, as after a creation whose answer never reached the relay.
    let stored = h.store.session(&session.id).await.unwrap().unwrap();
    let created = reqwest::Client::new()
        .post(format!(
            "{}/a/api/external/customer/{}/owner",
            h.sandbox.base_url(),
            stored.provider_customer_id
        ))
        .bearer_auth(a_token(&h).await)
        .json(&json!({"name": "Grace Hopper"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let (status, body) = owner_file(&h, &session, &owners[0], "front", "passport", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let record = a_record(&h, &session).await;
    let at_a = record["owners"].as_array().unwrap();
    assert_eq!(at_a.len(), 1, "{record}");
    assert_eq!(at_a[0]["id_document_type"], "passport");
}

#[tokio::test]
async fn the_demo_opens_a_business_session_of_provider_a() {
    let h = support::harness_with(
        kyc_sandbox::SandboxConfig::default(),
        kyc_relay::RelayConfig {
            sandbox: true,
            demo_sessions: true,
            ..kyc_relay::RelayConfig::default()
        },
    )
    .await;
    let demo = |query: &str| {
        Request::post(format!("/demo/session{query}"))
            .body(Body::empty())
            .unwrap()
    };
    let (status, created) = call(&h.relay, demo("?customer_type=business&lang=en")).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let token = created["token"].as_str().unwrap();
    let (status, view) = call(&h.relay, authorized("GET", "/v1/session", token, None)).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["provider"], "a");
    assert_eq!(view["customer_type"], "business");
    let (status, company) = call(
        &h.relay,
        authorized("GET", "/v1/session/business", token, None),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{company}");
    assert_eq!(company["company_name"], "Demo Trading Ltd");
    assert_eq!(company["owners"], json!([]));
    // Without the parameter, the individual demo as before; anything else is refused.
    let (status, created) = call(&h.relay, demo("")).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let token = created["token"].as_str().unwrap();
    let (_, view) = call(&h.relay, authorized("GET", "/v1/session", token, None)).await;
    assert_eq!(
        (view["provider"].as_str(), view["customer_type"].as_str()),
        (Some("d"), Some("individual"))
    );
    let (status, refused) = call(&h.relay, demo("?customer_type=robot")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert!(refused["error"]["message"]
        .as_str()
        .unwrap()
        .contains("individual or a business"));
}
