//! A small safe wrapper over libvpx's VP8 encoder and decoder.
//!
//! Configured for calls: one-pass CBR in realtime mode, no lag, error resilient, one thread
//! (measured best on 2 cores), keyframes only on request (PLI/FIR) or every
//! [`KEYFRAME_INTERVAL`] frames, and a bitrate that can change between frames.

// Unsafe code is allowed in this module only: libvpx is C: every call into it is unsafe, each block says why it holds.
#![allow(unsafe_code)]

use std::ffi::CStr;
use std::mem::MaybeUninit;
use std::ptr;

use vpx_sys as vpx;

use crate::error::{MediaError, MediaResult};
use crate::frame::I420Frame;

/// Frames between automatic keyframes; loss recovery relies on PLI, not on this.
pub const KEYFRAME_INTERVAL: u32 = 3000;

/// Settings of a [`Vp8Encoder`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vp8EncoderConfig {
    /// Picture width (even).
    pub width: u32,
    /// Picture height (even).
    pub height: u32,
    /// Expected frames per second (rate control timing).
    pub fps: u32,
    /// Target bitrate in kbps.
    pub bitrate_kbps: u32,
    /// Encoder threads.
    pub threads: u32,
    /// Screen content (a shared screen): libvpx's screen-content mode and a finer quantizer
    /// ceiling, so text stays sharp and pressure drops frames instead of detail.
    pub screen_content: bool,
}

/// The quantizer ceiling of screen content (camera video: 56).
pub const SCREEN_MAX_QUANTIZER: u32 = 48;

/// libvpx realtime speed for a picture size: -6 (libwebrtc's choice on few cores) below 720p,
/// -14 from 720p up. At 720p, -10 made delta frames ~8 ms instead of ~12 ms at -8 (wall time,
/// `cargo bench --bench codec`). -14 adds VP8's simple loop filter, which the decoder then runs
/// too: a run that encodes and decodes 60 frames of the test pattern at 2 Mbps takes 14 % fewer
/// instructions than at -10 (callgrind, which is deterministic where wall time on the shared VM
/// is not), and luma PSNR stays within 0.15 dB (39.95 against 39.80 dB over 300 frames at
/// 2 Mbps; 38.21 against 38.26 at 1.2 Mbps). -16 drops half-pixel motion search: 2.3 dB worse.
pub fn realtime_speed(width: u32, height: u32) -> i32 {
    if width * height >= 1280 * 720 {
        -14
    } else {
        -6
    }
}

/// One compressed VP8 frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedFrame {
    /// The VP8 bitstream of the frame.
    pub data: Vec<u8>,
    /// Whether it is a keyframe (decodable on its own).
    pub keyframe: bool,
}

fn codec_error(ctx: *mut vpx::vpx_codec_ctx_t, what: &str) -> MediaError {
    // SAFETY: vpx_codec_error returns a static or context-owned NUL-terminated string (never
    // null) for any context pointer, including a failed-init one.
    let detail = unsafe { CStr::from_ptr(vpx::vpx_codec_error(ctx)) }
        .to_string_lossy()
        .into_owned();
    MediaError::Codec {
        codec: "vp8",
        reason: format!("{what}: {detail}"),
    }
}

/// A libvpx VP8 encoder.
pub struct Vp8Encoder {
    // Boxed so the context keeps its address: libvpx keeps pointers into it between calls.
    ctx: Box<vpx::vpx_codec_ctx_t>,
    cfg: vpx::vpx_codec_enc_cfg_t,
    config: Vp8EncoderConfig,
    pts: i64,
}

// SAFETY: the libvpx context is only touched through &mut self, never from two threads at once,
// and libvpx keeps no thread-local state tied to the creating thread.
unsafe impl Send for Vp8Encoder {}

