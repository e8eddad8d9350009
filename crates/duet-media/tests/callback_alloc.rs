//! The real-time audio callbacks' bodies allocate nothing: this test binary counts every
//! allocation made on the calling thread and runs capture and playback over full, empty and
//! half-full rings, in both sample formats.

// A global allocator can only be written with unsafe code; each block says why it holds.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use duet_media::audio::callback::{capture, f32_to_i16, i16_to_f32, play, RingCounters};

struct CountingAllocator;

thread_local! {
    // Const-initialised and without a destructor: usable inside the allocator itself.
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; only a counter is added.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract for `realloc` is passed on as is.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn capture_and_playback_callbacks_never_allocate() {
    // Set up outside the measured part, as the device thread does before the stream starts.
    let (mut producer, mut consumer) = rtrb::RingBuffer::new(480);
    let counters = RingCounters::shared();
    let stereo_i16 = vec![1000i16; 2 * 256];
    let mono_f32 = vec![0.25f32; 256];
    let mut out_i16 = vec![0i16; 2 * 256];
    let mut out_f32 = vec![0f32; 256];

    let before = allocations();
    for _ in 0..50 {
        // Fills the ring past its size (overruns), then drains it past empty (underruns).
        capture(&stereo_i16, 2, i16_to_f32, &mut producer, &counters);
        capture(&mono_f32, 1, |s| s, &mut producer, &counters);
        play(&mut out_i16, 2, f32_to_i16, &mut consumer, &counters);
        play(&mut out_f32, 1, |s| s, &mut consumer, &counters);
        play(&mut out_f32, 1, |s| s, &mut consumer, &counters);
    }
    let during = allocations() - before;

    assert_eq!(during, 0, "allocations in the callback bodies");
    assert!(counters.overruns() > 0 && counters.underruns() > 0);
    // The counter works: a Vec here is counted.
    let probe = vec![1u8; 16];
    assert!(allocations() > before, "{probe:?}");
}
