//! The `kyc-sandbox` binary: starts with no configuration, prints its URLs, serves, and on
//! SIGTERM stops together with its s3s-fs.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

#[tokio::test]
async fn binary_prints_its_urls_serves_and_stops_its_storage_on_sigterm() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_kyc-sandbox"))
        .args(["--listen", "127.0.0.1:0", "--review-delay-secs", "0.2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut base = None;
    let mut storage = None;
    let read = async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.strip_prefix("kyc-sandbox base URL: ") {
                base = Some(url.to_owned());
            }
            if let Some(url) = line.strip_prefix("kyc-sandbox storage URL: ") {
                storage = Some(url.to_owned());
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), read)
        .await
        .expect("the binary prints its URLs");
    let (base, storage) = (base.expect("base URL"), storage.expect("storage URL"));
    let client = reqwest::Client::new();
    let health = client.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let created = client
        .post(format!("{base}/d/v1/customers"))
        .bearer_auth("sandbox-api-key")
        .json(&serde_json::json!({"customer_reference": "bin-1", "type": "individual", "country": "GBR"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let storage_addr = storage.trim_start_matches("http://").to_owned();
    assert!(tokio::net::TcpStream::connect(&storage_addr).await.is_ok());

    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("the binary exits on SIGTERM")
        .unwrap();
    assert!(status.success(), "{status}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        tokio::net::TcpStream::connect(&storage_addr).await.is_err(),
        "s3s-fs still listening after the binary stopped"
    );
}