impl std::fmt::Debug for Vp8Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vp8Encoder")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Vp8Encoder {
    /// Creates an encoder; fails on sizes or rates libvpx rejects.
    pub fn new(config: Vp8EncoderConfig) -> MediaResult<Self> {
        if config.width == 0
            || config.height == 0
            || !config.width.is_multiple_of(2)
            || !config.height.is_multiple_of(2)
        {
            return Err(MediaError::InvalidConfig(format!(
                "VP8 size {}x{} must be even and non-zero",
                config.width, config.height
            )));
        }
        let mut cfg = MaybeUninit::<vpx::vpx_codec_enc_cfg_t>::zeroed();
        // SAFETY: cfg points to writable memory of the right type; the iface is static.
        let err = unsafe {
            vpx::vpx_codec_enc_config_default(vpx::vpx_codec_vp8_cx(), cfg.as_mut_ptr(), 0)
        };
        if err != vpx::VPX_CODEC_OK {
            return Err(MediaError::Codec {
                codec: "vp8",
                reason: format!("default config: {err:?}"),
            });
        }
        // SAFETY: vpx_codec_enc_config_default succeeded, so cfg is initialised.
        let mut cfg = unsafe { cfg.assume_init() };
        cfg.g_w = config.width;
        cfg.g_h = config.height;
        cfg.g_timebase = vpx::vpx_rational { num: 1, den: 1000 };
        cfg.g_threads = config.threads.max(1);
        cfg.g_error_resilient = vpx::VPX_ERROR_RESILIENT_DEFAULT;
        cfg.g_pass = vpx::vpx_enc_pass::VPX_RC_ONE_PASS;
        cfg.g_lag_in_frames = 0;
        cfg.rc_end_usage = vpx::vpx_rc_mode::VPX_CBR;
        cfg.rc_target_bitrate = config.bitrate_kbps.max(1);
        cfg.rc_min_quantizer = 2;
        // libwebrtc's VP8 ceiling: coarse enough that a low target is reachable at full size.
        // A shared screen keeps detail instead: text blurred by a coarse quantizer is unreadable,
        // so under pressure the frame dropper (below) lowers its frame rate first.
        cfg.rc_max_quantizer = if config.screen_content {
            SCREEN_MAX_QUANTIZER
        } else {
            56
        };
        cfg.rc_undershoot_pct = 100;
        cfg.rc_overshoot_pct = 15;
        // The encoder starts with this much of the link's rate in hand, and skips frames only
        // once its buffer falls to a third of the optimal level: at libwebrtc's 500 ms a fresh
        // encoder spent about 300 ms of extra bits in its first second (1,200 kbit at an 832
        // kbit/s target at 1280x720, 284 at 207 at 640x360, with the test pattern). A new
        // encoder starts at every change of picture size, so each size change in a capped call
        // overflowed the link's queue. At 200 ms the first second is 958 and 208 kbit.
        cfg.rc_buf_initial_sz = 200;
        cfg.rc_buf_optimal_sz = 600;
        cfg.rc_buf_sz = 1000;
        // When even the coarsest quantizer overshoots the target (the link was capped under
        // what this size needs), skip frames rather than overrun the link: the frame rate drops
        // before the picture freezes in a queue. libwebrtc's camera setting.
        cfg.rc_dropframe_thresh = 30;
        cfg.kf_mode = vpx::vpx_kf_mode::VPX_KF_AUTO;
        cfg.kf_min_dist = 0;
        cfg.kf_max_dist = KEYFRAME_INTERVAL;

        // SAFETY: an all-zero context is the documented "not yet initialised" state.
        let mut ctx: Box<vpx::vpx_codec_ctx_t> = Box::new(unsafe { std::mem::zeroed() });
        // SAFETY: ctx and cfg are valid for the call; the ABI version matches the bindings.
        let err = unsafe {
            vpx::vpx_codec_enc_init_ver(
                ctx.as_mut(),
                vpx::vpx_codec_vp8_cx(),
                &cfg,
                0,
                vpx::VPX_ENCODER_ABI_VERSION as i32,
            )
        };
        if err != vpx::VPX_CODEC_OK {
            return Err(codec_error(ctx.as_mut(), "encoder init"));
        }
        let mut encoder = Self {
            ctx,
            cfg,
            config,
            pts: 0,
        };
        encoder.control(
            vpx::vp8e_enc_control_id::VP8E_SET_CPUUSED as i32,
            realtime_speed(config.width, config.height),
        )?;
        encoder.control(
            vpx::vp8e_enc_control_id::VP8E_SET_NOISE_SENSITIVITY as i32,
            0,
        )?;
        encoder.control(
            vpx::vp8e_enc_control_id::VP8E_SET_STATIC_THRESHOLD as i32,
            1,
        )?;
        encoder.control(
            vpx::vp8e_enc_control_id::VP8E_SET_TOKEN_PARTITIONS as i32,
            0,
        )?;
        // Caps keyframes at 3x an average frame so a PLI does not burst the link.
        encoder.control(
            vpx::vp8e_enc_control_id::VP8E_SET_MAX_INTRA_BITRATE_PCT as i32,
            300,
        )?;
        if config.screen_content {
            // Mode 1: tools tuned for synthetic content (sharp edges, flat areas, text).
            encoder.control(
                vpx::vp8e_enc_control_id::VP8E_SET_SCREEN_CONTENT_MODE as i32,
                1,
            )?;
        }
        Ok(encoder)
    }

    fn control(&mut self, id: i32, value: i32) -> MediaResult<()> {
        // SAFETY: the context is initialised; every control used here takes one int.
        let err = unsafe { vpx::vpx_codec_control_(self.ctx.as_mut(), id, value) };
        if err != vpx::VPX_CODEC_OK {
            return Err(codec_error(self.ctx.as_mut(), "control"));
        }
        Ok(())
    }

    /// The settings in force.
    pub fn config(&self) -> Vp8EncoderConfig {
        self.config
    }

    /// Changes the target bitrate from the next frame on.
    pub fn set_bitrate(&mut self, kbps: u32) -> MediaResult<()> {
        self.cfg.rc_target_bitrate = kbps.max(1);
        // SAFETY: context initialised, cfg valid and of the same size as at init.
        let err = unsafe { vpx::vpx_codec_enc_config_set(self.ctx.as_mut(), &self.cfg) };
        if err != vpx::VPX_CODEC_OK {
            return Err(codec_error(self.ctx.as_mut(), "set bitrate"));
        }
        self.config.bitrate_kbps = kbps.max(1);
        Ok(())
    }

    /// Encodes `frame` (which must match the configured size), as a keyframe when asked.
    pub fn encode(&mut self, frame: &I420Frame, keyframe: bool) -> MediaResult<Vec<EncodedFrame>> {
        frame.validate()?;
        if (frame.width, frame.height) != (self.config.width, self.config.height) {
            return Err(MediaError::InvalidFrame(format!(
                "frame {}x{} does not match encoder {}x{}",
                frame.width, frame.height, self.config.width, self.config.height
            )));
        }
        let mut image = MaybeUninit::<vpx::vpx_image_t>::zeroed();
        // SAFETY: vpx_img_wrap only records the pointer (no read/write); we then point the
        // planes at our buffers, which outlive the encode call below.
        let image = unsafe {
            let img = vpx::vpx_img_wrap(
                image.as_mut_ptr(),
                vpx::vpx_img_fmt::VPX_IMG_FMT_I420,
                frame.width,
                frame.height,
                1,
                frame.y.as_ptr() as *mut u8,
            );
            if img.is_null() {
                return Err(MediaError::InvalidFrame("vpx_img_wrap failed".into()));
            }
            let mut image = image.assume_init();
            image.planes[0] = frame.y.as_ptr() as *mut u8;
            image.planes[1] = frame.u.as_ptr() as *mut u8;
            image.planes[2] = frame.v.as_ptr() as *mut u8;
            image.stride[0] = frame.stride_y as i32;
            image.stride[1] = frame.stride_uv as i32;
            image.stride[2] = frame.stride_uv as i32;
            image
        };
        let duration = (1000 / self.config.fps.max(1)) as u64;
        let flags = if keyframe {
            vpx::VPX_EFLAG_FORCE_KF as vpx::vpx_enc_frame_flags_t
        } else {
            0
        };
        // SAFETY: the image's planes point into `frame`, validated above to hold the size;
        // libvpx reads them only during this call.
        let err = unsafe {
            vpx::vpx_codec_encode(
                self.ctx.as_mut(),
                &image,
                self.pts,
                duration as _,
                flags,
                vpx::VPX_DL_REALTIME as _,
            )
        };
        if err != vpx::VPX_CODEC_OK {
            return Err(codec_error(self.ctx.as_mut(), "encode"));
        }
        self.pts += duration as i64;
        let mut out = Vec::new();
        let mut iter: vpx::vpx_codec_iter_t = ptr::null();
        loop {
            // SAFETY: iter starts null and is advanced only by libvpx.
            let pkt = unsafe { vpx::vpx_codec_get_cx_data(self.ctx.as_mut(), &mut iter) };
            if pkt.is_null() {
                break;
            }
            // SAFETY: non-null packets are valid until the next encode call.
            let pkt = unsafe { &*pkt };
            if pkt.kind != vpx::vpx_codec_cx_pkt_kind::VPX_CODEC_CX_FRAME_PKT {
                continue;
            }
            // SAFETY: kind says the union holds a frame; buf/sz describe libvpx's buffer.
            let (data, flags) = unsafe {
                let f = pkt.data.frame;
                (
                    std::slice::from_raw_parts(f.buf as *const u8, f.sz as usize).to_vec(),
                    f.flags,
                )
            };
            out.push(EncodedFrame {
                data,
                keyframe: flags & vpx::VPX_FRAME_IS_KEY != 0,
            });
        }
        Ok(out)
    }
}

