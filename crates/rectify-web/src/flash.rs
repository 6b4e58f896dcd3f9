//! The message a form's result shows on the page it leads back to ("已保存"). It travels in
//! the link (`?done=…`), so the page needs no write and no extra round trip; the link also
//! carries a short HMAC of the message keyed with the session's CSRF secret, so a link made
//! by anyone else, or for another session, shows nothing: the page never shows text that
//! merely came in a link.

use crate::auth::Session;
use crate::encode::url_encode;
use sha2::{Digest, Sha256};

/// Hex digits of the HMAC kept: 64 bits, which no one guesses within a session's life.
const TAG_HEX: usize = 16;

/// The `done` value that shows `message` on the session's next page: `TAG.message`.
pub(crate) fn signed(session: &Session, message: &str) -> String {
    format!("{}.{}", tag(&session.csrf, message), url_encode(message))
}

/// The message of a `done` value, if this session's own form put it there.
pub(crate) fn shown(session: &Session, done: Option<String>) -> Option<String> {
    let done = done?;
    let (sent, message) = done.split_once('.')?;
    let expected = tag(&session.csrf, message);
    // Compared in full whatever the first difference, so timing tells nothing about the tag.
    let same = sent.len() == expected.len()
        && sent
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |differ, (a, b)| differ | (a ^ b))
            == 0;
    same.then(|| message.to_string())
}

/// HMAC-SHA-256 (RFC 2104) of the message under the key, its first `TAG_HEX` hex digits.
fn tag(key: &str, message: &str) -> String {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key.as_bytes()));
    } else {
        block[..key.len()].copy_from_slice(key.as_bytes());
    }
    let pad = |byte: u8| block.map(|k| k ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message.as_bytes())
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    outer[..TAG_HEX / 2]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::tag;

    /// RFC 4231's test case 2, cut to the tag's length: the construction is HMAC-SHA-256.
    #[test]
    fn the_tag_is_hmac_sha256() {
        assert_eq!(
            tag("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e"
        );
    }
}
