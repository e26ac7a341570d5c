//! A business customer's session (KYB): the company's name, its beneficial owners in the order
//! they were added (each with the provider's id once created there, claimed first so two
//! requests never create one owner twice), and the files of the company and of each owner.

use kyc_core::{DocumentType, FileFormat};

use super::audit;
use super::database::{Store, Tx};
use super::error::StoreResult;
use super::records::{BusinessPlace, OwnerClaim, OwnerRecord, OwnerRemoval, StoredFile};
use super::uploads::{complete_key, open_for_files};
use super::values::{args, parse};

impl Store {
    /// Records the company's name and the owners the host named (`(id, name)`, in order).
    pub async fn insert_business(
        &self,
        session_id: &str,
        company_name: &str,
        owners: &[(String, String)],
        now: u64,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        tx.execute(
            "UPDATE sessions SET company_name = ?2 WHERE id = ?1",
            args![session_id, company_name],
        )
        .await?;
        for (position, (id, name)) in owners.iter().enumerate() {
            insert_owner(&mut tx, session_id, id, name, position as u64, now).await?;
        }
        tx.commit().await
    }

    /// Gives the new attempt `to` of the rejected business session `from` its company name and
    /// owners (with new ids from `new_id`, and the provider's ids when
    /// `keep_provider_owners`, since that provider keeps its owners); not their files: the new
    /// attempt sends new ones.
    pub async fn carry_business(
        &self,
        from: &str,
        to: &str,
        new_id: impl Fn() -> String,
        keep_provider_owners: bool,
        now: u64,
    ) -> StoreResult<()> {
        let owners = self.owners(from).await?;
        let company_name = self.company_name(from).await?;
        let mut tx = self.begin().await?;
        tx.execute(
            "UPDATE sessions SET company_name = ?2 WHERE id = ?1",
            args![to, company_name],
        )
        .await?;
        for (position, owner) in owners.iter().enumerate() {
            let id = new_id();
            insert_owner(&mut tx, to, &id, &owner.name, position as u64, now).await?;
            if !keep_provider_owners {
                continue;
            }
            tx.execute(
                "UPDATE owners SET provider_owner_id = ?2 WHERE id = ?1",
                args![&id, &owner.provider_owner_id],
            )
            .await?;
        }
        tx.commit().await
    }

    /// The company's name, if the session is a business's.
    pub async fn company_name(&self, session_id: &str) -> StoreResult<Option<String>> {
        let mut conn = self.conn().await?;
        match conn
            .query_opt(
                "SELECT company_name FROM sessions WHERE id = ?1",
                args![session_id],
            )
            .await?
        {
            Some(row) => row.opt_text(0),
            None => Ok(None),
        }
    }