impl Drop for Vp8Encoder {
    fn drop(&mut self) {
        // SAFETY: initialised in new(); destroyed exactly once here.
        unsafe { vpx::vpx_codec_destroy(self.ctx.as_mut()) };
    }
}

/// A libvpx VP8 decoder.
pub struct Vp8Decoder {
    ctx: Box<vpx::vpx_codec_ctx_t>,
}

// SAFETY: as for the encoder, the context is used through &mut self only.
unsafe impl Send for Vp8Decoder {}

impl std::fmt::Debug for Vp8Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vp8Decoder").finish_non_exhaustive()
    }
}

impl Vp8Decoder {
    /// Creates a decoder (single-threaded).
    pub fn new() -> MediaResult<Self> {
        // SAFETY: an all-zero context is the "not yet initialised" state.
        let mut ctx: Box<vpx::vpx_codec_ctx_t> = Box::new(unsafe { std::mem::zeroed() });
        // SAFETY: ctx valid; a null config means defaults; ABI version matches the bindings.
        let err = unsafe {
            vpx::vpx_codec_dec_init_ver(
                ctx.as_mut(),
                vpx::vpx_codec_vp8_dx(),
                ptr::null(),
                0,
                vpx::VPX_DECODER_ABI_VERSION as i32,
            )
        };
        if err != vpx::VPX_CODEC_OK {
            return Err(codec_error(ctx.as_mut(), "decoder init"));
        }
        Ok(Self { ctx })
    }

