//! Wiping secret buffers fast: the same volatile writes as `zeroize`, but a 64-bit word at a time instead of a byte
//! at a time (8x fewer stores), over the whole allocation (spare capacity included).

use zeroize::Zeroize;

/// Overwrite every byte of `buf`'s allocation with zeros (volatile writes the compiler cannot drop) and empty it.
pub(crate) fn wipe(buf: &mut Vec<u8>) {
    // Initialise the spare capacity so the whole allocation is a byte slice (no reallocation: the length stays
    // within the capacity).
    buf.resize(buf.capacity(), 0);
    wipe_slice(buf);
    buf.clear();
}

/// Make room for `more` bytes in `buf` the way a secret buffer must grow: into a new allocation, wiping the old
/// one (a plain `reserve` would free it with the secret still in it).
pub(crate) fn reserve(buf: &mut Vec<u8>, more: usize) {
    if buf.capacity() - buf.len() >= more {
        return;
    }
    let wanted = buf
        .len()
        .saturating_add(more)
        .max(buf.capacity().saturating_mul(2));
    let mut grown = Vec::with_capacity(wanted);
    grown.extend_from_slice(buf);
    let mut old = std::mem::replace(buf, grown);
    wipe(&mut old);
}

/// Wipe the buffer inside a `Zeroizing` with [`wipe`] and leave it empty, so its own (byte-at-a-time) zeroizing
/// on drop has nothing left to do.
pub(crate) fn wipe_zeroizing(z: &mut zeroize::Zeroizing<Vec<u8>>) {
    let mut bytes = std::mem::take(&mut **z);
    wipe(&mut bytes);
}

/// Overwrite `bytes` with zeros (volatile writes).
pub(crate) fn wipe_slice(bytes: &mut [u8]) {
    let (head, words, tail) = bytemuck::pod_align_to_mut::<u8, u64>(bytes);
    head.zeroize();
    words.zeroize();
    tail.zeroize();
}

/// A byte buffer wiped with [`wipe`] when dropped: for data that may be key material on hot paths, where
/// `Zeroizing`'s byte-at-a-time stores would dominate.
#[derive(Default)]
pub(crate) struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Take over `bytes` (wiped when this is dropped).
    pub fn new(bytes: Vec<u8>) -> SecretBytes {
        SecretBytes(bytes)
    }
}

impl SecretBytes {
    /// The buffer, to append to; grow it only through [`reserve`] (a plain `Vec` reallocation would free the old
    /// allocation unwiped).
    pub fn vec_mut(&mut self) -> &mut Vec<u8> {
        &mut self.0
    }
}

impl std::ops::Deref for SecretBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for SecretBytes {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wipes_at_every_alignment_and_length() {
        for start in 0..9 {
            for len in [0usize, 1, 7, 8, 9, 15, 16, 63, 64, 1000] {
                let mut b = vec![0x5au8; start + len + 3];
                wipe_slice(&mut b[start..start + len]);
                assert!(b[..start].iter().all(|&x| x == 0x5a));
                assert!(b[start..start + len].iter().all(|&x| x == 0));
                assert!(b[start + len..].iter().all(|&x| x == 0x5a));
            }
        }
    }

    #[test]
    fn wipe_empties_and_keeps_the_allocation() {
        let mut v = vec![0xa5u8; 100];
        v.truncate(10);
        let cap = v.capacity();
        wipe(&mut v);
        assert!(v.is_empty());
        assert_eq!(v.capacity(), cap);
    }
}