    /// Adds an owner at the end, unless the session was submitted or has `max` owners
    /// already: `Ok(false)` then, naming which with the session's owner count.
    pub async fn add_owner(
        &self,
        session_id: &str,
        id: &str,
        name: &str,
        max: usize,
        now: u64,
    ) -> StoreResult<Result<(), AddOwnerRefused>> {
        let mut tx = self.begin().await?;
        if !open_for_files(&mut tx, session_id).await? {
            return Ok(Err(AddOwnerRefused::Submitted));
        }
        let row = tx
            .query_one(
                "SELECT COUNT(*), COALESCE(MAX(position) + 1, 0) FROM owners WHERE session_id = ?1",
                args![session_id],
            )
            .await?;
        let count: usize = row.int(0)?;
        if count >= max {
            return Ok(Err(AddOwnerRefused::Full(count)));
        }
        insert_owner(&mut tx, session_id, id, name, row.int(1)?, now).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// The session's owners, in the order they were added.
    pub async fn owners(&self, session_id: &str) -> StoreResult<Vec<OwnerRecord>> {
        let mut conn = self.conn().await?;
        conn.query(
            "SELECT id, name, document_type, provider_owner_id FROM owners
             WHERE session_id = ?1 ORDER BY position",
            args![session_id],
        )
        .await?
        .iter()
        .map(|row| {
            Ok(OwnerRecord {
                id: row.text(0)?,
                name: row.text(1)?,
                document_type: row
                    .opt_text(2)?
                    .map(|code| parse(&code, DocumentType::from_code))
                    .transpose()?,
                provider_owner_id: row.opt_text(3)?,
            })
        })
        .collect()
    }

    /// Removes an owner and its files, while the provider does not have it (it has no endpoint
    /// to remove one) and the session is not submitted.
    pub async fn remove_owner(
        &self,
        session_id: &str,
        owner_id: &str,
        now: u64,
    ) -> StoreResult<OwnerRemoval> {
        let mut tx = self.begin().await?;
        if !open_for_files(&mut tx, session_id).await? {
            return Ok(OwnerRemoval::Submitted);
        }
        let Some(row) = tx
            .query_opt(
                "SELECT provider_owner_id, creating_at FROM owners
                 WHERE session_id = ?1 AND id = ?2",
                args![session_id, owner_id],
            )
            .await?
        else {
            return Ok(OwnerRemoval::Unknown);
        };
        if row.opt_text(0)?.is_some() || row.opt_int::<u64>(1)?.is_some() {
            return Ok(OwnerRemoval::AtProvider);
        }
        tx.execute(
            "DELETE FROM business_files WHERE session_id = ?1 AND place LIKE ?2",
            args![session_id, format!("owner:{owner_id}:%")],
        )
        .await?;
        tx.execute(
            "DELETE FROM owners WHERE session_id = ?1 AND id = ?2",
            args![session_id, owner_id],
        )
        .await?;
        audit::record(&mut tx, session_id, now, "owner_removed", owner_id).await?;
        tx.commit().await?;
        Ok(OwnerRemoval::Removed)
    }

    /// Claims the creation of the owner at the provider: one request creates it, whichever
    /// instance; a claim older than `stale_after` seconds (its request died) is taken over.
    pub async fn claim_owner_creation(
        &self,
        session_id: &str,
        owner_id: &str,
        now: u64,
        stale_after: u64,
    ) -> StoreResult<OwnerClaim> {
        let mut tx = self.begin().await?;
        let claimed = tx
            .execute(
                "UPDATE owners SET creating_at = ?3
                 WHERE session_id = ?1 AND id = ?2 AND provider_owner_id IS NULL
                 AND (creating_at IS NULL OR creating_at + ?4 <= ?3)",
                args![session_id, owner_id, now, stale_after],
            )
            .await?;
        if claimed == 1 {
            tx.commit().await?;
            return Ok(OwnerClaim::Create);
        }
        let row = tx
            .query_opt(
                "SELECT provider_owner_id FROM owners WHERE session_id = ?1 AND id = ?2",
                args![session_id, owner_id],
            )
            .await?;
        tx.commit().await?;
        Ok(match row {
            None => OwnerClaim::Unknown,
            Some(row) => match row.opt_text(0)? {
                Some(id) => OwnerClaim::Created(id),
                None => OwnerClaim::InFlight,
            },
        })
    }

    /// Records the provider's id of the owner whose creation this request claimed.
    pub async fn set_provider_owner(
        &self,
        session_id: &str,
        owner_id: &str,
        provider_owner_id: &str,
        now: u64,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        tx.execute(
            "UPDATE owners SET provider_owner_id = ?3, creating_at = NULL
             WHERE session_id = ?1 AND id = ?2",
            args![session_id, owner_id, provider_owner_id],
        )
        .await?;
        audit::record(&mut tx, session_id, now, "owner_created", owner_id).await?;
        tx.commit().await
    }

    /// Gives up the claim on the owner's creation after it failed, so a retry creates it.
    pub async fn release_owner_creation(
        &self,
        session_id: &str,
        owner_id: &str,
    ) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        conn.execute(
            "UPDATE owners SET creating_at = NULL
             WHERE session_id = ?1 AND id = ?2 AND provider_owner_id IS NULL",
            args![session_id, owner_id],
        )
        .await?;
        Ok(())
    }

