//! A System V shared-memory segment for MIT-SHM: the X server writes a grabbed image straight
//! into it, so a 1080p frame does not travel through the socket.
//!
//! The only module of the crate with unsafe code: `shmget`/`shmat`/`shmdt` are C calls and the
//! mapping is read through a raw pointer.
#![allow(unsafe_code)]

use std::io;
use std::ptr::NonNull;

/// A private segment, attached read-write in this process, detached and removed on drop.
pub(crate) struct ShmSegment {
    id: libc::c_int,
    addr: NonNull<u8>,
    len: usize,
}

// SAFETY: the segment is plain memory owned by this value (like a `Box<[u8]>`); nothing in it is
// tied to the thread that attached it, and `&self` only gives shared reads.
unsafe impl Send for ShmSegment {}

impl ShmSegment {
    /// Creates and attaches a segment of `len` bytes (`len > 0`).
    pub(crate) fn new(len: usize) -> io::Result<Self> {
        if len == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "empty shared-memory segment",
            ));
        }
        // SAFETY: shmget takes no pointers; IPC_PRIVATE always makes a new segment.
        let id = unsafe { libc::shmget(libc::IPC_PRIVATE, len, libc::IPC_CREAT | 0o600) };
        if id < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `id` is the segment just created; a null address lets the kernel choose where.
        let addr = unsafe { libc::shmat(id, std::ptr::null(), 0) };
        if addr as isize == -1 {
            let err = io::Error::last_os_error();
            // SAFETY: removes the segment created above, which nothing has attached.
            unsafe { libc::shmctl(id, libc::IPC_RMID, std::ptr::null_mut()) };
            return Err(err);
        }
        let Some(addr) = NonNull::new(addr.cast::<u8>()) else {
            return Err(io::Error::other("shmat returned a null address"));
        };
        Ok(ShmSegment { id, addr, len })
    }

    /// The id the X server attaches with (`shm::attach`).
    pub(crate) fn id(&self) -> u32 {
        self.id as u32
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Marks the segment for removal once every process has detached it, so it cannot leak if
    /// this process dies. Call after the X server has attached it.
    pub(crate) fn mark_removed(&self) {
        // SAFETY: `self.id` is our segment; IPC_RMID with a null buffer only sets the flag.
        unsafe { libc::shmctl(self.id, libc::IPC_RMID, std::ptr::null_mut()) };
    }

    /// The segment's bytes. Read them only after the reply to the ShmGetImage that filled them
    /// has arrived, with no other ShmGetImage on this segment outstanding: the server writes
    /// into the segment only while it handles that request.
    pub(crate) fn bytes(&self) -> &[u8] {
        // SAFETY: `addr` points to `len` bytes mapped by shmat in `new` and stays mapped until
        // `drop`; the X server does not write while no grab is in flight (see above), so the
        // bytes do not change under the borrow.
        unsafe { std::slice::from_raw_parts(self.addr.as_ptr(), self.len) }
    }
}

impl Drop for ShmSegment {
    fn drop(&mut self) {
        // SAFETY: `addr` came from our shmat and is detached once, here; no borrow of `bytes`
        // can outlive `self`.
        unsafe { libc::shmdt(self.addr.as_ptr().cast()) };
        self.mark_removed();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_is_zeroed_and_sized() {
        let seg = ShmSegment::new(4096 * 3).unwrap();
        assert_eq!(seg.len(), 4096 * 3);
        assert!(seg.bytes().iter().all(|&b| b == 0));
        assert!(ShmSegment::new(0).is_err());
    }
}
