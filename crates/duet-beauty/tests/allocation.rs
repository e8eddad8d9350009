//! Steady state does not allocate: after the first frame of a size, `apply` makes no heap
//! allocation, whatever the levels, and neither does a later frame that is not larger.

// Unsafe code is allowed in this module only: a counting global allocator that forwards to the system one.
#![allow(unsafe_code)]

use duet_beauty::{BeautyFilter, Frame, PixelFormat};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Counts this thread's allocations, so the test harness's other threads do not interfere.
struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counter is a
// const-initialised thread-local Cell, which itself never allocates.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn allocations_during(work: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    work();
    ALLOCATIONS.with(Cell::get) - before
}

#[test]
fn only_the_first_frame_of_the_largest_size_allocates() {
    let mut large = Frame::new(PixelFormat::I420, 640, 360).unwrap();
    let mut small = Frame::new(PixelFormat::Nv12, 320, 240).unwrap();
    let mut filter = BeautyFilter::new();
    filter.set_beauty_level(9).unwrap();
    filter.set_whiteness_level(9).unwrap();
    let first = allocations_during(|| filter.apply(&mut large.as_frame_mut()));
    assert!(first > 0, "the first frame sizes the scratch buffers");

    let steady = allocations_during(|| {
        for frame_number in 0..20u8 {
            filter.set_beauty_level(frame_number % 10).unwrap();
            filter.set_whiteness_level(9 - frame_number % 10).unwrap();
            filter.apply(&mut large.as_frame_mut());
            filter.apply(&mut small.as_frame_mut());
        }
    });
    assert_eq!(steady, 0, "frames after the first allocated");
}
