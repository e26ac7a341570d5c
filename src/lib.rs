//! kyc-capture widget (placeholder until the components land in this commit series).
