//! Keeping the photos of a refused report form for a short while, so that a reporter who mistyped
//! their phone number does not have to choose their photos again. The token lives only in the
//! re-shown form; the database keeps its hash (SHA-256, or SM3 under `sm`), and drafts are purged
//! after [`DRAFT_TTL`].

use super::{ServiceResult, Services};
use crate::db::drafts;
use crate::domain::photo::{CleanPhoto, PhotoType};
use crate::secrets::{self, CryptoSuite};

/// How long a refused form's photos are kept.
pub const DRAFT_TTL: chrono::Duration = chrono::Duration::hours(2);

pub fn token_hash(suite: CryptoSuite, token: &str) -> String {
    suite.digest_hex(token.as_bytes())
}

fn content_type_kind(ct: &str) -> Option<PhotoType> {
    [PhotoType::Jpeg, PhotoType::Png, PhotoType::WebP]
        .into_iter()
        .find(|k| k.content_type() == ct)
}

impl Services {
    /// Keeps `photos` under a new token (forgetting `previous`); `None` when there is nothing to keep.
    pub async fn keep_photos(
        &self,
        previous: Option<String>,
        photos: std::sync::Arc<Vec<CleanPhoto>>,
    ) -> ServiceResult<Option<String>> {
        self.blocking(move |s| {
            let mut token = (!photos.is_empty())
                .then(|| secrets::random_bytes::<24>().map(hex::encode))
                .transpose()?;
            let size: u64 = photos.iter().map(|p| p.bytes.len() as u64).sum();
            s.db.write(|conn| -> ServiceResult<()> {
                if let Some(prev) = &previous {
                    drafts::delete(conn, &token_hash(s.suite, prev))?;
                }
                // All drafts together stay under a cap, so refused forms cannot fill the disk.
                if token.is_some()
                    && drafts::total_bytes(conn)?.saturating_add(size) > s.draft_bytes_total
                {
                    tracing::warn!(
                        "photo drafts are at their cap; this form's photos are not kept"
                    );
                    token = None;
                }
                if let Some(token) = &token {
                    let rows: Vec<(&str, &[u8])> = photos
                        .iter()
                        .map(|p| (p.kind.content_type(), p.bytes.as_slice()))
                        .collect();
                    drafts::save(conn, &token_hash(s.suite, token), &rows, s.now())?;
                }
                Ok(())
            })?;
            Ok(token)
        })
        .await
    }

    /// The photos kept under a token (none when it is unknown or expired).
    pub async fn draft_photos(&self, token: String) -> ServiceResult<Vec<CleanPhoto>> {
        self.blocking(move |s| {
            let mut conn = s.db.read()?;
            Ok(drafts::load(&mut conn, &token_hash(s.suite, &token))?
                .into_iter()
                .filter_map(|(ct, bytes)| {
                    Some(CleanPhoto {
                        kind: content_type_kind(&ct)?,
                        bytes,
                    })
                })
                .collect())
        })
        .await
    }

    /// Removes drafts older than [`DRAFT_TTL`].
    pub fn purge_drafts(&self) -> ServiceResult<usize> {
        let cutoff = self.now() - DRAFT_TTL;
        self.db
            .write(|conn| Ok(drafts::purge_older_than(conn, cutoff)?))
    }
}
