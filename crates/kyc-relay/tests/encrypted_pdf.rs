//! Encrypted PDFs through the relay against the real sandbox: a statement encrypted with an
//! owner password only (banks restrict editing and copying that way; the user password is
//! empty, so every reader opens it without a question) is taken, whatever its cipher; one that
//! asks for a password is refused `pdf_encrypted`; and an owner-encrypted file's decrypted
//! objects are checked for active content as any other's. The files are made with lopdf's own
//! encryption (RC4 40 and 128 bit, AES-128, AES-256), as a bank's PDF library writes them.

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use lopdf::encryption::crypt_filters::{Aes128CryptFilter, Aes256CryptFilter, CryptFilter};
use lopdf::{
    dictionary, Document, EncryptionState, EncryptionVersion, Object, Permissions, Stream,
    StringFormat,
};
use serde_json::{json, Value};

use support::{call, create_session, harness, upload, Harness};

/// The ciphers of the PDF standard's security handler, by the version lopdf names them.
#[derive(Clone, Copy, Debug)]
enum Cipher {
    Rc4_40,
    Rc4_128,
    Aes128,
    Aes256,
}

/// A one-page statement (its text in a content stream long enough to pass the smallest file),
/// with `catalog_extra` in its catalog.
fn statement(catalog_extra: Option<(&str, Object)>) -> Document {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let text = "BT /F1 10 Tf 50 700 Td (Statement of account: 12 High Street) Tj ET\n".repeat(40);
    let content_id = doc.add_object(Stream::new(dictionary! {}, text.into_bytes()));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => Object::Reference(pages_id),
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Contents" => Object::Reference(content_id),
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => vec![Object::Reference(page_id)],
            "Count" => 1,
        }),
    );
    let mut catalog = dictionary! {
        "Type" => "Catalog",
        "Pages" => Object::Reference(pages_id),
    };
    if let Some((key, value)) = catalog_extra {
        catalog.set(key, value);
    }
    let catalog_id = doc.add_object(catalog);
    doc.trailer.set("Root", Object::Reference(catalog_id));
    let id = Object::String(vec![0x5a; 16], StringFormat::Hexadecimal);
    doc.trailer.set("ID", Object::Array(vec![id.clone(), id]));
    doc
}

/// `doc` encrypted with `cipher`, the owner password `owner` and the user password `user`
/// (empty: it opens without a question).
fn encrypted(mut doc: Document, cipher: Cipher, owner: &str, user: &str) -> Vec<u8> {
    let permissions = Permissions::PRINTABLE;
    let filters = |filter: Arc<dyn CryptFilter>| BTreeMap::from([(b"StdCF".to_vec(), filter)]);
    let key = [7u8; 32];
    let version = match cipher {
        Cipher::Rc4_40 => EncryptionVersion::V1 {
            document: &doc,
            owner_password: owner,
            user_password: user,
            permissions,
        },
        Cipher::Rc4_128 => EncryptionVersion::V2 {
            document: &doc,
            owner_password: owner,
            user_password: user,
            key_length: 128,
            permissions,
        },
        Cipher::Aes128 => EncryptionVersion::V4 {
            document: &doc,
            encrypt_metadata: true,
            crypt_filters: filters(Arc::new(Aes128CryptFilter)),
            stream_filter: b"StdCF".to_vec(),
            string_filter: b"StdCF".to_vec(),
            owner_password: owner,
            user_password: user,
            permissions,
        },
        Cipher::Aes256 => EncryptionVersion::V5 {
            encrypt_metadata: true,
            crypt_filters: filters(Arc::new(Aes256CryptFilter)),
            file_encryption_key: &key,
            stream_filter: b"StdCF".to_vec(),
            string_filter: b"StdCF".to_vec(),
            owner_password: owner,
            user_password: user,
            permissions,
        },
    };
    let state = EncryptionState::try_from(version).unwrap();
    doc.encrypt(&state).unwrap();
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    assert!(
        bytes.windows(8).any(|w| w == b"/Encrypt"),
        "{cipher:?}: not encrypted"
    );
    bytes
}

async fn send(h: &Harness, reference: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let token = create_session(&h.relay, reference).await;
    call(
        &h.relay,
        upload(&token, "proof_of_address", "application/pdf", bytes),
    )
    .await
}

/// Asserts a 422 whose only problem is `problem`, for the PDF `what` (a cipher, a case).
fn assert_refused(status: StatusCode, body: &Value, problem: &str, what: impl std::fmt::Debug) {
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what:?}: {body}");
    assert_eq!(body["error"]["problems"], json!([problem]), "{what:?}");
}

