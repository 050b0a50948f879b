// Every header extension trait rtpx implements, one include for callers that dispatch on
// ExtensionType (the CLI's JSON output, the fuzzer).
#pragma once

#include "rtpx/rtp/extensions/abs_capture_time.hpp"
#include "rtpx/rtp/extensions/abs_send_time.hpp"
#include "rtpx/rtp/extensions/audio_level.hpp"
#include "rtpx/rtp/extensions/csrc_audio_level.hpp"
#include "rtpx/rtp/extensions/dependency_descriptor.hpp"
#include "rtpx/rtp/extensions/frame_marking.hpp"
#include "rtpx/rtp/extensions/playout_delay.hpp"
#include "rtpx/rtp/extensions/sdes.hpp"
#include "rtpx/rtp/extensions/transmission_offset.hpp"
#include "rtpx/rtp/extensions/transport_wide_cc.hpp"
#include "rtpx/rtp/extensions/video_orientation.hpp"
