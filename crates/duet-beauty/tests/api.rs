//! The API the media pipeline relies on: validation errors instead of panics, strided buffers
//! filtered in place without touching row padding or chroma, and levels that change per frame.

mod support;

use duet_beauty::{BeautyError, BeautyFilter, Frame, FrameMut, PixelFormat, PlaneMut, PlaneName};
use proptest::prelude::*;
use support::fixture::portrait;

fn filter(beauty: u8, whiteness: u8) -> BeautyFilter {
    let mut filter = BeautyFilter::new();
    filter.set_beauty_level(beauty).unwrap();
    filter.set_whiteness_level(whiteness).unwrap();
    filter
}

#[test]
fn levels_above_nine_are_refused_and_leave_the_level_as_it_was() {
    let mut filter = filter(4, 7);
    assert_eq!(
        filter.set_beauty_level(10),
        Err(BeautyError::LevelOutOfRange { level: 10 })
    );
    assert_eq!(
        filter.set_whiteness_level(255),
        Err(BeautyError::LevelOutOfRange { level: 255 })
    );
    assert_eq!((filter.beauty_level(), filter.whiteness_level()), (4, 7));
}

#[test]
fn empty_frames_are_refused() {
    let (mut y, mut u, mut v) = ([0u8; 4], [0u8; 4], [0u8; 4]);
    let view = FrameMut::i420(
        0,
        2,
        PlaneMut::new(&mut y, 2),
        PlaneMut::new(&mut u, 1),
        PlaneMut::new(&mut v, 1),
    );
    assert_eq!(
        view.unwrap_err(),
        BeautyError::EmptyFrame {
            width: 0,
            height: 2
        }
    );
    assert_eq!(
        Frame::new(PixelFormat::Nv12, 4, 0).unwrap_err(),
        BeautyError::EmptyFrame {
            width: 4,
            height: 0
        }
    );
}

#[test]
fn strides_shorter_than_a_row_are_refused() {
    let (mut y, mut uv) = ([0u8; 64], [0u8; 32]);
    let view = FrameMut::nv12(8, 4, PlaneMut::new(&mut y, 7), PlaneMut::new(&mut uv, 8));
    assert_eq!(
        view.unwrap_err(),
        BeautyError::StrideTooSmall {
            plane: PlaneName::Y,
            stride: 7,
            row_bytes: 8
        }
    );
    // NV12 chroma rows hold U and V for 4 pixel pairs: 8 bytes.
    let view = FrameMut::nv12(8, 4, PlaneMut::new(&mut y, 8), PlaneMut::new(&mut uv, 6));
    assert_eq!(
        view.unwrap_err(),
        BeautyError::StrideTooSmall {
            plane: PlaneName::Uv,
            stride: 6,
            row_bytes: 8
        }
    );
}

#[test]
fn planes_shorter_than_their_rows_are_refused() {
    // 5x3 I420 at stride 8: Y needs 2 full strides and one row of 5; U and V are 3x2.
    let (mut y, mut u, mut v) = ([0u8; 20], [0u8; 6], [0u8; 5]);
    let view = FrameMut::i420(
        5,
        3,
        PlaneMut::new(&mut y, 8),
        PlaneMut::new(&mut u, 3),
        PlaneMut::new(&mut v, 3),
    );
    assert_eq!(
        view.unwrap_err(),
        BeautyError::PlaneTooShort {
            plane: PlaneName::Y,
            len: 20,
            needed: 21
        }
    );
    let mut y = [0u8; 21];
    let view = FrameMut::i420(
        5,
        3,
        PlaneMut::new(&mut y, 8),
        PlaneMut::new(&mut u, 3),
        PlaneMut::new(&mut v, 3),
    );
    assert_eq!(
        view.unwrap_err(),
        BeautyError::PlaneTooShort {
            plane: PlaneName::V,
            len: 5,
            needed: 6
        }
    );
}

#[test]
fn packed_bytes_of_the_wrong_length_are_refused() {
    // 4x4 is 16 luma bytes and two 2x2 chroma planes: 24.
    let error = Frame::from_bytes(PixelFormat::I420, 4, 4, vec![0; 23]).unwrap_err();
    assert_eq!(
        error,
        BeautyError::PackedLengthMismatch {
            len: 23,
            expected: 24
        }
    );
    assert!(Frame::from_bytes(PixelFormat::I420, 4, 4, vec![0; 24]).is_ok());
}

#[test]
fn errors_explain_themselves() {
    let error = BeautyError::StrideTooSmall {
        plane: PlaneName::Uv,
        stride: 6,
        row_bytes: 8,
    };
    assert_eq!(
        error.to_string(),
        "UV plane stride 6 is shorter than one row of 8 bytes"
    );
}

#[test]
fn a_level_change_takes_effect_on_the_next_frame_and_leaves_nothing_behind() {
    let source = portrait();
    let mut reused = filter(9, 9);
    let mut frame = source.clone();
    reused.apply(&mut frame.as_frame_mut());
    assert_ne!(frame, source);

    reused.set_beauty_level(0).unwrap();
    reused.set_whiteness_level(0).unwrap();
    let mut frame = source.clone();
    reused.apply(&mut frame.as_frame_mut());
    assert_eq!(
        frame, source,
        "level 0 right after level 9 is still a pass-through"
    );

    reused.set_beauty_level(3).unwrap();
    reused.set_whiteness_level(5).unwrap();
    let mut frame = source.clone();
    reused.apply(&mut frame.as_frame_mut());
    let mut fresh_frame = source.clone();
    filter(3, 5).apply(&mut fresh_frame.as_frame_mut());
    assert_eq!(frame, fresh_frame, "a reused filter matches a fresh one");
}