    /// Decodes one compressed frame; `Ok(None)` when it produced no picture.
    ///
    /// Corrupt input is an error, never a crash: libvpx validates the bitstream.
    pub fn decode(&mut self, data: &[u8]) -> MediaResult<Option<I420Frame>> {
        if data.is_empty() {
            return Err(MediaError::InvalidFrame("empty VP8 frame".into()));
        }
        // SAFETY: data is a valid slice for the call; libvpx copies what it keeps.
        let err = unsafe {
            vpx::vpx_codec_decode(
                self.ctx.as_mut(),
                data.as_ptr(),
                data.len() as u32,
                ptr::null_mut(),
                0,
            )
        };
        if err != vpx::VPX_CODEC_OK {
            return Err(codec_error(self.ctx.as_mut(), "decode"));
        }
        let mut iter: vpx::vpx_codec_iter_t = ptr::null();
        let mut last = None;
        loop {
            // SAFETY: iter starts null and is advanced only by libvpx.
            let img = unsafe { vpx::vpx_codec_get_frame(self.ctx.as_mut(), &mut iter) };
            if img.is_null() {
                break;
            }
            // SAFETY: non-null images stay valid until the next decode call.
            last = Some(copy_image(unsafe { &*img })?);
        }
        Ok(last)
    }
}

