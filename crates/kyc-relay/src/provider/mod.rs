//! The providers behind one trait ([`ProviderAdapter`]): the relay's services never know which
//! one they talk to. One module per provider, `a` to `d` (types [`ProviderA`] to
//! [`ProviderD`]); what their HTTP clients share (answers, retries, the presigned PUT) is in
//! `http`, the customer record A and D share in `customer`.

pub mod a;
mod adapter;
pub mod b;
pub mod c;
mod customer;
pub mod d;
mod error;
mod http;
mod redact;
mod storage;

pub use a::ProviderA;
pub use adapter::{
    AttachFile, BusinessDocuments, CustomerSpec, NewCustomer, OwnerDocument, Person,
    ProviderAdapter, WebhookUpdate,
};
pub use b::ProviderB;
pub use c::ProviderC;
pub use d::ProviderD;
pub use error::{ProviderAnswer, ProviderError, UNTRUSTED_ANSWER};