/// Every [`Cipher`]: each test below tries them all.
const CIPHERS: [Cipher; 4] = [
    Cipher::Rc4_40,
    Cipher::Rc4_128,
    Cipher::Aes128,
    Cipher::Aes256,
];

#[tokio::test]
async fn a_pdf_encrypted_with_an_owner_password_only_is_taken_whatever_its_cipher() {
    let h = harness(Duration::from_secs(5)).await;
    for (n, cipher) in CIPHERS.into_iter().enumerate() {
        let bytes = encrypted(statement(None), cipher, "bank-owner", "");
        let (status, receipt) = send(&h, &format!("owner-only-{n}"), bytes).await;
        assert_eq!(status, StatusCode::OK, "{cipher:?}: {receipt}");
        assert_eq!(receipt["format"], "pdf", "{cipher:?}");
    }
}

#[tokio::test]
async fn a_pdf_that_asks_for_a_password_is_refused_whatever_its_cipher() {
    let h = harness(Duration::from_secs(5)).await;
    for (n, cipher) in CIPHERS.into_iter().enumerate() {
        let bytes = encrypted(statement(None), cipher, "bank-owner", "date-of-birth");
        let (status, body) = send(&h, &format!("user-password-{n}"), bytes).await;
        assert_refused(status, &body, "pdf_encrypted", cipher);
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("the PDF asks for a password to open"),
            "{message}"
        );
    }
    // An `/Encrypt` entry whose dictionary is not there: no reader opens it without asking.
    let mut doc = statement(None);
    doc.trailer.set("Encrypt", Object::Reference((99, 0)));
    let mut dangling = Vec::new();
    doc.save_to(&mut dangling).unwrap();
    let (status, body) = send(&h, "dangling-encrypt", dangling).await;
    assert_refused(status, &body, "pdf_encrypted", "dangling /Encrypt");
}

/// The standard security handler's padding (ISO 32000-1, 7.6.3.3, algorithm 2).
const PADDING: [u8; 32] = [
    0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
    0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
];