#[test]
fn frames_of_changing_sizes_are_each_filtered_as_if_first() {
    let mut reused = filter(7, 4);
    for (width, height) in [(64, 48), (320, 180), (33, 17), (320, 180)] {
        let source = support::fixture::portrait_frame(width, height);
        let mut frame = source.clone();
        reused.apply(&mut frame.as_frame_mut());
        let mut fresh_frame = source.clone();
        filter(7, 4).apply(&mut fresh_frame.as_frame_mut());
        assert_eq!(frame, fresh_frame, "{width}x{height}");
    }
}

/// A strided I420 or NV12 buffer with recognisable padding bytes after every row.
struct Padded {
    format: PixelFormat,
    width: usize,
    height: usize,
    /// Extra bytes at the end of each row, per plane.
    padding: usize,
    y: Vec<u8>,
    chroma: [Vec<u8>; 2],
}

const PAD: u8 = 0xA5;

impl Padded {
    fn new(format: PixelFormat, width: usize, height: usize, padding: usize, seed: u32) -> Self {
        let (cw, ch) = (width.div_ceil(2), height.div_ceil(2));
        let chroma_row = if format == PixelFormat::Nv12 {
            2 * cw
        } else {
            cw
        };
        let fill = |rows: usize, row: usize, salt: u32| -> Vec<u8> {
            let mut bytes = vec![PAD; rows * (row + padding)];
            for r in 0..rows {
                for c in 0..row {
                    // Wrapping: the seed is any u32, so the sum may pass u32::MAX.
                    let hash = (r as u32 * 7919)
                        .wrapping_add(c as u32 * 104_729)
                        .wrapping_add(salt)
                        .wrapping_mul(2_654_435_761);
                    // Skin-toned chroma half the time so the filter really works on it.
                    bytes[r * (row + padding) + c] = 100 + (hash >> 26) as u8;
                }
            }
            bytes
        };
        let y = fill(height, width, seed);
        let chroma = match format {
            PixelFormat::I420 => [
                fill(ch, chroma_row, seed.wrapping_add(1)),
                fill(ch, chroma_row, seed.wrapping_add(2)),
            ],
            PixelFormat::Nv12 => [fill(ch, chroma_row, seed.wrapping_add(1)), Vec::new()],
        };
        Self {
            format,
            width,
            height,
            padding,
            y,
            chroma,
        }
    }

    fn view(&mut self) -> FrameMut<'_> {
        let (cw, _) = (self.width.div_ceil(2), 0);
        let y = PlaneMut::new(&mut self.y, self.width + self.padding);
        let [first, second] = &mut self.chroma;
        match self.format {
            PixelFormat::I420 => FrameMut::i420(
                self.width,
                self.height,
                y,
                PlaneMut::new(first, cw + self.padding),
                PlaneMut::new(second, cw + self.padding),
            ),
            PixelFormat::Nv12 => FrameMut::nv12(
                self.width,
                self.height,
                y,
                PlaneMut::new(first, 2 * cw + self.padding),
            ),
        }
        .unwrap()
    }

    /// Padding bytes of the luma plane (each row's tail).
    fn luma_padding(&self) -> Vec<u8> {
        self.y
            .chunks(self.width + self.padding)
            .flat_map(|row| row[self.width..].to_vec())
            .collect()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Any size, any stride, either layout, any levels: no panic, chroma and row padding are
    /// never written, and levels 0/0 leave every byte as it was.
    #[test]
    fn any_frame_is_filtered_in_place_within_its_picture(
        width in 1usize..70,
        height in 1usize..50,
        padding in 0usize..5,
        nv12 in any::<bool>(),
        beauty in 0u8..=9,
        whiteness in 0u8..=9,
        seed in any::<u32>(),
    ) {
        let format = if nv12 { PixelFormat::Nv12 } else { PixelFormat::I420 };
        let mut buffer = Padded::new(format, width, height, padding, seed);
        let (chroma_before, padding_before, luma_before) =
            (buffer.chroma.clone(), buffer.luma_padding(), buffer.y.clone());
        filter(beauty, whiteness).apply(&mut buffer.view());
        prop_assert_eq!(&buffer.chroma, &chroma_before);
        prop_assert_eq!(buffer.luma_padding(), padding_before);
        if beauty == 0 && whiteness == 0 {
            prop_assert_eq!(&buffer.y, &luma_before);
        }
    }
}

#[test]
fn a_packed_frame_and_a_strided_copy_filter_identically() {
    let mut packed = Frame::new(PixelFormat::I420, 37, 23).unwrap();
    let mut strided = Padded::new(PixelFormat::I420, 37, 23, 11, 5);
    // Copy the strided picture into the packed frame.
    for (plane, source, row) in [
        (PlaneName::Y, &strided.y, 37),
        (PlaneName::U, &strided.chroma[0], 19),
        (PlaneName::V, &strided.chroma[1], 19),
    ] {
        let out = packed.plane_mut(plane).unwrap();
        for (r, out_row) in out.chunks_mut(row).enumerate() {
            out_row.copy_from_slice(&source[r * (row + 11)..r * (row + 11) + row]);
        }
    }
    filter(9, 9).apply(&mut packed.as_frame_mut());
    filter(9, 9).apply(&mut strided.view());
    let strided_luma: Vec<u8> = strided
        .y
        .chunks(48)
        .flat_map(|r| r[..37].to_vec())
        .collect();
    assert_eq!(packed.plane(PlaneName::Y).unwrap(), &strided_luma[..]);
}