    /// The provider ids of the owners every session of the provider customer recorded (to
    /// tell an owner created by a request whose answer was lost from one already in use).
    pub async fn provider_owner_ids(&self, provider_customer_id: &str) -> StoreResult<Vec<String>> {
        let mut conn = self.conn().await?;
        conn.query(
            "SELECT o.provider_owner_id FROM owners o JOIN sessions s ON s.id = o.session_id
             WHERE s.provider_customer_id = ?1 AND o.provider_owner_id IS NOT NULL",
            args![provider_customer_id],
        )
        .await?
        .iter()
        .map(|row| row.text(0))
        .collect()
    }

    /// Records that `place` holds `file` (replacing an earlier one); `false`, changing
    /// nothing, once the session is submitted.
    pub async fn put_business_file(
        &self,
        session_id: &str,
        place: &BusinessPlace,
        file: &StoredFile,
        now: u64,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        if !open_for_files(&mut tx, session_id).await? {
            return Ok(false);
        }
        insert_file(&mut tx, session_id, place, file, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// [`Store::put_business_file`] completing the upload's `key` in the same transaction.
    pub async fn complete_business_key(
        &self,
        session_id: &str,
        key: &str,
        place: &BusinessPlace,
        file: &StoredFile,
        now: u64,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        if !complete_key(&mut tx, session_id, key, file).await? {
            tx.commit().await?;
            return Ok(false);
        }
        insert_file(&mut tx, session_id, place, file, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The business session's files: `(place code, file)`, in place order.
    pub async fn business_files(&self, session_id: &str) -> StoreResult<Vec<(String, StoredFile)>> {
        let mut conn = self.conn().await?;
        conn.query(
            "SELECT place, provider_file_id, format, bytes FROM business_files
             WHERE session_id = ?1 ORDER BY place",
            args![session_id],
        )
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.text(0)?,
                StoredFile {
                    provider_file_id: row.text(1)?,
                    format: parse(&row.text(2)?, FileFormat::from_code)?,
                    bytes: row.int(3)?,
                },
            ))
        })
        .collect()
    }
}

/// Why an owner was not added ([`Store::add_owner`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddOwnerRefused {
    /// The session was submitted.
    Submitted,
    /// The session has this many owners, the most allowed.
    Full(usize),
}

async fn insert_owner(
    tx: &mut Tx,
    session_id: &str,
    id: &str,
    name: &str,
    position: u64,
    now: u64,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO owners (id, session_id, position, name, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        args![id, session_id, position, name, now],
    )
    .await?;
    audit::record(tx, session_id, now, "owner_added", id).await
}

/// Fills `place` (replacing an earlier file), audited. An owner's front names the owner's
/// document; a front of another document drops the back given for the earlier one (it is
/// not this document's).
async fn insert_file(
    tx: &mut Tx,
    session_id: &str,
    place: &BusinessPlace,
    file: &StoredFile,
    now: u64,
) -> StoreResult<()> {
    if let BusinessPlace::Owner {
        owner,
        slot: kyc_core::Slot::Front,
        document_type,
    } = place
    {
        let changed = tx
            .execute(
                "UPDATE owners SET document_type = ?3 WHERE session_id = ?1 AND id = ?2
                 AND document_type IS DISTINCT FROM ?3",
                args![session_id, owner, document_type.code()],
            )
            .await?;
        if changed > 0 {
            tx.execute(
                "DELETE FROM business_files WHERE session_id = ?1 AND place = ?2",
                args![session_id, format!("owner:{owner}:back")],
            )
            .await?;
        }
    }
    let code = place.code();
    tx.execute(
        "INSERT INTO business_files (session_id, place, provider_file_id, format, bytes, uploaded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (session_id, place) DO UPDATE SET provider_file_id = excluded.provider_file_id,
         format = excluded.format, bytes = excluded.bytes, uploaded_at = excluded.uploaded_at",
        args![
            session_id,
            &code,
            &file.provider_file_id,
            file.format.code(),
            file.bytes,
            now
        ],
    )
    .await?;
    audit::record(tx, session_id, now, "business_file_uploaded", &code).await
}