fn copy_image(img: &vpx::vpx_image_t) -> MediaResult<I420Frame> {
    if img.fmt != vpx::vpx_img_fmt::VPX_IMG_FMT_I420 {
        return Err(MediaError::InvalidFrame(format!(
            "decoder produced {:?}, expected I420",
            img.fmt
        )));
    }
    let (width, height) = (img.d_w, img.d_h);
    let (w, h) = (width as usize, height as usize);
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    // Planes are built row by row into exact-size buffers: filling a frame first and then
    // overwriting it cost a memset of every decoded picture.
    let plane = |i: usize, pw: usize, ph: usize| {
        let stride = img.stride[i] as usize;
        let mut out = Vec::with_capacity(pw * ph);
        for row in 0..ph {
            // SAFETY: libvpx guarantees each plane holds `ph` rows of `stride` bytes, and
            // stride >= the plane width for I420 output.
            let src = unsafe { std::slice::from_raw_parts(img.planes[i].add(row * stride), pw) };
            out.extend_from_slice(src);
        }
        out
    };
    let frame = I420Frame {
        width,
        height,
        y: plane(0, w, h),
        u: plane(1, cw, ch),
        v: plane(2, cw, ch),
        stride_y: w,
        stride_uv: cw,
        capture_time_us: 0,
    };
    frame.validate()?;
    Ok(frame)
}

impl Drop for Vp8Decoder {
    fn drop(&mut self) {
        // SAFETY: initialised in new(); destroyed exactly once here.
        unsafe { vpx::vpx_codec_destroy(self.ctx.as_mut()) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::test_pattern::{decode_stamp, TestPatternSource};
    use crate::source::VideoSource;

    fn encoder(width: u32, height: u32, kbps: u32) -> Vp8Encoder {
        Vp8Encoder::new(Vp8EncoderConfig {
            width,
            height,
            fps: 30,
            bitrate_kbps: kbps,
            threads: 1,
            screen_content: false,
        })
        .unwrap()
    }

    #[test]
    fn round_trip_keeps_the_frame_number_readable() {
        let mut source = TestPatternSource::unpaced(640, 480).unwrap();
        let mut enc = encoder(640, 480, 600);
        let mut dec = Vp8Decoder::new().unwrap();
        for n in 0..60u32 {
            let frame = source.next_frame().unwrap();
            let packets = enc.encode(&frame, false).unwrap();
            assert_eq!(packets.len(), 1, "one packet per frame with lag 0");
            assert_eq!(
                packets[0].keyframe,
                n == 0,
                "only the first frame is a keyframe"
            );
            let decoded = dec.decode(&packets[0].data).unwrap().unwrap();
            assert_eq!((decoded.width, decoded.height), (640, 480));
            let stamp = decode_stamp(&decoded).expect("code readable after VP8");
            assert_eq!(stamp.frame_number, n);
            assert_eq!(
                stamp.capture_time_us,
                frame.capture_time_us & ((1 << 48) - 1)
            );
        }
    }

    #[test]
    fn keyframe_on_request_and_bitrate_change() {
        let mut source = TestPatternSource::unpaced(320, 240).unwrap();
        let mut enc = encoder(320, 240, 300);
        enc.encode(&source.next_frame().unwrap(), false).unwrap();
        let delta = enc.encode(&source.next_frame().unwrap(), false).unwrap();
        assert!(!delta[0].keyframe);
        enc.set_bitrate(150).unwrap();
        assert_eq!(enc.config().bitrate_kbps, 150);
        let forced = enc.encode(&source.next_frame().unwrap(), true).unwrap();
        assert!(forced[0].keyframe);
        // A fresh decoder can start from the forced keyframe.
        let mut dec = Vp8Decoder::new().unwrap();
        let pic = dec.decode(&forced[0].data).unwrap().unwrap();
        assert_eq!(decode_stamp(&pic).unwrap().frame_number, 2);
    }

    #[test]
    fn bad_input_is_an_error() {
        let mut dec = Vp8Decoder::new().unwrap();
        assert!(dec.decode(&[]).is_err());
        assert!(dec.decode(&[0xff; 7]).is_err());
        let mut enc = encoder(320, 240, 300);
        let wrong = I420Frame::black(160, 120).unwrap();
        assert!(enc.encode(&wrong, false).is_err());
        assert!(Vp8Encoder::new(Vp8EncoderConfig {
            width: 321,
            height: 240,
            fps: 30,
            bitrate_kbps: 300,
            threads: 1,
            screen_content: false,
        })
        .is_err());
    }
}
