//! The attachment store in a real S3 server (SeaweedFS, started by the testkit): round trips,
//! the verified reader against an object changed behind the application's back, nothing in
//! the data directory, backups and the copy from a local store.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use futures_util::StreamExt;
use rectify_store::attachments::{AttachmentStore, FileState, S3Location, address_of};
use rectify_store::{DbTarget, Store, StoreError};
use rectify_testkit::s3::{S3Bucket, bucket};

fn s3_store(bucket: &S3Bucket) -> AttachmentStore {
    AttachmentStore::s3(S3Location::parse(&bucket.url).unwrap(), &bucket.env).unwrap()
}

/// Content that is not one repeated byte, so a part sent twice or out of order shows.
fn content(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

/// The temporary upload keys are deleted in the background; give it a moment.
async fn uploads_left(bucket: &S3Bucket) -> Vec<String> {
    for _ in 0..50 {
        let left: Vec<String> = bucket
            .keys()
            .into_iter()
            .filter(|k| k.contains("/uploads/"))
            .collect();
        if left.is_empty() {
            return left;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    bucket
        .keys()
        .into_iter()
        .filter(|k| k.contains("/uploads/"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_round_trip_through_a_bucket_and_a_changed_object_is_refused() {
    let bucket = bucket();
    let store = s3_store(&bucket);
    let small = store.put(b"%PDF-1.4 acceptance").await.unwrap();
    assert!(small.newly_written);
    assert!(
        !store
            .put(b"%PDF-1.4 acceptance")
            .await
            .unwrap()
            .newly_written
    );

    // 12 MiB in 64 KiB pieces: three parts of a multipart upload, never held whole.
    let big = content(12 * 1024 * 1024 + 17);
    let mut receiving = store.receive("survey.pdf", u64::MAX).await.unwrap();
    for piece in big.chunks(64 * 1024) {
        receiving.write(piece).await.unwrap();
    }
    let upload = receiving.finish().await.unwrap();
    let kept = store.keep(&upload).await.unwrap();
    drop(upload);
    assert_eq!(kept.size, big.len() as u64);
    assert_eq!(store.get_verified(&kept.sha256).await.unwrap(), big);
    let key = format!("{}/{}", bucket.prefix, address_of(&kept.sha256));
    assert_eq!(bucket.get_raw(&key).unwrap().len(), big.len());
    assert_eq!(uploads_left(&bucket).await, Vec::<String>::new());
    let mut listed = vec![small.sha256.clone(), kept.sha256.clone()];
    listed.sort();
    assert_eq!(store.list().await.unwrap(), listed);

    // A refused upload (over its limit) leaves nothing in the bucket.
    let mut refused = store.receive("huge.bin", 10).await.unwrap();
    assert!(matches!(
        refused.write(&[0; 11]).await,
        Err(StoreError::TooLarge { .. })
    ));
    drop(refused);
    assert_eq!(uploads_left(&bucket).await, Vec::<String>::new());

    // Changed through the S3 API: the verified reads refuse it, the stream only at its end.
    let mut altered = big.clone();
    altered[5_000_000] ^= 1;
    bucket.put_raw(&key, &altered);
    assert!(matches!(
        store.get_verified(&kept.sha256).await,
        Err(StoreError::Tampered { .. })
    ));
    assert_eq!(store.check(&kept.sha256).await.unwrap(), FileState::Damaged);
    let mut read = store.open_verified(&kept.sha256).await.unwrap();
    let (mut passed, mut last) = (0usize, None);
    while let Some(chunk) = read.chunks.next().await {
        match chunk {
            Ok(bytes) => passed += bytes.len(),
            Err(e) => last = Some(e),
        }
    }
    assert_eq!(passed, altered.len());
    assert!(
        matches!(last, Some(StoreError::Tampered { .. })),
        "{last:?}"
    );
    assert_eq!(store.check(&small.sha256).await.unwrap(), FileState::Intact);
    assert_eq!(
        store.check(&"0".repeat(64)).await.unwrap(),
        FileState::Missing
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_bucket_nothing_is_written_locally_and_backups_list_the_objects() {
    let bucket = bucket();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let target = DbTarget::parse(dir.path().join("t.db").to_str().unwrap());
    let store = Store::open(&target, Some(data.clone()))
        .await
        .unwrap()
        .with_attachments(s3_store(&bucket));
    store.migrate().await.unwrap();
    let kept = store
        .attachments()
        .put(b"evidence in the bucket")
        .await
        .unwrap();
    let upload = store
        .attachments()
        .upload("photo.png", &[0x89, b'P', b'N', b'G', 1])
        .await
        .unwrap();
    assert_eq!(upload.media_type("photo.png"), "image/png");
    assert_eq!(upload.read().await.unwrap(), [0x89, b'P', b'N', b'G', 1]);
    store.attachments().keep(&upload).await.unwrap();
    assert!(!data.exists(), "the data directory was written to");

    let out = dir.path().join("backup.db");
    let done = store.backup(&out).await.unwrap();
    assert!(done.in_object_storage);
    assert_eq!(done.attachments_at, bucket.url);
    assert_eq!(done.attachments, 2);
    let manifest = std::fs::read_to_string(&done.manifest).unwrap();
    assert!(manifest.contains(&format!(
        "{0}  sha256/{1}/{0}\n",
        kept.sha256,
        &kept.sha256[..2]
    )));
    let check = store.check_attachments(&done.manifest).await.unwrap();
    assert_eq!(
        (check.listed, check.missing.len(), check.damaged.len()),
        (2, 0, 0)
    );
    // Restored with the bucket, the listed objects are checked there.
    let drill = DbTarget::parse(dir.path().join("drill.db").to_str().unwrap());
    let restored = Store::restore(&drill, &out, Some(data.clone()), Some(s3_store(&bucket)))
        .await
        .unwrap();
    let check = restored.attachments.unwrap();
    assert_eq!(
        (check.listed, check.missing.len(), check.damaged.len()),
        (2, 0, 0)
    );
    bucket.put_raw(
        &format!("{}/{}", bucket.prefix, address_of(&kept.sha256)),
        b"changed",
    );
    let check = store.verify_attachments().await.unwrap();
    assert_eq!(check.damaged, vec![kept.sha256.clone()]);
    assert!(!data.exists());
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_store_is_copied_into_a_bucket_once_and_checked() {
    let bucket = bucket();
    let dir = tempfile::tempdir().unwrap();
    let local = AttachmentStore::new(dir.path());
    let files = [content(100), content(6 * 1024 * 1024), b"x".to_vec()];
    for file in &files {
        local.put(file).await.unwrap();
    }
    let remote = s3_store(&bucket);
    let mut seen = Vec::new();
    let first = local
        .copy_to(&remote, |sha256, _| seen.push(sha256.to_string()))
        .await
        .unwrap();
    assert_eq!((first.copied, first.skipped), (3, 0));
    assert_eq!(
        first.copied_bytes,
        files.iter().map(|f| f.len() as u64).sum::<u64>()
    );
    assert_eq!(seen, local.list().await.unwrap());
    assert_eq!(remote.list().await.unwrap(), local.list().await.unwrap());
    for file in &files {
        let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(file));
        assert_eq!(&remote.get_verified(&sha256).await.unwrap(), file);
    }

    let again = local.copy_to(&remote, |_, _| {}).await.unwrap();
    assert_eq!((again.copied, again.skipped), (0, 3));
    assert_eq!(again.skipped_bytes, first.copied_bytes);

    // A damaged object in the bucket stops the copy, naming it.
    let victim = local.list().await.unwrap()[0].clone();
    bucket.put_raw(
        &format!("{}/{}", bucket.prefix, address_of(&victim)),
        b"broken",
    );
    let error = local.copy_to(&remote, |_, _| {}).await.unwrap_err();
    assert!(error.to_string().contains(&victim), "{error}");
    assert!(error.to_string().contains(&bucket.url), "{error}");
}

/// A bucket the server does not have (#24 review) is refused for good, not away: the listing
/// (a 404 NoSuchBucket the client leaves generic), a download (not "no such file") and an
/// upload. A server nothing answers at is away.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_bucket_is_refused_and_a_stopped_server_is_away() {
    let bucket = bucket();
    let missing = S3Location::parse(&format!("s3://{}-gone/files", bucket.bucket)).unwrap();
    let store = AttachmentStore::s3(missing, &bucket.env).unwrap();
    let refused = |result: Result<(), StoreError>| {
        let error = result.unwrap_err();
        assert!(
            error.is_bucket_refused() && !error.is_bucket_away(),
            "{error:?}"
        );
    };
    refused(store.list().await.map(drop));
    refused(store.get_verified(&"0".repeat(64)).await.map(drop));
    refused(store.put(b"%PDF-1.4 nowhere").await.map(drop));

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut env = bucket.env.clone();
    env.retain(|(name, _)| name != "AWS_ENDPOINT_URL");
    env.push((
        "AWS_ENDPOINT_URL".into(),
        format!("http://127.0.0.1:{port}"),
    ));
    let stopped = AttachmentStore::s3(S3Location::parse(&bucket.url).unwrap(), &env).unwrap();
    let error = stopped.list().await.unwrap_err();
    assert!(
        error.is_bucket_away() && !error.is_bucket_refused(),
        "{error:?}"
    );
}