fn md5(parts: &[&[u8]]) -> [u8; 16] {
    use md5::Digest;
    let mut hasher = md5::Md5::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

fn rc4(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut s: Vec<u8> = (0..=255).collect();
    let mut j = 0u8;
    for i in 0..256 {
        j = j.wrapping_add(s[i]).wrapping_add(key[i % key.len()]);
        s.swap(i, j as usize);
    }
    let (mut i, mut j) = (0u8, 0u8);
    data.iter()
        .map(|byte| {
            i = i.wrapping_add(1);
            j = j.wrapping_add(s[i as usize]);
            s.swap(i as usize, j as usize);
            byte ^ s[s[i as usize].wrapping_add(s[j as usize]) as usize]
        })
        .collect()
}

/// A statement as PDF 1.5 writers make them (iText, a bank's): every dictionary in an object
/// stream found through a cross-reference stream, encrypted with RC4 40 (revision 2) and an
/// owner password only. Written by hand, as lopdf writes no object stream for an encrypted
/// document: the catalog, its pages and (with `script`) a JavaScript action run on opening are
/// in the encrypted object stream, so no name of them is in the file's bytes.
fn owner_encrypted_with_object_stream(script: bool) -> Vec<u8> {
    let id = [0x5a_u8; 16];
    let permissions = (-4_i32).to_le_bytes();
    let owner_key = &md5(&[&PADDING])[..5]; // The owner password is empty: only its padding.
    let owner_value = rc4(owner_key, &PADDING); // The user password is empty: its padding.
    let file_key = md5(&[&PADDING, &owner_value, &permissions, &id]);
    let file_key = &file_key[..5];
    let user_value = rc4(file_key, &PADDING);
    let object_key = |number: u32| {
        let n = number.to_le_bytes();
        md5(&[file_key, &n[..3], &[0, 0]])[..10].to_vec()
    };
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02X}")).collect::<String>();

    let inner = [
        "<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R >>".to_owned(),
        if script {
            "<< /S /JavaScript /JS (app.launchURL\\('https://x.test'\\)) >>"
        } else {
            "<< /S /GoTo /D [3 0 R /Fit] >>"
        }
        .to_owned(),
    ];
    let mut offsets = String::new();
    let mut bodies = String::new();
    for (i, body) in inner.iter().enumerate() {
        offsets.push_str(&format!("{} {} ", i + 1, bodies.len()));
        bodies.push_str(body);
        bodies.push('\n');
    }
    let object_stream = format!("{offsets}\n{bodies}");
    let first = offsets.len() + 1;

    let mut file = b"%PDF-1.5\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut at = [0usize; 12];
    let text = "BT /F1 10 Tf 50 700 Td (Statement of account: 12 High Street) Tj ET\n".repeat(30);
    let mut stream_object = |file: &mut Vec<u8>, number: u32, dict: &str, data: &[u8]| {
        at[number as usize] = file.len();
        let data = rc4(&object_key(number), data);
        file.extend_from_slice(
            format!(
                "{number} 0 obj\n<< {dict}/Length {} >>\nstream\n",
                data.len()
            )
            .as_bytes(),
        );
        file.extend_from_slice(&data);
        file.extend_from_slice(b"\nendstream\nendobj\n");
    };
    stream_object(&mut file, 5, "", text.as_bytes());
    stream_object(
        &mut file,
        10,
        &format!("/Type /ObjStm /N 4 /First {first} "),
        object_stream.as_bytes(),
    );
    at[6] = file.len();
    file.extend_from_slice(
        format!(
            "6 0 obj\n<< /Filter /Standard /V 1 /R 2 /O <{}> /U <{}> /P -4 >>\nendobj\n",
            hex(&owner_value),
            hex(&user_value)
        )
        .as_bytes(),
    );
    // The cross-reference stream (never encrypted): type, field 2, field 3 as 1, 4, 2 bytes.
    at[11] = file.len();
    let mut entries = Vec::new();
    for number in 0..12u32 {
        let (kind, field, index): (u8, u32, u16) = match number {
            1..=4 => (2, 10, number as u16 - 1),
            5 | 6 | 10 | 11 => (1, at[number as usize] as u32, 0),
            _ => (0, 0, if number == 0 { 65535 } else { 0 }),
        };
        entries.push(kind);
        entries.extend_from_slice(&field.to_be_bytes());
        entries.extend_from_slice(&index.to_be_bytes());
    }
    file.extend_from_slice(
        format!(
            "11 0 obj\n<< /Type /XRef /Size 12 /W [1 4 2] /Root 1 0 R /Encrypt 6 0 R \
             /ID [<{id}> <{id}>] /Length {} >>\nstream\n",
            entries.len(),
            id = hex(&id)
        )
        .as_bytes(),
    );
    file.extend_from_slice(&entries);
    file.extend_from_slice(
        format!("\nendstream\nendobj\nstartxref\n{}\n%%EOF\n", at[11]).as_bytes(),
    );
    file
}

#[tokio::test]
async fn an_owner_encrypted_object_stream_is_read_decrypted() {
    let h = harness(Duration::from_secs(5)).await;
    let has = |bytes: &[u8], name: &[u8]| bytes.windows(name.len()).any(|w| w == name);
    // The statement as a bank's library writes it: taken.
    let plain = owner_encrypted_with_object_stream(false);
    assert!(!has(&plain, b"/Catalog"), "the catalog is in the bytes");
    let (status, receipt) = send(&h, "objstm-owner", plain).await;
    assert_eq!(status, StatusCode::OK, "{receipt}");
    // A script run on opening, inside the encrypted object stream: no byte shows it, the
    // decrypted objects do.
    let scripted = owner_encrypted_with_object_stream(true);
    assert!(!has(&scripted, b"JavaScript"), "the bytes show the script");
    let (status, body) = send(&h, "objstm-script", scripted).await;
    assert_refused(status, &body, "pdf_active_content", "object stream");
}

#[tokio::test]
async fn an_owner_encrypted_pdfs_objects_are_checked_once_decrypted() {
    // A script run on opening, its action's string encrypted: refused as from a file without
    // encryption, whatever the cipher.
    let h = harness(Duration::from_secs(5)).await;
    let script = Object::Dictionary(dictionary! {
        "S" => "JavaScript",
        "JS" => Object::String(b"app.launchURL('https://x.test')".to_vec(), StringFormat::Literal),
    });
    for (n, cipher) in [Cipher::Rc4_128, Cipher::Aes256].into_iter().enumerate() {
        let bytes = encrypted(
            statement(Some(("OpenAction", script.clone()))),
            cipher,
            "bank-owner",
            "",
        );
        let (status, body) = send(&h, &format!("owner-script-{n}"), bytes).await;
        assert_refused(status, &body, "pdf_active_content", cipher);
    }
}
